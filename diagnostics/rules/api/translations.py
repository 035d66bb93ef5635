"""What the translation rules (SPC104-SPC107) share: the `%t`/`%T` phrases a plugin uses, the
phrase files it loads, and the files its translation folders hold.

A use is a call with a literal format string holding `%t` or `%T`: the argument after the
format's earlier conversions is the phrase name (`%T` then takes the client whose language is
used), and the phrase's `#format` says how many arguments follow it. Only plugins are judged
(a file that defines OnPluginStart or loads translations itself): a part file's phrases are
loaded by the plugin that includes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.phrases import Phrase, PhraseFile, Translations, file_name, translations_for
from spcopilot.diagnostics.parsing import compile_query
from spcopilot.diagnostics.rules.security.format_strings import all_conversions, literal_text
from spcopilot.diagnostics.semantics import string_value
from tree_sitter import Node, QueryCursor

_CALLS = "(call_expression arguments: (call_arguments) @args) @call"


@dataclass(frozen=True, slots=True)
class PhraseUse:
    call: Node
    name: str | None  # None: not a string literal
    node: Node  # the phrase argument
    letter: str  # "t" or "T"


@dataclass(frozen=True, slots=True)
class FormatCall:
    """A call whose literal format holds %t/%T: its conversions and the arguments after it."""

    call: Node
    conversions: tuple[str, ...]
    arguments: tuple[Node, ...]  # the arguments after the format

    def uses(self, count: Callable[[str], int | None], source: bytes) -> list[PhraseUse]:
        """The phrase arguments in order: each %t/%T's phrase, as far as the argument counts of
        the phrases before it are known (`count`: a phrase's #format arguments, or None)."""
        found: list[PhraseUse] = []
        position = 0
        for letter in self.conversions:
            if letter not in "tT":
                position += 1
                continue
            if position >= len(self.arguments):
                break
            node = self.arguments[position]
            name = string_value(node, source) if node.type == "string_literal" else None
            found.append(PhraseUse(self.call, name, node, letter))
            taken = count(name) if name is not None else None
            if taken is None:
                break
            position += 1 + (letter == "T") + taken
        return found

    def expected(self, count: Callable[[str], int | None], source: bytes) -> int | None:
        """How many arguments the format takes, None when a phrase's count is unknown."""
        total = 0
        uses = iter(self.uses(count, source))
        for letter in self.conversions:
            if letter not in "tT":
                total += 1
                continue
            use = next(uses, None)
            taken = count(use.name) if use is not None and use.name is not None else None
            if taken is None:
                return None
            total += 1 + (letter == "T") + taken
        return total


@dataclass(frozen=True, slots=True)
class Loaded:
    names: tuple[str, ...]  # LoadTranslations("x.phrases") names, in order
    calls: tuple[Node, ...]
    complete: bool  # every LoadTranslations names a literal


@dataclass(frozen=True, slots=True)
class PluginTranslations:
    calls: tuple[FormatCall, ...]
    loaded: Loaded
    translations: Translations
    judged: bool  # the file is a plugin (not a part file or an include)

    def loaded_files(self) -> dict[str, PhraseFile | None]:
        return {name: self.translations.file(name) for name in self.loaded.names}

    def find(self, phrase: str) -> list[PhraseFile]:
        """The phrase files of the folders that define `phrase`."""
        return [f for f in self.translations.all_files() if phrase in f.phrases]

    def loaded_phrase(self, phrase: str) -> Phrase | None:
        """The phrase from a file the plugin loads, or None."""
        for found in self.loaded_files().values():
            if found is not None and phrase in found.phrases:
                return found.phrases[phrase]
        return None

    def all_loaded_known(self) -> bool:
        """Every file the plugin loads was found and read: a phrase in none of them is missing."""
        files = self.loaded_files()
        return self.loaded.complete and all(f is not None and not f.error for f in files.values())

    def count(self, phrase: str) -> int | None:
        """A loaded phrase's argument count, None when it is not known."""
        found = self.loaded_phrase(phrase)
        return found.arguments if found is not None else None


def plugin_translations(ctx: Context) -> PluginTranslations:
    return ctx.memo("plugin-translations", lambda: _read(ctx))


def _read(ctx: Context) -> PluginTranslations:
    calls: list[FormatCall] = []
    names: list[str] = []
    load_calls: list[Node] = []
    complete = True
    uses_phrases = ctx.contains(b"%t") or ctx.contains(b"%T")
    if uses_phrases or ctx.contains(b"LoadTranslations"):
        for _, caps in QueryCursor(compile_query(_CALLS)).matches(ctx.tree.root_node):
            call = caps["call"][0]
            args = ctx.args(caps["args"][0])
            if ctx.callee(call) == "LoadTranslations":
                value = ctx.string_value(args[0]) if args else None
                load_calls.append(call)
                if value is None:
                    complete = False
                else:
                    names.append(file_name(value))
                continue
            if uses_phrases:
                found = _format_call(call, args, ctx)
                if found is not None:
                    calls.append(found)
    path = ctx.path if ctx.path.endswith(".sp") else ""
    judged = bool(path) and ("OnPluginStart" in ctx.model.functions or bool(load_calls))
    translations = translations_for(path or None, ctx.config.include_dirs) if calls else Translations(())
    return PluginTranslations(tuple(calls), Loaded(tuple(names), tuple(load_calls), complete), translations, judged)


def _format_call(call: Node, args: list[Node], ctx: Context) -> FormatCall | None:
    for index, arg in enumerate(args):
        if arg.type not in ("string_literal", "binary_expression"):
            continue
        text = literal_text(arg, ctx)
        if text is None or ("%t" not in text and "%T" not in text):
            continue
        letters = tuple(all_conversions(text))
        if not any(letter in "tT" for letter in letters):
            continue
        return FormatCall(call, letters, tuple(args[index + 1 :]))
    return None
