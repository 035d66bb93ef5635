"""What a function's parameters are by contract: the names SourceMod's (or an include's)
declarations give them, not the names the plugin author chose.

A plugin function implements a contract when it is a forward's implementation
(`public void OnClientPutInServer(int client)`: the forward declares `int client`) or when it is
handed to a native as a callback (`RegConsoleCmd("sm_x", Command_X)`: the native's parameter is
a `ConCmd`, `typedef ConCmd = function Action (int client, int args)`). The contract's parameter
names are read from the include scope's declarations; a typeset or funcenum holds several
signatures, and a position counts only where every signature of the callback's arity agrees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from spcopilot.diagnostics.include_symbols import Symbol

_SIGNATURE_PARAMS = re.compile(r"\(([^()]*)\)")
_WORD = re.compile(r"[A-Za-z_]\w*")
_FUNCTION_TYPES = frozenset({"typedef", "typeset", "funcenum", "functag"})


def parameter_name(written: str) -> str:
    """`count` for `int count`, `const char[] name`, `float pos[3]`, `int &count = 0`, `Float:count`."""
    head = written.split("=", 1)[0]
    head = re.sub(r"\[[^\]]*\]", "", head)
    words = _WORD.findall(head)
    return words[-1] if words else ""


def parameter_type(written: str) -> str:
    """`ConCmd` for `ConCmd callback`, `Timer:func` (old syntax: the tag)."""
    head = written.split("=", 1)[0].strip()
    if ":" in head:
        return head.split(":", 1)[0].split()[-1] if head.split(":", 1)[0].split() else ""
    words = [w for w in _WORD.findall(head) if w != "const"]
    return words[0] if len(words) > 1 else ""


def signatures(function_type: Symbol) -> list[list[str]]:
    """The parameter lists of a function type's signatures, each as the parameters' names."""
    text = function_type.signature
    if function_type.kind in ("typedef", "functag") and function_type.params:
        return [[parameter_name(p) for p in function_type.params]]
    body = text.split("=", 1)[1] if function_type.kind == "typedef" and "=" in text else text
    out = []
    for m in _SIGNATURE_PARAMS.finditer(body):
        inside = m.group(1).strip()
        out.append([parameter_name(p) for p in inside.split(",")] if inside and inside != "void" else [])
    return out


def forward_parameters(declarations: Sequence[Symbol]) -> list[str] | None:
    """A forward's parameter names, when the declarations hold one."""
    for d in declarations:
        if d.kind == "forward":
            return [parameter_name(p) for p in d.params]
    return None


def callback_parameters(
    callee: Sequence[Symbol], position: int, arity: int, type_declarations: Callable[[str], Sequence[Symbol]]
) -> list[str] | None:
    """The parameter names a callback of `arity` parameters gets when passed as argument
    `position` of a native/stock declared as `callee`: its function type's signatures of that
    arity, a name kept where all of them agree (else "")."""
    for d in callee:
        if d.kind not in ("native", "stock", "function") or position >= len(d.params):
            continue
        type_name = parameter_type(d.params[position])
        types = [t for t in type_declarations(type_name) if t.kind in _FUNCTION_TYPES] if type_name else []
        fitting = [s for t in types for s in signatures(t) if len(s) == arity]
        if not fitting:
            continue
        return [names[0] if len(set(names)) == 1 else "" for names in zip(*fitting, strict=True)]
    return None


# A doc comment's `@return` that says the value is a client: "Client index", "Victim client
# index", "The client index", "Client ID of the player ..." (not "Client count", "True if ...").
_RETURNS_CLIENT = re.compile(r"@return\s+(?:the\s+)?(?:\w+\s+)?client\s+(?:index|id)\b", re.I)


def returns_client_index(declarations: Sequence[Symbol]) -> bool:
    """Is the function (a native or stock of the includes) documented to return a client index?"""
    return any(
        d.kind in ("native", "stock") and d.return_type in ("int", "") and _RETURNS_CLIENT.search(d.doc)
        for d in declarations
    )
