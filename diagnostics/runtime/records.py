"""SourceMod's error log lines as errors. The message formats are SourceMod's own
(core/logic/DebugReporter.cpp, PluginSys.cpp):

```
[SM] Exception reported: Client 3 is not in game          <- SourceMod 1.10 and later
[SM] Blaming: speed_boost.smx
[SM] Call stack trace:
[SM]   [0] SetEntPropFloat                                 <- a native
[SM]   [1] Line 27, speed_boost.sp::Timer_Reset            <- the plugin's code
```
```
[SM] Native "SetEntPropFloat" reported: Client 3 is not in game      <- before 1.10
[SM] Displaying call stack trace for plugin "speed_boost.smx":
[SM]   [0]  Line 27, speed_boost.sp::Timer_Reset()
```
(`[SM] Plugin encountered error 15: Array index is out of bounds` for the VM's own errors,
`[SM] Debug mode is not enabled for "x.smx"` where there is no stack), and plugins that did not
load: `[SM] Failed to load plugin "x.smx": …`, `[SM] Unable to load plugin "x.smx": …`, and the
console's `[SM] Plugin x.smx failed to load: …`.

An error ends where the next one starts or a line that is not part of it comes; a stack cut off
by the end of a (truncated) file is kept as it is, marked `truncated`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from spcopilot.diagnostics.runtime.logs import LogLine

MAX_FRAMES = 64
MAX_MESSAGE = 512

_EXCEPTION = re.compile(r"^\[SM\] Exception reported: (?P<message>.*)$")
_BLAMING = re.compile(r"^\[SM\] Blaming: (?P<plugin>.+?)\s*$")
_TRACE = re.compile(r"^\[SM\] Call stack trace:\s*$")
_NATIVE_REPORTED = re.compile(
    r'^\[SM\] Native "(?P<native>[^"]+)" (?:reported: (?P<message>.*)|encountered a generic error\.?)$'
)
_PLUGIN_ERROR = re.compile(
    r'^\[SM\] Plugin (?:"(?P<plugin>[^"]+)" )?encountered (?:unknown )?error (?P<code>\d+)(?:: (?P<message>.*))?$'
)
_OLD_TRACE = re.compile(r'^\[SM\] Displaying call stack trace for plugin "(?P<plugin>[^"]+)":\s*$')
_NO_DEBUG = re.compile(r'^\[SM\] Debug mode is not enabled for "(?P<plugin>[^"]+)"')
_ENABLE_DEBUG = re.compile(r"^\[SM\] To enable debug mode")
_UNABLE_TO_CALL = re.compile(r'^\[SM\] Unable to call function (?:"(?P<function>[^"]+)" )?')
_SCRIPTED_FRAME = re.compile(
    r"^\[SM\]\s+\[(?P<index>\d+)\]\s+Line (?P<line>\d+), (?P<file>.+?)::(?P<function>[^\s()]+)(?:\(\))?\s*$"
)
_NATIVE_FRAME = re.compile(r"^\[SM\]\s+\[(?P<index>\d+)\]\s+(?P<name>\S.*?)\s*$")
_LOAD_FAILED = re.compile(
    r'^\[SM\] (?:Failed to load plugin "(?P<a>[^"]+)"|Unable to load plugin "(?P<b>[^"]+)"|Plugin "?(?P<c>[^"]+?)"? failed to load)'
    r":\s*(?P<message>.*?)\.?\s*$"
)


@dataclass(frozen=True, slots=True)
class Frame:
    index: int
    function: str
    file: str = ""  # "" for a native
    line: int = 0  # 1-based; 0 for a native

    @property
    def scripted(self) -> bool:
        return bool(self.file)

    def describe(self) -> str:
        return (
            f"[{self.index}] Line {self.line}, {self.file}::{self.function}"
            if self.scripted
            else f"[{self.index}] {self.function}"
        )


@dataclass(slots=True)
class RuntimeError_:
    """One error as logged: an exception (with its stack) or a plugin that failed to load."""

    kind: str  # "exception" or "load"
    message: str
    log: str  # the log file
    line: int  # the line of the log it starts on
    time: datetime | None
    time_text: str
    plugin: str = ""  # x.smx
    native: str = ""  # the native that threw, when the log says
    frames: list[Frame] = field(default_factory=list)
    truncated: bool = False  # the file ended before its stack
    has_trace: bool = False
    no_debug: bool = False  # "Debug mode is not enabled": no stack to expect

    @property
    def scripted_frames(self) -> list[Frame]:
        return [f for f in self.frames if f.scripted]


class RecordParser:
    """Log lines in, errors out, one line at a time (the tail feeds it as a file grows)."""

    def __init__(self, log: str) -> None:
        self.log = log
        self.current: RuntimeError_ | None = None

    def feed(self, line: LogLine) -> list[RuntimeError_]:
        done: list[RuntimeError_] = []
        current = self.current
        started = _start(line, self.log)
        if started is not None:
            if current is not None:
                # The old format writes "Plugin encountered error" and then "Native ... reported"
                # about one error: the native's line adds to it.
                if started.native and current.kind == "exception" and not current.native and not current.has_trace:
                    current.native = started.native
                    current.message = started.message
                    return done
                done.append(current)
            self.current = started
            if started.kind == "load":
                done.append(started)
                self.current = None
            return done
        if current is not None and not _extend(current, line.message):
            done.append(current)
            self.current = None
        return done

    def finish(self, end_of_file: bool = True) -> list[RuntimeError_]:
        """The error being read, as it is (at the end of a file: its stack may be cut off)."""
        current, self.current = self.current, None
        if current is None:
            return []
        if end_of_file and current.kind == "exception" and not current.scripted_frames and not current.no_debug:
            current.truncated = True
        return [current]


def parse_records(lines: Iterable[LogLine], log: str) -> Iterator[RuntimeError_]:
    """The errors in a file's log lines, in order."""
    parser = RecordParser(log)
    for line in lines:
        yield from parser.feed(line)
    yield from parser.finish()


