"""Why a runtime error happened, where one of our rules knows: the rule's own finding in the
plugin (its message, its fix), connected to the error by what the error says and where.

- a client that left (`Client 3 is not in game`, `Client index 3 is invalid`, ...) in a function
  that a timer calls, whose timer was given a client index: SPC401;
- `Invalid Handle` / `Invalid timer handle` on a line that uses a global handle which another
  function deletes or kills: said, with SPC406's finding on that handle when it has one;
- `Array index out-of-bounds` on a line that indexes an array declared `[MAXPLAYERS]`: SPC603 on
  the declaration, and SPC604 on a client loop of the function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.model import Diagnostic, Fix, Range
from spcopilot.diagnostics.semantics import FileModel, enclosing_function, function_name
from spcopilot.diagnostics.text import LineIndex
from tree_sitter import Tree

CLIENT_GONE = re.compile(
    r"Client (?:index )?-?\d+ is (?:invalid|not in game|not connected)|Invalid client index|is not a valid client"
    r"|Entity -?\d+ \(-?\d+\) is invalid",
    re.IGNORECASE,
)
INVALID_HANDLE = re.compile(r"Invalid (?:\w+ )?handle", re.IGNORECASE)
OUT_OF_BOUNDS = re.compile(r"Array index (?:is )?out[- ]of[- ]bounds", re.IGNORECASE)
EXPLAINING_RULES = ("SPC401", "SPC406", "SPC603", "SPC604")
_TIMERS = ("CreateTimer", "CreateDataTimer")


@dataclass(frozen=True, slots=True)
class Explanation:
    text: str
    fix: Fix | None
    places: tuple[tuple[Range, str], ...]  # (where in the file, what is there)


class Explainer:
    """The explaining rules' findings on one text, made once, asked about several errors."""

    def __init__(self, source: bytes, tree: Tree, path: str, model: FileModel, config: Config) -> None:
        self.source, self.tree, self.path, self.model = source, tree, path, model
        self.lines = LineIndex(source)
        self.config = replace(config, select=EXPLAINING_RULES, ignore=(), severity={})
        self._findings: list[Diagnostic] | None = None

    @property
    def findings(self) -> list[Diagnostic]:
        if self._findings is None:
            self._findings = [
                d for d in lint(self.source, self.path, self.config, tree=self.tree) if d.code != "SPC801"
            ]
        return self._findings

    def explain(self, message: str, line: int, functions: set[str]) -> Explanation | None:
        """`line`: 0-based blamed line; `functions`: the stack's functions in this file."""
        if CLIENT_GONE.search(message):
            return self._client_gone(functions)
        if OUT_OF_BOUNDS.search(message):
            return self._out_of_bounds(line)
        if INVALID_HANDLE.search(message):
            return self._invalid_handle(line, functions)
        return None

    def _from(self, finding: Diagnostic, lead: str = "", more: tuple[Diagnostic, ...] = ()) -> Explanation:
        text = lead + f"{finding.code} ({finding.rule}): {finding.message}"
        places = [(finding.range, f"{finding.code}: {finding.message}")]
        for extra in more:
            text += f"; {extra.code} ({extra.rule}): {extra.message}"
            places.append((extra.range, f"{extra.code}: {extra.message}"))
        return Explanation(text, finding.fix, tuple(places))

    def _function_span(self, name: str) -> tuple[int, int] | None:
        node = self.model.functions.get(name)
        return (node.start_byte, node.end_byte) if node is not None else None

    def _client_gone(self, functions: set[str]) -> Explanation | None:
        spc401 = [d for d in self.findings if d.code == "SPC401"]
        if not spc401:
            return None
        for registration in self.model.registrations:
            if registration.function not in _TIMERS or registration.callback not in functions:
                continue
            call = registration.call
            inside = [d for d in spc401 if call.start_byte <= d.start_byte < call.end_byte]
            if not inside:
                owner = enclosing_function(call)
                if owner is not None:
                    inside = [d for d in spc401 if owner.start_byte <= d.start_byte < owner.end_byte]
            if inside:
                return self._from(inside[0], f"the timer that calls {registration.callback} was given a client index: ")
        return None

    def _out_of_bounds(self, line: int) -> Explanation | None:
        text = self._line_text(line)
        names = set(re.findall(r"\b([A-Za-z_]\w*)\s*\[", text))
        declared = []
        for d in self.findings:
            if d.code != "SPC603":
                continue
            found = self.source[d.start_byte : d.end_byte].decode("utf-8", "replace")
            if any(re.match(rf"\s*{re.escape(n)}\b", found) or f"`{n}`" in d.message for n in names):
                declared.append(d)
        if not declared:
            return None
        owner = self._function_at(line)
        loops = tuple(
            d for d in self.findings if d.code == "SPC604" and owner is not None and owner[0] <= d.start_byte < owner[1]
        )
        return self._from(declared[0], "", loops)

    def _invalid_handle(self, line: int, functions: set[str]) -> Explanation | None:
        text = self._line_text(line)
        owner = self._function_at(line)
        for name in dict.fromkeys(re.findall(r"\b([A-Za-z_]\w*)\b", text)):
            if name not in self.model.variables:
                continue
            escaped = re.escape(name).encode()
            pattern = rb"\bdelete\s+" + escaped + rb"\s*;|\b(?:CloseHandle|KillTimer)\s*\(\s*" + escaped + rb"\s*[,)]"
            for m in re.finditer(pattern, self.source):
                node = self.tree.root_node.descendant_for_byte_range(m.start(), m.start())
                function = enclosing_function(node) if node is not None else None
                if function is None or (owner is not None and function.start_byte == owner[0]):
                    continue
                where = function_name(function, self.source)
                lead = (
                    f"`{name}` is closed in {where} (line {self._line_of(m.start()) + 1}): "
                    f"after that, this handle (or a copy of it) is invalid"
                )
                stale = [d for d in self.findings if d.code == "SPC406" and name in d.message]
                if stale:
                    return self._from(stale[0], lead + "; ")
                return Explanation(lead, None, ((self._range(m.start(), m.end()), f"`{name}` closed here"),))
        return None

    # -- text helpers --------------------------------------------------------------------------
    def _line_text(self, line: int) -> str:
        starts = self.lines.line_starts
        if not 0 <= line < len(starts):
            return ""
        end = starts[line + 1] if line + 1 < len(starts) else len(self.source)
        return self.source[starts[line] : end].decode("utf-8", "replace")

    def _function_at(self, line: int) -> tuple[int, int] | None:
        for node in self.model.functions.values():
            if node.start_point[0] <= line <= node.end_point[0]:
                return (node.start_byte, node.end_byte)
        return None

    def _line_of(self, offset: int) -> int:
        return self.lines.line_of(offset)

    def _range(self, start: int, end: int) -> Range:
        return self.lines.range(start, end)
