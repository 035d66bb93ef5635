"""Recall and precision of the secret classifier on the labelled set.

    python bench/secrets_precision.py [--set tests/diagnostics/secrets_labelled.jsonl] [--errors]

Two figures: `find_secrets` over every case (code read as plain text, configs), and the SPC506
rule through `lint()` over the code cases. A case counts as flagged when anything is found in it.
`--errors` lists the misses and false alarms with their notes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from spcopilot.diagnostics import Config, lint
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.secrets import find_secrets

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "diagnostics" / "secrets_labelled.jsonl"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def flagged_by_text(case: dict) -> bool:
    return bool(find_secrets(case["text"]))


def as_plugin(text: str) -> str:
    """A code case as a file: statements (which do not parse at the top level) go into a function."""
    if not parse(text.encode("utf-8")).root_node.has_error:
        return text
    body = "\n".join("\t" + line for line in text.splitlines())
    return f"public void OnPluginStart()\n{{\n{body}\n}}\n"


def flagged_by_rule(case: dict) -> bool:
    return bool(lint(as_plugin(case["text"]), "case.sp", Config(select=("SPC506",))))


def score(cases: list[dict], flagged) -> dict:  # type: ignore[no-untyped-def]
    tp = fp = fn = tn = 0
    errors = []
    for case in cases:
        hit = flagged(case)
        if hit and case["secret"]:
            tp += 1
        elif hit:
            fp += 1
            errors.append(("false alarm", case))
        elif case["secret"]:
            fn += 1
            errors.append(("miss", case))
        else:
            tn += 1
    recall = tp / (tp + fn) if tp + fn else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "recall": recall, "precision": precision, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", type=Path, default=DEFAULT_SET)
    ap.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = ap.parse_args()
    cases = load(args.set)
    code = [c for c in cases if c["kind"] == "code"]
    positives = sum(c["secret"] for c in cases)
    print(
        f"{len(cases)} cases ({positives} secrets, {len(cases) - positives} not): {len(code)} code, {len(cases) - len(code)} config"
    )
    for label, subset, flagged in (
        ("find_secrets, all cases", cases, flagged_by_text),
        ("find_secrets, config cases", [c for c in cases if c["kind"] == "config"], flagged_by_text),
        ("SPC506 via lint(), code cases", code, flagged_by_rule),
    ):
        s = score(subset, flagged)
        print(
            f"{label:32} recall {s['recall']:.1%}  precision {s['precision']:.1%}  "
            f"(tp {s['tp']}, fp {s['fp']}, fn {s['fn']}, tn {s['tn']})"
        )
        if args.errors:
            for what, case in s["errors"]:
                print(f"    {what}: {case['note']}: {case['text'][:110]!r}")


if __name__ == "__main__":
    main()
