"""Names inside string arguments that the translation and ConVar rules know: the phrase names of
a `%t`/`%T` format (from the phrase files the plugin loads, then the rest of its translation
folder) and ConVar names (FindConVar: L4D2's own, and those this plugin and the plugins beside
it create); on hover, a phrase's text in every language with its #format, and what a ConVar is.

A provider for completion.py and hover.py, which ask it about strings they do not know."""

from __future__ import annotations

from dataclasses import dataclass

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.convars import game_convars
from spcopilot.diagnostics.knowledge.phrases import Phrase, PhraseFile
from spcopilot.diagnostics.matching import matches, query_roots
from spcopilot.diagnostics.parsing import compile_query
from spcopilot.diagnostics.rules.api.convar_calls import named_call, sibling_plugins
from spcopilot.diagnostics.rules.api.translations import PluginTranslations, plugin_translations
from spcopilot.diagnostics.semantics import call_arguments
from spcopilot.server.features.cursor import Call
from spcopilot.server.features.view import DocumentView

CONVAR_FUNCTIONS = frozenset({"FindConVar"})
_CREATE = '((call_expression function: (identifier) @fn) @call (#eq? @fn "CreateConVar"))'


@dataclass(frozen=True, slots=True)
class Name:
    """A name to offer: the label, what it is, and its documentation (markdown)."""

    label: str
    kind: str  # "phrase" or "convar"
    detail: str
    documentation: str


def names(view: DocumentView, call: Call) -> list[Name]:
    """The names that fit the string argument the cursor is in, or []."""
    if call.receiver is None and call.name in CONVAR_FUNCTIONS and call.arg_index == 0:
        return _convars(view)
    found = _translations(view)
    if found is None or not _is_phrase_argument(view, call, found):
        return []
    out: dict[str, Name] = {}
    for file in _phrase_files(found):
        loaded = file.name in found.loaded.names
        for phrase in file.phrases.values():
            if phrase.name not in out:
                where = f"{file.name}.txt" + ("" if loaded else ", not loaded by this plugin")
                out[phrase.name] = Name(
                    phrase.name, "phrase", f"phrase ({where})", phrase_markdown(phrase, file, found)
                )
    return list(out.values())


def hover(view: DocumentView, call: Call, value: str) -> str | None:
    """Markdown about the phrase or ConVar named by the string `value`, or None."""
    if call.receiver is None and call.name in ("FindConVar", "CreateConVar") and call.arg_index == 0:
        return _convar_markdown(view, value)
    found = _translations(view)
    if found is None:
        return None
    for file in _phrase_files(found):
        phrase = file.phrases.get(value)
        if phrase is not None:
            return phrase_markdown(phrase, file, found)
    return None


def phrase_markdown(phrase: Phrase, file: PhraseFile, found: PluginTranslations) -> str:
    lines = [f"**{phrase.name}**: phrase of `{file.name}.txt`"]
    if file.name not in found.loaded.names:
        lines[0] += f' (not loaded by this plugin: `LoadTranslations("{file.name}")`)'
    if phrase.format:
        lines.append(f"`#format` `{phrase.format}`: {phrase.arguments} argument{'s' if phrase.arguments != 1 else ''}")
    texts = dict(phrase.texts)
    for language, other in found.translations.languages(file.name).items():
        translated = other.phrases.get(phrase.name)
        if translated is not None:
            texts.update(translated.texts)
        else:
            texts.setdefault(language, "*(no translation)*")
    lines += [f"- `{language}`: {text}" for language, text in sorted(texts.items(), key=lambda kv: kv[0] != "en")]
    return "\n\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:])


def _translations(view: DocumentView) -> PluginTranslations | None:
    if view.tree is None or not view.path:
        return None
    return plugin_translations(Context(view.source, view.tree, view.path, view.config))


def _phrase_files(found: PluginTranslations) -> list[PhraseFile]:
    """The files the plugin loads first, then the other files of its translation folders."""
    loaded = [f for f in found.loaded_files().values() if f is not None]
    names = {f.name for f in loaded}
    return loaded + [f for f in found.translations.all_files() if f.name not in names]


def _is_phrase_argument(view: DocumentView, call: Call, found: PluginTranslations) -> bool:
    """The cursor's argument is the phrase of a %t/%T before it in the same call."""
    node = view.tree.root_node.descendant_for_byte_range(call.open_paren, call.open_paren) if view.tree else None
    while node is not None and node.type != "call_expression":
        node = node.parent
    arguments = node.child_by_field_name("arguments") if node is not None else None
    if arguments is None:
        return False
    args = call_arguments(arguments)
    for format_call in found.calls:
        if format_call.call.start_byte != node.start_byte:  # type: ignore[union-attr]
            continue
        phrase_starts = {u.node.start_byte for u in format_call.uses(found.count, view.source)}
        position = call.arg_index
        return position < len(args) and args[position].start_byte in phrase_starts
    return False


def _convars(view: DocumentView) -> list[Name]:
    out = [Name(n, "convar", "L4D2 ConVar", f"**{n}**: one of L4D2's own ConVars") for n in sorted(game_convars())]
    for name, where in _created(view).items():
        out.append(Name(name, "convar", f"ConVar created by {where}", f"**{name}**: created by {where}"))
    return out


def _created(view: DocumentView) -> dict[str, str]:
    if view.tree is None:
        return {}
    ctx = Context(view.source, view.tree, view.path, view.config)
    found: dict[str, str] = {}
    for _, caps in matches(compile_query(_CREATE), view.tree.root_node, query_roots(_CREATE)):
        call = named_call(caps["call"][0], "CreateConVar", ctx)
        if call is not None:
            found.setdefault(call.name, f"this plugin (line {call.node.start_point[0] + 1})")
    for path, facts in sibling_plugins(view.path).items():
        for name in sorted(facts.created):
            found.setdefault(name, path.rsplit("/", 1)[-1])
    return found


def _convar_markdown(view: DocumentView, value: str) -> str | None:
    lower = value.lower()
    created = {k.lower(): v for k, v in _created(view).items()}
    if lower in created:
        return f"**{value}**: ConVar created by {created[lower]}"
    if lower in game_convars():
        return f"**{value}**: one of L4D2's own ConVars"
    return None
