"""SourceMod's translation files: `translations/<name>.txt` (KeyValues, read with srctools) and
the same file in language folders (`translations/ru/<name>.txt`).

```
"Phrases"
{
    "Boost Ready"
    {
        "#format"   "{1:N},{2:d}"
        "en"        "{1} has {2} boosts"
    }
}
```
A plugin's translation folders are found next to it: `translations/` in its folder or up to
three folders above (`scripting/x.sp` -> `../translations`), and above its include folders
(SourceMod's own `addons/sourcemod/translations` for `addons/sourcemod/scripting/include`).
Files are cached by modification time; one that cannot be parsed counts as unknown, never as
empty."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from srctools import Keyvalues
from srctools.keyvalues import KeyValError

FOLDER = "translations"
_ARGUMENT = re.compile(r"\{(\d+)(?::[^}]*)?\}")
_CONVERSION = re.compile(r"%(?:%|[-+ 0#]*\d*(?:\.\d+)?([a-zA-Z]))")  # `%%` consumes nothing
LEVELS_UP = 3
RESCAN_S = 5.0


@dataclass(frozen=True, slots=True)
class Phrase:
    name: str
    format: str | None  # the #format line, None when the phrase has none
    texts: dict[str, str]  # language code -> text
    arguments: int = 0  # how many arguments it takes: see `arguments_of`


def arguments_of(format_line: str | None, texts: dict[str, str]) -> int:
    """How many arguments a phrase takes. With #format, its entries ({1:s},{2:d}: two); without,
    SourceMod formats the phrase's text itself with the call's arguments, so the conversions in
    the text (`%s`, `%N`, ... in the English one, or the first there is)."""
    if format_line:
        return max((int(n) for n in _ARGUMENT.findall(format_line)), default=0)
    text = texts.get("en", next(iter(texts.values()), ""))
    return sum(1 for m in _CONVERSION.finditer(text) if m.group(1))


@dataclass(frozen=True, slots=True)
class PhraseFile:
    name: str  # as LoadTranslations names it: "x.phrases"
    path: Path
    phrases: dict[str, Phrase] = field(default_factory=dict)
    error: str = ""  # could not be read or parsed: its phrases are unknown


_files: dict[str, tuple[int, PhraseFile]] = {}


def read_phrase_file(path: Path, name: str) -> PhraseFile | None:
    """The file (cached by modification time), None when it does not exist."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    key = str(path)
    cached = _files.get(key)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        text = path.read_bytes().decode("utf-8-sig", "replace")
        root = Keyvalues.parse(text, str(path))
        phrases: dict[str, Phrase] = {}
        for top in root:
            if not top.has_children():
                continue
            for block in top:
                if not block.has_children():
                    continue
                values = {kv.real_name: kv.value for kv in block if not kv.has_children()}
                fmt = values.pop("#format", None)
                phrases[block.real_name] = Phrase(block.real_name, fmt, values, arguments_of(fmt, values))
        found = PhraseFile(name, path, phrases)
    except (OSError, KeyValError, ValueError) as error:
        found = PhraseFile(name, path, error=str(error).splitlines()[0] if str(error) else type(error).__name__)
    _files[key] = (mtime, found)
    return found


def file_name(loaded: str) -> str:
    """LoadTranslations("x.phrases") and ("x.phrases.txt") both read x.phrases.txt."""
    base = loaded[:-4] if loaded.lower().endswith((".txt", ".cfg")) else loaded
    return base


@dataclass(frozen=True, slots=True)
class Translations:
    """The translation folders a plugin's phrases come from, nearest first."""

    folders: tuple[Path, ...]

    def file(self, name: str) -> PhraseFile | None:
        base = file_name(name)
        for folder in self.folders:
            found = read_phrase_file(folder / f"{base}.txt", base)
            if found is not None:
                return found
        return None

    def languages(self, name: str) -> dict[str, PhraseFile]:
        """The file in each language folder of the folder the base file is in."""
        base = file_name(name)
        for folder in self.folders:
            if (folder / f"{base}.txt").is_file():
                return _language_files(folder, base)
        return {}

    def all_files(self) -> list[PhraseFile]:
        """Every phrase file of the folders (not the language folders)."""
        seen: dict[str, PhraseFile] = {}
        for folder in self.folders:
            for found in _folder_files(folder):
                seen.setdefault(found.name, found)
        return list(seen.values())


_listings: dict[Path, tuple[float, list[PhraseFile]]] = {}
_languages: dict[tuple[Path, str], tuple[float, dict[str, PhraseFile]]] = {}


def _language_files(folder: Path, base: str) -> dict[str, PhraseFile]:
    """`base`.txt in each language folder of `folder` (looked up again every RESCAN_S seconds)."""
    now = time.monotonic()
    cached = _languages.get((folder, base))
    if cached is not None and now - cached[0] < RESCAN_S:
        return cached[1]
    out: dict[str, PhraseFile] = {}
    try:
        subfolders = sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:
        subfolders = []
    for language in subfolders:
        found = read_phrase_file(language / f"{base}.txt", base)
        if found is not None:
            out[language.name] = found
    _languages[(folder, base)] = (now, out)
    return out


def _folder_files(folder: Path) -> list[PhraseFile]:
    """A folder's phrase files, listed again at most every RESCAN_S seconds (the editor lints on
    every keystroke; a translations folder may hold hundreds of files)."""
    now = time.monotonic()
    cached = _listings.get(folder)
    if cached is not None and now - cached[0] < RESCAN_S:
        return cached[1]
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".txt"))
    except OSError:
        names = []
    files = [f for f in (read_phrase_file(folder / n, n[:-4]) for n in names) if f is not None]
    _listings[folder] = (now, files)
    return files


def translations_for(path: str | Path | None, include_dirs: Sequence[Path] = ()) -> Translations:
    """The translation folders of the plugin at `path`."""
    folders: list[Path] = []
    if path:
        here = Path(path).resolve().parent
        for folder in (here, *list(here.parents)[:LEVELS_UP]):
            candidate = folder / FOLDER
            if candidate.is_dir() and candidate not in folders:
                folders.append(candidate)
    for include in include_dirs:
        for up in (Path(include).parent, Path(include).parent.parent):
            candidate = up / FOLDER
            if candidate.is_dir() and candidate not in folders:
                folders.append(candidate)
    return Translations(tuple(folders))
