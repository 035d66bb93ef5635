"""Log files as lines, streamed: a file of any size is read in chunks and never held whole, a
line longer than MAX_LINE (binary data, a file of NUL bytes) is cut there and the rest of it
skipped, and bytes that are not UTF-8 are decoded with replacement characters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import BinaryIO

CHUNK = 1 << 20
MAX_LINE = 1 << 16  # SourceMod writes at most 3,072 bytes a line
# `L 12/06/2026 - 21:14:03: message` (SourceMod's Logger; the time format can be changed in
# core.cfg, so anything up to the first ": " is taken as the time).
_LOG_LINE = re.compile(r"^L (?P<time>.+?): (?P<message>.*)$")
TIME_FORMAT = "%m/%d/%Y - %H:%M:%S"  # SourceMod's default; read by _DEFAULT_TIME (strptime is slow)
_DEFAULT_TIME = re.compile(r"^(\d\d)/(\d\d)/(\d{4}) - (\d\d):(\d\d):(\d\d)$")


@dataclass(frozen=True, slots=True)
class LogLine:
    number: int  # 1-based line number in its file
    time_text: str
    time: datetime | None  # None: a time format of the server's own
    message: str


def read_lines(stream: BinaryIO, start: int = 0, complete_only: bool = False) -> Iterator[tuple[bytes, int]]:
    """(line without its newline, file offset after it) from `start`. `complete_only`: stop
    before a last line without a newline (one still being written: the tail reads it next time)."""
    stream.seek(start)
    pending = bytearray()
    skipping = False  # the current line passed MAX_LINE: the rest of it is dropped
    position = start  # the file offset of the chunk's first byte
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        at = 0
        while True:
            newline = chunk.find(b"\n", at)
            if newline < 0:
                if not skipping:
                    room = MAX_LINE - len(pending)
                    pending += chunk[at : at + room]
                    skipping = len(chunk) - at > room
                break
            if not skipping:
                pending += chunk[at : min(newline, at + MAX_LINE - len(pending))]
            yield bytes(pending), position + newline + 1
            pending.clear()
            skipping = False
            at = newline + 1
        position += len(chunk)
    if (pending or skipping) and not complete_only:
        yield bytes(pending), position


def parse_line(raw: bytes, number: int) -> LogLine | None:
    """A SourceMod log line, or None for anything else (binary data, other programs' output)."""
    if not raw.startswith(b"L ") or b"\x00" in raw:
        return None
    text = raw.decode("utf-8", "replace").rstrip("\r")
    m = _LOG_LINE.match(text)
    if m is None:
        return None
    time_text = m.group("time")
    return LogLine(number, time_text, _time(time_text), m.group("message"))


@lru_cache(maxsize=64)  # the lines of one error share their time
def _time(text: str) -> datetime | None:
    """The time of SourceMod's default format (`12/06/2026 - 21:14:03`), None for another."""
    m = _DEFAULT_TIME.match(text)
    if m is None:
        return None
    month, day, year, hour, minute, second = (int(g) for g in m.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
