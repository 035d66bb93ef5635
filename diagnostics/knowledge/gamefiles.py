"""The user's own game files: the event catalogue of their exact L4D2 version.

The game defines its events in resource/gameevents.res, serverevents.res, hltvevents.res and
modevents.res, read in that order (an event defined again replaces the earlier definition).
Each file is looked up as the game's file system would: the `update/` folder before the base
`left4dead2/` folder, and in each folder a loose file before the one in `pak01_dir.vpk`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from spcopilot.diagnostics.errors import InputError
from spcopilot.diagnostics.knowledge.events import EventCatalogue, EventField, EventInfo, field_kind
from spcopilot.diagnostics.knowledge.keyvalues import KeyValue, applies_on_pc, parse_keyvalues
from spcopilot.diagnostics.knowledge.vpk import VpkArchive

EVENT_FILES = ("gameevents.res", "serverevents.res", "hltvevents.res", "modevents.res")
# The value of a field is its type; flags such as "local" "1" (not networked) have numbers.
FIELD_TYPES = frozenset({"short", "long", "byte", "bool", "float", "string", "uint64", "local", "none"})
PACKAGE = "pak01_dir.vpk"

_catalogues: dict[
    str, tuple[tuple[tuple[str, int, int], ...], EventCatalogue]
] = {}  # game dir -> (file stamps, catalogue)


@dataclass(frozen=True, slots=True)
class GameFolders:
    """Where the game's files are, highest priority first, with the label each source gets."""

    folders: tuple[tuple[str, Path], ...]  # ("update", .../update), ("base", .../left4dead2)


def game_folders(game_dir: Path) -> GameFolders:
    """`game_dir` is the install root (holding left4dead2/ and update/) or left4dead2/ itself."""
    root = Path(game_dir).expanduser()
    if (root / "left4dead2").is_dir():
        base, update = root / "left4dead2", root / "update"
    else:  # the game folder itself: its update/ is a sibling
        base, update = root, root.parent / "update"
    is_game_folder = base.name.lower() == "left4dead2"
    folders = [("update", update)] if is_game_folder and update.is_dir() else []
    return GameFolders((*folders, ("base", base)))


def load_event_catalogue(game_dir: Path | str) -> EventCatalogue:
    """The events the game at `game_dir` defines (cached while its files are unchanged)."""
    game_dir = Path(game_dir)
    if not game_dir.is_dir():
        raise InputError(f"{game_dir} is not a folder; point --game-dir at the folder holding left4dead2/")
    layout = game_folders(game_dir)
    key, stamps = str(game_dir.resolve()), _stamps(layout)
    cached = _catalogues.get(key)
    if cached is not None and cached[0] == stamps:
        return cached[1]
    catalogue = _read_catalogue(game_dir, layout)
    _catalogues[key] = (stamps, catalogue)
    return catalogue


def _stamps(layout: GameFolders) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime_ns, size) of every file that could hold events; -1s for a missing one."""
    out = []
    for _, folder in layout.folders:
        for path in (*(folder / "resource" / n for n in EVENT_FILES), folder / PACKAGE):
            try:
                st = os.stat(path)
                out.append((str(path), st.st_mtime_ns, st.st_size))
            except OSError:
                out.append((str(path), -1, -1))
    return tuple(out)


def _read_catalogue(game_dir: Path, layout: GameFolders) -> EventCatalogue:
    packages: dict[Path, VpkArchive | None] = {}
    events: dict[str, EventInfo] = {}
    found_modevents = False
    for name in EVENT_FILES:
        found = _find_event_file(name, layout, packages)
        if found is None:
            continue
        text, label = found
        found_modevents |= name == "modevents.res"
        for event in events_in(text, label):
            events[event.name] = event
    if not found_modevents:
        raise InputError(
            f"{game_dir} does not look like an L4D2 install: no resource/modevents.res loose or in "
            f"{PACKAGE}; point --game-dir at the folder holding left4dead2/"
        )
    return EventCatalogue(events.values(), game="l4d2", origin=str(game_dir))


def _find_event_file(name: str, layout: GameFolders, packages: dict[Path, VpkArchive | None]) -> tuple[str, str] | None:
    """The file's text and a label naming where it came from, e.g. "modevents.res(update)"."""
    for which, folder in layout.folders:
        label = f"{name}({which})" if len(layout.folders) > 1 else name
        loose = folder / "resource" / name
        if loose.is_file():
            try:
                return _decode(loose.read_bytes()), label
            except OSError as error:
                raise InputError(f"{loose}: cannot read ({error.strerror or error})") from error
        package_path = folder / PACKAGE
        if package_path not in packages:
            packages[package_path] = VpkArchive(package_path) if package_path.is_file() else None
        package = packages[package_path]
        if package is not None:
            data = package.read(f"resource/{name}")
            if data is not None:
                return _decode(data), label
    return None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig", "replace")


def events_in(text: str, source: str = "") -> list[EventInfo]:
    """The events of one .res file: every block inside the top-level block(s)."""
    events = []
    for top in parse_keyvalues(text):
        for block in top.entries:
            if block.is_block and applies_on_pc(block.condition):
                events.append(_event(block, source))
    return events


def _event(block: KeyValue, source: str) -> EventInfo:
    fields: dict[str, EventField] = {}
    for entry in block.entries:
        if not isinstance(entry.value, str) or not applies_on_pc(entry.condition):
            continue
        type_ = entry.value.strip().lower()
        if type_ not in FIELD_TYPES:
            continue
        fields[entry.key] = EventField(entry.key, type_, field_kind(entry.key, type_, entry.comment), entry.comment)
    return EventInfo(block.key, fields, source, block.comment)
