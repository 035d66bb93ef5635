"""The output folder of `batch`: `<id>.sp` per prompt and `results.jsonl`, one line per finished
prompt. The line is appended after its .sp file is written, so a prompt is done exactly when its
id is in results.jsonl: a rerun skips those and does the rest."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

from spcopilot.diagnostics.errors import InputError
from spcopilot.server.ai.cli.atomic_write import write_atomic
from spcopilot.server.ai.cli.findings import result_row
from spcopilot.server.ai.cli.prompts_file import PromptItem
from spcopilot.server.ai.service import GenerationResult

RESULTS = "results.jsonl"


class ResultsFolder:
    def __init__(self, folder: Path) -> None:
        if folder.exists() and not folder.is_dir():
            raise InputError(f"--output {folder} is a file; it must be a folder (created if missing)")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create {folder}: {exc.strerror}") from None
        self.folder = folder
        self.path = folder / RESULTS
        self._lock = threading.Lock()

    def rows(self) -> list[dict[str, object]]:
        """The finished prompts (lines that cannot be read are left out)."""
        return self._read()[0]

    def drop_unreadable(self) -> None:
        """A run killed in the middle of writing a line leaves half a line: drop it (with a note),
        so its prompt runs again and the file stays valid JSONL."""
        rows, bad = self._read()
        if not bad:
            return
        for number in bad:
            print(f"note: {self.path}:{number}: unreadable line dropped (that prompt runs again)", file=sys.stderr)
        write_atomic(self.path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))

    def _read(self) -> tuple[list[dict[str, object]], list[int]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], []
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {self.path}: {exc}") from None
        rows, bad = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                    raise ValueError
            except ValueError:
                bad.append(number)
                continue
            rows.append(row)
        return rows, bad

    def done_ids(self) -> set[str]:
        return {str(row["id"]) for row in self.rows()}

    def record(self, item: PromptItem, result: GenerationResult, batch_api: bool = False) -> dict[str, object]:
        """Write `<id>.sp`, then append its line to results.jsonl."""
        name = f"{item.id}.sp"
        write_atomic(self.folder / name, result.text)
        row = result_row(item.id, item.prompt, result, name, batch_api)
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            try:
                with self.path.open("ab+") as out:
                    size = out.seek(0, 2)
                    if size:
                        out.seek(size - 1)
                        if out.read(1) != b"\n":
                            line = b"\n" + line  # after a line cut short by a killed run
                    out.write(line)
            except OSError as exc:
                raise InputError(f"cannot write {self.path}: {exc.strerror}") from None
        return row
