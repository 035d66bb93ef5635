"""Facts about one function body, found with small queries run over that function only.

Shared by the timer/handle rules (SPC4xx) and the security rules (SPC5xx): which calls a
function makes, what it declares, deletes and assigns, and how to remove a statement.
"""

from __future__ import annotations

from spcopilot.diagnostics.context import LINT_STARTS
from spcopilot.diagnostics.matching import query_captures
from tree_sitter import Node

_CALLS = "(call_expression) @call"
_IDENTIFIERS = "(identifier) @id"
_DECLARATIONS = """
(variable_declaration name: (identifier) @name) @decl
(old_variable_declaration name: (identifier) @name) @decl
"""
_ASSIGNMENTS = "(assignment_expression) @assign"
_DELETES = "(delete_statement) @delete"
_RETURNS = "(return_statement) @return"

NULLS = frozenset({"null", "INVALID_HANDLE"})
STATEMENTS = frozenset(
    {
        "expression_statement",
        "delete_statement",
        "return_statement",
        "variable_declaration_statement",
        "old_variable_declaration_statement",
        "condition_statement",
        "for_statement",
        "while_statement",
        "do_while_statement",
        "switch_statement",
        "block",
        "break_statement",
        "continue_statement",
    }
)
CLOSERS = frozenset({"CloseHandle", "KillTimer"})


def _captures(node: Node, query: str, name: str) -> list[Node]:
    return list(_cached_captures(node, query, name))


# Several rules ask the same questions about one function, so the answers are kept for the
# lint that asked: nodes hash and compare by tree and position (an entry never answers for
# another tree), and each cached node keeps its whole tree alive, so the cache is emptied when
# the next lint starts (a bound across lints kept up to 4,096 closed documents' trees).
_CAPTURED: dict[tuple[Node, str, str], tuple[Node, ...]] = {}
_MAX_CAPTURED = 4096


def _cached_captures(node: Node, query: str, name: str) -> tuple[Node, ...]:
    key = (node, query, name)
    found = _CAPTURED.get(key)
    if found is None:
        if len(_CAPTURED) >= _MAX_CAPTURED:
            _CAPTURED.clear()
        nodes = query_captures(query, node).get(name, [])
        found = _CAPTURED[key] = tuple(sorted(nodes, key=lambda n: n.start_byte))
    return found


def forget_trees() -> None:
    """Drop every cached node (and with them the trees they keep alive)."""
    _CAPTURED.clear()


LINT_STARTS.append(forget_trees)


def text(node: Node | None, source: bytes) -> str:
    return "" if node is None else source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def body(function: Node) -> Node | None:
    return function.child_by_field_name("body")


def calls(function: Node) -> list[Node]:
    """Every call_expression inside the function, in source order."""
    return _captures(function, _CALLS, "call")


def callee(call: Node, source: bytes) -> str:
    """`Foo` for Foo(...), `Query` for db.Query(...)."""
    fn = call.child_by_field_name("function")
    if fn is not None and fn.type == "field_access":
        fn = fn.child_by_field_name("field")
    return text(fn, source)


