from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from spcopilot.server.features.view import DocumentView

from .features.helpers import cursor, view_of


@pytest.fixture
def make_view(tmp_path: Path) -> Callable[..., tuple[DocumentView, int]]:
    """`make_view("...|...")` -> the view of that text (as a plugin of the fixture workspace)
    and the cursor's byte offset."""

    def make(text: str, **kwargs: object) -> tuple[DocumentView, int]:
        plain, offset = cursor(text) if "|" in text else (text, 0)
        return view_of(plain, tmp_cache=tmp_path / "cache", **kwargs), offset  # type: ignore[arg-type]

    return make
