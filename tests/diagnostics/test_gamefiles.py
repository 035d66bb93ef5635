"""Reading the event catalogue from an L4D2 install: loose .res files, update/ over the base
game, and VPK packages (v1 and v2) built here by a small writer."""

from __future__ import annotations

import os
import struct
import zlib
from collections import defaultdict
from pathlib import Path

import pytest
from spcopilot.diagnostics.errors import InputError
from spcopilot.diagnostics.knowledge.events import builtin_l4d2
from spcopilot.diagnostics.knowledge.gamefiles import events_in, game_folders, load_event_catalogue
from spcopilot.diagnostics.knowledge.vpk import IN_DIR_FILE, VpkArchive

GAMEEVENTS = """//=========== (C) Copyright Valve, L.L.C. All rights reserved. ===========
// valid data key types are: none, string, bool, byte, short, long, float, uint64, local

"gameevents"
{
	"player_death"				// a game event, name may be 32 charaters long
	{
		"userid"	"short"   	// user ID who died
		"attacker"	"short"	 	// user ID who killed
	}
	"player_hurt"
	{
		"userid"	"short"   	// player index who was hurt
		"health"	"byte"		// remaining health points
	}
	"achievement_event"
	{
		"achievement_name"	"string"	// non-localized name of achievement
		"cur_val"		"short"		// # of steps toward achievement
	}
}
"""
SERVEREVENTS = """"serverevents"
{
	"server_spawn"				// send once a server starts
	{
		"hostname"	"string"	// public host name
		"maxplayers"	"byte"		// max players
	}
	"player_connect"			// a new client connected
	{
		"name"		"string"	// player name
		"index"		"byte"		// player slot (entity index-1)
		"userid"	"short"		// user ID on server (unique on server)
		"xuid"		"uint64"	// player xuid
		"bot"		"bool"		// is this a bot
	}
}
"""
HLTVEVENTS = """"hltvevents"
{
	"hltv_fixed"				// show from fixed view
	{
		"target"	"short"		// follow this entity or 0
	}
}
"""
MODEVENTS = """"ModEvents"
{
	"player_death"				// a game event, name may be 32 charaters long
	{
		// this extends the original player_death by a new fields
		"userid"	"short"   	// user ID who died
		"entityid"	"long"		// entity ID who died, userid should be used first
		"attacker"	"short"	 	// user ID who killed
		"attackerentid"	"long"		// if killer not a player, the entindex of who killed.
		"headshot"	"bool"		// singals a headshot
	}
	"infected_hurt"
	{
		"local"		"1"		// don't network this, its way too spammy
		"attacker"	"short" 	// player userid who attacked
		"entityid"	"long"		// entity id of infected
		"hitgroup"	"byte"		// hitgroup that was damaged
		"amount"	"short"		// how much damage was done
		"type"		"long"		// damage type
	}
	"achievement_earned"
	{
		"player"	"byte"		// entindex of the player
		"achievement"	"short"		// achievement ID
	}
	"survivor_call_for_help"
	{
		"userid"	"short"		// The actual player entity who is awaiting rescue.
		"subject"	"long"		// The info_survivor_rescue entity
	}
	"console_only_event" [$X360]
	{
		"userid"	"short"
	}
}
"""


# -- a small VPK writer -----------------------------------------------------------------------
def write_vpk(
    folder: Path,
    files: dict[str, bytes],
    *,
    version: int = 1,
    in_archive: frozenset[str] = frozenset(),
    preload: int = 0,
) -> Path:
    """pak01_dir.vpk (+ pak01_000.vpk for the names in `in_archive`): the first `preload`
    bytes of each file live in the tree, the rest after the tree or in the archive."""
    grouped: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for name in files:
        folder_part, _, file_part = name.rpartition("/")
        stem, dot, extension = file_part.rpartition(".")
        if not dot:
            stem, extension = file_part, " "
        grouped[extension][folder_part or " "].append((stem, name))
    tree, dir_data, archive = bytearray(), bytearray(), bytearray()
    for extension, folders in grouped.items():
        tree += extension.encode() + b"\0"
        for path, names in folders.items():
            tree += path.encode() + b"\0"
            for stem, name in names:
                data = files[name]
                head, rest = data[:preload], data[preload:]
                target = archive if name in in_archive else dir_data
                index = 0 if name in in_archive else IN_DIR_FILE
                tree += stem.encode() + b"\0"
                tree += struct.pack("<IHHIIH", zlib.crc32(data), len(head), index, len(target), len(rest), 0xFFFF)
                tree += head
                target += rest
            tree += b"\0"
        tree += b"\0"
    tree += b"\0"
    if version == 1:
        header = struct.pack("<III", 0x55AA1234, 1, len(tree))
    else:
        header = struct.pack("<IIIIIII", 0x55AA1234, 2, len(tree), len(dir_data), 0, 0, 0)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pak01_dir.vpk").write_bytes(header + tree + dir_data)
    if archive:
        (folder / "pak01_000.vpk").write_bytes(bytes(archive))
    return folder / "pak01_dir.vpk"


