"""Probes: "does X exist?" questions about real and invented SourceMod / L4D2 names.

One JSON object a line:

    {"name": "lunge_pounce", "kind": "event", "exists": true, "source": "l4d2_events.tsv"}
    {"name": "pounce", "kind": "event", "exists": false, "source": "l4d2_event_misnames.tsv"}

`kind` is `event`, `function` or `netprop` and picks the question (QUESTIONS); a record may give
its own `prompt` instead. The answer is read as yes/no from its first `yes`/`no`/`true`/`false`
word; anything else is `unclear` (counted as wrong, never as an over-rejection).

Scores: accuracy (right answers / probes); on real names the share answered yes, on invented
names the share answered no; over-rejections = real names answered no (a model that says no to
everything would look safe on invented names and useless in practice).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spcopilot.training.eval.errors import EvalError
from spcopilot.training.eval.jsonl import check_keys, field_error, read_jsonl, text_field

KEYS = frozenset({"name", "kind", "exists", "source", "prompt"})
QUESTIONS = {
    "event": 'In Left 4 Dead 2, is "{name}" the name of a real game event that a SourceMod plugin can hook '
    "with HookEvent? Answer with one word: yes or no.",
    "function": "Is {name}() a real function in SourceMod (a native or stock of its include files, sdktools "
    "and sdkhooks included)? Answer with one word: yes or no.",
    "netprop": 'Is "{name}" a real entity property (a netprop or datamap field) in Left 4 Dead 2 that '
    "GetEntProp/SetEntProp can read or write? Answer with one word: yes or no.",
}
_ANSWER = re.compile(r"\b(yes|no|true|false)\b", re.IGNORECASE)
MAX_ANSWER_TOKENS = 24


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    kind: str
    exists: bool
    prompt: str
    source: str = ""
    line: int = 0


def parse_probe(path: Path, number: int, record: dict[str, Any]) -> Probe:
    check_keys(path, number, record, KEYS, "probe")
    name = text_field(path, number, record, "name").strip()
    kind = text_field(path, number, record, "kind").strip()
    exists = record.get("exists")
    if not isinstance(exists, bool):
        raise field_error(path, number, '"exists" must be true or false')
    prompt = text_field(path, number, record, "prompt", required=False)
    if not prompt:
        if kind not in QUESTIONS:
            raise field_error(path, number, f'"kind" must be one of {", ".join(QUESTIONS)} (or give a "prompt")')
        prompt = QUESTIONS[kind].format(name=name)
    source = text_field(path, number, record, "source", required=False)
    return Probe(name, kind, exists, prompt, source, number)


def load_probes(path: Path) -> list[Probe]:
    probes: list[Probe] = []
    seen: dict[str, int] = {}
    for number, record in read_jsonl(path, "probe"):
        probe = parse_probe(path, number, record)
        if probe.prompt in seen:
            raise field_error(path, number, f"the same question as line {seen[probe.prompt]}")
        seen[probe.prompt] = number
        probes.append(probe)
    if not probes:
        raise EvalError(f"{path}: the probe file is empty: nothing to evaluate")
    return probes


def read_answer(text: str) -> str:
    """ "yes", "no" or "unclear"."""
    found = _ANSWER.search(text)
    if found is None:
        return "unclear"
    word = found.group(1).lower()
    return "yes" if word in ("yes", "true") else "no"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    probe: Probe
    answer_text: str
    answer: str  # yes / no / unclear
    error: str = ""

    @property
    def correct(self) -> bool:
        return self.answer == ("yes" if self.probe.exists else "no")

    @property
    def over_rejected(self) -> bool:
        return self.probe.exists and self.answer == "no"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.probe.name,
            "kind": self.probe.kind,
            "exists": self.probe.exists,
            "answer": self.answer,
            "correct": self.correct,
            "answer_text": self.answer_text,
        }
        if self.error:
            out["error"] = self.error
        return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def probe_metrics(results: list[ProbeResult]) -> dict[str, Any]:
    real = [r for r in results if r.probe.exists]
    invented = [r for r in results if not r.probe.exists]
    by_kind: dict[str, Any] = {}
    for kind in sorted({r.probe.kind for r in results}):
        mine = [r for r in results if r.probe.kind == kind]
        right = sum(r.correct for r in mine)
        by_kind[kind] = {"probes": len(mine), "correct": right, "accuracy": _share(right, len(mine))}
    answers = Counter(r.answer for r in results)
    return {
        "probes": len(results),
        "correct": sum(r.correct for r in results),
        "accuracy": _share(sum(r.correct for r in results), len(results)),
        "real": {"probes": len(real), "answered_yes": answers_of(real, "yes"),
                 "accuracy": _share(answers_of(real, "yes"), len(real))},
        "invented": {"probes": len(invented), "answered_no": answers_of(invented, "no"),
                     "accuracy": _share(answers_of(invented, "no"), len(invented)),
                     "accepted": answers_of(invented, "yes")},
        "over_rejections": sum(r.over_rejected for r in results),
        "over_rejected": [r.probe.name for r in results if r.over_rejected],
        "unclear": answers.get("unclear", 0),
        "errors": sum(bool(r.error) for r in results),
        "by_kind": by_kind,
    }  # fmt: skip


def answers_of(results: list[ProbeResult], answer: str) -> int:
    return sum(r.answer == answer for r in results)
