"""The suggestion cache: an LRU of (prefix, suffix) → suggestion that survives typing through a
suggestion. When the user types the first characters of a suggestion, the new prefix is the
old prefix plus those characters: the rest of the cached suggestion is served without a model
call. Keys are whole texts (no hashing collisions); lookups compare with `startswith` (memcmp)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CachedSuggestion:
    text: str  # what is still to insert
    typed: str  # what of the original suggestion the user has typed since


class SuggestionCache:
    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, prefix: str, suffix: str, suggestion: str) -> None:
        if not suggestion:
            return
        with self._lock:
            self._entries[(prefix, suffix)] = suggestion
            self._entries.move_to_end((prefix, suffix))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get(self, prefix: str, suffix: str) -> CachedSuggestion | None:
        with self._lock:
            exact = self._entries.get((prefix, suffix))
            if exact is not None:
                self._entries.move_to_end((prefix, suffix))
                return CachedSuggestion(exact, "")
            for (old_prefix, old_suffix), suggestion in reversed(self._entries.items()):
                if old_suffix != suffix or len(prefix) <= len(old_prefix):
                    continue
                typed_len = len(prefix) - len(old_prefix)
                if typed_len >= len(suggestion) or not prefix.startswith(old_prefix):
                    continue
                typed = prefix[len(old_prefix) :]
                if suggestion.startswith(typed):
                    self._entries.move_to_end((old_prefix, old_suffix))
                    return CachedSuggestion(suggestion[typed_len:], typed)
            return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
