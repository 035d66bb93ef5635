"""`spcopilot data feedback LOG... --out DIR`: the editor's inline-completion feedback → SFT and
DPO data.

The language server logs each accept / partial accept / dismiss of an inline suggestion
(`spcopilot.server.ai.inline.feedback`, `~/.cache/spcopilot/feedback/inline.jsonl`): one JSON
object a line with the prompt windows the model saw (`prefix`, `suffix`), the `suggestion` and
the `accepted_length`. This command turns those logs into:

- `DIR/fim.jsonl`: one FIM record per accepted text, in exactly the format `data prepare` writes
  for `train/fim.jsonl` (`id`, `repo`, `path`, `kind`, `prefix`, `suffix`, `middle`, `context`);
  `accept` teaches the whole suggestion, `partial` its first `accepted_length` characters (the
  longest partial of a suggestion shown once; a full accept of it supersedes its partials).
- `DIR/dpo.jsonl`: preference pairs at one cursor (the same prefix and suffix): an accepted text
  is chosen; a dismissed suggestion, or an accepted one the engine flags, is rejected.
- `DIR/stats.json`: what was read, kept, fixed, dropped (see `README.md`).

The audit is the one `data prepare` applies to snippets, through the runtime's own
`guard_insertion`: the text is linted in its context (prefix + text + suffix), the engine's safe
fixes that touch it are applied, and an error-severity finding left on it drops it. Findings in
the user's own code around it do not count (the loss never covers the context; `data check`,
which lints FIM records whole, may still report them: `stats.json` counts those records as
`context_errors`). A partial acceptance is judged as the whole suggestion cut at the accepted
length: `RandomFloat(` is not a call the engine can see, `RandomFloat(0.0, 1.0);` is, so the
engine's verdict and fixes on the whole suggestion are carried over to the accepted part (a cut
inside a fixed name drops it), and the accepted part must then pass on its own.

Flagged suggestions are fixed, not dropped, when the engine can fix them (as `data prepare`'s
sanitiser does with corpus files): an accepted `RandomFloat(0.0, 1.0);` is learned as
`GetRandomFloat(0.0, 1.0);`, and its original text becomes the rejected side of a pair against
the fix. A suggestion the engine rejects is never chosen.

DPO prompt format. `data dpo` writes conversational (chat) pairs and has no FIM form, so the
pairs here are rendered the way `sft_data` renders FIM examples: the server's own inline prompt
(`holes.serving_prompt`: its window, context notes and the model family's FIM template), the
middle followed by the family's end-of-middle token as the answer. That is trl's standard
(string) preference format, for the family chosen with `--fim-family` (default `qwen2.5-coder`,
the configs' base model; `none`: the prefix-only prompt; `chat`: the hole-filler chat prompt of
chat-only models, conversational like `data dpo`'s pairs, so the two files can be trained
together). Every pair also keeps the raw hole (`feedback`: prefix, suffix, context, chosen and
rejected text) so it can be rendered again for another family.

The log keeps only the windows, so the record's context (game, hooked events; with
`--include-dir` the signatures used near the cursor) is recomputed from them, and the files'
names are kept without their folders (`repo` is "feedback").
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.training.errors import DatasetError
from spcopilot.training.staging import staged_dir, write_json, write_jsonl

KINDS = ("accept", "partial", "dismiss")
REPO = "feedback"
DEFAULT_FAMILY = "qwen2.5-coder"
CHAT = "chat"
MAX_LISTED = 100  # invalid lines listed in stats.json


@dataclass(slots=True)
class FeedbackOptions:
    logs: list[Path]
    out: Path
    skip_invalid: bool = False  # count and skip invalid lines instead of failing
    fim_family: str = DEFAULT_FAMILY  # a FIM family, "none" (prefix only) or "chat" (hole-filler chat)
    include_dirs: tuple[Path, ...] = ()  # SourceMod include folders: context signatures as the server shows them
    overwrite: bool = False


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    prefix: str
    suffix: str
    suggestion: str
    accepted_length: int
    path: str
    where: str  # "file:line"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The engine on an accepted text: what to learn (None: rejected), whether it flagged the
    text as written (fixed or not), and the rules it fixed or that rejected it."""

    middle: str | None
    flagged: bool
    rules: tuple[str, ...] = ()