def receiver(call: Node, source: bytes) -> str:
    """`db` for db.Query(...), "" for a plain call."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "field_access":
        return ""
    return text(unwrap(fn.child_by_field_name("target")), source)


def arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [c for c in args.named_children if c.type != "comment"] if args is not None else []


def unwrap(node: Node | None) -> Node | None:
    """`x` for `(x)` and `view_as<T>(x)`."""
    while node is not None:
        if node.type == "parenthesized_expression" and node.named_child_count:
            node = node.named_children[0]
        elif node.type == "view_as":
            node = node.child_by_field_name("value")
        else:
            return node
    return None


def name_of(node: Node | None, source: bytes) -> str:
    """The variable an expression names: `x` for x, (x), view_as<T>(x) and x[i]; else ""."""
    node = unwrap(node)
    if node is not None and node.type == "array_indexed_access":
        node = node.child_by_field_name("array")
    return text(node, source) if node is not None and node.type == "identifier" else ""


def is_null(node: Node | None, source: bytes) -> bool:
    node = unwrap(node)
    return node is not None and (node.type == "null" or text(node, source) in NULLS)


def identifiers(function: Node, name: str, source: bytes) -> list[Node]:
    encoded = name.encode()
    return [n for n in _captures(function, _IDENTIFIERS, "id") if source[n.start_byte : n.end_byte] == encoded]


def initial_value(declaration: Node) -> Node | None:
    """The initialiser of a declaration (the old-syntax field also holds the `=` token)."""
    values = [n for n in declaration.children_by_field_name("initialValue") if n.is_named]
    return unwrap(values[0]) if values else None


def parameter_names(function: Node, source: bytes) -> list[str]:
    params = function.child_by_field_name("parameters")
    out = []
    for p in params.named_children if params else ():
        name = p.child_by_field_name("name")
        out.append(text(name, source) if name is not None else "")
    return out


def aliases(function: Node, name: str, source: bytes) -> set[str]:
    """`name` plus locals initialised straight from it (`int client = data;`,
    `DataPack pack = view_as<DataPack>(data);`)."""
    names = {name}
    block = body(function)
    if block is not None:
        for decl in _captures(block, _DECLARATIONS, "decl"):
            value = initial_value(decl)
            if value is not None and value.type == "identifier" and text(value, source) in names:
                names.add(text(decl.child_by_field_name("name"), source))
    return names


def assignments(function: Node) -> list[Node]:
    return _captures(function, _ASSIGNMENTS, "assign")


def assigned_names(function: Node, source: bytes) -> set[str]:
    """Variables (array names for `a[i] = ...`) assigned anywhere in the function."""
    return {name_of(a.child_by_field_name("left"), source) for a in assignments(function)} - {""}


def closes(function: Node, source: bytes) -> list[tuple[str, Node]]:
    """(variable, statement-or-call) for each `delete x`, `CloseHandle(x)`, `KillTimer(x)`,
    `x.Close()` in the function; the variable is the array name for `x[i]`."""
    out = []
    for d in _captures(function, _DELETES, "delete"):
        name = name_of(d.child_by_field_name("free"), source)
        if name:
            out.append((name, d))
    for c in calls(function):
        fn = callee(c, source)
        args = arguments(c)
        if fn in CLOSERS and args and name_of(args[0], source):
            out.append((name_of(args[0], source), c))
        elif fn == "Close" and receiver(c, source) and not args:
            out.append((receiver(c, source), c))
    return out


def returns(function: Node) -> list[Node]:
    return _captures(function, _RETURNS, "return")


def return_type(function: Node, source: bytes) -> str:
    """`Action`, `void`, `int`, ... ("" for an old-syntax function without a tag)."""
    node = function.child_by_field_name("returnType")
    return text(node, source).rstrip(":").strip() if node is not None else ""


def statement_of(node: Node) -> Node | None:
    """The statement a node is part of."""
    current: Node | None = node
    while current is not None and current.type not in STATEMENTS:
        current = current.parent
    return current


def line_indent(node: Node, source: bytes) -> str:
    start = source.rfind(b"\n", 0, node.start_byte) + 1
    prefix = source[start : node.start_byte]
    return prefix.decode() if not prefix.strip() else prefix[: len(prefix) - len(prefix.lstrip())].decode()


def removal(statement: Node, source: bytes) -> tuple[int, int]:
    """The bytes to delete to remove a statement: its whole line when it is alone there."""
    line_start = source.rfind(b"\n", 0, statement.start_byte) + 1
    line_end = source.find(b"\n", statement.end_byte)
    line_end = len(source) if line_end == -1 else line_end
    before = source[line_start : statement.start_byte]
    after = source[statement.end_byte : line_end]
    if not before.strip() and not after.strip():
        return line_start, min(line_end + 1, len(source))
    trailing = len(after) - len(after.lstrip(b" \t"))
    return statement.start_byte, statement.end_byte + trailing
