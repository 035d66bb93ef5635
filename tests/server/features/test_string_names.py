"""Completion of phrase and ConVar names in strings, and hover on them (server/features/string_names.py
through completion.py and hover.py)."""

from __future__ import annotations

from pathlib import Path

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.parsing import parse
from spcopilot.server.features.completion import complete
from spcopilot.server.features.hover import hover
from spcopilot.server.features.view import DocumentView

from .helpers import cursor

PHRASES = """"Phrases"
{
	"Boost Ready"
	{
		"#format"	"{1:N},{2:d}"
		"en"		"{1} has {2} boosts"
	}
	"Boost Over"
	{
		"en"		"Your boost is over"
	}
}
"""
RUSSIAN = '"Phrases"\n{\n\t"Boost Ready"\n\t{\n\t\t"ru"\t"У {1} ускорений: {2}"\n\t}\n}\n'
EXTRA = '"Phrases"\n{\n\t"Extra Only"\n\t{\n\t\t"en"\t"x"\n\t}\n}\n'


def plugin(tmp_path: Path, body: str) -> tuple[DocumentView, int]:
    (tmp_path / "translations" / "ru").mkdir(parents=True)
    (tmp_path / "translations" / "speed_boost.phrases.txt").write_text(PHRASES, encoding="utf-8")
    (tmp_path / "translations" / "ru" / "speed_boost.phrases.txt").write_text(RUSSIAN, encoding="utf-8")
    (tmp_path / "translations" / "extra.phrases.txt").write_text(EXTRA, encoding="utf-8")
    text, at = cursor(
        "#include <sourcemod>\n"
        "public void OnPluginStart()\n{\n"
        '    LoadTranslations("speed_boost.phrases");\n'
        '    CreateConVar("speed_boost_enabled", "1");\n'
        "}\n"
        f"public void Announce(int client)\n{{\n{body}\n}}\n"
    )
    path = tmp_path / "speed_boost.sp"
    path.write_text(text, encoding="utf-8")
    source = text.encode()
    return DocumentView(source, parse(source), str(path), Config()), at


def test_phrase_names_after_a_t_format(tmp_path: Path) -> None:
    view, at = plugin(tmp_path, '    PrintToChat(client, "%t", "Boo|");')
    items = {c.label: c for c in complete(view, at).items}
    assert {"Boost Ready", "Boost Over", "Extra Only"} <= set(items)
    assert items["Boost Ready"].detail == "phrase (speed_boost.phrases.txt)"
    assert "not loaded" in items["Extra Only"].detail
    assert "{1} has {2} boosts" in items["Boost Ready"].documentation


def test_no_phrase_names_where_no_phrase_goes(tmp_path: Path) -> None:
    view, at = plugin(tmp_path, '    PrintToChat(client, "%s", "Boo|");')
    assert [c.label for c in complete(view, at).items] == []


def test_convar_names_in_findconvar(tmp_path: Path) -> None:
    view, at = plugin(tmp_path, '    ConVar c = FindConVar("z_tank|");')
    labels = {c.label: c for c in complete(view, at).items}
    assert "z_tank_health" in labels and labels["z_tank_health"].detail == "L4D2 ConVar"
    assert labels["speed_boost_enabled"].detail.startswith("ConVar created by this plugin")


def test_hover_shows_the_phrase_in_every_language(tmp_path: Path) -> None:
    view, at = plugin(tmp_path, '    PrintToChat(client, "%t", "Boost R|eady", client, 3);')
    found = hover(view, at)
    assert found is not None
    assert "`#format` `{1:N},{2:d}`: 2 arguments" in found.markdown
    assert "`en`: {1} has {2} boosts" in found.markdown and "`ru`: У {1} ускорений: {2}" in found.markdown


def test_hover_on_a_convar(tmp_path: Path) -> None:
    view, at = plugin(tmp_path, '    ConVar c = FindConVar("z_tank_he|alth");')
    found = hover(view, at)
    assert found is not None and "one of L4D2's own ConVars" in found.markdown
