"""The end of a batch run (local or collected from the Batch API): a summary on stderr (and on
stdout with --json) and the exit code, computed over every prompt of the file, so a rerun that
finds everything done answers the same as the run that did it."""

from __future__ import annotations

import argparse
import json
import sys

from spcopilot.server.ai.cli.batch_results import RESULTS, ResultsFolder
from spcopilot.server.ai.cli.interrupt import EXIT_INTERRUPTED
from spcopilot.server.ai.cli.prompts_file import PromptItem


def finish(
    args: argparse.Namespace,
    items: list[PromptItem],
    folder: ResultsFolder,
    generated: int,
    skipped: int,
    error: str,
    interrupted: bool,
    spent: dict[str, object],
    retry: str = "run the same command again to continue",
) -> int:
    """Summary on stderr (and stdout with --json); the exit code over every prompt of the file."""
    ids = {item.id for item in items}
    rows = {str(r["id"]): r for r in folder.rows() if r["id"] in ids}
    dirty = sorted(i for i, r in rows.items() if r.get("clean") is False)
    missing = len(ids) - len(rows)
    summary = {
        "output": str(folder.folder),
        "prompts": len(items),
        "generated": generated,
        "skipped": skipped,
        "done": len(rows),
        "missing": missing,
        "with_errors": dirty,
        "spent": spent,
        "error": error or None,
        "interrupted": interrupted,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    line = f"batch: {generated} generated, {skipped} already done, {len(dirty)} with errors left"
    line += f", {missing} to do" if missing else ""
    print(
        f"{line} -> {folder.folder}/ ({RESULTS}); spent ${float(spent['usd']):.4f}"  # type: ignore[arg-type]
        + ("" if spent["complete_pricing"] else " (some models have no price: setting `prices`)"),
        file=sys.stderr,
    )
    if interrupted:
        print("spcopilot: interrupted; run the same command again to continue", file=sys.stderr)
        return EXIT_INTERRUPTED
    if error:
        print(f"spcopilot: error: {error}", file=sys.stderr)
        print(f"(finished prompts are kept; {retry})", file=sys.stderr)
        return 2
    return 1 if dirty else 0