@dataclass(slots=True)
class Cursor:
    """Everything logged at one cursor: the same prompt windows."""

    prefix: str
    suffix: str
    path: str
    accepted: dict[str, int] = field(default_factory=dict)  # suggestion -> longest accepted length
    dismissed: dict[str, None] = field(default_factory=dict)


# ---- reading the logs -------------------------------------------------------------------------
def _parse(line: bytes) -> dict[str, Any] | str:
    """The event object of one line, or why it is not one."""
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8"
    except json.JSONDecodeError as exc:
        return f"not a valid JSONL line ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return f"a feedback line must be a JSON object, not {type(record).__name__}"
    return record


def _event(record: dict[str, Any], where: str) -> Event | str | None:
    """An Event, None for an unknown kind (a newer log: skipped and counted), or what is wrong."""
    kind = record.get("kind")
    if not isinstance(kind, str):
        return "no `kind`"
    if kind not in KINDS:
        return None
    for key in ("prefix", "suffix", "suggestion"):
        if not isinstance(record.get(key), str):
            return f"`{key}` must be a string"
    suggestion: str = record["suggestion"]
    path = record.get("path", "")
    if not isinstance(path, str):
        return "`path` must be a string"
    accepted = len(suggestion) if kind == "accept" else 0
    if kind == "partial":
        length = record.get("accepted_length")
        if not isinstance(length, int) or isinstance(length, bool):
            return "a partial acceptance needs an integer `accepted_length`"
        accepted = max(0, min(length, len(suggestion)))
    return Event(kind, record["prefix"], record["suffix"], suggestion, accepted, path, where)


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with Path(path).open("rb") as handle:
            yield from enumerate(handle, 1)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_events(paths: Iterable[Path], skip_invalid: bool, stats: dict[str, Any]) -> Iterator[Event]:
    """The events of the logs, in order. An invalid line raises DatasetError naming file:line,
    or with `skip_invalid` is counted (and listed) in `stats`."""
    for path in paths:
        for number, line in _lines(path):
            if not line.strip():
                continue
            stats["lines"] += 1
            where = f"{path}:{number}"
            parsed = _parse(line)
            found = _event(parsed, where) if isinstance(parsed, dict) else parsed
            if found is None:
                stats["unknown"] += 1
            elif isinstance(found, str):
                if not skip_invalid:
                    raise DatasetError(f"{where}: {found} (pass --skip-invalid to skip such lines)")
                stats["invalid"] += 1
                if len(stats["invalid_lines"]) < MAX_LISTED:
                    stats["invalid_lines"].append(f"{where}: {found}")
            else:
                stats["events"] += 1
                stats[{"accept": "accepted", "partial": "partial", "dismiss": "dismissed"}[found.kind]] += 1
                yield found


# ---- the engine's verdict -----------------------------------------------------------------------
def file_name(path: str) -> str:
    """The logged document path without its folders (nothing about the user's disk is kept)."""
    return path.replace("\\", "/").rsplit("/", 1)[-1] or "plugin.sp"


def _lint_name(path: str) -> str:
    name = file_name(path)
    return name if name.endswith((".sp", ".inc")) else "plugin.sp"


def _cut_point(original: str, fixed: str, cut: int) -> int | None:
    """Where `cut` (an index into `original`) falls in `fixed`; None inside an edit."""
    if cut >= len(original):
        return len(fixed)
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, original, fixed, autojunk=False).get_opcodes():
        if tag == "equal" and i1 <= cut <= i2:
            return j1 + cut - i1
        if tag != "equal" and i1 < cut < i2:
            return None
        if tag != "equal" and cut == i1:
            return j1  # the edit starts at the cut: it is not part of the accepted text
    return len(fixed)


