"""`spcopilot data prepare SOURCES... --out DIR`: a corpus of plugins → training data.

Steps (each counted in DIR/stats.json; every dropped file listed in DIR/dropped.jsonl):
1. read      `.sp`/`.inc` files under SOURCES, each assigned to a repository (corpus.py)
2. quality   too small, garbled, generated, parse errors, documentation only (quality.py)
3. dedup     exact and near duplicates, across repositories (dedup.py)
4. game      keep L4D2 and generic plugins (the engine's `detect_game_of`); report the rest
5. sanitise  the guard applies the engine's safe fixes; files with error findings left are dropped
6. split     by repository: no repository has files in both train and eval
7. examples  ChatML instructions from what the code does, FIM holes, contrastive anti-pattern
             examples (verified mutations, about 15 % of the chat set)
8. audit     every output file: assistant code passes the engine with zero error findings, or
             `prepare` fails (the report is written next to DIR) and DIR is not created

Output (written into DIR.partial-PID, renamed to DIR at the end):
    train/chat.jsonl  train/fim.jsonl  train/files.jsonl
    eval/chat.jsonl   eval/holes.jsonl eval/files.jsonl   (holes: the hole-filling benchmark)
    stats.json  dropped.jsonl  audit.json

Per-file work runs through `datasets.Dataset.map(num_proc=...)`, so a large corpus uses every core.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.training.errors import DatasetError, missing_extra
from spcopilot.training.staging import staged_dir, write_json, write_jsonl

KEEP_GAMES = ("l4d2", "generic")


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
    num_proc: int | None = None  # None: every core
    progress: bool = True
    overwrite: bool = False
    keep_games: tuple[str, ...] = KEEP_GAMES
    include_dirs: tuple[Path, ...] = ()  # SourceMod include folders: FIM context signatures as the server shows them


@dataclass(slots=True)
class Step:
    name: str
    input: int
    output: int
    dropped: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise missing_extra("datasets") from None
    return datasets


def _num_proc(requested: int | None, rows: int) -> int | None:
    wanted = requested or os.cpu_count() or 1
    usable = min(wanted, max(1, rows // 16))
    return usable if usable > 1 else None


# ---- per-file work (runs in datasets worker processes) -----------------------------------
def _analyse(row: dict[str, Any], min_code_bytes: int) -> dict[str, Any]:
    from spcopilot.diagnostics import detect_game_of
    from spcopilot.training.corpus import CorpusFile, read_file
    from spcopilot.training.dedup import NUM_PERM, exact_key, minhash
    from spcopilot.training.quality import QualityLimits, judge

    text, note = read_file(CorpusFile(row["repo"], row["path"], Path(row["file"])))
    out = {
        "text": text or "",
        "drop": "",
        "note": note,
        "exact": "",
        "minhash": [0] * NUM_PERM,
        "game": "",
        "game_why": "",
    }
    if text is None:
        out["drop"] = "unreadable"
        return out
    reason = judge(text, QualityLimits(min_code_bytes=min_code_bytes))
    if reason:
        out["drop"] = reason
        return out
    info = detect_game_of(text)
    out.update(exact=exact_key(text), minhash=minhash(text), game=info.game, game_why="; ".join(info.reasons))
    return out


def _sanitise(row: dict[str, Any]) -> dict[str, Any]:
    from spcopilot.server.ai.guard import default_lint, guard

    result = guard(row["text"], lint=default_lint(path=Path(row["path"]).name), unsafe_fixes=False)  # people's code
    errors = sorted({d.code for d in result.errors})
    return {
        "text": result.code,
        "fixed": sorted({d.code for d in result.fixed}),
        "errors": errors + (["syntax"] if result.syntax else []),
    }


def _examples(row: dict[str, Any], holes: int, functions: int, include_dirs: tuple[str, ...]) -> dict[str, Any]:
    from spcopilot.training.examples import file_examples

    found = file_examples(
        row["text"], row["repo"], row["path"], row["game"], holes, functions, include_dirs=include_dirs
    )
    mutations = [
        {
            "mutation": asdict(vm.mutation),
            "scope": vm.scope,
            "name": vm.name,
            "chosen": vm.chosen,
            "rejected": vm.rejected,
            "message": vm.message,
        }
        for vm in found.mutations
    ]
    return {
        "chat": json.dumps(found.chat, ensure_ascii=False),
        "holes": json.dumps(found.holes, ensure_ascii=False),
        "mutations": json.dumps(mutations, ensure_ascii=False),
        "checks_dropped": json.dumps(found.dropped),
        "no_instruction": found.no_instruction,
    }


# ---- the pipeline ---------------------------------------------------------------------------
def split_repositories(files_per_repo: dict[str, int], eval_fraction: float) -> set[str]:
    """The repositories that go to eval: in a fixed hash order until they hold `eval_fraction`
    of the files; at least one when there are two or more, never all."""
    repos = sorted(files_per_repo, key=lambda r: hashlib.sha256(r.encode("utf-8")).hexdigest())
    if len(repos) < 2 or eval_fraction <= 0:
        return set()
    total = sum(files_per_repo.values())
    chosen: set[str] = set()
    held = 0
    for repo in repos:
        if len(chosen) >= len(repos) - 1 or (chosen and held >= eval_fraction * total):
            break
        chosen.add(repo)
        held += files_per_repo[repo]
    return chosen


class Pipeline:
    def __init__(self, options: PrepareOptions) -> None:
        self.options = options
        self.steps: list[Step] = []
        self.dropped: list[dict[str, str]] = []
        self.signatures: Any = None  # MinHash signatures, one row per file found
        self.datasets = _datasets()

    def drop(self, row: dict[str, Any], step: str, reason: str, **extra: Any) -> None:
        self.dropped.append({"path": row["path"], "repo": row["repo"], "step": step, "reason": reason, **extra})

    def map(self, ds: Any, fn: Callable[..., dict[str, Any]], desc: str, **kwargs: Any) -> Any:
        return ds.map(fn, fn_kwargs=kwargs, num_proc=_num_proc(self.options.num_proc, len(ds)), desc=desc)

    def run(self) -> dict[str, Any]:
        from spcopilot.training.corpus import find_files

        opts = self.options
        files = find_files(opts.sources)
        if not files:
            listed = ", ".join(str(s) for s in opts.sources)
            raise DatasetError(f"no .sp or .inc files under {listed}: nothing to prepare")
        bars = self.datasets.utils.logging.is_progress_bar_enabled()
        if not opts.progress:
            self.datasets.disable_progress_bars()
        try:
            return self._run(files)
        finally:
            if bars:
                self.datasets.enable_progress_bars()

    def _run(self, files: list[Any]) -> dict[str, Any]:
        opts = self.options
        rows = [{"repo": f.repo, "path": f.path, "file": str(f.file)} for f in files]
        ds = self.datasets.Dataset.from_list(rows)
        ds = self.map(ds, _analyse, "reading, quality filter, game detection", min_code_bytes=opts.min_code_bytes)
        # The signatures stay one compact array (not a Python list per file): row i is file i.
        self.signatures = ds.with_format("numpy", columns=["minhash"])["minhash"]
        analysed = ds.remove_columns(["minhash"]).to_list()
        for index, row in enumerate(analysed):
            row["index"] = index

        kept = self._quality(analysed)
        kept = self._dedup(kept)
        kept = self._games(kept)
        if not kept:
            raise DatasetError(
                "no file survived the filters: nothing to train on "
                f"(dropped, by reason: {dict(Counter(d['reason'] for d in self.dropped))})"
            )
        sanitised = self._sanitise(kept)
        eval_repos = split_repositories(Counter(r["repo"] for r in sanitised), opts.eval_fraction)
        for row in sanitised:
            row["split"] = "eval" if row["repo"] in eval_repos else "train"
        splits = self._examples(sanitised)
        return {"splits": splits, "eval_repos": sorted(eval_repos), "files": sanitised}

    def _quality(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        reasons: Counter[str] = Counter()
        kept = []
        for row in rows:
            if row["drop"]:
                reasons[row["drop"]] += 1
                self.drop(row, "quality" if row["drop"] != "unreadable" else "read", row["drop"], note=row["note"])
            else:
                kept.append(row)
        self.steps.append(Step("quality", len(rows), len(kept), dict(reasons)))
        return kept

    def _dedup(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from spcopilot.training.dedup import find_duplicates

        rows = sorted(rows, key=lambda r: (r["repo"], r["path"]))
        duplicates = find_duplicates(
            [r["exact"] for r in rows],
            self.signatures[[r["index"] for r in rows]],
            self.options.near_duplicate_threshold,
        )
        gone = {d.index for d in duplicates}
        for d in duplicates:
            self.drop(rows[d.index], "dedup", d.kind, duplicate_of=rows[d.kept]["path"], similarity=str(d.similarity))
        counts = Counter(d.kind for d in duplicates)
        kept = [r for i, r in enumerate(rows) if i not in gone]
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
        ds = self.datasets.Dataset.from_list([{k: r[k] for k in ("repo", "path", "text", "game")} for r in rows])
        done = self.map(ds, _sanitise, "sanitising (engine fixes, error check)").to_list()
        fixed: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        kept = []
        for row in done:
            fixed.update(row["fixed"])
            if row["errors"]:
                errors.update(row["errors"])
                self.drop(row, "sanitise", "errors left: " + ", ".join(row["errors"]))
            else:
                kept.append(row)
        self.steps.append(
            Step(
                "sanitise",
                len(done),
                len(kept),
                {"error_findings": len(done) - len(kept)},
                {"files_fixed_by_rule": dict(sorted(fixed.items())), "errors_by_rule": dict(sorted(errors.items()))},
            )
        )
        return kept

    def _examples(self, rows: list[dict[str, Any]]) -> dict[str, dict[str, list[dict]]]:
        from spcopilot.training import contrastive
        from spcopilot.training.mutations import Mutation, VerifiedMutation

        opts = self.options
        ds = self.datasets.Dataset.from_list(rows)
        done = self.map(
            ds, _examples, "writing instructions, FIM holes, mutations", holes=opts.holes_per_file,
            functions=opts.functions_per_file, include_dirs=tuple(str(d) for d in opts.include_dirs),
        ).to_list()  # fmt: skip
        splits: dict[str, dict[str, list[dict]]] = {}
        details: dict[str, Any] = {"checks_dropped": Counter(), "files_without_instruction": 0}
        for split in ("train", "eval"):
            chat: list[dict] = []
            holes: list[dict] = []
            candidates = []
            for row in (r for r in done if r["split"] == split):
                chat += json.loads(row["chat"])
                holes += json.loads(row["holes"])
                details["checks_dropped"].update(json.loads(row["checks_dropped"]))
                details["files_without_instruction"] += int(row["no_instruction"])
                for m in json.loads(row["mutations"]):
                    vm = VerifiedMutation(
                        Mutation(**m["mutation"]), m["scope"], m["name"], m["chosen"], m["rejected"], m["message"]
                    )
                    candidates.append((vm, row["repo"], row["path"], row["game"]))
            wanted = contrastive.target_count(len(chat), opts.contrastive_fraction)
            extra = contrastive.select(candidates, wanted)
            details[f"{split}_contrastive"] = {
                "wanted": wanted,
                "made": len(extra),
                "candidates": len(candidates),
                "by_rule": dict(sorted(Counter(str(r["meta"]["rule"]) for r in extra).items())),
                "fraction": round(len(extra) / max(1, len(chat) + len(extra)), 3),
            }
            chat += extra
            chat.sort(key=lambda r: hashlib.sha256(json.dumps(r["meta"], sort_keys=True).encode()).digest())
            files = [{k: r[k] for k in ("repo", "path", "game", "text")} for r in rows if r["split"] == split]
            splits[split] = {"chat": chat, "holes": holes, "files": files}
        details["checks_dropped"] = dict(details["checks_dropped"])
        total_chat = sum(len(s["chat"]) for s in splits.values())
        self.steps.append(Step("examples", len(rows), total_chat, {}, details))
        return splits


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare(options: PrepareOptions) -> dict[str, Any]:
    """Run the pipeline and write DIR (see the module docs). Returns the stats."""
    from spcopilot.training.audit import audit

    pipeline = Pipeline(options)
    result = pipeline.run()
    splits = result["splits"]
    with staged_dir(options.out, DatasetError, overwrite=options.overwrite) as stage:
        outputs = {
            "train/chat.jsonl": splits["train"]["chat"],
            "train/fim.jsonl": splits["train"]["holes"],
            "train/files.jsonl": splits["train"]["files"],
            "eval/chat.jsonl": splits["eval"]["chat"],
            "eval/holes.jsonl": splits["eval"]["holes"],
            "eval/files.jsonl": splits["eval"]["files"],
        }
        for name, records in outputs.items():
            write_jsonl(stage / name, records)
        write_jsonl(stage / "dropped.jsonl", pipeline.dropped)
        report = audit([stage / name for name in outputs], progress=options.progress)
        pipeline.steps.append(
            Step("audit", report.records, report.records - len(report.problems), {"problems": len(report.problems)})
        )
        if not report.ok:
            failed = options.out.with_name(options.out.name + ".audit-failed.json")
            write_json(failed, report.to_json())
            first = "\n".join(p.text() for p in report.problems[:10])
            raise DatasetError(
                f"the sanitiser's audit failed: {len(report.problems)} problem(s) in assistant code "
                f"(full report: {failed}); {options.out} was not written. First problems:\n{first}"
            )
        write_json(stage / "audit.json", report.to_json())
        stats = {
            "sources": [str(s) for s in options.sources],
            "options": {
                k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items() if k != "sources"
            },
            "steps": [asdict(s) for s in pipeline.steps],
            "split": {
                "eval_repositories": result["eval_repos"],
                "train_repositories": sorted({r["repo"] for r in result["files"]} - set(result["eval_repos"])),
            },
            "outputs": {
                name: {"records": len(records), "sha256": _digest(stage / name)} for name, records in outputs.items()
            },
            "audit": report.to_json() | {"problems": []},
        }
        write_json(stage / "stats.json", stats)
    return stats
