"""Reading our bundled knowledge tables (tab-separated, `#` comments)."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources


def rows(name: str) -> Iterator[list[str]]:
    text = resources.files("spcopilot.diagnostics.knowledge").joinpath("data", name).read_text("utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")
