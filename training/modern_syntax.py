"""Old SourcePawn syntax rewritten in the modern syntax the copilot teaches, or reported as not
convertible (the dataset then leaves the file out): the system prompt asks for modern SourcePawn,
so no training answer may show `new Float:x`, `public Plugin:myinfo` or `decl String:s[64]`.

| old | modern |
|---|---|
| `new Float:x = 1.0, y;` / `decl String:s[64];` | `float x = 1.0; int y;` / `char s[64];` |
| `public Plugin:myinfo = {...}` | `public Plugin myinfo = {...}` |
| `public Action:Cmd(client, args)` | `public Action Cmd(int client, int args)` |
| `public OnPluginStart()` (no tag) | `public void OnPluginStart()`; `int`, `bool`, `float` or `Action` when it returns a value of that kind |
| `stock F(const String:s[], &Float:f, Float:v[3], any:...)` | `stock void F(const char[] s, float &f, float v[3], any ...)` |
| `Float:GetRandomInt(1, 2)`, `_:x` | `view_as<float>(GetRandomInt(1, 2))`, `view_as<int>(x)` |

`#pragma newdecls required` is added to a plugin (`.sp`) after its includes when it lacks it (an
`#pragma newdecls optional` becomes `required`), so the rest of the file is held to the new syntax.

Not converted (the file is reported with the reason): functag, funcenum, old enum structs
(tagged enum fields), multi-tag declarations, declarations of natives and forwards without a
tag, and an untagged callback whose return type cannot be known (a function with no `return
value;` passed to something other than a hook that takes a void callback).
The result must parse without an error and without any old construct, or it is not used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spcopilot.diagnostics.parsing import Node, parse

OLD_NODES = frozenset(
    {
        "old_global_variable_declaration",
        "old_variable_declaration_statement",
        "old_for_loop_variable_declaration_statement",
        "old_type",
        "old_type_cast",
        "old_struct_field",
        "functag",
        "funcenum",
    }
)
_DECLARATIONS = frozenset(
    {
        "old_global_variable_declaration",
        "old_variable_declaration_statement",
        "old_for_loop_variable_declaration_statement",
    }
)
_BUILTIN = {"Float": "float", "String": "char", "bool": "bool", "_": "int", "any": "any"}
# Registration calls whose callback may return nothing (a void callback is one of their typesets).
VOID_CALLBACK_TAKERS = frozenset(
    {
        "HookEvent", "HookEventEx", "UnhookEvent", "HookConVarChange", "UnhookConVarChange", "SQL_TQuery",
        "SQL_TConnect", "RequestFrame", "SDKHook", "SDKHookEx", "SDKUnhook", "HookEntityOutput",
        "HookSingleEntityOutput", "QueryClientConVar", "AddChangeHook", "Query", "Connect",
    }
)  # fmt: skip
_PRAGMA = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+newdecls[ \t]+(\w+)", re.M)


class NotConvertible(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Modernised:
    text: str
    converted: bool = False  # old syntax was rewritten
    pragma_added: bool = False  # `#pragma newdecls required` added (or `optional` made `required`)
    problem: str = ""  # why the file could not be converted ("" when it was, or needed nothing)


def _type_prefix(node: Node) -> bool:
    """`StringMap` alone on a line before `g_map = null;` (or `public APLRes` before
    `AskPluginLoad2(...)`): modern code the grammar reads as an untagged old declaration of one
    bare name, without `new`/`decl` and without a semicolon."""
    if node.type not in _DECLARATIONS or any(c.type in ("new", "decl", ";") for c in node.children):
        return False
    declarators = [c for c in node.children if c.type == "old_variable_declaration"]
    return len(declarators) == 1 and declarators[0].named_child_count == 1


def misread_modern(root: Node) -> set[int]:
    """Ids of the nodes of modern declarations the grammar split in two (a type prefix and what
    follows it): they are left as they are."""
    found: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        children = [c for c in node.children if c.type != "comment"]
        for i, child in enumerate(children[:-1]):
            if _type_prefix(child) and children[i + 1].type in (*_DECLARATIONS, "function_definition"):
                found.update((child.id, children[i + 1].id))
        stack.extend(children)
    return found


def old_constructs(root: Node) -> list[str]:
    """The old-syntax constructs in a tree (node types, and untagged functions or parameters)."""
    found: list[str] = []
    modern = misread_modern(root)
    stack = [root]
    while stack:
        node = stack.pop()
        if node.id in modern:
            if node.type == "function_definition":
                stack.extend(node.children)  # its parameters and body may still be old
            continue
        if node.type in OLD_NODES:
            found.append(node.type)
        elif node.type in ("function_definition", "function_declaration") and _untagged_function(node):
            found.append("untagged function")
        elif node.type == "parameter_declaration" and node.child_by_field_name("name") is not None:
            if not any(c.type in ("type", "old_type", "array_type") for c in node.children):
                found.append("untagged parameter")
        elif node.type == "enum_entry" and node.child_by_field_name("type") is not None:
            found.append("tagged enum field")
        elif node.type == "struct_declaration" and any(c.type == ":" for c in node.children):
            found.append("old struct declaration")
        stack.extend(node.children)
    return found


def _untagged_function(node: Node) -> bool:
    return node.child_by_field_name("returnType") is None and node.child_by_field_name("name") is not None


def modernise(text: str, plugin: bool = True) -> Modernised:
    """`text` in modern syntax (see the module docs); `plugin`: a `.sp` file that gets the pragma."""
    source = text.encode("utf-8")
    tree = parse(source)
    if tree.root_node.has_error:
        return Modernised(text, problem="the file does not parse")
    converted = False
    if old_constructs(tree.root_node):
        try:
            source = _Converter(source, tree.root_node).render(tree.root_node).encode("utf-8")
        except NotConvertible as exc:
            return Modernised(text, problem=str(exc))
        except RecursionError:
            return Modernised(text, problem="too deeply nested to convert")
        tree = parse(source)
        if tree.root_node.has_error:
            return Modernised(text, problem="the conversion does not parse")
        left = old_constructs(tree.root_node)
        if left:
            return Modernised(text, problem=f"old syntax left after the conversion: {', '.join(sorted(set(left)))}")
        converted = True
    added = False
    if plugin:
        source, added = _with_pragma(source, tree.root_node)
    return Modernised(source.decode("utf-8"), converted, added)


def _with_pragma(source: bytes, root: Node) -> tuple[bytes, bool]:
    found = list(_PRAGMA.finditer(source))
    if any(m.group(1) == b"required" for m in found):
        return source, False
    if found:  # optional: the file is modern now
        m = found[-1]
        return source[: m.start(1)] + b"required" + source[m.end(1) :], True
    at = 0
    for child in root.children:
        if child.type in ("comment", "preproc_include", "preproc_pragma", "preproc_define"):
            if child.type in ("preproc_include", "preproc_pragma"):
                at = child.end_byte
            continue
        break
    if at:
        line_end = source.find(b"\n", at)
        at = len(source) if line_end < 0 else line_end + 1
        return source[:at] + b"\n#pragma newdecls required\n" + source[at:], True
    return b"#pragma newdecls required\n\n" + source, True


class _Converter:
    """Renders a tree as text, rewriting the old constructs (a walk that copies everything else)."""

    def __init__(self, source: bytes, root: Node) -> None:
        self.source = source
        self.callbacks = _callback_uses(source, root)
        self.constants = _constants(source, root)
        self.modern = misread_modern(root)

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def gap(self, start: int, end: int) -> str:
        return self.source[start:end].decode("utf-8", "replace")

    def render(self, node: Node) -> str:
        handler = _HANDLERS.get(node.type)
        if handler is not None:
            return handler(self, node)
        if node.child_count == 0:
            return self.text(node)
        return self.children(node, node.children)

    def children(self, node: Node, children: list[Node], replaced: dict[int, str] | None = None) -> str:
        out, pos = [], node.start_byte
        for child in children:
            out.append(self.gap(pos, child.start_byte))
            out.append(replaced[child.id] if replaced and child.id in replaced else self.render(child))
            pos = child.end_byte
        out.append(self.gap(pos, node.end_byte))
        return "".join(out)

    # -- types ----------------------------------------------------------------------------------
    def type_of(self, old: Node | None) -> str:
        if old is None:
            return "int"
        if old.type != "old_type":
            return self.text(old)
        inner = old.named_children[0] if old.named_children else None
        if inner is None:
            raise NotConvertible(f"an empty tag `{self.text(old)}`")
        if inner.type == "multi_tag":
            raise NotConvertible(f"a multi-tag declaration `{self.text(old)}`")
        name = self.text(inner)
        return _BUILTIN.get(name, name)

    # -- declarations ---------------------------------------------------------------------------
    def _declaration(self, node: Node, separate_ok: bool, local: bool) -> str:
        if node.id in self.modern:
            return self.text(node)  # `StringMap\n    g_map = null;`: modern code the grammar reads as old
        prefix = []
        declarators = []
        for child in node.children:
            if child.type in ("visibility", "variable_storage_class"):
                prefix.append(self.text(child))
            elif child.type == "old_variable_declaration":
                declarators.append(child)
        if "const" in prefix and "static" not in prefix and any(_dimensions(d) for d in declarators):
            prefix.insert(0, "static")  # `const char x[] = ...` alone does not compile; a constant is static anyway
        head = "".join(p + " " for p in prefix)
        parts = []
        for d in declarators:
            type_name = self.type_of(d.child_by_field_name("type"))
            dynamic = local and self.dynamic_size(d)
            if dynamic:
                parts.append(
                    (f"{type_name}[]", f"{self.text(d.child_by_field_name('name'))} = new {type_name}[{dynamic}]")
                )
            else:
                parts.append((type_name, self.declarator(d)))
        end = ";" if node.children and node.children[-1].type == ";" else ""
        if len({t for t, _ in parts}) == 1:
            return f"{head}{parts[0][0]} {', '.join(d for _, d in parts)}{end}"
        if not separate_ok:
            raise NotConvertible("a for-loop declaring variables of different types")
        return " ".join(f"{head}{t} {d};" for t, d in parts)

    def dynamic_size(self, declarator: Node) -> str:
        """The size expression of a local array sized at run time (`new clients[MaxClients + 1]`),
        which the modern syntax writes `int[] clients = new int[MaxClients + 1]`; "" otherwise."""
        dims = _dimensions(declarator)
        sized = [d for d in dims if d.type == "fixed_dimension"]
        if not sized:
            return ""
        names = [self.text(n) for d in sized for n in _identifiers(d)]
        if all(self.constant(n) for n in names):
            return ""
        if len(dims) > 1 or declarator.child_by_field_name("initialValue") is not None:
            raise NotConvertible(f"a run-time sized array `{self.text(declarator)}`")
        inner = sized[0].named_children
        return self.render(inner[0]) if inner else ""

    def constant(self, name: str) -> bool:
        return name in self.constants or (re.fullmatch(r"[A-Z][A-Z0-9_]*", name) is not None)

    def declarator(self, node: Node) -> str:
        """`name[dims] = value` of an old declarator, without its tag."""
        kept = [c for c in node.children if c.type != "old_type"]
        start = kept[0].start_byte
        out, pos = [], start
        for child in kept:
            out.append(self.gap(pos, child.start_byte))
            out.append(self.render(child))
            pos = child.end_byte
        return "".join(out)

    def _old_global_variable_declaration(self, node: Node) -> str:
        return self._declaration(node, separate_ok=True, local=False)

    def _old_variable_declaration_statement(self, node: Node) -> str:
        return self._declaration(node, separate_ok=True, local=True)

    def _old_for_loop_variable_declaration_statement(self, node: Node) -> str:
        return self._declaration(node, separate_ok=False, local=True)

    def _struct_declaration(self, node: Node) -> str:
        colon = [c for c in node.children if c.type == ":"]
        return self.children(node, node.children, {c.id: " " for c in colon})

    def _old_type_cast(self, node: Node) -> str:
        tag = self.type_of(node.child_by_field_name("type"))
        if tag == "char":
            raise NotConvertible("a String: cast")
        value = node.child_by_field_name("value")
        if value is None:
            raise NotConvertible("a cast without a value")
        return f"view_as<{tag}>({self.render(value)})"

    # -- functions ------------------------------------------------------------------------------
    def _function_definition(self, node: Node) -> str:
        return self.function(node, definition=True)

    def _function_declaration(self, node: Node) -> str:
        return self.function(node, definition=False)

    def function(self, node: Node, definition: bool) -> str:
        returns = node.child_by_field_name("returnType")
        name = node.child_by_field_name("name")
        replaced: dict[int, str] = {}
        if returns is not None and returns.type == "old_type":
            replaced[returns.id] = self.type_of(returns) + " "
        elif returns is None and name is not None and node.id not in self.modern:
            if not definition:
                raise NotConvertible(f"`{self.text(name)}` is declared without a return tag")
            replaced[name.id] = f"{self.inferred_return(node, self.text(name))} {self.text(name)}"
        text = self.children(node, node.children, replaced)
        return text

    def inferred_return(self, function: Node, name: str) -> str:
        kinds = set()
        stack = [function.child_by_field_name("body")]
        while stack:
            n = stack.pop()
            if n is None:
                continue
            if n.type == "return_statement":
                value = n.child_by_field_name("expression")
                if value is not None:
                    kinds.add(_value_kind(value, self.text(value)))
            stack.extend(n.children)
        if not kinds:
            takers = self.callbacks.get(name, set())
            if takers - VOID_CALLBACK_TAKERS:
                raise NotConvertible(
                    f"`{name}` returns nothing and is passed to {', '.join(sorted(takers - VOID_CALLBACK_TAKERS))}: "
                    "its return type cannot be known"
                )
            return "void"
        if len(kinds) > 1:
            kinds.discard("int")
        if len(kinds) > 1:
            raise NotConvertible(f"`{name}` returns values of several kinds ({', '.join(sorted(kinds))})")
        return kinds.pop()

    def _parameter_declaration(self, node: Node) -> str:
        if node.child_by_field_name("name") is None:
            return self.children(node, node.children)
        if any(c.type in ("type", "array_type") for c in node.children):
            return self.children(node, node.children)  # already modern
        const = any(c.type == "variable_storage_class" for c in node.children)
        by_ref = any(c.type == "&" for c in node.children)
        old = next((c for c in node.children if c.type == "old_type"), None)
        type_name = self.type_of(old)
        name = node.child_by_field_name("name")
        assert name is not None
        dims = [c for c in node.children if c.type in ("dimension", "fixed_dimension")]
        open_dims = "".join("[]" for d in dims if d.type == "dimension")
        fixed = "".join(self.render(d) for d in dims if d.type == "fixed_dimension")
        if open_dims and fixed:
            raise NotConvertible(f"a parameter with open and fixed dimensions `{self.text(node)}`")
        default = ""
        value_at = next((i for i, c in enumerate(node.children) if c.type == "="), None)
        if value_at is not None:
            default = " = " + "".join(self.render(c) for c in node.children[value_at + 1 :])
        head = ("const " if const else "") + type_name + open_dims + " " + ("&" if by_ref else "")
        return f"{head}{self.text(name)}{fixed}{default}"

    def _rest_parameter(self, node: Node) -> str:
        old = node.child_by_field_name("type")
        if old is None or old.type != "old_type":
            return self.children(node, node.children)
        type_name = self.type_of(old)
        const = any(c.type == "variable_storage_class" for c in node.children)
        return ("const " if const else "") + type_name + " ..."

    # -- what is not converted ------------------------------------------------------------------
    def _functag(self, node: Node) -> str:
        raise NotConvertible("a functag")

    def _funcenum(self, node: Node) -> str:
        raise NotConvertible("a funcenum")

    def _old_struct_field(self, node: Node) -> str:
        raise NotConvertible("an old struct field")

    def _enum_entry(self, node: Node) -> str:
        if node.child_by_field_name("type") is not None:
            raise NotConvertible("an old enum struct (tagged enum fields)")
        return self.children(node, node.children)


_HANDLERS: dict[str, Callable[[_Converter, Node], str]] = {
    "old_global_variable_declaration": _Converter._old_global_variable_declaration,
    "old_variable_declaration_statement": _Converter._old_variable_declaration_statement,
    "old_for_loop_variable_declaration_statement": _Converter._old_for_loop_variable_declaration_statement,
    "struct_declaration": _Converter._struct_declaration,
    "old_type_cast": _Converter._old_type_cast,
    "function_definition": _Converter._function_definition,
    "function_declaration": _Converter._function_declaration,
    "parameter_declaration": _Converter._parameter_declaration,
    "rest_parameter": _Converter._rest_parameter,
    "functag": _Converter._functag,
    "funcenum": _Converter._funcenum,
    "old_struct_field": _Converter._old_struct_field,
    "enum_entry": _Converter._enum_entry,
}


def _value_kind(value: Node, text: str) -> str:
    if value.type == "bool_literal":
        return "bool"
    if value.type == "float_literal":
        return "float"
    if value.type == "identifier" and text.startswith("Plugin_"):
        return "Action"
    if value.type == "old_type_cast":
        tag = value.child_by_field_name("type")
        inner = tag.named_children[0] if tag is not None and tag.named_children else None
        if inner is not None:
            name = inner.text.decode("utf-8", "replace") if inner.text else ""
            return {"Float": "float", "bool": "bool", "_": "int", "Action": "Action"}.get(name, "int")
    return "int"


def _dimensions(declarator: Node) -> list[Node]:
    return [c for c in declarator.children if c.type in ("dimension", "fixed_dimension")]


def _identifiers(node: Node) -> list[Node]:
    found, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.type == "sizeof_expression":
            continue  # sizeof(x) is a constant
        if n.type == "identifier":
            found.append(n)
        stack.extend(n.children)
    return found


def _constants(source: bytes, root: Node) -> set[str]:
    """Names the file defines as constants: #define, enum entries, const variables."""
    names: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        name = None
        if node.type == "preproc_define" or node.type == "enum_entry":
            name = node.child_by_field_name("name")
        elif node.type in ("variable_declaration", "old_variable_declaration"):
            parent = node.parent
            if parent is not None and any(
                c.type == "variable_storage_class" and c.text == b"const" for c in parent.children
            ):
                name = node.child_by_field_name("name")
        if name is not None:
            names.add(source[name.start_byte : name.end_byte].decode("utf-8", "replace"))
        stack.extend(node.children)
    return names


def _callback_uses(source: bytes, root: Node) -> dict[str, set[str]]:
    """name -> the functions (or methods) that receive it as an argument somewhere."""
    uses: dict[str, set[str]] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if fn is not None and args is not None:
                callee = fn.child_by_field_name("field") if fn.type == "field_access" else fn
                called = source[callee.start_byte : callee.end_byte].decode("utf-8", "replace") if callee else ""
                for arg in args.named_children:
                    if arg.type == "identifier":
                        uses.setdefault(source[arg.start_byte : arg.end_byte].decode("utf-8", "replace"), set()).add(
                            called
                        )
        stack.extend(node.children)
    return uses
