"""The battery: generation prompts with what a correct answer must and must not contain.

One JSON object a line:

    {"id": "events-hunter-pounce", "category": "events",
     "prompt": "Hook the hunter pounce event and print the victim's name",
     "required": ["\\"lunge_pounce\\"", ["%N", "GetClientName"]],
     "forbidden": ["\\"pounce\\""],
     "notes": "why the patterns are what they are (optional)"}

- `required`: a list of entries; an entry is a pattern or a list of accepted alternatives. The
  entry is met when any alternative is present.
- `forbidden`: patterns none of which may be present.
- A pattern is a literal substring (case-sensitive), or a Python regular expression when it
  starts with `re:` (searched, multi-line, `.` does not cross lines unless the pattern says
  `(?s)`). Patterns are matched on the answer's code with its comments removed, so a comment
  such as `// not "pounce"` neither satisfies nor breaks an item.
- `id` defaults to `<category>-<line>`; ids and prompts must be unique (a replay file answers by
  prompt, so two equal prompts could not get different answers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spcopilot.training.eval.errors import EvalError
from spcopilot.training.eval.jsonl import check_keys, field_error, read_jsonl, text_field

KEYS = frozenset({"id", "category", "prompt", "required", "forbidden", "notes"})
REGEX_PREFIX = "re:"


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str  # as written in the battery (with its `re:` prefix)
    regex: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Pattern:
        """Raises ValueError for an empty pattern or a regex that does not compile."""
        if not text:
            raise ValueError("an empty pattern")
        if text.startswith(REGEX_PREFIX):
            try:
                return cls(text, re.compile(text[len(REGEX_PREFIX) :], re.MULTILINE))
            except re.error as exc:
                raise ValueError(f"the regular expression {text!r} does not compile ({exc})") from None
        return cls(text)

    def found_in(self, code: str) -> bool:
        if self.regex is not None:
            return self.regex.search(code) is not None
        return self.text in code


@dataclass(frozen=True, slots=True)
class BatteryItem:
    id: str
    category: str
    prompt: str
    required: tuple[tuple[Pattern, ...], ...] = ()
    forbidden: tuple[Pattern, ...] = ()
    line: int = 0

    def missing(self, code: str) -> list[str]:
        """The required entries no alternative of which is present, as `a | b`."""
        return [
            " | ".join(p.text for p in entry) for entry in self.required if not any(p.found_in(code) for p in entry)
        ]

    def forbidden_found(self, code: str) -> list[str]:
        return [p.text for p in self.forbidden if p.found_in(code)]


def _patterns(path: Path, number: int, value: Any, key: str) -> list[Pattern]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise field_error(path, number, f'"{key}" must be a list of strings (patterns)')
    try:
        return [Pattern.parse(v) for v in value]
    except ValueError as exc:
        raise field_error(path, number, f'"{key}": {exc}') from None


def parse_item(path: Path, number: int, record: dict[str, Any]) -> BatteryItem:
    check_keys(path, number, record, KEYS, "battery")
    prompt = text_field(path, number, record, "prompt")
    category = text_field(path, number, record, "category")
    item_id = text_field(path, number, record, "id", required=False) or f"{category}-{number}"
    required_value = record.get("required", [])
    if not isinstance(required_value, list):
        raise field_error(path, number, '"required" must be a list of patterns or lists of alternatives')
    required = []
    for entry in required_value:
        alternatives = _patterns(path, number, entry if isinstance(entry, list) else [entry], "required")
        if not alternatives:
            raise field_error(path, number, '"required" has an empty list of alternatives')
        required.append(tuple(alternatives))
    forbidden = _patterns(path, number, record.get("forbidden", []), "forbidden")
    if "notes" in record and not isinstance(record["notes"], str):
        raise field_error(path, number, '"notes" must be a string')
    return BatteryItem(item_id, category, prompt.strip(), tuple(required), tuple(forbidden), number)


def load_battery(path: Path) -> list[BatteryItem]:
    """The items of a battery file; an invalid line or an empty battery raises EvalError."""
    items: list[BatteryItem] = []
    ids: dict[str, int] = {}
    prompts: dict[str, int] = {}
    for number, record in read_jsonl(path, "battery"):
        item = parse_item(path, number, record)
        if item.id in ids:
            raise field_error(path, number, f"duplicate id {item.id!r} (first on line {ids[item.id]})")
        if item.prompt in prompts:
            raise field_error(path, number, f"the same prompt as line {prompts[item.prompt]}")
        ids[item.id], prompts[item.prompt] = number, number
        items.append(item)
    if not items:
        raise EvalError(f"{path}: the battery is empty (no prompts): nothing to evaluate")
    return items