def _start(line: LogLine, log: str) -> RuntimeError_ | None:
    text = line.message
    if not text.startswith("[SM] "):
        return None
    base = {"log": log, "line": line.number, "time": line.time, "time_text": line.time_text}
    m = _EXCEPTION.match(text)
    if m:
        return RuntimeError_("exception", _cut(m.group("message")), **base)
    m = _NATIVE_REPORTED.match(text)
    if m:
        message = m.group("message") or f'native "{m.group("native")}" failed'
        return RuntimeError_("exception", _cut(message), native=m.group("native"), **base)
    m = _PLUGIN_ERROR.match(text)
    if m:
        message = m.group("message") or f"error {m.group('code')}"
        return RuntimeError_("exception", _cut(message), plugin=m.group("plugin") or "", **base)
    m = _LOAD_FAILED.match(text)
    if m:
        plugin = m.group("a") or m.group("b") or m.group("c") or ""
        return RuntimeError_("load", _cut(m.group("message")), plugin=plugin.strip(), **base)
    return None


def _extend(current: RuntimeError_, text: str) -> bool:
    """Add a line to the error being read; False when the line is not part of it."""
    m = _BLAMING.match(text)
    if m:
        current.plugin = m.group("plugin")
        return True
    if _TRACE.match(text):
        current.has_trace = True
        return True
    m = _OLD_TRACE.match(text)
    if m:
        current.plugin = current.plugin or m.group("plugin")
        current.has_trace = True
        return True
    m = _NO_DEBUG.match(text)
    if m:
        current.plugin = current.plugin or m.group("plugin")
        current.no_debug = True
        return True
    if _ENABLE_DEBUG.match(text) or _UNABLE_TO_CALL.match(text):
        return True
    if current.has_trace:
        m = _SCRIPTED_FRAME.match(text)
        if m:
            _add_frame(
                current, Frame(int(m.group("index")), m.group("function"), m.group("file"), int(m.group("line")))
            )
            return True
        m = _NATIVE_FRAME.match(text)
        if m:
            _add_frame(current, Frame(int(m.group("index")), m.group("name")))
            return True
    return False


def _add_frame(current: RuntimeError_, frame: Frame) -> None:
    if len(current.frames) < MAX_FRAMES:
        current.frames.append(frame)
    if not frame.scripted and not current.native and frame.index == 0:
        current.native = frame.function


def _cut(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
