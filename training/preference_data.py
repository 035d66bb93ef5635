"""`spcopilot data dpo DATA_DIR`: preference pairs from a prepared data folder (the pairs
themselves: preferences.py).

1. per file, on every core (`-j`; a progress bar on a terminal, a line per step otherwise; the
   results kept in `OUT.work/`, so an interrupted run resumes): the file's facts, its verified
   mutations as rejection pairs, its handlers of each event and the SourceMod functions it calls
   (acceptance material);
2. held-out probe names chosen from everything the corpus calls;
3. per-kind caps: a kind is what a pair teaches (a rule, or a rule and a wrong name: `SPC101
   GetPlayerTeam`); kinds are taken in turn and none holds more than `max_kind_share` of the
   rejection pairs (or `min_kind_cap` pairs in a small corpus), so `GetClientTeam -> GetPlayerTeam`
   cannot be a quarter of the lessons;
4. the balance: as many acceptance pairs as rejection pairs, and per subject kind at least as
   many "X exists" as "X does not exist" lessons (events and functions), so the model never learns
   that rejecting a name of that kind is always safe. Reported per kind in stats.json;
5. no pair longer than `max_tokens` (estimated); the audit (every core) gates the output.

Output (staged, renamed at the end): OUT (default DATA_DIR/dpo)/{train,eval,probe}.jsonl,
stats.json, audit.json.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from spcopilot.training.audit import read_jsonl
from spcopilot.training.errors import DatasetError
from spcopilot.training.prepare_work import task_key, text_digest
from spcopilot.training.sizing import DEFAULT_MAX_TOKENS, record_tokens
from spcopilot.training.stage_runner import Journal, Progress, StageReport, Task, default_jobs, run_stage
from spcopilot.training.staging import sha256_file, staged_dir, write_json, write_jsonl

NAME_KINDS = ("event", "function")


@dataclass(slots=True)
class DpoOptions:
    data: Path
    out: Path | None = None  # default DATA_DIR/dpo
    mutations_per_rule: int = 2  # per file
    probe_per_kind: int = 12
    overwrite: bool = False
    progress: bool = True  # a bar on a terminal, a line per step otherwise
    num_proc: int | None = None  # worker processes (-j); None: every core
    max_kind_share: float = 0.1
    min_kind_cap: int = 4
    max_tokens: int = DEFAULT_MAX_TOKENS
    fresh: bool = False  # ignore the results of an interrupted run


def dpo_file_work(row: dict[str, Any]) -> dict[str, Any]:
    """One file's rejection pairs and acceptance material (runs on a worker process)."""
    from spcopilot.training.facts import plugin_facts
    from spcopilot.training.preferences import file_functions, file_handlers, file_rejections

    facts = plugin_facts(row["text"])
    return {
        "rejections": file_rejections(row["text"], row["repo"], row["path"], row["game"], row["per_rule"], facts),
        "handlers": file_handlers(row["text"], facts, row["repo"], row["path"]),
        "functions": file_functions(row["text"], facts),
        "events": facts.events,
    }


def _files(data: Path, split: str) -> list[dict]:
    path = data / split / "files.jsonl"
    if not path.is_file():
        raise DatasetError(f"{path} is missing: run `spcopilot data prepare ... --out {data}` first")
    return [record for _, record in read_jsonl(path)]


