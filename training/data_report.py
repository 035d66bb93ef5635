"""`spcopilot data report DIR`: the data-quality tables of a prepared folder, in markdown, from
its stats.json (and DIR/dpo/stats.json when `data dpo` ran): what the corpus lost at each step and
why, examples per kind, sizing (plugins split, what could not fit), the split, duplicates
removed, the preference pairs' balance per kind, and the audit's result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spcopilot.training.errors import DatasetError
from spcopilot.training.eval.markdown import table

KIND_LABELS = (
    ("plugin", "whole plugin"),
    ("plugin_skeleton", "long plugin: skeleton"),
    ("plugin_part", "long plugin: part"),
    ("function", "single callback"),
    ("contrastive", "contrastive (anti-pattern)"),
)


def read_stats(folder: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    path = folder / "stats.json"
    if not path.is_file():
        raise DatasetError(f"{path} is missing: give a folder `spcopilot data prepare` wrote")
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
        dpo_path = folder / "dpo" / "stats.json"
        dpo = json.loads(dpo_path.read_text(encoding="utf-8")) if dpo_path.is_file() else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"cannot read the stats of {folder}: {exc}") from None
    if "steps" not in stats or "outputs" not in stats:
        raise DatasetError(f"{path} is not the stats of a prepared folder (no steps/outputs)")
    return stats, dpo


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def _counts(table: dict[str, int] | None) -> str:
    return ", ".join(f"{k} {v}" for k, v in (table or {}).items()) or "none"


def _dropped(step: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in step["dropped"].items() if v) or "–"


def render(stats: dict[str, Any], dpo: dict[str, Any] | None, name: str = "") -> str:
    steps = {s["name"]: s for s in stats["steps"]}
    out = [f"# Data quality{f': {name}' if name else ''}", ""]
    out += ["## From corpus to training files", ""]
    rows = [[s["name"], s["input"], s["output"], _dropped(s)] for s in stats["steps"] if s["name"] != "examples"]
    out += [table(["step", "in", "out", "dropped (reason count)"], rows), ""]
    sanitise = steps.get("sanitise", {}).get("details", {})
    if sanitise:
        old = sanitise.get("old_syntax", {})
        out += [
            f"Sanitise: old syntax `{old.get('policy', '?')}` ({old.get('converted', 0)} files converted to modern "
            f"syntax); `#pragma newdecls required` added to {sanitise.get('newdecls_pragma_added', 0)} files; files "
            f"repaired by the engine's safe fixes, by rule: {_counts(sanitise.get('files_fixed_by_rule'))}; files "
            f"dropped for an error left (training profile), by rule: {_counts(sanitise.get('errors_by_rule'))}.",
            "",
        ]
    out += _examples(stats, steps)
    out += _sizing(stats)
    out += _split(stats, steps)
    if dpo is not None:
        out += _pairs(dpo)
    out += _audit(stats, dpo)
    return "\n".join(out).rstrip() + "\n"


def _examples(stats: dict[str, Any], steps: dict[str, Any]) -> list[str]:
    details = steps.get("examples", {}).get("details", {})
    by_kind = details.get("by_kind", {})
    outputs = stats["outputs"]
    rows = [[label, by_kind.get("train", {}).get(k, 0), by_kind.get("eval", {}).get(k, 0)] for k, label in KIND_LABELS]
    rows.append(["chat examples, all", outputs["train/chat.jsonl"]["records"], outputs["eval/chat.jsonl"]["records"]])
    rows.append(["FIM holes", outputs["train/fim.jsonl"]["records"], outputs["eval/holes.jsonl"]["records"]])
    rows.append(["plugins (files)", outputs["train/files.jsonl"]["records"], outputs["eval/files.jsonl"]["records"]])
    return ["## Examples per kind", "", table(["kind", "train", "eval"], rows), ""]


def _sizing(stats: dict[str, Any]) -> list[str]:
    sizing = stats.get("sizing")
    if not sizing:
        return []
    rows = [
        [name, t["records"], t["truncated"], _pct(t["truncated"], t["records"]), t["tokens_lost"], t["longest"]]
        for name, t in sizing.get("truncation", {}).items()
    ]
    out = ["## Sizing and truncation", ""]
    out += [
        f"Limit {sizing['max_tokens']} tokens per example (estimated). Plugins split into a skeleton and parts: "
        f"{sizing.get('plugins_split', 0)} ({sizing.get('skeletons', 0)} skeletons, {sizing.get('parts', 0)} parts). "
        f"Left out for size: {sizing.get('functions_too_long', 0)} functions longer than the limit alone and "
        f"{sizing.get('skeletons_too_long', 0)} skeletons ({sizing.get('tokens_lost', 0)} tokens), "
        f"{sizing.get('contrastive_too_long', 0)} contrastive examples. Nothing is cut: what is written fits.",
        "",
    ]
    out += [table(["file", "records", "over the limit", "share", "tokens that would be cut", "longest"], rows), ""]
    return out


def _split(stats: dict[str, Any], steps: dict[str, Any]) -> list[str]:
    split = stats["split"]
    out = ["## Split and duplicates", ""]
    if "share" in split:
        how = "Whole repositories held out" if split.get("method") == "repository" else "Stratified by repository"
        out.append(
            f"{how}: {split['eval_files']} of {split['files']} files in eval = "
            f"{100 * split['share']:.1f} % (asked {100 * split['asked']:.0f} %)."
            + (f" **Warning:** {split['warning']}" if split.get("warning") else "")
        )
        rows = [
            [repo, v["files"], v["eval"], _pct(v["eval"], v["files"])] for repo, v in split["by_repository"].items()
        ]
        out += ["", table(["repository", "files", "eval", "share"], rows), ""]
    dedup = steps.get("dedup", {}).get("dropped", {})
    across = split.get("functions_across_split", {})
    skipped = steps.get("examples", {}).get("details", {}).get("duplicates_skipped", {})
    rows = [
        ["files, identical (whitespace aside)", dedup.get("exact", 0)],
        ["files, near-duplicate (MinHash ≥ threshold)", dedup.get("near", 0)],
        [
            "eval functions found in train (function-level MinHash)",
            f"{across.get('in_train', 0)} of {across.get('eval_functions', 0)} "
            f"({across.get('identical', 0)} identical), in {across.get('eval_files_affected', 0)} files",
        ],
        [
            "eval records not made from them",
            f"whole-plugin examples {skipped.get('plugin', 0)}, callback examples {skipped.get('function', 0)}; "
            f"{skipped.get('functions_without_holes', 0)} functions kept free of FIM holes",
        ],
    ]
    out += [table(["duplicates removed", "count"], rows), ""]
    return out


def _pairs(dpo: dict[str, Any]) -> list[str]:
    out = ["## Preference pairs (data dpo)", ""]
    rows = []
    for split in ("train", "eval"):
        s = dpo.get(split)
        if not s:
            continue
        for kind, counts in s.get("balance_by_kind", {}).items():
            rows.append([split, kind, counts["rejection"], counts["acceptance"]])
        rows.append([split, "all", s["rejection"], s["acceptance"]])
    out += [table(["split", "subject kind", "rejection", "acceptance"], rows), ""]
    train = dpo.get("train", {})
    largest = train.get("largest_kind", {})
    if largest:
        out += [
            f"Largest rejection kind in train: `{largest['kind']}`, {largest['pairs']} pairs "
            f"({100 * largest['share']:.1f} %); {len(train.get('rejection_by_mutation_kind', {}))} kinds; "
            f"{train.get('too_long', 0)} pairs left out for size. Probe: "
            + ", ".join(f"{k} {v}" for k, v in dpo.get("probe", {}).items())
            + ".",
            "",
        ]
    return out


def _audit(stats: dict[str, Any], dpo: dict[str, Any] | None) -> list[str]:
    rows = []
    for label, s in (("data prepare", stats), ("data dpo", dpo)):
        if s is None or "audit" not in s:
            continue
        a = s["audit"]
        problems = sum(a.get("problems_by_code", {}).values())
        rows.append([label, "pass" if a["ok"] else "FAIL", a["records"], a["code_blocks"], problems])
    if not rows:
        return []
    return [
        "## Audit (engine, training profile)",
        "",
        table(["output", "result", "records", "code blocks", "problems"], rows),
        "",
    ]
