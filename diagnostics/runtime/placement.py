"""A logged error as a diagnostic on the source line it blames, in the workspace's text as it
is now: on the stack's deepest line in a workspace file (a native's own frames and include
files outside the workspace are skipped), or on the plugin's first line when the log has no
stack. When the source has moved on since - the logged line no longer lies in the logged
function, the function is gone, the file changed after the last time the error was logged - the
message says so, and the diagnostic goes on the function where it can."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.model import Applicability, Diagnostic, Position, Range, Related, Severity
from spcopilot.diagnostics.runtime.explain import Explainer
from spcopilot.diagnostics.runtime.records import Frame
from spcopilot.diagnostics.runtime.sources import SourceIndex
from spcopilot.diagnostics.runtime.summary import ErrorGroup, Summary
from spcopilot.diagnostics.semantics import FileModel, build_model
from spcopilot.diagnostics.text import LineIndex
from tree_sitter import Tree

EXCEPTION_CODE = "sourcemod-exception"
LOAD_CODE = "sourcemod-load"
_NAMED = re.compile(r'(?:[Nn]ative|[Ll]ibrary|[Pp]lugin) "(?P<name>[A-Za-z_]\w*)"')


@dataclass(frozen=True, slots=True)
class Blame:
    """An error group and the frame of its stack that lies in this file (None: no stack)."""

    group: ErrorGroup
    frame: Frame | None


def assign(summary: Summary, index: SourceIndex) -> tuple[dict[Path, list[Blame]], list[ErrorGroup]]:
    """Each error group to the workspace file it blames; the groups no workspace file matches."""
    placed: dict[Path, list[Blame]] = {}
    unplaced: list[ErrorGroup] = []
    for group in summary.groups.values():
        error = group.latest
        target: tuple[Path, Frame | None] | None = None
        for frame in error.scripted_frames:
            found = index.find(frame.file)
            if found:
                target = (found[0], frame)
                break
        if target is None and error.plugin:
            found = index.plugin_source(error.plugin)
            if found:
                target = (found[0], None)
        if target is None:
            unplaced.append(group)
        else:
            placed.setdefault(target[0], []).append(Blame(group, target[1]))
    return placed, unplaced


def diagnostics_for(
    path: Path,
    source: bytes,
    tree: Tree,
    blames: Sequence[Blame],
    index: SourceIndex,
    config: Config,
    modified: datetime | None = None,
) -> list[Diagnostic]:
    """The diagnostics of the errors blamed on `path`, whose text is now `source`. `modified`:
    when the file last changed (None: unknown, or the editor's unsaved text)."""
    if not blames:
        return []
    lines = LineIndex(source)
    model = build_model(tree, source)
    explainer = Explainer(source, tree, str(path), model, config)
    return [_diagnostic(path, source, lines, model, explainer, b, index, modified) for b in blames]


def _diagnostic(
    path: Path,
    source: bytes,
    lines: LineIndex,
    model: FileModel,
    explainer: Explainer,
    blame: Blame,
    index: SourceIndex,
    modified: datetime | None,
) -> Diagnostic:
    group, frame = blame.group, blame.frame
    error = group.latest
    notes: list[str] = []
    if frame is None:
        line = _named_line(source, lines, error.message) if error.kind == "load" else 0
        start, end = _line_span(source, lines, line)
        if error.kind == "exception":
            notes.append("the log has no call stack for it" + (" (cut off)" if error.truncated else ""))
    else:
        start, end, line = _locate(source, lines, model, frame, _native_called(error.frames, frame), notes)
    if modified is not None and group.last is not None and modified > group.last:
        notes.append(f"this file changed after the error was last logged ({group.last_text})")
    message = _message(group) + "".join(f"; {n}" for n in notes)
    related = [*_stack(error.frames, index), _logged_at(group)]
    fix = None
    if error.kind == "exception" and frame is not None:
        functions = {f.function for f in error.scripted_frames if index.find(f.file)[:1] == [path]}
        explanation = explainer.explain(error.message, line, functions)
        if explanation is not None:
            message += f". Likely cause: {explanation.text}"
            # The rule's fix, offered from here too; never applied by fix-all from a log.
            fix = replace(explanation.fix, applicability=Applicability.UNSAFE) if explanation.fix else None
            related += [Related(str(path), r, text) for r, text in explanation.places]
    code = EXCEPTION_CODE if error.kind == "exception" else LOAD_CODE
    return Diagnostic(
        code=code,
        rule="runtime-error" if error.kind == "exception" else "plugin-load-failure",
        severity=Severity.ERROR,
        message=message,
        start_byte=start,
        end_byte=end,
        range=lines.range(start, end),
        fix=fix,
        path=str(path),
        related=tuple(related),
    )


def _message(group: ErrorGroup) -> str:
    error = group.latest
    what = "runtime error" if error.kind == "exception" else f"{error.plugin or 'the plugin'} failed to load"
    text = f"SourceMod {what}: {error.message}"
    if error.native and error.native not in error.message:
        text += f" (in {error.native})"
    if group.count == 1:
        return text + f"; logged once, {group.last_text}"
    return text + f"; logged {group.count} times, first {group.first_text}, last {group.last_text}"


def _locate(
    source: bytes, lines: LineIndex, model: FileModel, frame: Frame, called: str, notes: list[str]
) -> tuple[int, int, int]:
    """(start, end, 0-based line) for a stack frame in the text as it is now; `called`: the
    native the frame called when it threw (the frame just above it in the stack), or ""."""
    line = frame.line - 1
    function = model.functions.get(frame.function)
    if 0 <= line < lines.line_count and _function_at(model, line) == frame.function:
        start, end = _line_span(source, lines, line)
        if not called or function is None or _calls(source[start:end], called):
            return start, end, line
        # The line is still in the function but no longer calls the native that threw: the
        # function changed since; its call of that native, if it has one, is the place.
        found = _call_in(source, function.start_byte, function.end_byte, called)
        if found is not None:
            notes.append(f"line {frame.line} no longer calls {called} (the source changed since): shown on its call")
            line = lines.line_of(found)
            start, end = _line_span(source, lines, line)
            return start, end, line
        notes.append(f"line {frame.line} no longer calls {called} (the source changed since)")
        return start, end, line
    if function is not None:
        name = function.child_by_field_name("name") or function
        if line >= lines.line_count:
            notes.append(f"the file has only {lines.line_count} lines now: shown on {frame.function}")
        else:
            notes.append(
                f"line {frame.line} is no longer in {frame.function} (the source changed since): shown on the function"
            )
        return name.start_byte, name.end_byte, name.start_point[0]
    line = min(max(line, 0), lines.line_count - 1)
    notes.append(f"{frame.function} is not in this file any more (the source changed since)")
    start, end = _line_span(source, lines, line)
    return start, end, line


def _native_called(frames: Sequence[Frame], frame: Frame) -> str:
    """The native (its method name for `ArrayList.Push`) that `frame` was calling, or ""."""
    position = frames.index(frame)
    if position == 0 or frames[position - 1].scripted:
        return ""
    return frames[position - 1].function.rsplit(".", 1)[-1]


def _calls(text: bytes, name: str) -> bool:
    return re.search(rb"\b" + re.escape(name.encode()) + rb"\s*\(", text) is not None


def _call_in(source: bytes, start: int, end: int, name: str) -> int | None:
    m = re.compile(rb"\b" + re.escape(name.encode()) + rb"\s*\(").search(source, start, end)
    return m.start() if m else None


def _function_at(model: FileModel, line: int) -> str | None:
    for name, node in model.functions.items():
        if node.start_point[0] <= line <= node.end_point[0]:
            return name
    return None


def _line_span(source: bytes, lines: LineIndex, line: int) -> tuple[int, int]:
    """The line's text without its indentation and line ending."""
    line = min(max(line, 0), lines.line_count - 1)
    start = lines.line_starts[line]
    end = lines.line_starts[line + 1] - 1 if line + 1 < lines.line_count else len(source)
    text = source[start:end]
    stripped = text.rstrip(b"\r \t")
    indent = len(text) - len(text.lstrip(b" \t"))
    if indent >= len(stripped):
        return start, start
    return start + indent, start + len(stripped)


def _named_line(source: bytes, lines: LineIndex, message: str) -> int:
    """A load failure that names a native, library or plugin: the first line that mentions it."""
    m = _NAMED.search(message)
    if m is None:
        return 0
    found = re.search(rb"\b" + re.escape(m.group("name").encode()) + rb"\b", source)
    return lines.line_of(found.start()) if found else 0


def _stack(frames: Sequence[Frame], index: SourceIndex) -> list[Related]:
    """The stack's frames that lie in workspace files, where they are."""
    out = []
    for frame in frames:
        where = index.find(frame.file) if frame.scripted else []
        if where:
            line = max(frame.line - 1, 0)
            out.append(Related(str(where[0]), Range(Position(line, 0), Position(line, 0)), f"stack {frame.describe()}"))
    return out


def _logged_at(group: ErrorGroup) -> Related:
    error = group.latest
    line = max(error.line - 1, 0)
    where = Range(Position(line, 0), Position(line, 0))
    stack = "; ".join(f.describe() for f in error.frames) or "no call stack"
    return Related(error.log, where, f"logged here ({error.time_text}): {stack}")