def loose(folder: Path, **files: str) -> None:
    (folder / "resource").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / "resource" / f"{name}.res").write_text(text)


def res(**files: str) -> dict[str, bytes]:
    return {f"resource/{name}.res": text.encode() for name, text in files.items()}


@pytest.fixture
def install(tmp_path: Path) -> Path:
    """An install root with every event file loose in left4dead2/resource."""
    loose(
        tmp_path / "left4dead2",
        gameevents=GAMEEVENTS,
        serverevents=SERVEREVENTS,
        hltvevents=HLTVEVENTS,
        modevents=MODEVENTS,
    )
    return tmp_path


# -- loose files ------------------------------------------------------------------------------
def test_loose_files_later_definitions_win(install: Path) -> None:
    catalogue = load_event_catalogue(install)
    assert catalogue.origin == str(install)
    death = catalogue.get("player_death")
    assert death is not None and death.source == "modevents.res"
    assert list(death.fields) == [
        "userid",
        "entityid",
        "attacker",
        "attackerentid",
        "headshot",
    ]  # replaced, not merged
    assert death.note == "a game event, name may be 32 charaters long"
    assert catalogue.get("player_hurt").source == "gameevents.res"  # only defined there
    assert catalogue.get("server_spawn").note == "send once a server starts"
    assert catalogue.get("player_connect").fields["xuid"].type == "uint64"
    assert "console_only_event" not in catalogue


def test_fields_types_comments_and_kinds(install: Path) -> None:
    catalogue = load_event_catalogue(install)
    hurt = catalogue.get("infected_hurt").fields
    assert "local" not in hurt  # a flag, not a field
    assert hurt["attacker"].comment == "player userid who attacked"
    assert {n: f.kind for n, f in hurt.items()} == {
        "attacker": "userid",
        "entityid": "entity",
        "hitgroup": "",
        "amount": "",
        "type": "",
    }
    assert catalogue.get("achievement_earned").fields["player"].kind == "entity"  # a byte, "entindex of the player"
    help_ = catalogue.get("survivor_call_for_help").fields
    assert (help_["userid"].kind, help_["subject"].kind) == (
        "entity",
        "entity",
    )  # the comment says entity
    assert catalogue.get("hltv_fixed").fields["target"].kind == "entity"
    assert catalogue.get("player_connect").fields["index"].kind == ""
    assert catalogue.get("player_hurt").fields["userid"].accessor == "GetInt"


def test_the_bundled_table_survives_a_round_trip(tmp_path: Path) -> None:
    """Write our table as a modevents.res, read it back: same fields, types, kinds, comments."""
    builtin = builtin_l4d2()
    lines = ['"ModEvents"', "{"]
    for event in builtin.events.values():
        lines += [f'\t"{event.name}"' + (f"\t// {event.note}" if event.note else ""), "\t{"]
        lines += [
            f'\t\t"{f.name}"\t"{f.type}"' + (f"\t// {f.comment}" if f.comment else "") for f in event.fields.values()
        ]
        lines.append("\t}")
    lines.append("}")
    loose(tmp_path / "left4dead2", modevents="\n".join(lines))
    catalogue = load_event_catalogue(tmp_path)
    assert catalogue.names() == builtin.names()
    for event in builtin.events.values():
        read = catalogue.get(event.name)
        assert read.note == event.note
        assert dict(read.fields) == dict(event.fields), event.name


def test_update_folder_overrides_the_base_game(install: Path) -> None:
    loose(
        install / "update",
        modevents='"ModEvents" { "player_death" { "userid" "short" } "update_only" { } }',
    )
    catalogue = load_event_catalogue(install)
    assert list(catalogue.get("player_death").fields) == ["userid"]
    assert catalogue.get("player_death").source == "modevents.res(update)"
    assert "update_only" in catalogue
    assert "infected_hurt" not in catalogue  # update's modevents.res replaces the base one
    assert catalogue.get("player_hurt").source == "gameevents.res(base)"


def test_game_dir_may_be_the_left4dead2_folder(install: Path) -> None:
    loose(install / "update", modevents='"ModEvents" { "update_only" { } }')
    assert [name for name, _ in game_folders(install / "left4dead2").folders] == ["update", "base"]
    assert "update_only" in load_event_catalogue(install / "left4dead2")


def test_an_unrelated_sibling_update_folder_is_ignored(tmp_path: Path) -> None:
    loose(tmp_path / "my_game_copy", modevents='"ModEvents" { "mine" { } }')
    loose(tmp_path / "update", modevents='"ModEvents" { "someone_elses" { } }')
    assert load_event_catalogue(tmp_path / "my_game_copy").names() == ["mine"]


