"""What a fixture case expects, and how an answer (from the feature functions in process, or
from the real server over stdio) is compared with it. Positions are (path relative to the
case's folder, line, byte column)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .fixture_format import Case, Span

LOCATION_FEATURES = frozenset(
    {"definition", "declaration", "type-definition", "references", "references-no-declaration", "highlight", "rename"}
)


@dataclass(slots=True)
class Answer:
    locations: set[tuple[str, int, int, int]] = field(default_factory=set)
    writes: set[tuple[str, int, int, int]] = field(default_factory=set)  # highlight: the write ones
    refused: str | None = None  # rename: the refusal's message
    new_texts: set[str] = field(default_factory=set)  # rename: every edit's text
    text: str | None = None  # hover markdown, signature label + docs
    labels: list[str] = field(default_factory=list)  # completion
    insert_texts: dict[str, str] = field(default_factory=dict)  # completion: label -> inserted text + edits
    active_parameter: int | None = None
    tokens: list[tuple[str, int, int, int, str, tuple[str, ...]]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # call hierarchy
    hints: set[tuple[str, int, int, str]] = field(default_factory=set)


def spans(case: Case) -> set[tuple[str, int, int, int]]:
    """The expected ranges; `^ file` stands for a whole file (its first position)."""
    return {(s.path, 0, 0, 0) if s.tag == "file" else (s.path, s.line, s.start, s.end) for s in case.spans}


def check(case: Case, answer: Answer) -> list[str]:
    """What is wrong with an answer (empty when it is right)."""
    feature = case.feature
    problems: list[str] = []
    if feature == "rename":
        refusals = [text for mark, text in case.expect if mark == "!"]
        if refusals:
            if answer.refused is None:
                problems.append(f"expected a refusal ({refusals[0]!r}), got edits {sorted(answer.locations)}")
            elif not all(r in answer.refused for r in refusals):
                problems.append(f"refused with {answer.refused!r}, expected {refusals}")
            return problems
        if answer.refused is not None:
            return [f"refused: {answer.refused}"]
        if answer.new_texts - {case.argument}:
            problems.append(f"edits insert {answer.new_texts}, expected {case.argument!r}")
    if feature in LOCATION_FEATURES:
        expected = spans(case)
        if answer.locations != expected:
            problems.append(f"expected {_show(expected)}, got {_show(answer.locations)}")
        if feature == "highlight":
            writes = {(s.path, s.line, s.start, s.end) for s in case.spans if s.tag == "write"}
            if answer.writes != writes:
                problems.append(f"writes: expected {_show(writes)}, got {_show(answer.writes)}")
        return problems
    if feature in ("hover", "signature"):
        text = answer.text or ""
        for mark, wanted in case.expect:
            if mark == ">" and wanted not in text:
                problems.append(f"{wanted!r} not in {text!r}")
            if mark == "-" and wanted in text:
                problems.append(f"{wanted!r} should not be in {text!r}")
        if not case.expect and answer.text:
            problems.append(f"expected nothing, got {answer.text!r}")
        if feature == "signature" and case.argument and answer.active_parameter != int(case.argument):
            problems.append(f"active parameter {answer.active_parameter}, expected {case.argument}")
        return problems
    if feature == "completion":
        for mark, wanted in case.expect:
            label, _, inserted = wanted.partition(" => ")
            if mark == "+" and label not in answer.labels:
                problems.append(f"{label!r} not offered (offered: {answer.labels[:40]})")
            if (
                mark == "+"
                and inserted
                and inserted.replace("\\n", "\n").replace("\\t", "\t") not in answer.insert_texts.get(label, "")
            ):
                problems.append(f"{label!r} inserts {answer.insert_texts.get(label)!r}, expected {inserted!r}")
            if mark == "-" and label in answer.labels:
                problems.append(f"{label!r} offered")
        return problems
    if feature == "tokens":
        by_start = {(t[0], t[1], t[2]): t for t in answer.tokens}
        for s in case.spans:
            token = by_start.get((s.path, s.line, s.start))
            if s.tag == "none":
                if token is not None:
                    problems.append(f"{_span(s)}: expected no token, got {token[4]}.{'.'.join(token[5])}")
                continue
            wanted_type, *mods = s.tag.split(".")
            wanted_mods = {m for m in mods if not m.startswith("!")}
            unwanted_mods = {m[1:] for m in mods if m.startswith("!")}
            if token is None or token[3] != s.end - s.start:
                problems.append(f"{_span(s)}: no token (expected {s.tag})")
            elif token[4] != wanted_type or not wanted_mods <= set(token[5]) or unwanted_mods & set(token[5]):
                problems.append(f"{_span(s)}: {token[4]}.{'.'.join(token[5])}, expected {s.tag}")
        return problems
    if feature in ("incoming-calls", "outgoing-calls"):
        wanted = {text for mark, text in case.expect if mark == ">"}
        if answer.names != wanted:
            problems.append(f"expected {sorted(wanted)}, got {sorted(answer.names)}")
        return problems
    if feature == "inlay":
        wanted_hints = {(s.path, s.line, s.start, s.tag) for s in case.spans}
        if answer.hints != wanted_hints:
            problems.append(f"expected {sorted(wanted_hints)}, got {sorted(answer.hints)}")
        return problems
    return [f"unknown feature {feature!r}"]


def _show(found: set[tuple[str, int, int, int]]) -> str:
    return "[" + ", ".join(f"{p}:{line + 1}:{a}-{b}" for p, line, a, b in sorted(found)) + "]"


def _span(s: Span) -> str:
    return f"{s.path}:{s.line + 1}:{s.start}"
