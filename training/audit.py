"""The sanitiser's audit: every assistant code block in a training file passes the engine with
zero error-severity findings (the V6 → V7 lesson: wrong APIs inside code blocks taught the model
wrong APIs). Prose may name a wrong API; code may not.

`spcopilot data check FILE...` and the last step of `data prepare` / `data dpo` run this. It
knows the record shapes the training layer writes and the common external ones:

| shape | what is linted |
|---|---|
| `{"messages": [...]}` (ChatML, OpenAI supervised) | code blocks of assistant messages |
| `{"prompt", "chosen", "rejected"}` (trl DPO) / `{"input", "preferred_output", "non_preferred_output"}` (OpenAI DPO) | code blocks of the chosen answer; the pair checks below |
| `{"prefix", "suffix", "middle"}` (FIM holes) | prefix + middle + suffix |
| `{"text"}` (sanitised sources) | the text |
| `{"name", "kind", "exists", "source"}` (probe questions) | the answer key against the knowledge base |

Preference pairs (with our `meta`): a rejection pair's rejected code must be flagged by its
rule and its chosen code not; a rejection pair about a name (an invented function or event) must
be about a name the knowledge base calls wrong, and every name its rejected code adds must be
wrong; an acceptance pair must be about a real name that its chosen code uses, and its rejected
answer has no code; acceptance and rejection pairs balance; held-out probe names (`source` starting
with "held out") are not taught in pairs.
The engine does all the judging, with its "training" profile (`training_profile()`): every
wrong-API finding is an error here, whatever its severity in the editor (`SetEntPropFloat(client,
Prop_Send, "m_flSpeed", 2.0)` is a warning there, since the prop is real on doors; in a training
answer it is the V6 contamination). This module only decides which text it judges.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spcopilot.diagnostics.config import training_profile
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.knowledge.apis import deprecated_natives, nonexistent_functions
from spcopilot.diagnostics.knowledge.events import builtin_l4d2
from spcopilot.diagnostics.matching import query_matches
from spcopilot.diagnostics.model import Severity
from spcopilot.diagnostics.parsing import parse
from spcopilot.training.errors import DatasetError

CODE_BLOCK = re.compile(r"^[ \t]*```[ \t]*([A-Za-z0-9_+#.-]*)[^\n]*\n(.*?)^[ \t]*```[ \t]*$", re.S | re.M)
SOURCEPAWN_LANGUAGES = frozenset({"", "sourcepawn", "sp", "sourcemod", "pawn", "c", "cpp", "c++", "inc"})
NAMING_RULES = frozenset({"SPC101", "SPC102", "SPC201", "SPC202"})
_NAMES = """
(call_expression function: (identifier) @call)
(call_expression function: (identifier) @hook arguments: (call_arguments . (string_literal) @event)
  (#any-of? @hook "HookEvent" "HookEventEx" "UnhookEvent" "CreateEvent"))
"""


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int  # 1-based line in the JSONL file
    where: str  # which part of the record
    code: str  # a rule code, or an audit check name (e.g. "pair-balance")
    message: str

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "where": self.where, "code": self.code, "message": self.message}

    def text(self) -> str:
        return f"{self.file}:{self.line}: {self.where}: {self.code} {self.message}"


@dataclass(slots=True)
class AuditReport:
    files: list[str] = field(default_factory=list)
    records: int = 0
    shapes: Counter[str] = field(default_factory=Counter)
    code_blocks: int = 0
    syntax_error_blocks: int = 0  # reported, not failing (snippets often are fragments)
    pairs: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "files": self.files,
            "records": self.records,
            "shapes": dict(self.shapes),
            "code_blocks": self.code_blocks,
            "syntax_error_blocks": self.syntax_error_blocks,
            "pairs": dict(self.pairs),
            "problems_by_code": dict(Counter(p.code for p in self.problems)),
            "problems": [p.to_json() for p in self.problems[:1000]],
        }

    def summary(self) -> str:
        head = (
            f"audited {self.records} records in {len(self.files)} file(s): {self.code_blocks} code blocks, "
            f"{len(self.problems)} problem(s)"
        )
        if self.pairs:
            head += f"; pairs: {', '.join(f'{k} {v}' for k, v in sorted(self.pairs.items()))}"
        return head


# ---- the engine's verdicts -------------------------------------------------------------------
TRAINING = training_profile()


# Small caches: the same code is judged several times in one run (a file, its holes, its pairs).
@lru_cache(maxsize=4096)
def findings(code: str) -> tuple[tuple[str, int, int, str], ...]:
    """(rule code, severity under the training profile, 1-based line, message) for every finding
    in a piece of code."""
    return tuple(
        (d.code, int(d.severity), d.range.start.line + 1, d.message) for d in lint(code, "answer.sp", TRAINING)
    )


def errors_in(code: str) -> list[tuple[str, int, str]]:
    return [(c, line, m) for c, sev, line, m in findings(code) if sev == Severity.ERROR]


def flags(code: str, rule: str) -> bool:
    return any(c == rule for c, *_ in findings(code))


@lru_cache(maxsize=4096)
def names_in(code: str) -> tuple[frozenset[str], frozenset[str]]:
    """(functions called, events hooked) in a piece of code."""
    source = code.encode("utf-8")
    calls: set[str] = set()
    events: set[str] = set()
    for _, caps in query_matches(_NAMES, parse(source).root_node):
        if "event" in caps:
            node = caps["event"][0]
            events.add(source[node.start_byte + 1 : node.end_byte - 1].decode("utf-8", "replace"))
        elif "call" in caps:
            node = caps["call"][0]
            calls.add(source[node.start_byte : node.end_byte].decode("utf-8", "replace"))
    return frozenset(calls), frozenset(events)


def has_syntax_errors(code: str) -> bool:
    return parse(code.encode("utf-8")).root_node.has_error


def code_blocks(text: str) -> list[str]:
    """The SourcePawn code blocks of a message (```sourcepawn, ```sp, ```c or unlabelled)."""
    return [m.group(2) for m in CODE_BLOCK.finditer(text) if m.group(1).lower() in SOURCEPAWN_LANGUAGES]


def is_real_event(name: str) -> bool:
    return name in builtin_l4d2()


def is_invented_function(name: str) -> bool:
    return name in nonexistent_functions()


def is_wrong_function(name: str) -> bool:
    """A function the knowledge base says not to call: nonexistent or deprecated."""
    return name in nonexistent_functions() or name in deprecated_natives()


# ---- records -----------------------------------------------------------------------------------
def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(1-based line number, record) for every non-blank line; an invalid line is an error."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(
                    f"{path}:{number}: not a valid JSONL line ({exc.msg} at column {exc.colno})"
                ) from None
            if not isinstance(record, dict):
                raise DatasetError(f"{path}:{number}: a JSONL line must be a JSON object, not {type(record).__name__}")
            yield number, record


def _contents(messages: object) -> list[str]:
    """The assistant texts of a message list, a single message or a plain string."""
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        messages = [messages]
    if not isinstance(messages, list):
        return []
    out = []
    for m in messages:
        if isinstance(m, dict) and m.get("role", "assistant") == "assistant":
            content = m.get("content")
            if isinstance(content, str):
                out.append(content)
            elif isinstance(content, list):  # [{"type": "text", "text": ...}]
                out += [p.get("text", "") for p in content if isinstance(p, dict)]
    return out


def shape_of(record: dict) -> str:
    if {"name", "exists"} <= record.keys():
        return "probe"
    if "messages" in record:
        return "chat"
    if {"chosen", "rejected"} <= record.keys():
        return "pair"
    if {"preferred_output", "non_preferred_output"} <= record.keys():
        return "pair"
    if {"prefix", "suffix", "middle"} <= record.keys():
        return "fim"
    if "text" in record:
        return "source"
    return "unknown"


class _Auditor:
    def __init__(self, report: AuditReport, file: str) -> None:
        self.report = report
        self.file = file

    def problem(self, line: int, where: str, code: str, message: str) -> None:
        self.report.problems.append(Problem(self.file, line, where, code, message))

    def code(self, line: int, where: str, code: str) -> None:
        """Lint one assistant code text: every error-severity finding is a problem."""
        self.report.code_blocks += 1
        if has_syntax_errors(code):
            self.report.syntax_error_blocks += 1
        for rule, at, message in errors_in(code):
            self.problem(line, f"{where}, code line {at}", rule, message)

    def answer(self, line: int, where: str, texts: list[str]) -> list[str]:
        blocks = [b for t in texts for b in code_blocks(t)]
        for i, block in enumerate(blocks):
            self.code(line, f"{where} block {i + 1}", block)
        return blocks

    def record(self, line: int, record: dict) -> str:
        shape = shape_of(record)
        self.report.shapes[shape] += 1
        if shape == "chat":
            messages = record["messages"]
            if not isinstance(messages, list):
                self.problem(line, "messages", "format", "`messages` must be a list")
            else:
                for i, m in enumerate(messages):
                    if isinstance(m, dict) and m.get("role") == "assistant":
                        self.answer(line, f"messages[{i}]", _contents(m))
        elif shape == "pair":
            self.pair(line, record)
        elif shape == "fim":
            parts = [record.get(k) for k in ("prefix", "middle", "suffix")]
            if not all(isinstance(p, str) for p in parts):
                self.problem(line, "fim", "format", "prefix, middle and suffix must be strings")
            else:
                self.code(line, "prefix+middle+suffix", "".join(parts))  # type: ignore[arg-type]
        elif shape == "source":
            if isinstance(record["text"], str):
                self.code(line, "text", record["text"])
        elif shape == "probe":
            self.probe(line, record)
        else:
            self.problem(line, "record", "format", f"unknown record shape (keys: {', '.join(sorted(record))})")
        return shape

    def pair(self, line: int, record: dict) -> None:
        chosen_texts = _contents(record.get("chosen", record.get("preferred_output")))
        rejected_texts = _contents(record.get("rejected", record.get("non_preferred_output")))
        chosen = self.answer(line, "chosen", chosen_texts)  # wrong names in it are errors (the profile)
        rejected = [b for t in rejected_texts for b in code_blocks(t)]
        for block in chosen:
            # The engine judges events only in L4D code; a pair is always about L4D2, so check here too.
            for event in sorted(names_in(block)[1]):
                if not is_real_event(event):
                    self.problem(
                        line, "chosen", "chosen-unknown-event", f'chosen code hooks "{event}", not an L4D2 event'
                    )
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else None
        if meta is None:
            self.report.pairs["without meta"] += 1
            return
        kind = meta.get("kind")
        self.report.pairs[str(kind)] += 1
        subject, subject_kind, rule = str(meta.get("subject", "")), meta.get("subject_kind"), meta.get("rule", "")
        if kind == "rejection":
            if not rejected or not any(flags(b, rule) for b in rejected):
                self.problem(
                    line, "rejected", "pair-unflagged", f"the engine does not flag {rule} in the rejected code"
                )
            if any(flags(b, rule) for b in chosen):
                self.problem(line, "chosen", "pair-chosen-flagged", f"the chosen code has the {rule} problem too")
            if subject_kind == "function" and not is_wrong_function(subject):
                self.problem(line, "meta", "pair-real-rejected", f"`{subject}` is a real function, taught as rejected")
            if subject_kind == "event" and is_real_event(subject):
                self.problem(line, "meta", "pair-real-rejected", f'"{subject}" is a real event, taught as rejected')
            if rule in NAMING_RULES:
                self.added_names(line, chosen, rejected)
        elif kind == "acceptance":
            real = is_real_event(subject) if subject_kind == "event" else not is_wrong_function(subject)
            if not real:
                self.problem(line, "meta", "pair-invented-chosen", f"`{subject}` does not exist, taught as chosen")
            used = [names_in(b)[1 if subject_kind == "event" else 0] for b in chosen]
            if not any(subject in names for names in used):
                self.problem(line, "chosen", "pair-subject-unused", f"the chosen code does not use `{subject}`")
            if rejected:
                self.problem(line, "rejected", "pair-rejected-code", "an acceptance pair's rejected answer has code")
        else:
            self.problem(line, "meta", "format", f"unknown pair kind {kind!r}")

    def added_names(self, line: int, chosen: list[str], rejected: list[str]) -> None:
        """Names the rejected code has and the chosen code lacks must be wrong ones."""
        have_calls = frozenset().union(*(names_in(b)[0] for b in chosen)) if chosen else frozenset()
        have_events = frozenset().union(*(names_in(b)[1] for b in chosen)) if chosen else frozenset()
        for block in rejected:
            calls, events = names_in(block)
            for name in sorted(calls - have_calls):
                if not is_wrong_function(name) and name not in _defined_names(block):
                    self.problem(line, "rejected", "pair-real-rejected", f"`{name}` is real, taught as rejected")
            for name in sorted(events - have_events):
                if is_real_event(name):
                    self.problem(line, "rejected", "pair-real-rejected", f'"{name}" is real, taught as rejected')

    def probe(self, line: int, record: dict) -> None:
        name, kind, exists = record.get("name"), record.get("kind"), record.get("exists")
        if not isinstance(name, str) or not isinstance(exists, bool):
            self.problem(line, "probe", "format", "a probe needs a string `name` and a boolean `exists`")
            return
        self.report.pairs[f"probe {'real' if exists else 'invented'}"] += 1
        if kind == "event":
            if is_real_event(name) != exists:
                self.problem(line, "probe", "probe-answer", f'"{name}": exists={exists}, the event catalogue disagrees')
        elif kind == "function":
            if exists and is_invented_function(name):
                self.problem(line, "probe", "probe-answer", f"`{name}` is listed as nonexistent, not real")
            elif not exists and not is_invented_function(name):
                self.problem(
                    line, "probe", "probe-unverifiable", f"`{name}`: the knowledge base cannot confirm it is invented"
                )
        else:
            self.problem(line, "probe", "format", f"unknown probe kind {kind!r}")


@lru_cache(maxsize=1024)
def _defined_names(code: str) -> frozenset[str]:
    from spcopilot.diagnostics.semantics import build_model

    source = code.encode("utf-8")
    return frozenset(build_model(parse(source), source).defined)


@dataclass(frozen=True, slots=True)
class _Chunk:
    path: str  # the file to read
    name: str  # how problems name it
    start: int  # byte range of whole lines
    end: int
    first_line: int


def _audit_chunk(chunk: _Chunk) -> dict[str, object]:
    """One chunk of a JSONL file, audited: the partial report and what the cross-file checks need."""
    report = AuditReport()
    auditor = _Auditor(report, chunk.name)
    kinds: Counter[str] = Counter()
    taught: set[str] = set()
    probe: set[str] = set()
    with open(chunk.path, "rb") as handle:
        handle.seek(chunk.start)
        data = handle.read(chunk.end - chunk.start)
    for number, raw in enumerate(data.decode("utf-8", "replace").split("\n"), chunk.first_line):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            return {"invalid": f"{chunk.name}:{number}: not a valid JSONL line ({exc.msg} at column {exc.colno})"}
        if not isinstance(record, dict):
            return {
                "invalid": f"{chunk.name}:{number}: a JSONL line must be a JSON object, not {type(record).__name__}"
            }
        report.records += 1
        shape = auditor.record(number, record)
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
        if shape == "pair" and meta:
            kinds[str(meta.get("kind"))] += 1
            if meta.get("subject_kind") in ("event", "function"):
                taught.add(str(meta.get("subject")))
        elif shape == "probe" and str(record.get("source", "")).startswith("held out"):
            probe.add(str(record.get("name")))
    return {
        "report": report,
        "kinds": kinds,
        "taught": sorted(taught),
        "probe": sorted(probe),
    }


def _chunks(path: Path, name: str, records_per_chunk: int) -> list[_Chunk]:
    """Byte ranges of about `records_per_chunk` lines each (read without decoding them)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None
    out = []
    with handle:
        start, first, count, offset, number = 0, 1, 0, 0, 0
        for number, line in enumerate(handle, 1):
            offset += len(line)
            count += 1
            if count >= records_per_chunk:
                out.append(_Chunk(str(path), name, start, offset, first))
                start, first, count = offset, number + 1, 0
        if count:
            out.append(_Chunk(str(path), name, start, offset, first))
    return out


def audit(
    paths: Iterable[Path],
    progress: bool = False,
    jobs: int = 1,
    root: Path | None = None,
    records_per_chunk: int = 64,
) -> AuditReport:
    """Audit JSONL files on `jobs` processes (an invalid line raises DatasetError: nothing can be
    said about it). Files are named relative to `root` when given (a staging folder's temporary
    name never reaches a report)."""
    from spcopilot.training.stage_runner import Journal, Progress, Task, run_stage

    report = AuditReport()
    tasks: list[Task] = []
    for path in paths:
        path = Path(path)
        name = path.relative_to(root).as_posix() if root is not None and path.is_relative_to(root) else str(path)
        report.files.append(name)
        for chunk in _chunks(path, name, records_per_chunk):
            tasks.append(Task(f"{name}:{chunk.first_line}", chunk, chunk.end - chunk.start))
    journal = Journal(None)
    run_stage("audit", tasks, _audit_chunk, journal, jobs, Progress(enabled=progress))
    kinds: dict[str, Counter[str]] = {name: Counter() for name in report.files}
    subjects: dict[str, set[str]] = {"taught": set(), "probe": set()}
    invalid: list[tuple[int, str]] = []
    for index, task in enumerate(tasks):
        part = journal.get(task.key)
        if "error" in part:
            raise DatasetError(f"{task.payload.name}: the audit failed: {part['error']}")
        if "invalid" in part:
            invalid.append((index, str(part["invalid"])))
            continue
        partial: AuditReport = part["report"]
        report.records += partial.records
        report.shapes.update(partial.shapes)
        report.code_blocks += partial.code_blocks
        report.syntax_error_blocks += partial.syntax_error_blocks
        report.pairs.update(partial.pairs)
        report.problems += partial.problems
        kinds[task.payload.name].update(part["kinds"])
        subjects["taught"].update(part["taught"])
        subjects["probe"].update(part["probe"])
    if invalid:
        raise DatasetError(min(invalid)[1])
    for name in report.files:
        counted = kinds[name]
        if counted["rejection"] != counted["acceptance"]:
            report.problems.append(
                Problem(
                    name,
                    0,
                    "file",
                    "pair-balance",
                    f"{counted['acceptance']} acceptance pairs for {counted['rejection']} rejection pairs: they must "
                    "balance (teaching only rejections makes the model call real APIs nonexistent)",
                )
            )
    for name in sorted(subjects["taught"] & subjects["probe"]):
        report.problems.append(
            Problem("(files)", 0, "probe", "probe-leak", f"`{name}` is a held-out probe name but is taught in pairs")
        )
    return report


__all__ = ["AuditReport", "Problem", "audit", "code_blocks", "errors_in", "findings", "flags"]