def judge(prefix: str, suggestion: str, accepted: int, suffix: str, path: str) -> Verdict:
    """The audit of the first `accepted` characters of `suggestion` at the cursor between
    `prefix` and `suffix` (see the module docs): the whole suggestion through `guard_insertion`,
    its verdict carried over to the accepted part, which must then pass on its own."""
    from spcopilot.server.ai.service import guard_insertion

    name = _lint_name(path)
    whole = guard_insertion(prefix, suggestion, suffix, None, name)
    fixed = tuple(sorted({d.code for d in whole.fixed}))
    cut = _cut_point(suggestion, whole.code, accepted)
    if cut is None:  # the accepted text ends inside something the engine rewrote
        return Verdict(None, True, fixed)
    head, cut_byte = len(prefix.encode("utf-8")), len(whole.code[:cut].encode("utf-8"))
    errors = [d for d in whole.errors if d.start_byte - head < cut_byte and max(d.end_byte, d.start_byte + 1) > head]
    if errors:  # an error the engine could not fix, in the accepted part
        return Verdict(None, True, tuple(sorted({d.code for d in errors})))
    middle = whole.code[:cut]
    flagged = middle != suggestion[:accepted]
    if cut < len(whole.code):  # a partial: it must also pass where it stands
        alone = guard_insertion(prefix, middle, suffix, None, name)
        if alone.errors:
            return Verdict(None, True, tuple(sorted({d.code for d in alone.errors})))
        fixed = tuple(sorted(set(fixed) | {d.code for d in alone.fixed}))
        flagged = flagged or alone.code != middle
        middle = alone.code
    return Verdict(middle, flagged, fixed if flagged else ())


def context_has_errors(prefix: str, middle: str, suffix: str) -> bool:
    """Whether `data check` (which lints a FIM record whole) would report this record."""
    from spcopilot.training.audit import errors_in

    return bool(errors_in(prefix + middle + suffix))


# ---- records ------------------------------------------------------------------------------------
def hole_kind(prefix: str, suffix: str) -> str:
    """`line` where the server asks for a single line (its own `is_multi_line` at this cursor),
    `body` on the first line of a block, `statement` elsewhere."""
    from spcopilot.diagnostics.parsing import parse
    from spcopilot.server.ai.inline.mode import is_multi_line

    source = (prefix + suffix).encode("utf-8")
    if not is_multi_line(parse(source), source, len(prefix.encode("utf-8"))):
        return "line"
    return "body" if prefix.rstrip().endswith("{") else "statement"


class Contexts:
    """The prompt context the server would send at a cursor, recomputed from the windows the
    way `holes.hole_record` computes it from a file."""

    def __init__(self, include_dirs: tuple[Path, ...]) -> None:
        self.lookup = None
        if include_dirs:
            from spcopilot.training.examples import include_lookup

            self.lookup = include_lookup(tuple(str(d) for d in include_dirs))

    def __call__(self, prefix: str, suffix: str) -> dict[str, object]:
        from spcopilot.diagnostics import detect_game_of
        from spcopilot.server.ai.prompts.context import build_context
        from spcopilot.training.facts import plugin_facts

        text = prefix + suffix
        facts = plugin_facts(text)
        game = detect_game_of(text).game
        context = build_context(text, prefix.count("\n"), game, facts.events, self.lookup, facts.defines)
        return {"game": context.game, "events": list(context.events), "signatures": list(context.signatures)}


