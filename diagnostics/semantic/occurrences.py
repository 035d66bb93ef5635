"""Where a file names what lies outside its functions, compactly: what the workspace index
keeps of every file that is not open (a few bytes per name, instead of a reference object).

Kept are the references the file's own scopes do not settle - names left for the global scope,
members, `new`, named arguments, `this` - and the declarations' own names, grouped by name:
`of(name)` gives their positions, roles and receivers. References to a local never leave their
file; those are found from the file's full model when it is open (or read again).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.diagnostics.semantic.symbols import Ref, TypeExpr

ROLES = (
    k.DECLARATION, k.NAME, k.TYPE, k.MEMBER, k.NEW, k.NAMED_ARG, k.FIELD_INIT, k.PREPROC, k.THIS, k.MACRO_TEXT,
)  # fmt: skip
_ROLE_CODE = {role: i for i, role in enumerate(ROLES)}


class Occurrences:
    """References by name: names sorted, and per name a run of (start, role) in `starts`/`roles`
    (from `offsets[i]` to `offsets[i + 1]`); receivers by position in the runs."""

    __slots__ = ("columns", "lines", "names", "offsets", "receivers", "roles", "starts")

    def __init__(
        self, refs: Iterable[Ref], local_declarations: frozenset[int], line_starts: list[int] | None = None
    ) -> None:
        grouped: dict[str, list[tuple[int, int, TypeExpr | None]]] = {}
        for ref in refs:
            if ref.target is not None and (ref.role != k.DECLARATION or id(ref.target) in local_declarations):
                continue  # bound to a local or a parameter: never seen from another file
            grouped.setdefault(ref.name, []).append((ref.start, _ROLE_CODE[ref.role], ref.receiver))
        self.names = tuple(sorted(grouped))
        offsets = array("I", [0])
        starts = array("I")
        roles = bytearray()
        receivers: dict[int, TypeExpr] = {}
        for name in self.names:
            for start, role, receiver in grouped[name]:
                if receiver is not None:
                    receivers[len(starts)] = receiver
                starts.append(start)
                roles.append(role)
            offsets.append(len(starts))
        self.offsets = offsets
        self.starts = starts
        self.roles = bytes(roles)
        self.receivers = receivers
        # Line and byte column of each (when the file's line starts were known): a reference
        # found in a file that is not open is placed without reading the file again.
        self.lines = array("I")
        self.columns = array("I")
        if line_starts is not None:
            for start in starts:
                line = bisect_right(line_starts, start) - 1
                self.lines.append(line)
                self.columns.append(start - line_starts[line])

    def __contains__(self, name: str) -> bool:
        i = bisect_left(self.names, name)
        return i < len(self.names) and self.names[i] == name

    def of(self, name: str) -> list[tuple[int, str, TypeExpr | None, int, int]]:
        """(start byte, role, receiver, line, byte column) of each reference to `name` (line
        and column -1 when unknown)."""
        i = bisect_left(self.names, name)
        if i >= len(self.names) or self.names[i] != name:
            return []
        receivers = self.receivers
        placed = bool(self.lines)
        return [
            (
                self.starts[j],
                ROLES[self.roles[j]],
                receivers.get(j) if receivers else None,
                self.lines[j] if placed else -1,
                self.columns[j] if placed else -1,
            )
            for j in range(self.offsets[i], self.offsets[i + 1])
        ]
