"""Completion candidates as plain data (the LSP layer converts them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Edit = tuple[int, int, str]  # (start byte, end byte, new text)


@dataclass(slots=True)
class Candidate:
    label: str
    kind: str  # function, method, property, constructor, event, field, netprop, snippet, constant, enum, class, variable, keyword
    detail: str = ""
    label_detail: str = ""  # shown after the label
    documentation: str = ""  # markdown
    insert_text: str | None = None
    snippet: bool = False
    replace: tuple[int, int] | None = None  # the bytes the insert text replaces
    additional_edits: tuple[Edit, ...] = ()
    sort_text: str | None = None
    filter_text: str | None = None
    resolve: dict[str, Any] | None = None  # what completionItem/resolve needs
    deprecated: bool = False


@dataclass(slots=True)
class Completions:
    items: list[Candidate] = field(default_factory=list)
    incomplete: bool = False
