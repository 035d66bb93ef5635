"""Accept / partial-accept / dismiss of inline suggestions, logged locally as JSONL so that
`training/` can turn them into SFT (accepted) and DPO (accepted vs dismissed) data.

One line per event: {"time", "id", "kind", "accepted_length", "model", "path", "prefix",
"suffix", "suggestion"}; prefix/suffix are the prompt windows (what the model saw). The file
is `<cache dir>/feedback/inline.jsonl`; nothing leaves the machine.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("spcopilot.ai")
KINDS = ("accept", "partial", "dismiss")


@dataclass(frozen=True, slots=True)
class Shown:
    id: str
    model: str
    path: str
    prefix: str
    suffix: str
    suggestion: str


class FeedbackLog:
    def __init__(self, path: Path | None, remember: int = 256) -> None:
        self.path = path
        self._shown: OrderedDict[str, Shown] = OrderedDict()
        self._remember = remember
        self._lock = threading.Lock()

    def shown(self, item: Shown) -> None:
        with self._lock:
            self._shown[item.id] = item
            while len(self._shown) > self._remember:
                self._shown.popitem(last=False)

    def record(self, suggestion_id: str, kind: str, accepted_length: int | None = None) -> dict[str, object] | None:
        """Log one event; None (and a log line) for an unknown id or kind."""
        if kind not in KINDS:
            log.info("inline feedback: unknown kind %r (one of %s)", kind, ", ".join(KINDS))
            return None
        with self._lock:
            item = self._shown.get(suggestion_id)
        if item is None:
            log.info("inline feedback for an unknown suggestion %r: ignored", suggestion_id)
            return None
        length = len(item.suggestion) if kind == "accept" else 0 if kind == "dismiss" else (accepted_length or 0)
        row: dict[str, object] = {
            "time": round(time.time(), 3),
            "id": item.id,
            "kind": kind,
            "accepted_length": max(0, min(length, len(item.suggestion))),
            "model": item.model,
            "path": item.path,
            "prefix": item.prefix,
            "suffix": item.suffix,
            "suggestion": item.suggestion,
        }
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self._lock, self.path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
            except OSError as e:
                log.warning("cannot write the inline feedback log %s: %s", self.path, e.strerror or e)
        return row
