from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import cache

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.props.prop_calls import ACCESSORS
from tree_sitter import Node

MIN_RATIO = 0.88
# A name that stops short of a known one ("m_flLaggedMovement") is a typo too when it keeps
# most of it.
MIN_PREFIX_SHARE = 0.75
# The Hungarian type prefix of a property name: m_fl, m_i, m_b, m_n, m_h, m_is, m_vec, ...
_TYPE_PREFIX = re.compile(r"^m_(fl|f|i|n|b|h|is|vec|ang|sz|isz|e|us|ui|ch|clr|str|p)?(?=[A-Z])")


def split_type_prefix(name: str) -> tuple[str, str]:
    m = _TYPE_PREFIX.match(name)
    if m is None:
        return "", name[2:] if name.startswith("m_") else name
    return m.group(1) or "", name[m.end() :]


def same_but_type(a: str, b: str) -> bool:
    """`m_iProgressBarDuration` vs `m_flProgressBarDuration`, `m_nFlags` vs `m_fFlags`:
    different properties (often of another game or entity), not typos of each other."""
    (pa, ba), (pb, bb) = split_type_prefix(a), split_type_prefix(b)
    return pa != pb and ba.lower() == bb.lower()


def _words(name: str) -> list[str]:
    prefix, body = split_type_prefix(name)
    return [prefix, *re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", body)]


def one_word_apart(a: str, b: str) -> bool:
    """`m_angAbsRotation` vs `m_angRotation`: one whole word added, a different property."""
    wa, wb = _words(a), _words(b)
    if abs(len(wa) - len(wb)) != 1:
        return False
    short, long = (wa, wb) if len(wa) < len(wb) else (wb, wa)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@cache
def closest_known(name: str) -> str | None:
    """The one known property `name` looks like a misspelling of, or None."""
    known = l4d2_netprops()
    if name in known or not name.startswith("m_") or "[" in name or "." in name:
        return None
    found = set()
    for candidate in known:
        if same_but_type(name, candidate):
            continue
        matcher = difflib.SequenceMatcher(None, name, candidate)
        if (
            matcher.real_quick_ratio() >= MIN_RATIO
            and matcher.quick_ratio() >= MIN_RATIO
            and matcher.ratio() >= MIN_RATIO
            and not one_word_apart(name, candidate)
        ) or (
            candidate.startswith(name)
            and len(name) >= MIN_PREFIX_SHARE * len(candidate)
            and candidate[len(name)].isupper()
        ):
            found.add(candidate)
    return found.pop() if len(found) == 1 else None


# The functions taking a property name, and the argument it is.
PROP_ARGUMENT = {
    **dict.fromkeys(("FindSendPropInfo", "FindDataMapInfo", "FindSendPropOffs", "FindDataMapOffs"), 1),
    **dict.fromkeys((*ACCESSORS, "HasEntProp", "GetEntPropArraySize"), 2),
}


class NetpropTypo(Rule):
    code = "SPC304"
    name = "netprop-typo"
    severity = Severity.HINT
    item_local = True
    summary = "A property name that looks like a misspelt known L4D2 netprop"
    games = L4D_OR_GENERIC
    fixable = True
    docs = """
## What it does
Checks the property name of `Get/SetEntProp*`, `HasEntProp`, `GetEntPropArraySize`,
`FindSendPropInfo` and `FindDataMapInfo` against the known L4D2 netprops and flags a name
that is not known but is very close to exactly one known name: `"m_zombieclass"`
(`m_zombieClass`), `"m_isIncapacitaed"` (`m_isIncapacitated`), `"m_flLaggedMovement"`
(`m_flLaggedMovementValue`). Names far from every known one are left alone (the table is
not exhaustive), and so are names that differ from a known one only in the type prefix
(`m_iProgressBarDuration` is L4D1's real name for `m_flProgressBarDuration`) or by one whole
word inside the name (`m_angAbsRotation` is a real field next to `m_angRotation`).

## Why is this bad?
Property names are looked up by exact, case-sensitive name at runtime: a typo throws
"Property \\"m_zombieclass\\" not found" (or makes `HasEntProp` silently false), usually in a
callback that then stops working.

## Example
```sourcepawn
int class = GetEntProp(client, Prop_Send, "m_zombieclass");
```

## Use instead
```sourcepawn
int class = GetEntProp(client, Prop_Send, "m_zombieClass");
```
The fix is unsafe: the table is not exhaustive, so check that the property you meant is the
suggested one.
"""
    calls = frozenset(PROP_ARGUMENT)

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        function = call.child_by_field_name("function")
        args = ctx.args(call)
        position = PROP_ARGUMENT[callee]
        if function is None or function.type != "identifier" or len(args) <= position:
            return
        node = args[position]
        name = ctx.string_value(node)
        if not name:
            return
        known = closest_known(name)
        if known is None:
            return
        message = f'"{name}" is not a known netprop; did you mean "{known}"?'
        if name.lower() == known.lower():
            message += " (property names are case-sensitive)"
        fix = self.fix(ctx, f'Replace with "{known}"', (node.start_byte, node.end_byte, f'"{known}"'), safe=False)
        yield self.diagnostic(ctx, node, message, fix=fix)