def fim_record(cursor: Cursor, kind: str, middle: str, context: dict[str, object]) -> dict[str, object]:
    """A FIM record in `data prepare`'s format (`holes.hole_record`)."""
    name = file_name(cursor.path)
    digest = hashlib.sha256("\0".join((cursor.prefix, cursor.suffix, middle)).encode("utf-8")).hexdigest()[:12]
    return {
        "id": f"{REPO}/{name}#{digest}",
        "repo": REPO,
        "path": name,
        "kind": kind,
        "prefix": cursor.prefix,
        "suffix": cursor.suffix,
        "middle": middle,
        "context": context,
    }


def pair_record(hole: dict[str, object], chosen: str, rejected: str, rejected_by: str, fmt: str) -> dict[str, Any]:
    """One preference pair: the serving prompt for `hole` in format `fmt` (a FIM family, "none"
    or "chat"), the chosen and rejected middles as answers, and the raw hole."""
    from spcopilot.server.ai.prompts.fim import COMPLETION_CLOSE, COMPLETION_OPEN, FAMILIES
    from spcopilot.training.holes import serving_prompt
    from spcopilot.training.sft_data import fim_prompt

    raw = {k: hole[k] for k in ("repo", "path", "kind", "prefix", "suffix", "context")}
    raw |= {"chosen": chosen, "rejected": rejected, "rejected_by": rejected_by}
    if fmt == CHAT:
        messages = serving_prompt(hole, None, chat=True).messages

        def answer(text: str) -> list[dict[str, str]]:
            return [{"role": "assistant", "content": f"{COMPLETION_OPEN}{text}{COMPLETION_CLOSE}"}]

        prompt: object = [{"role": m.role, "content": m.content} for m in messages]
        return {"prompt": prompt, "chosen": answer(chosen), "rejected": answer(rejected), "feedback": raw}
    prompt, end = fim_prompt(FAMILIES.get(fmt), hole)
    return {"prompt": prompt, "chosen": chosen + end, "rejected": rejected + end, "feedback": raw}


# ---- the command --------------------------------------------------------------------------------
def prompt_formats() -> tuple[str, ...]:
    from spcopilot.server.ai.prompts.fim import FAMILIES

    return (*FAMILIES, "none", CHAT)


def _window(prefix: str, suffix: str) -> tuple[str, str]:
    """The server's window cut (a no-op on a window it cut; it trims a cached suggestion's longer
    text to what the model would see)."""
    from spcopilot.server.ai.inline.prompt import PREFIX_BUDGET, SUFFIX_BUDGET, estimate_tokens
    from spcopilot.server.ai.prompts.window import cut_window

    window = cut_window(prefix + suffix, len(prefix), estimate_tokens, PREFIX_BUDGET, SUFFIX_BUDGET)
    return window.prefix, window.suffix


def _new_stats(options: FeedbackOptions) -> dict[str, Any]:
    return {
        "logs": [str(p) for p in options.logs],
        "prompt_format": options.fim_family,
        "lines": 0,
        "events": 0,
        "accepted": 0,
        "partial": 0,
        "dismissed": 0,
        "unknown": 0,
        "invalid": 0,
        "invalid_lines": [],
        "cursors": 0,
        "empty": 0,
        "duplicates": 0,
        "fixed_by_audit": 0,
        "fixed_by_rule": Counter(),
        "dropped_by_audit": 0,
        "dropped_by_rule": Counter(),
        "context_errors": 0,
        "pairs": 0,
        "pairs_rejected_by": Counter(),
        "pairs_same_text": 0,
    }


def collect(events: Iterable[Event], stats: dict[str, Any]) -> list[Cursor]:
    """The events grouped by cursor, repeats merged (and counted as duplicates)."""
    cursors: dict[tuple[str, str], Cursor] = {}
    for event in events:
        prefix, suffix = _window(event.prefix, event.suffix)
        cursor = cursors.setdefault((prefix, suffix), Cursor(prefix, suffix, event.path))
        if event.kind == "dismiss":
            if event.suggestion in cursor.dismissed:
                stats["duplicates"] += 1
            cursor.dismissed[event.suggestion] = None
            continue
        if event.suggestion in cursor.accepted:
            stats["duplicates"] += 1
        cursor.accepted[event.suggestion] = max(cursor.accepted.get(event.suggestion, 0), event.accepted_length)
    stats["cursors"] = len(cursors)
    return list(cursors.values())


