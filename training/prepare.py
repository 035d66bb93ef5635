"""`spcopilot data prepare SOURCES... --out DIR`: a corpus of plugins → training data.

Steps (each counted in DIR/stats.json; every dropped file listed in DIR/dropped.jsonl):
1. read      `.sp`/`.inc` files under SOURCES, each assigned to a repository (corpus.py); quality
             (too small, garbled, generated, parse errors, documentation only: quality.py), game
             detection, dedup signatures                                           [every core]
2. dedup     exact and near duplicates, across repositories (dedup.py)
3. game      keep L4D2 and generic plugins (the engine's `detect_game_of`); report the rest
4. sanitise  old syntax converted to modern syntax (modern_syntax.py; `--old-syntax drop|keep`),
             the guard's safe fixes under the engine's training profile; files with error
             findings left are dropped                                             [every core]
5. split     stratified by repository: each gives `--eval-fraction` of its plugins (split.py);
             then eval records are not made from functions the train split has (dedup.py)
6. examples  natural requests, whole plugins or skeleton + parts within `--max-tokens`
             (sizing.py), function-level requests, FIM holes, contrastive anti-pattern examples
                                                                                   [every core]
7. audit     every output file passes the engine (training profile), or `prepare` fails (the
             report is written next to DIR) and DIR is not created                 [every core]

The per-file steps run on `-j` processes (default: every core), show a progress bar on a terminal
and a line per step otherwise, and keep their results in `DIR.work/` as they come: an interrupted
run, started again with the same arguments, only does what is left (`--fresh` starts over).
Outputs are written into DIR.partial-PID, renamed to DIR at the end; DIR.work is then removed.
    train/chat.jsonl  train/fim.jsonl  train/files.jsonl
    eval/chat.jsonl   eval/holes.jsonl eval/files.jsonl   (holes: the hole-filling benchmark)
    stats.json  dropped.jsonl  audit.json
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.training.errors import DatasetError
from spcopilot.training.prepare_work import examples_work, read_file_work, sanitise_work, task_key, text_digest
from spcopilot.training.sizing import DEFAULT_MAX_TOKENS, DEFAULT_MAX_TRUNCATED_SHARE, check_truncation, record_tokens
from spcopilot.training.stage_runner import Journal, Progress, StageReport, Task, default_jobs, run_stage
from spcopilot.training.staging import sha256_file, staged_dir, write_json, write_jsonl, write_sorted_jsonl

KEEP_GAMES = ("l4d2", "generic")
OLD_SYNTAX = ("convert", "drop", "keep")


@dataclass(slots=True)
class PrepareOptions:
    sources: list[Path]
    out: Path
    eval_fraction: float = 0.1
    contrastive_fraction: float = 0.15
    min_code_bytes: int = 200
    near_duplicate_threshold: float = 0.7
    holes_per_file: int = 3
    functions_per_file: int = 2
    num_proc: int | None = None  # worker processes (-j); None: every core
    progress: bool = True  # a bar on a terminal, a line per step otherwise
    overwrite: bool = False
    keep_games: tuple[str, ...] = KEEP_GAMES
    include_dirs: tuple[Path, ...] = ()  # SourceMod include folders: FIM context signatures as the server shows them
    max_tokens: int = DEFAULT_MAX_TOKENS  # no example is longer (estimated): long plugins are split
    max_truncated_share: float = DEFAULT_MAX_TRUNCATED_SHARE
    # The system prompt chat records carry and are sized with: "full" (the server's prompt for large
    # models) or "compact" (its prompt for a small one: a model trained and served with it has the
    # ~650 tokens of the full prompt's tables for the answer, i.e. whole plugins instead of parts).
    system_prompt: str = "full"
    old_syntax: str = "convert"  # convert | drop | keep
    split: str = "stratified"  # stratified (each repository gives its share) | repository (whole ones)
    fresh: bool = False  # ignore the results of an interrupted run


@dataclass(slots=True)
class Step:
    name: str
    input: int
    output: int
    dropped: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


class AuditFailed(DatasetError):
    """The written data failed the audit: nothing to resume."""


def work_dir(out: Path) -> Path:
    return out.with_name(out.name + ".work")


class Pipeline:
    def __init__(self, options: PrepareOptions) -> None:
        self.options = options
        self.steps: list[Step] = []
        self.stages: list[StageReport] = []
        self.dropped: list[dict[str, str]] = []
        self.jobs = default_jobs(options.num_proc)
        self.progress = Progress(enabled=options.progress, prefix="prepare: ")
        self.work = work_dir(options.out)
        self.journals: dict[str, Journal] = {}

    def journal(self, name: str) -> Journal:
        if name not in self.journals:
            self.journals[name] = Journal(self.work / f"{name}.jsonl")
        return self.journals[name]

    def stage(self, name: str, tasks: list[Task], work: Any) -> Journal:
        journal = self.journal(name)
        self.stages.append(run_stage(name, tasks, work, journal, self.jobs, self.progress))
        return journal

    def drop(self, row: dict[str, Any], step: str, reason: str, **extra: Any) -> None:
        self.dropped.append({"path": row["path"], "repo": row["repo"], "step": step, "reason": reason, **extra})

    def close(self) -> None:
        for journal in self.journals.values():
            journal.close()

    # ---- the steps ----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        from spcopilot.training.corpus import find_files

        opts = self.options
        files = find_files(opts.sources)
        if not files:
            listed = ", ".join(str(s) for s in opts.sources)
            raise DatasetError(f"no .sp or .inc files under {listed}: nothing to prepare")
        if opts.fresh:
            shutil.rmtree(self.work, ignore_errors=True)
        rows = [{"repo": f.repo, "path": f.path, "file": str(f.file)} for f in files]
        analysed = self._read(rows)
        kept = self._quality(analysed)
        kept = self._dedup(kept)
        kept = self._games(kept)
        if not kept:
            raise DatasetError(
                "no file survived the filters: nothing to train on "
                f"(dropped, by reason: {dict(Counter(d['reason'] for d in self.dropped))})"
            )
        sanitised = self._sanitise(kept)
        if not sanitised:
            raise DatasetError("no file survived sanitising: nothing to train on")
        split = self._split(sanitised)
        duplicates = self._cross_split(sanitised)
        examples = self._examples(sanitised, duplicates)
        return {"files": sanitised, "split": split, "examples": examples}

    def _read(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        tasks = []
        for row in rows:
            stat = Path(row["file"]).stat()
            payload = row | {"min_code_bytes": self.options.min_code_bytes}
            key = task_key("read", row["repo"], row["path"], stat.st_size, stat.st_mtime_ns, payload["min_code_bytes"])
            tasks.append(Task(key, payload, stat.st_size))
        journal = self.stage("read", tasks, read_file_work)
        out = []
        for task, row in zip(tasks, rows, strict=True):
            result = journal.get(task.key)
            out.append(row | {"drop": result.get("drop") or ("error" if "error" in result else "")} | result)
        return out

    def _quality(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        reasons: Counter[str] = Counter()
        kept = []
        for row in rows:
            if row["drop"]:
                reason = "error" if "error" in row else row["drop"]
                reasons[reason] += 1
                step = "read" if reason in ("unreadable", "error") else "quality"
                self.drop(row, step, reason, note=row.get("error") or row.get("note", ""))
            else:
                kept.append(row)
        self.steps.append(Step("quality", len(rows), len(kept), dict(reasons)))
        return kept

    def _dedup(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from spcopilot.training.dedup import find_duplicates

        rows = sorted(rows, key=lambda r: (r["repo"], r["path"]))
        duplicates = find_duplicates(
            [r["exact"] for r in rows], [r["minhash"] for r in rows], self.options.near_duplicate_threshold
        )
        gone = {d.index for d in duplicates}
        for d in duplicates:
            self.drop(rows[d.index], "dedup", d.kind, duplicate_of=rows[d.kept]["path"], similarity=str(d.similarity))
        counts = Counter(d.kind for d in duplicates)
        kept = [r for i, r in enumerate(rows) if i not in gone]
        for r in kept:
            r.pop("minhash", None)
        self.steps.append(Step("dedup", len(rows), len(kept), {k: counts.get(k, 0) for k in ("exact", "near")}))
        return kept

    def _games(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keep = set(self.options.keep_games)
        games = Counter(r["game"] for r in rows)
        kept = []
        for row in rows:
            if row["game"] in keep:
                kept.append(row)
            else:
                self.drop(row, "game", row["game"], why=row["game_why"])
        dropped = {g: n for g, n in games.items() if g not in keep}
        self.steps.append(
            Step("game", len(rows), len(kept), dropped, {"kept": {g: n for g, n in games.items() if g in keep}})
        )
        return kept

    def _sanitise(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        policy = self.options.old_syntax
        tasks = [
            Task(
                task_key("sanitise", r["sha"], Path(r["path"]).name, r["path"].endswith(".sp"), policy),
                {k: r[k] for k in ("repo", "path", "file", "sha")} | {"old_syntax": policy},
                Path(r["file"]).stat().st_size,
            )
            for r in rows
        ]
        journal = self.stage("sanitise", tasks, sanitise_work)
        fixed: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        modern: Counter[str] = Counter()
        kept = []
        for task, row in zip(tasks, rows, strict=True):
            result = journal.get(task.key)
            if "error" in result:
                reasons["error"] += 1
                self.drop(row, "sanitise", "error", note=result["error"])
                continue
            fixed.update(result.get("fixed", []))
            for what in ("converted", "pragma_added"):
                modern[what] += bool(result.get("modern", {}).get(what))
            if result["drop"]:
                errors.update(result.get("errors", []))
                reason = "old_syntax" if result["drop"].startswith("old syntax") else "error_findings"
                reasons[reason] += 1
                self.drop(row, "sanitise", result["drop"])
                continue
            kept.append(
                {k: row[k] for k in ("repo", "path", "game", "includes")}
                | {"text": result["text"], "functions": result.get("functions", [])}
            )
        self.steps.append(
            Step(
                "sanitise",
                len(rows),
                len(kept),
                dict(reasons),
                {
                    "files_fixed_by_rule": dict(sorted(fixed.items())),
                    "errors_by_rule": dict(sorted(errors.items())),
                    "old_syntax": {"policy": policy, "converted": modern["converted"]},
                    "newdecls_pragma_added": modern["pragma_added"],
                },
            )
        )
        return kept

    def _split(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        from spcopilot.training.split import repository_split, stratified_split

        per_repo: dict[str, list[tuple[str, list[str]]]] = {}
        for r in rows:
            per_repo.setdefault(r["repo"], []).append((r["path"], r["includes"]))
        how = repository_split if self.options.split == "repository" else stratified_split
        result = how(per_repo, self.options.eval_fraction)
        for r in rows:
            r["split"] = "eval" if f"{r['repo']}/{r['path']}" in result.eval_keys else "train"
        if result.warning:
            self.progress.line(f"warning: {result.warning}")
        return result.to_json()

    def _cross_split(self, rows: list[dict[str, Any]]) -> dict[str, set[str]]:
        from spcopilot.training.dedup import cross_split_duplicates

        train = [sig for r in rows if r["split"] == "train" for _, sig in r["functions"]]
        evaluation = [
            (f"{r['repo']}/{r['path']}", n, sig) for r in rows if r["split"] == "eval" for n, sig in r["functions"]
        ]
        found = cross_split_duplicates(train, evaluation, self.options.near_duplicate_threshold)
        for r in rows:
            r.pop("functions", None)
        self.cross_split = {
            "eval_functions": found.eval_functions,
            "in_train": found.duplicate_count,
            "identical": found.exact,
            "eval_files_affected": len(found.duplicates or {}),
        }
        return found.duplicates or {}

    def _examples(self, rows: list[dict[str, Any]], duplicates: dict[str, set[str]]) -> Journal:
        opts = self.options
        tasks = []
        for r in rows:
            dups = sorted(duplicates.get(f"{r['repo']}/{r['path']}", ()))
            payload = {
                "text": r["text"], "repo": r["repo"], "path": r["path"], "game": r["game"],
                "holes": opts.holes_per_file, "functions": opts.functions_per_file,
                "include_dirs": [str(d) for d in opts.include_dirs], "max_tokens": opts.max_tokens, "duplicates": dups,
                "system_prompt": opts.system_prompt,
            }  # fmt: skip
            key = task_key("examples", {k: v for k, v in payload.items() if k != "text"}, text_digest(r["text"]))
            r["examples_key"] = key
            r["duplicate_functions"] = dups
            tasks.append(Task(key, payload, len(r["text"])))
        return self.stage("examples", tasks, examples_work)


def _meta_rank(record: dict) -> bytes:
    return hashlib.sha256(json.dumps(record["meta"], sort_keys=True).encode()).digest()


class _Assembler:
    """The outputs, streamed from the examples journal, and what they hold (stats)."""

    def __init__(self, pipeline: Pipeline, rows: list[dict[str, Any]], journal: Journal) -> None:
        self.pipeline, self.rows, self.journal = pipeline, rows, journal
        self.details: dict[str, Any] = {"checks_dropped": Counter(), "files_without_instruction": 0}
        self.sizing: Counter[str] = Counter()
        self.duplicates: Counter[str] = Counter()
        self.kinds: dict[str, Counter[str]] = {"train": Counter(), "eval": Counter()}
        self.failed: set[str] = set()

    @property
    def errors(self) -> int:
        return len(self.failed)

    def results(self, split: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for row in self.rows:
            if row["split"] != split:
                continue
            result = self.journal.get(row["examples_key"])
            if "error" in result:
                if row["examples_key"] not in self.failed:
                    self.failed.add(row["examples_key"])
                    self.pipeline.drop(row, "examples", "error", note=result["error"])
                continue
            yield row, result

    def chat(self, split: str) -> Iterator[dict]:
        from spcopilot.training import contrastive
        from spcopilot.training.examples import chat_system
        from spcopilot.training.mutations import Mutation, VerifiedMutation

        candidates = []
        made = 0
        for row, result in self.results(split):
            self.details["checks_dropped"].update(result["checks_dropped"])
            self.details["files_without_instruction"] += int(result["no_instruction"])
            self.sizing.update(result["sizing"])
            self.duplicates.update(result["duplicates_skipped"])
            for record in result["chat"]:
                made += 1
                self.kinds[split][record["meta"]["kind"]] += 1
                yield record
            for m in result["mutations"]:
                vm = VerifiedMutation(
                    Mutation(**m["mutation"]), m["scope"], m["name"], m["chosen"], m["rejected"], m["message"]
                )
                candidates.append((vm, row["repo"], row["path"], row["game"]))
        opts = self.pipeline.options
        wanted = contrastive.target_count(made, opts.contrastive_fraction)
        extra, too_long = contrastive.select(candidates, wanted, opts.max_tokens, chat_system(opts.system_prompt))
        self.sizing["contrastive_too_long"] += too_long
        self.details[f"{split}_contrastive"] = {
            "wanted": wanted,
            "made": len(extra),
            "candidates": len(candidates),
            "by_rule": dict(sorted(Counter(str(r["meta"]["rule"]) for r in extra).items())),
            "fraction": round(len(extra) / max(1, made + len(extra)), 3),
        }
        self.kinds[split]["contrastive"] += len(extra)
        yield from extra

    def holes(self, split: str) -> Iterator[dict]:
        for _, result in self.results(split):
            yield from result["holes"]

    def files(self, split: str) -> Iterator[dict]:
        for row in self.rows:
            if row["split"] == split:
                record = {k: row[k] for k in ("repo", "path", "game", "text")}
                if row.get("duplicate_functions"):
                    record["duplicate_functions"] = row["duplicate_functions"]
                yield record


def prepare(options: PrepareOptions) -> dict[str, Any]:
    """Run the pipeline and write DIR (see the module docs). Returns the stats."""
    if options.split not in ("stratified", "repository"):
        raise DatasetError(f"split {options.split!r}: use stratified or repository")
    if options.old_syntax not in OLD_SYNTAX:
        raise DatasetError(f"old_syntax {options.old_syntax!r}: use one of {', '.join(OLD_SYNTAX)}")
    if options.out.exists() and not options.overwrite:
        raise DatasetError(f"{options.out} already exists; choose another output folder or pass --overwrite")
    pipeline = Pipeline(options)
    try:
        result = pipeline.run()
        stats = _write(pipeline, result)
    except AuditFailed:
        pipeline.close()
        shutil.rmtree(pipeline.work, ignore_errors=True)  # results the audit rejects are not resumed
        raise
    except KeyboardInterrupt:
        pipeline.close()
        if pipeline.work.exists():
            pipeline.progress.enabled = True
            pipeline.progress.line(f"interrupted: run the same command again to resume (done so far: {pipeline.work})")
        raise
    finally:
        pipeline.close()
    shutil.rmtree(pipeline.work, ignore_errors=True)
    return stats


def _write(pipeline: Pipeline, result: dict[str, Any]) -> dict[str, Any]:
    from spcopilot.training.audit import audit

    options = pipeline.options
    rows, journal = result["files"], result["examples"]
    assembler = _Assembler(pipeline, rows, journal)
    names = {
        "train/chat.jsonl": ("train", "chat"),
        "train/fim.jsonl": ("train", "holes"),
        "train/files.jsonl": ("train", "files"),
        "eval/chat.jsonl": ("eval", "chat"),
        "eval/holes.jsonl": ("eval", "holes"),
        "eval/files.jsonl": ("eval", "files"),
    }
    with staged_dir(options.out, DatasetError, overwrite=options.overwrite) as stage:
        counts: dict[str, int] = {}
        truncation: dict[str, Any] = {}
        for name, (split, what) in names.items():
            from spcopilot.training.sizing import Truncation

            measured = Truncation(options.max_tokens)

            def measure(records: Iterator[dict], measured: Truncation = measured) -> Iterator[dict]:
                for record in records:
                    measured.add(record_tokens(record))
                    yield record

            records = getattr(assembler, what)(split)
            if what == "files":
                counts[name] = write_jsonl(stage / name, records)
            else:
                counts[name] = write_sorted_jsonl(
                    stage / name, measure(records), _meta_rank if what == "chat" else _hole_rank
                )
                truncation[name] = measured.to_json()
                if what == "chat":  # FIM windows are the server's (its budgets): reported, not refused
                    check_truncation(measured, options.max_truncated_share, name)
        pipeline.steps.append(
            Step(
                "examples",
                len(rows),
                counts["train/chat.jsonl"] + counts["eval/chat.jsonl"],
                {"error": assembler.errors} if assembler.errors else {},
                {
                    **assembler.details,
                    "checks_dropped": dict(assembler.details["checks_dropped"]),
                    "by_kind": {s: dict(sorted(c.items())) for s, c in assembler.kinds.items()},
                    "duplicates_skipped": dict(assembler.duplicates),
                },
            )
        )
        write_jsonl(stage / "dropped.jsonl", pipeline.dropped)
        report = audit([stage / name for name in names], progress=options.progress, jobs=pipeline.jobs, root=stage)
        pipeline.steps.append(
            Step("audit", report.records, report.records - len(report.problems), {"problems": len(report.problems)})
        )
        if not report.ok:
            failed = options.out.with_name(options.out.name + ".audit-failed.json")
            write_json(failed, report.to_json())
            first = "\n".join(p.text() for p in report.problems[:10])
            raise AuditFailed(
                f"the sanitiser's audit failed: {len(report.problems)} problem(s) in assistant code "
                f"(full report: {failed}); {options.out} was not written. First problems:\n{first}"
            )
        write_json(stage / "audit.json", report.to_json())
        split = result["split"]
        stats = {
            "sources": [str(s) for s in options.sources],
            "options": {
                k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items() if k != "sources"
            },
            "steps": [asdict(s) for s in pipeline.steps],
            "split": split
            | {
                "method": options.split,
                "eval_repositories": sorted({r["repo"] for r in rows if r["split"] == "eval"}),
                "train_repositories": sorted({r["repo"] for r in rows if r["split"] == "train"}),
                "functions_across_split": pipeline.cross_split,
            },
            "sizing": {"max_tokens": options.max_tokens, **dict(assembler.sizing), "truncation": truncation},
            "stages": [asdict(s) for s in pipeline.stages],
            "outputs": {name: {"records": counts[name], "sha256": sha256_file(stage / name)} for name in names},
            "audit": report.to_json() | {"problems": []},
        }
        write_json(stage / "stats.json", stats)
    return stats


def _hole_rank(record: dict) -> bytes:
    return str(record.get("id", "")).encode("utf-8")
