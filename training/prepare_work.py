"""The per-file work of `data prepare`, run on worker processes (stage_runner.py): plain dicts in,
JSON-able dicts out, so results go to the journal and an interrupted run resumes.

- `read_file_work`: read, quality filter, game detection, the file's dedup signatures and the
  files it includes by a relative path (plugin grouping for the split);
- `sanitise_work`: old syntax converted to the modern syntax (or the file dropped), the guard's
  safe fixes under the engine's training profile, the error findings left, the MinHash of every
  function (near-duplicate removal across the split);
- `examples_work`: the file's chat examples, FIM holes and mutation candidates.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any


@cache
def code_fingerprint() -> str:
    """A digest of the package's code and knowledge tables: part of every journal key, so the
    results of another version of the code (an upgrade, a fix) are never resumed."""
    import spcopilot.diagnostics
    import spcopilot.server
    import spcopilot.training

    digest = hashlib.sha256()
    for package in (spcopilot.diagnostics, spcopilot.server, spcopilot.training):
        root = Path(package.__file__).resolve().parent
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".tsv")):
            digest.update(f"{package.__name__}/{path.relative_to(root).as_posix()}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def task_key(*parts: object) -> str:
    return hashlib.sha256(json.dumps([code_fingerprint(), *parts], sort_keys=True, default=str).encode()).hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_file_work(row: dict[str, Any]) -> dict[str, Any]:
    from spcopilot.diagnostics import detect_game_of
    from spcopilot.training.corpus import CorpusFile, read_file
    from spcopilot.training.dedup import exact_key, minhash
    from spcopilot.training.quality import QualityLimits, judge
    from spcopilot.training.split import relative_includes

    text, note = read_file(CorpusFile(row["repo"], row["path"], Path(row["file"])))
    out: dict[str, Any] = {"drop": "", "note": note}
    if text is None:
        out["drop"] = "unreadable"
        return out
    out["sha"] = text_digest(text)
    reason = judge(text, QualityLimits(min_code_bytes=row["min_code_bytes"]))
    if reason:
        out["drop"] = reason
        return out
    info = detect_game_of(text)
    out.update(
        exact=exact_key(text),
        minhash=minhash(text),
        game=info.game,
        game_why="; ".join(info.reasons),
        includes=relative_includes(text),
    )
    return out


def sanitise_work(row: dict[str, Any]) -> dict[str, Any]:
    """`old_syntax`: convert (modern syntax, or drop what cannot be converted), drop (drop old
    syntax), keep (leave files as they are)."""
    from spcopilot.diagnostics.config import training_profile
    from spcopilot.server.ai.guard import default_lint, guard
    from spcopilot.training.corpus import CorpusFile, read_file
    from spcopilot.training.dedup import function_signatures
    from spcopilot.training.modern_syntax import modernise, old_constructs

    text, _ = read_file(CorpusFile(row["repo"], row["path"], Path(row["file"])))
    if text is None or text_digest(text) != row["sha"]:
        return {"drop": "changed while preparing (run again)"}
    modern: dict[str, Any] = {"converted": False, "pragma_added": False}
    policy = row["old_syntax"]
    if policy != "keep":
        from spcopilot.diagnostics.parsing import parse

        if policy == "drop" and old_constructs(parse(text.encode("utf-8")).root_node):
            return {"drop": "old syntax", "modern": modern}
        result = modernise(text, plugin=row["path"].endswith(".sp"))
        if result.problem:
            return {"drop": f"old syntax: {result.problem}", "modern": modern}
        text = result.text
        modern = {"converted": result.converted, "pragma_added": result.pragma_added}
    lint = default_lint(training_profile(), path=Path(row["path"]).name)
    checked = guard(text, lint=lint, unsafe_fixes=False)  # people's code: the safe fixes only
    errors = sorted({d.code for d in checked.errors}) + (["syntax"] if checked.syntax else [])
    out = {
        "text": checked.code,
        "fixed": sorted({d.code for d in checked.fixed}),
        "errors": errors,
        "modern": modern,
        "drop": ("errors left: " + ", ".join(errors)) if errors else "",
    }
    if not errors:
        out["functions"] = function_signatures(checked.code)
    return out


def examples_work(row: dict[str, Any]) -> dict[str, Any]:
    from spcopilot.training.examples import chat_system, file_examples

    found = file_examples(
        row["text"],
        row["repo"],
        row["path"],
        row["game"],
        row["holes"],
        row["functions"],
        include_dirs=tuple(row["include_dirs"]),
        max_tokens=row["max_tokens"],
        duplicate_functions=frozenset(row["duplicates"]),
        system=chat_system(row.get("system_prompt", "full")),
    )
    return {
        "chat": found.chat,
        "holes": found.holes,
        "mutations": [
            {
                "mutation": asdict(vm.mutation),
                "scope": vm.scope,
                "name": vm.name,
                "chosen": vm.chosen,
                "rejected": vm.rejected,
                "message": vm.message,
            }
            for vm in found.mutations
        ],
        "checks_dropped": found.dropped,
        "no_instruction": found.no_instruction,
        "sizing": found.sizing,
        "duplicates_skipped": found.duplicates_skipped,
    }
