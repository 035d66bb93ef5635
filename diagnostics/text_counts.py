"""How often a file's text contains some needles, kept exact across edits without rescanning.

The incremental engine (incremental.py) needs a few whole-file text facts after every keystroke:
game detection's signals (`Engine_TF2`, `"m_isGhost"`, a mention of L4D2, ...) and the
`ctx.contains(...)` questions rules ask (`myinfo`, `SQL_ConnectCustom`). Scanning 300 KB for
each costs milliseconds; after an edit only the occurrences that overlap the changed bytes can
differ, so the counts are patched from the old and new text around the change.

```python
counts = TextCounts(b"Engine_TF2 Engine_TF2")
counts.count(b"Engine_TF2")           # 2 (scans once, then kept)
counts.update(b"Engine_TF2 Engine_CSGO")
counts.count(b"Engine_TF2")           # 1: only the window around the change was searched
```
"""

from __future__ import annotations

import re

_CHUNK = 4096


def changed_span(old: bytes, new: bytes) -> tuple[int, int, int]:
    """(start, old_end, new_end): `old[start:old_end]` became `new[start:new_end]`; the bytes
    before `start` and from the ends on are the same in both texts."""
    n = min(len(old), len(new))
    start = _common_prefix(old, new, n)
    tail = _common_suffix(old, new, n - start)
    return start, len(old) - tail, len(new) - tail


def _common_prefix(a: bytes, b: bytes, limit: int) -> int:
    lo = 0
    while lo + _CHUNK <= limit and a[lo : lo + _CHUNK] == b[lo : lo + _CHUNK]:
        lo += _CHUNK
    hi = min(limit, lo + _CHUNK)
    while lo < hi:  # a[:lo] == b[:lo]; the first difference (if any) is below hi
        mid = (lo + hi) // 2
        if a[lo : mid + 1] == b[lo : mid + 1]:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    la, lb = len(a), len(b)
    k = 0
    while k + _CHUNK <= limit and a[la - k - _CHUNK : la - k] == b[lb - k - _CHUNK : lb - k]:
        k += _CHUNK
    hi = min(limit, k + _CHUNK)
    while k < hi:  # the last k bytes agree; the first disagreement from the end is below hi
        mid = (k + hi) // 2
        if a[la - mid - 1 : la - k] == b[lb - mid - 1 : lb - k]:
            k = mid + 1
        else:
            hi = mid
    return k


def occurrences(text: bytes, needle: bytes, start: int = 0, end: int | None = None) -> int:
    """Occurrences of `needle` lying wholly inside text[start:end], overlapping ones included."""
    end = len(text) if end is None else end
    found = 0
    i = text.find(needle, start, end)
    while i != -1:
        found += 1
        i = text.find(needle, i + 1, end)
    return found


class Pattern:
    """Places where a zero-width lookahead regex matches in the lower-cased text. A place
    depends on `before` bytes before it and fewer than `after` bytes from it."""

    def __init__(self, regex: re.Pattern[bytes], before: int, after: int) -> None:
        self.regex, self.before, self.after = regex, before, after

    def places(self, text: bytes, start: int, end: int) -> int:
        """Matching places p with start <= p < end, judged against the whole text."""
        start, end = max(start, 0), min(end, len(text) + 1)
        if start >= end:
            return 0
        lo = max(start - self.before, 0)
        window = text[lo : min(end + self.after, len(text))].lower()
        return sum(1 for m in self.regex.finditer(window, start - lo) if m.start() + lo < end)


class TextCounts:
    """Needle counts (and pattern places) of one text, patched by `update` for a new text."""

    def __init__(self, text: bytes) -> None:
        self.text = text
        self._needles: dict[bytes, int] = {}
        self._patterns: dict[Pattern, int] = {}

    def count(self, needle: bytes) -> int:
        found = self._needles.get(needle)
        if found is None:
            found = self._needles[needle] = occurrences(self.text, needle)
        return found

    def places(self, pattern: Pattern) -> int:
        found = self._patterns.get(pattern)
        if found is None:
            found = self._patterns[pattern] = pattern.places(self.text, 0, len(self.text) + 1)
        return found

    def update(self, new: bytes, span: tuple[int, int, int] | None = None) -> None:
        """Switch to `new` (whose difference from the current text is `span`, see changed_span)."""
        old = self.text
        start, old_end, new_end = span if span is not None else changed_span(old, new)
        self.text = new
        if old_end == start and new_end == start:
            return
        for needle, found in self._needles.items():
            margin = len(needle) - 1
            found -= occurrences(old, needle, max(start - margin, 0), min(old_end + margin, len(old)))
            found += occurrences(new, needle, max(start - margin, 0), min(new_end + margin, len(new)))
            self._needles[needle] = found
        for pattern, found in self._patterns.items():
            # A place p changes when [p - before, p + after) meets the changed bytes.
            first = start - pattern.after + 1
            found -= pattern.places(old, first, old_end + pattern.before + 1)
            found += pattern.places(new, first, new_end + pattern.before + 1)
            self._patterns[pattern] = found
