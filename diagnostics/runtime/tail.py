"""Log folders followed as they grow: each poll reads only the lines added since the last one
(complete lines; a line still being written waits for the next poll), notices a file that was
rotated or truncated (smaller than what was read, or another file under the same name) and
reads it again from the start, picks up new files (SourceMod starts `errors_YYYYMMDD.log` every
day) and forgets deleted ones. An error whose stack is still being written is kept open until a
poll finds nothing new in its file."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.diagnostics.runtime.logs import parse_line, read_lines
from spcopilot.diagnostics.runtime.records import RecordParser
from spcopilot.diagnostics.runtime.summary import Summary

STOP_CHECK_LINES = 4096


@dataclass
class _Followed:
    identity: tuple[int, int]  # (device, inode)
    parser: RecordParser
    summary: Summary = field(default_factory=Summary)
    offset: int = 0  # read up to here (complete lines)
    lines: int = 0
    size: int = -1  # the file's size at the last poll


class LogTail:
    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = [Path(p) for p in paths]
        self._files: dict[str, _Followed] = {}
        self._summary: Summary | None = Summary()

    def files(self) -> list[Path]:
        """The log files the paths name now: files as named, `*.log` in folders."""
        found: list[Path] = []
        for path in self.paths:
            try:
                if path.is_dir():
                    found += sorted(p for p in path.iterdir() if p.suffix.lower() == ".log" and p.is_file())
                elif path.is_file():
                    found.append(path)
            except OSError:
                continue
        return found

    def poll(self, stop: threading.Event | None = None) -> bool:
        """Read what was added; True when the errors changed."""
        changed = False
        present = {str(p): p for p in self.files()}
        for gone in set(self._files) - set(present):
            del self._files[gone]
            changed = True
        for key, path in present.items():
            if stop is not None and stop.is_set():
                break
            changed |= self._read(key, path, stop)
        if changed:
            self._summary = None
        return changed

    @property
    def summary(self) -> Summary:
        """Every followed file's errors, counted together."""
        if self._summary is None:
            total = Summary()
            for followed in self._files.values():
                total = total.merged(followed.summary)
            self._summary = total
        return self._summary

    def _read(self, key: str, path: Path, stop: threading.Event | None) -> bool:
        try:
            st = os.stat(path)
        except OSError:
            return False
        identity = (st.st_dev, st.st_ino)
        followed = self._files.get(key)
        changed = False
        if followed is None or followed.identity != identity or st.st_size < followed.offset:
            changed = followed is not None  # rotated or truncated: its old errors go
            followed = self._files[key] = _Followed(identity, RecordParser(key))
        if st.st_size == followed.size:
            done = followed.parser.finish(end_of_file=False)  # nothing written since: the open error is whole
            followed.summary.add_all(done)
            return changed or bool(done)
        followed.size = st.st_size
        before = len(followed.summary.groups), sum(g.count for g in followed.summary.groups.values())
        try:
            with path.open("rb") as stream:
                for raw, end in read_lines(stream, followed.offset, complete_only=True):
                    followed.lines += 1
                    followed.offset = end
                    line = parse_line(raw, followed.lines)
                    if line is not None:
                        followed.summary.add_all(followed.parser.feed(line))
                    if stop is not None and followed.lines % STOP_CHECK_LINES == 0 and stop.is_set():
                        break
        except OSError:
            return changed
        after = len(followed.summary.groups), sum(g.count for g in followed.summary.groups.values())
        return changed or after != before