# -- VPK packages -----------------------------------------------------------------------------
@pytest.mark.parametrize("version", [1, 2])
def test_vpk_reader(tmp_path: Path, version: int) -> None:
    files = {
        **res(modevents=MODEVENTS, gameevents=GAMEEVENTS),
        "scripts/weapon_rifle.txt": b'WeaponData { "clip_size" "50" }',
        "readme": b"no extension, no folder",
    }
    package = write_vpk(
        tmp_path,
        files,
        version=version,
        in_archive=frozenset({"resource/gameevents.res"}),
        preload=16,
    )
    archive = VpkArchive(package)
    assert archive.names() == sorted(files)
    for name, data in files.items():
        assert archive.read(name) == data
    assert archive.read("RESOURCE\\ModEvents.res") == files["resource/modevents.res"]
    assert archive.read("resource/missing.res") is None
    assert (tmp_path / "pak01_000.vpk").is_file()


@pytest.mark.parametrize("version", [1, 2])
def test_events_from_the_package(tmp_path: Path, version: int) -> None:
    files = res(gameevents=GAMEEVENTS, modevents=MODEVENTS, hltvevents=HLTVEVENTS)
    in_archive = frozenset({"resource/modevents.res"})
    write_vpk(tmp_path / "left4dead2", files, version=version, in_archive=in_archive, preload=8)
    catalogue = load_event_catalogue(tmp_path)
    assert catalogue.get("infected_hurt").fields["entityid"].kind == "entity"
    assert catalogue.get("player_hurt").fields["health"].type == "byte"
    assert "hltv_fixed" in catalogue and "server_spawn" not in catalogue


def test_loose_file_before_the_package_and_update_package_before_base(tmp_path: Path) -> None:
    base = tmp_path / "left4dead2"
    write_vpk(base, res(modevents='"ModEvents" { "from_base_vpk" { } }', gameevents=GAMEEVENTS))
    loose(base, modevents='"ModEvents" { "from_base_loose" { } }')
    assert load_event_catalogue(tmp_path).names() == [
        "achievement_event",
        "from_base_loose",
        "player_death",
        "player_hurt",
    ]
    write_vpk(tmp_path / "update", res(modevents='"ModEvents" { "from_update_vpk" { } }'), version=2)
    catalogue = load_event_catalogue(tmp_path)
    assert "from_update_vpk" in catalogue and "from_base_loose" not in catalogue
    assert catalogue.get("player_hurt").source == "gameevents.res(base)"


# -- caching ----------------------------------------------------------------------------------
def test_catalogue_cached_until_a_file_changes(install: Path) -> None:
    first = load_event_catalogue(install)
    assert load_event_catalogue(install) is first
    modevents = install / "left4dead2" / "resource" / "modevents.res"
    modevents.write_text('"ModEvents" { "edited" { } }')
    later = modevents.stat().st_mtime_ns + 2_000_000_000
    os.utime(modevents, ns=(later, later))
    second = load_event_catalogue(install)
    assert second is not first and "edited" in second and "infected_hurt" not in second


# -- bad inputs -------------------------------------------------------------------------------
def test_not_an_install(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        load_event_catalogue(tmp_path)
    assert str(error.value) == (
        f"{tmp_path} does not look like an L4D2 install: no resource/modevents.res loose or in "
        "pak01_dir.vpk; point --game-dir at the folder holding left4dead2/"
    )
    loose(tmp_path / "left4dead2", gameevents=GAMEEVENTS)  # events, but not L4D2's
    with pytest.raises(InputError, match="does not look like an L4D2 install"):
        load_event_catalogue(tmp_path)
    with pytest.raises(InputError, match="is not a folder"):
        load_event_catalogue(tmp_path / "missing")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"\0\0\0\0" + data[4:], "wrong signature"),
        (lambda data: data[:4] + struct.pack("<I", 3) + data[8:], "unsupported version 3"),
        (lambda data: data[:40], "cut short"),
        (lambda data: data[:5], "too short"),
    ],
)
def test_corrupt_package(tmp_path: Path, damage, message: str) -> None:
    package = write_vpk(tmp_path / "left4dead2", res(modevents=MODEVENTS))
    package.write_bytes(damage(package.read_bytes()))
    with pytest.raises(InputError, match=f"is not a valid VPK package: .*{message}"):
        load_event_catalogue(tmp_path)


def test_package_data_damaged_or_missing(tmp_path: Path) -> None:
    base = tmp_path / "left4dead2"
    package = write_vpk(
        base,
        res(modevents=MODEVENTS, gameevents=GAMEEVENTS),
        in_archive=frozenset({"resource/gameevents.res"}),
    )
    data = bytearray(package.read_bytes())
    data[-5] ^= 0xFF  # inside modevents.res, stored after the tree
    package.write_bytes(bytes(data))
    with pytest.raises(InputError, match="CRC mismatch"):
        VpkArchive(package).read("resource/modevents.res")
    (base / "pak01_000.vpk").unlink()
    with pytest.raises(InputError, match=r"pak01_000\.vpk: cannot read"):
        load_event_catalogue(tmp_path)


def test_events_in_tolerates_odd_files() -> None:
    text = '#base "base.res"\n"x" { "a" { "f" "short" "g" "vector3" "h" { } } "stray" "value" }\n}'
    [event] = events_in(text, "odd.res")
    assert (event.name, list(event.fields), event.source) == ("a", ["f"], "odd.res")
