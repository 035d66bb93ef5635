"""The held-out plugins the hole benchmark cuts holes from.

A source may be:
- a folder written by `spcopilot data prepare` (it has `eval/files.jsonl`): its held-out split
  (no training example came from these plugins; functions the train split has anyway, a fork's
  copy, are listed under `duplicate_functions` and no hole is cut in them);
- a JSONL file of `{"path": …, "text": …}` records (such as that `eval/files.jsonl`);
- a folder: every `.sp` file under it (include files are not plugins);
- a `.sp` file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spcopilot.training.eval.errors import EvalError
from spcopilot.training.eval.jsonl import field_error, read_jsonl, text_field

PREPARED_EVAL_FILES = Path("eval") / "files.jsonl"


@dataclass(frozen=True, slots=True)
class Plugin:
    path: str  # as reported (a file path, or the dataset's repo-relative path)
    text: str
    file: Path | None = None  # on disk, when it is a file (its folder is searched for includes)
    avoid: tuple[str, ...] = ()  # functions the training data has: no hole is cut in them


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return path.read_bytes().decode("latin-1")
    except OSError as exc:
        raise EvalError(f"cannot read {path}: {exc.strerror or exc}") from None


def _records(path: Path) -> list[Plugin]:
    out = []
    for number, record in read_jsonl(path, "held-out files"):
        name = text_field(path, number, record, "path")
        text = record.get("text")
        if not isinstance(text, str):
            raise field_error(path, number, '"text" must be a string (the plugin source)')
        repo = record.get("repo")
        avoid = record.get("duplicate_functions") or ()
        if not isinstance(avoid, (list, tuple)) or not all(isinstance(a, str) for a in avoid):
            raise field_error(path, number, '"duplicate_functions" must be a list of function names')
        out.append(Plugin(f"{repo}/{name}" if isinstance(repo, str) and repo else name, text, avoid=tuple(avoid)))
    return out


def load_plugins(sources: Iterable[Path]) -> list[Plugin]:
    plugins: list[Plugin] = []
    for source in sources:
        if source.is_dir() and (source / PREPARED_EVAL_FILES).is_file():
            plugins += _records(source / PREPARED_EVAL_FILES)
        elif source.is_dir():
            plugins += [Plugin(str(f), _read(f), f) for f in sorted(source.rglob("*.sp")) if f.is_file()]
        elif source.suffix == ".jsonl":
            plugins += _records(source)
        elif source.is_file():
            plugins.append(Plugin(str(source), _read(source), source))
        else:
            raise EvalError(f"{source}: no such file or folder")
    if not plugins:
        listed = ", ".join(str(s) for s in sources)
        raise EvalError(f"no held-out plugins (.sp files) in {listed}: nothing to cut holes from")
    return plugins