def _h(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def group(pair: dict) -> str:
    """What a rejection's acceptance counterpart must be about: "event", "function" or "usage"."""
    kind = pair["meta"]["subject_kind"]
    return kind if kind in NAME_KINDS else "usage"


def budgets(counts: Counter[str], available: dict[str, int]) -> dict[str, int]:
    """How many rejections of each group can be balanced: per name kind no more than the
    acceptance material of that kind; usage lessons against what is left of both."""
    keep = {k: min(counts[k], available.get(k, 0)) for k in NAME_KINDS}
    keep["usage"] = min(counts["usage"], sum(available.get(k, 0) - keep[k] for k in NAME_KINDS))
    return keep


def round_robin(by_kind: dict[str, list[dict]], budget: dict[str, int], cap: int) -> list[dict]:
    """Kinds taken in turn, each in its fixed order, at most `cap` of a kind and `budget` of a group."""
    out: list[dict] = []
    taken: Counter[str] = Counter()
    for round_ in range(cap):
        for kind in sorted(by_kind):
            if (
                round_ < len(by_kind[kind])
                and taken[group(by_kind[kind][round_])] < budget[group(by_kind[kind][round_])]
            ):
                out.append(by_kind[kind][round_])
                taken[group(by_kind[kind][round_])] += 1
    return out


def choose_rejections(
    rejections: list[dict], available: dict[str, int], share: float, floor: int
) -> tuple[list[dict], dict[str, int]]:
    """The rejections kept (no kind above `share` of them, or above `floor` in a small corpus; no
    more of a group than can be balanced) and the acceptances wanted of each name kind: at least
    as many as its rejections, the usage lessons' counterparts spread over both."""
    by_kind: dict[str, list[dict]] = {}
    for p in sorted(rejections, key=lambda p: _h(json.dumps(p["meta"], sort_keys=True))):
        by_kind.setdefault(p["meta"]["mutation_kind"], []).append(p)
    budget = budgets(Counter(group(p) for p in rejections), available)
    total = sum(budget.values())
    while True:
        cap = max(floor, int(share * total))
        kept = round_robin(by_kind, budget, cap)
        if len(kept) >= total or max(floor, int(share * len(kept))) == cap:
            break
        total = len(kept)  # the caps left pairs out: the share is of fewer pairs now
    counts = Counter(group(p) for p in kept)
    wanted = {k: counts[k] for k in NAME_KINDS}
    for _ in range(counts["usage"]):
        spare = [k for k in NAME_KINDS if wanted[k] < available.get(k, 0)]
        if not spare:
            break
        wanted[min(spare, key=lambda k: (wanted[k] - counts[k], k))] += 1
    return kept, wanted


class _Builder:
    def __init__(self, options: DpoOptions, target: Path) -> None:
        self.options = options
        self.jobs = default_jobs(options.num_proc)
        self.progress = Progress(enabled=options.progress, prefix="dpo: ")
        self.work = target.with_name(target.name + ".work")
        self.journal: Journal | None = None
        self.too_long: Counter[str] = Counter()
        self.stages: list[StageReport] = []

    def per_file(self, files: dict[str, list[dict]]) -> dict[str, list[dict[str, Any]]]:
        if self.options.fresh:
            shutil.rmtree(self.work, ignore_errors=True)
        self.journal = Journal(self.work / "files.jsonl")
        tasks: list[Task] = []
        keys: dict[str, list[str]] = {}
        for split, records in files.items():
            for f in records:
                payload = {k: f[k] for k in ("repo", "path", "game", "text")} | {
                    "per_rule": self.options.mutations_per_rule
                }
                key = task_key("dpo", f["repo"], f["path"], f["game"], text_digest(f["text"]), payload["per_rule"])
                tasks.append(Task(key, payload, len(f["text"])))
                keys.setdefault(split, []).append(key)
        self.stages.append(run_stage("files", tasks, dpo_file_work, self.journal, self.jobs, self.progress))
        out: dict[str, list[dict[str, Any]]] = {}
        for split, split_keys in keys.items():
            results = [self.journal.get(k) for k in split_keys]
            out[split] = [r for r in results if "error" not in r]
        return out

    def fits(self, pairs: list[dict], split: str) -> list[dict]:
        kept = [p for p in pairs if record_tokens(p) <= self.options.max_tokens]
        self.too_long[split] += len(pairs) - len(kept)
        return kept


def build_pairs(options: DpoOptions) -> dict[str, Any]:
    from spcopilot.training.audit import audit
    from spcopilot.training.preferences import acceptance_pairs, hold_out, merge_functions, probe_records

    data = options.data
    files = {"train": _files(data, "train"), "eval": _files(data, "eval")}
    if not files["train"]:
        raise DatasetError(f"{data}/train/files.jsonl has no files: nothing to make pairs from")
    target = options.out or data / "dpo"
    if target.exists() and not options.overwrite:
        raise DatasetError(f"{target} already exists; choose another output folder or pass --overwrite")
    builder = _Builder(options, target)
    try:
        results = builder.per_file(files)
    finally:
        if builder.journal is not None:
            builder.journal.close()
    functions: dict[str, dict[str, str]] = {}
    for split, split_results in results.items():
        functions[split] = {}
        for r in split_results:
            merge_functions(functions[split], r["functions"])
    held = hold_out(sorted(set(functions["train"]) | set(functions["eval"])), options.probe_per_kind)
    outputs: dict[str, list[dict]] = {}
    groups = ("real_events", "invented_events", "real_functions", "invented_functions")
    stats: dict[str, Any] = {"held_out": {k: len(getattr(held, k)) for k in groups}}
    for split, split_results in results.items():
        handlers: dict[str, tuple[str, str]] = {}
        for r in split_results:
            for event, (rank, code) in r["handlers"].items():
                if event not in handlers or rank < handlers[event][0]:
                    handlers[event] = (rank, code)
        used_events = {e for r in split_results for e in r["events"]}
        all_rejections = [p for r in split_results for p in r["rejections"] if p["meta"]["subject"] not in held.names]
        fitting = builder.fits(all_rejections, split)
        # Acceptance material: as much as every rejection of each kind could ask for.
        made = acceptance_pairs(
            {e: code for e, (_, code) in handlers.items()}, used_events, functions[split], held,
            {k: len(fitting) for k in NAME_KINDS},
        )  # fmt: skip
        made = {k: builder.fits(v, split) for k, v in made.items()}
        rejections, wanted = choose_rejections(
            fitting, {k: len(v) for k, v in made.items()}, options.max_kind_share, options.min_kind_cap
        )
        acceptances = [p for k in NAME_KINDS for p in made[k][: wanted[k]]]
        pairs = sorted(rejections + acceptances, key=lambda p: _h(json.dumps(p["meta"], sort_keys=True)))
        outputs[f"{split}.jsonl"] = pairs
        stats[split] = _split_stats(all_rejections, rejections, acceptances, builder.too_long[split])
    outputs["probe.jsonl"] = probe_records(held)
    stats["probe"] = dict(
        Counter(f"{p['kind']} {'real' if p['exists'] else 'invented'}" for p in outputs["probe.jsonl"])
    )
    if not outputs["train.jsonl"]:
        raise DatasetError(
            "no preference pair could be made from the train files (no verified mutation): the corpus has too "
            "little code the rules' mutations apply to"
        )
    with staged_dir(target, DatasetError, overwrite=options.overwrite) as stage:
        for name, records in outputs.items():
            write_jsonl(stage / name, records)
        report = audit([stage / name for name in outputs], progress=options.progress, jobs=builder.jobs, root=stage)
        if not report.ok:
            failed = target.with_name(target.name + ".audit-failed.json")
            write_json(failed, report.to_json())
            first = "\n".join(p.text() for p in report.problems[:10])
            shutil.rmtree(builder.work, ignore_errors=True)  # results the audit rejects are not resumed
            raise DatasetError(f"the preference audit failed (report: {failed}); {target} was not written:\n{first}")
        write_json(stage / "audit.json", report.to_json())
        stats["audit"] = report.to_json() | {"problems": []}
        stats["stages"] = [asdict(s) for s in builder.stages]
        stats["outputs"] = {
            name: {"records": len(records), "sha256": sha256_file(stage / name)} for name, records in outputs.items()
        }
        write_json(stage / "stats.json", stats)
    shutil.rmtree(builder.work, ignore_errors=True)
    return stats


def _split_stats(found: list[dict], rejections: list[dict], acceptances: list[dict], too_long: int) -> dict[str, Any]:
    by_kind = Counter(p["meta"]["mutation_kind"] for p in rejections)
    balance_table: dict[str, dict[str, int]] = {}
    for p in rejections:
        kind = p["meta"]["subject_kind"] if p["meta"]["subject_kind"] in NAME_KINDS else "usage"
        balance_table.setdefault(kind, {"rejection": 0, "acceptance": 0})["rejection"] += 1
    for p in acceptances:
        balance_table.setdefault(p["meta"]["subject_kind"], {"rejection": 0, "acceptance": 0})["acceptance"] += 1
    largest = by_kind.most_common(1)[0] if by_kind else ("", 0)
    return {
        "rejection": len(rejections),
        "acceptance": len(acceptances),
        "rejection_by_rule": dict(sorted(Counter(p["meta"]["rule"] for p in rejections).items())),
        "acceptance_by_kind": dict(sorted(Counter(p["meta"]["subject_kind"] for p in acceptances).items())),
        "balance_by_kind": dict(sorted(balance_table.items())),
        "rejection_by_mutation_kind": dict(sorted(by_kind.items())),
        "largest_kind": {
            "kind": largest[0],
            "pairs": largest[1],
            "share": round(largest[1] / max(1, len(rejections)), 3),
        },
        "candidates": len(found),
        "too_long": too_long,
    }
