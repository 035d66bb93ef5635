"""What every streaming backend does with the pieces it receives: stop sequences applied on the
client side (servers cap their number; OpenAI takes four), the generation time cap, cancel
checks, and the callback."""

from __future__ import annotations

import time
from collections.abc import Sequence

from spcopilot.server.ai.backends.base import CancelToken, TokenCallback


class StreamCollector:
    def __init__(
        self,
        stops: Sequence[str],
        cancel: CancelToken,
        on_token: TokenCallback | None,
        time_cap_s: float | None = None,
    ) -> None:
        self.stops = [s for s in stops if s]
        self.cancel = cancel
        self.on_token = on_token
        self.deadline = time.monotonic() + time_cap_s if time_cap_s else None
        self.text = ""
        self.finish_reason = "stop"
        self.done = False
        self.pieces = 0
        self._emitted = 0
        self._hold = max((len(s) for s in self.stops), default=1) - 1

    def add(self, piece: str) -> bool:
        """Take one piece; False when generation must end (stop found, time cap reached)."""
        if self.done:
            return False
        if piece:  # (role-only and finish chunks carry no text and no token)
            self.pieces += 1
        from_index = max(0, len(self.text) - self._hold)  # a stop can only end in the new piece
        self.text += piece
        cut = min((i for i in (self.text.find(s, from_index) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            self.text = self.text[:cut]
            self.done = True
        elif self.deadline is not None and time.monotonic() > self.deadline:
            self.finish_reason = "time"
            self.done = True
        self._flush(final=self.done)
        return not self.done

    def _flush(self, final: bool) -> None:
        # Hold back what could be the start of a stop sequence until it is known not to be one.
        upto = len(self.text) if final else max(self._emitted, len(self.text) - self._hold)
        if self.on_token and upto > self._emitted:
            self.on_token(self.text[self._emitted : upto])
        self._emitted = max(self._emitted, upto)

    def finish(self, finish_reason: str | None = None) -> str:
        if not self.done and finish_reason:
            self.finish_reason = finish_reason
        self.done = True
        self._flush(final=True)
        return self.text
