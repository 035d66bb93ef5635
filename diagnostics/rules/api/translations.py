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
from spcopilot.diagnostics.rules.security.format_strings import all_conversions, literal_text
from spcopilot.diagnostics.semantics import string_value
from tree_sitter import Node


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


class PluginTranslations:
    """Made once per lint (`plugin_translations`): the files are looked up and indexed once,
    however many phrases the plugin uses."""

    def __init__(self, calls: tuple[FormatCall, ...], loaded: Loaded, translations: Translations, judged: bool) -> None:
        self.calls = calls
        self.loaded = loaded
        self.translations = translations
        self.judged = judged  # the file is a plugin (not a part file or an include)
        self._loaded_files: dict[str, PhraseFile | None] | None = None
        self._loaded_phrases: dict[str, Phrase] | None = None
        self._everywhere: dict[str, list[PhraseFile]] | None = None
        self._uses: dict[int, list[PhraseUse]] = {}
        self.source = b""

    def uses_of(self, call: FormatCall) -> list[PhraseUse]:
        """`call.uses` with the loaded phrases' counts, once per call."""
        key = call.call.start_byte
        if key not in self._uses:
            self._uses[key] = call.uses(self.count, self.source)
        return self._uses[key]

    def loaded_files(self) -> dict[str, PhraseFile | None]:
        if self._loaded_files is None:
            self._loaded_files = {name: self.translations.file(name) for name in self.loaded.names}
        return self._loaded_files

    def find(self, phrase: str) -> list[PhraseFile]:
        """The phrase files of the folders that define `phrase`."""
        if self._everywhere is None:
            self._everywhere = {}
            for file in self.translations.all_files():
                for name in file.phrases:
                    self._everywhere.setdefault(name, []).append(file)
        return self._everywhere.get(phrase, [])

    def loaded_phrase(self, phrase: str) -> Phrase | None:
        """The phrase from a file the plugin loads, or None."""
        if self._loaded_phrases is None:
            self._loaded_phrases = {}
            for found in self.loaded_files().values():
                if found is not None:
                    for name, value in found.phrases.items():
                        self._loaded_phrases.setdefault(name, value)
        return self._loaded_phrases.get(phrase)

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
    # Found from the text (`%t`, `LoadTranslations`), not by querying every call of the tree:
    # this runs on every keystroke of every file that uses translations.
    for call in _calls_at(ctx, b"LoadTranslations"):
        if ctx.callee(call) != "LoadTranslations":
            continue
        args = ctx.args(call)
        value = ctx.string_value(args[0]) if args else None
        load_calls.append(call)
        if value is None:
            complete = False
        else:
            names.append(file_name(value))
    seen: set[int] = set()
    for needle in (b"%t", b"%T"):
        for call in _calls_at(ctx, needle):
            if call.start_byte in seen:
                continue
            seen.add(call.start_byte)
            found = _format_call(call, ctx.args(call), ctx)
            if found is not None:
                calls.append(found)
    calls.sort(key=lambda c: c.call.start_byte)
    path = ctx.path if ctx.path.endswith(".sp") else ""
    judged = bool(path) and ("OnPluginStart" in ctx.model.functions or bool(load_calls))
    translations = translations_for(path or None, ctx.config.include_dirs) if calls else Translations(())
    out = PluginTranslations(tuple(calls), Loaded(tuple(names), tuple(load_calls), complete), translations, judged)
    out.source = ctx.source
    return out


def _calls_at(ctx: Context, needle: bytes) -> list[Node]:
    """The calls that have `needle` in one of their own arguments or name, once each, in order."""
    if not ctx.contains(needle):
        return []
    ctx.uses_whole_file()
    source, root = ctx.source, ctx.tree.root_node
    found: dict[int, Node] = {}
    at = source.find(needle)
    while at >= 0:
        node: Node | None = root.descendant_for_byte_range(at, at + len(needle))
        while node is not None and node.type not in ("call_expression", "function_definition", "source_file"):
            node = node.parent
        if node is not None and node.type == "call_expression":
            found.setdefault(node.start_byte, node)
        at = source.find(needle, at + len(needle))
    return [found[k] for k in sorted(found)]


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