def build(cursors: list[Cursor], stats: dict[str, Any], options: FeedbackOptions) -> tuple[list[dict], list[dict]]:
    """(FIM records, preference pairs) from the grouped events."""
    contexts = Contexts(options.include_dirs)
    holes: list[dict] = []
    pairs: list[dict] = []
    for cursor in cursors:
        chosen: dict[str, None] = {}
        rejected: dict[str, str] = {text: "dismissed" for text in cursor.dismissed}
        for suggestion, length in cursor.accepted.items():
            text = suggestion[:length]
            if not text.strip():
                stats["empty"] += 1
                continue
            verdict = judge(cursor.prefix, suggestion, length, cursor.suffix, cursor.path)
            if verdict.flagged:
                rejected.setdefault(text, "engine")
            if verdict.middle is None or not verdict.middle.strip():
                stats["dropped_by_audit"] += 1
                stats["dropped_by_rule"].update(verdict.rules or ("empty",))
                continue
            if verdict.flagged:
                stats["fixed_by_audit"] += 1
                stats["fixed_by_rule"].update(verdict.rules)
            if verdict.middle in chosen:
                stats["duplicates"] += 1
            chosen[verdict.middle] = None
        if not chosen:
            continue
        kind = hole_kind(cursor.prefix, cursor.suffix)
        context = contexts(cursor.prefix, cursor.suffix)
        for middle in chosen:
            hole = fim_record(cursor, kind, middle, context)
            holes.append(hole)
            if context_has_errors(cursor.prefix, middle, cursor.suffix):
                stats["context_errors"] += 1
            for text, why in rejected.items():
                if text.strip() == middle.strip():
                    stats["pairs_same_text"] += 1
                    continue
                pairs.append(pair_record(hole, middle, text, why, options.fim_family))
                stats["pairs_rejected_by"][why] += 1
    stats["pairs"] = len(pairs)
    return holes, pairs


def convert(options: FeedbackOptions) -> dict[str, Any]:
    """Read the logs, judge and pair the acceptances, write DIR (staged, renamed at the end).
    Returns the stats (also DIR/stats.json)."""
    if options.fim_family not in prompt_formats():
        raise DatasetError(f"--fim-family {options.fim_family!r}: use one of {', '.join(prompt_formats())}")
    if not options.logs:
        raise DatasetError("no feedback log given")
    for folder in options.include_dirs:
        if not Path(folder).is_dir():
            raise DatasetError(f"--include-dir {folder}: no such folder")
    stats = _new_stats(options)
    cursors = collect(read_events(options.logs, options.skip_invalid, stats), stats)
    if not stats["events"]:
        listed = ", ".join(str(p) for p in options.logs)
        raise DatasetError(f"no accept, partial or dismiss event in {listed}: nothing to convert")
    holes, pairs = build(cursors, stats, options)
    for key in ("fixed_by_rule", "dropped_by_rule", "pairs_rejected_by"):
        stats[key] = dict(sorted(stats[key].items()))
    with staged_dir(options.out, DatasetError, overwrite=options.overwrite) as stage:
        outputs = {"fim.jsonl": holes, "dpo.jsonl": pairs}
        for name, records in outputs.items():
            write_jsonl(stage / name, records)
        stats["outputs"] = {
            name: {"records": len(records), "sha256": hashlib.sha256((stage / name).read_bytes()).hexdigest()}
            for name, records in outputs.items()
        }
        write_json(stage / "stats.json", stats)
    return stats


__all__ = ["FeedbackOptions", "convert", "judge", "read_events"]
