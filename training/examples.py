"""Training records from one sanitised file: ChatML instruction examples (the whole plugin, or its
skeleton and parts when it is too long; single callbacks), FIM holes, and the verified mutations
contrastive examples are made from.

Every record is checked here with the audit's own test (the engine's training profile, zero
error-severity findings in assistant code) and dropped if it fails, so the final audit of the
written files is a gate that passes, not a filter. No record is longer than `max_tokens`
(sizing.py): what cannot fit is counted, never cut.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from spcopilot.server.ai.prompts.context import Lookup
from spcopilot.server.ai.prompts.system import system_prompt
from spcopilot.server.ai.prompts.tasks import plugin_messages
from spcopilot.training.audit import errors_in
from spcopilot.training.facts import FunctionFacts, PluginFacts, plugin_facts
from spcopilot.training.holes import choose_holes, hole_record
from spcopilot.training.instructions import GAME_PHRASE, function_instruction, listing, plugin_instruction, short
from spcopilot.training.mutations import VerifiedMutation, verified_mutations
from spcopilot.training.sizing import (
    DEFAULT_MAX_TOKENS,
    MESSAGE_OVERHEAD,
    Function,
    pack,
    split_plugin,
    tokens,
)

# An eval plugin most of whose code is in train (a fork) is not a plugin-level eval example.
MAX_DUPLICATE_SHARE = 0.5


def code_block(code: str) -> str:
    return f"```sourcepawn\n{code.rstrip()}\n```"


def chat_record(user: str, assistant: str, meta: dict[str, object], system: str | None = None) -> dict[str, object]:
    """A ChatML example; `system`: the system prompt it carries (the server's full one by default)."""
    return {
        "messages": [
            {"role": "system", "content": system or system_prompt()},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ],
        "meta": meta,
    }


def chat_system(name: str) -> str | None:
    """The system prompt `data prepare --system-prompt NAME` writes: None (the server's full one) or
    the compact one the server gives a small model."""
    if name not in ("full", "compact"):
        raise ValueError(f"system prompt {name!r}: expected full or compact")
    return system_prompt(compact=True) if name == "compact" else None


@cache
def system_tokens(system: str | None = None) -> int:
    return tokens(system or system_prompt()) + MESSAGE_OVERHEAD


def answer_budget(user: str, max_tokens: int, system: str | None = None) -> int:
    """Tokens left for the answer's code once the system prompt (`system`, the full one by default)
    and the request are counted."""
    return max_tokens - system_tokens(system) - tokens(user) - 2 * MESSAGE_OVERHEAD - tokens(code_block(""))


@dataclass(slots=True)
class FileExamples:
    chat: list[dict] = field(default_factory=list)
    holes: list[dict] = field(default_factory=list)
    mutations: list[VerifiedMutation] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # records dropped by the engine check, by kind
    no_instruction: bool = False
    sizing: dict[str, int] = field(default_factory=dict)  # split, skeleton, parts, functions_too_long, tokens_lost
    duplicates_skipped: dict[str, int] = field(default_factory=dict)  # eval records not made: in train already

    def count(self, table: dict[str, int], key: str, n: int = 1) -> None:
        table[key] = table.get(key, 0) + n


@cache
def include_lookup(include_dirs: tuple[str, ...]) -> Lookup:
    """The engine's include index over these folders (one per process), for the signatures the
    server shows a model next to the code when the user has include folders configured."""
    from spcopilot.diagnostics.include_index import IncludeIndex

    return IncludeIndex([Path(d) for d in include_dirs]).lookup


def _rank(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def file_examples(
    text: str,
    repo: str,
    path: str,
    game: str,
    holes_per_file: int = 3,
    functions_per_file: int = 2,
    mutations_per_rule: int = 1,
    exclude_subjects: frozenset[str] = frozenset(),
    include_dirs: tuple[str, ...] = (),
    max_tokens: int = DEFAULT_MAX_TOKENS,
    duplicate_functions: frozenset[str] = frozenset(),
    system: str | None = None,
) -> FileExamples:
    """The records of one file. `duplicate_functions`: functions the train split already has
    (for an eval file): no record is made from them. `system`: the system prompt the chat records
    carry and are sized with (the server's full one by default)."""
    out = FileExamples()
    facts = plugin_facts(text)
    meta: dict[str, object] = {"repo": repo, "path": path, "game": game}
    key = f"{repo}/{path}"  # what the wording and choices are hashed from
    source = text.encode("utf-8")

    split = _plugin_examples(out, text, facts, game, key, meta, max_tokens, duplicate_functions, system)
    if not split:
        _function_examples(out, source, facts, game, key, meta, functions_per_file, max_tokens, duplicate_functions,
                           system)  # fmt: skip

    avoid = _char_spans(source, [f for f in facts.functions.values() if f.name in duplicate_functions])
    lookup = include_lookup(include_dirs) if include_dirs else None
    for number, hole in enumerate(choose_holes(text, key, holes_per_file, avoid)):
        record = hole_record(text, hole, repo, path, number, game, facts.events, lookup, facts.defines)
        if errors_in(record["prefix"] + record["middle"] + record["suffix"]):
            out.count(out.dropped, "fim")
            continue
        out.holes.append(record)
    if avoid:
        out.count(out.duplicates_skipped, "functions_without_holes", len(avoid))

    found = verified_mutations(text, exclude_subjects=exclude_subjects, per_rule=mutations_per_rule)
    out.mutations = [m for m in found if m.name not in duplicate_functions or not m.name]
    return out


def _plugin_examples(
    out: FileExamples,
    text: str,
    facts: PluginFacts,
    game: str,
    key: str,
    meta: dict[str, object],
    max_tokens: int,
    duplicates: frozenset[str],
    system: str | None = None,
) -> bool:
    """The whole-plugin example, or its skeleton and parts. True when the plugin was split."""
    instruction = plugin_instruction(facts, game, key)
    if instruction is None:
        out.no_instruction = True
        return False
    if duplicates and _duplicate_share(text, facts, duplicates) > MAX_DUPLICATE_SHARE:
        out.count(out.duplicates_skipped, "plugin")
        return False
    if errors_in(text):
        out.count(out.dropped, "plugin")
        return False
    # The request as `spcopilot generate` (and the battery) sends it: the fine-tune learns the format
    # it is served with, "Answer with the complete plugin file ..." included.
    request = plugin_messages(instruction)[1].content
    if tokens(code_block(text)) <= answer_budget(request, max_tokens, system):
        out.chat.append(chat_record(request, code_block(text), {**meta, "kind": "plugin"}, system))
        return False
    _split_examples(out, text, facts, game, instruction, meta, max_tokens, duplicates, system)
    return True


def _split_examples(
    out: FileExamples,
    text: str,
    facts: PluginFacts,
    game: str,
    instruction: str,
    meta: dict[str, object],
    max_tokens: int,
    duplicates: frozenset[str],
    system: str | None = None,
) -> None:
    out.count(out.sizing, "plugins_split")
    ask = f"{instruction} It is a long plugin: start with its skeleton (includes, ConVars, globals, myinfo, setup)"
    # The request names what comes later; its length is bounded, so budget for the longest form.
    budget = answer_budget(ask + " " * 400, max_tokens, system)
    split = split_plugin(text, budget)
    for f in split.too_long:
        out.count(out.sizing, "functions_too_long")
        out.count(out.sizing, "tokens_lost", f.tokens)
    if split.skeleton:
        later = [f.name for f in split.moved]
        more = f" ({len(later)} functions)" if len(later) > 8 else ""
        user = f"{ask}; leave {listing(later, limit=8)}{more} for later." if later else f"{ask}."
        if errors_in(split.skeleton):
            out.count(out.dropped, "plugin_skeleton")
        else:
            out.chat.append(chat_record(user, code_block(split.skeleton), {**meta, "kind": "plugin_skeleton"}, system))
            out.count(out.sizing, "skeletons")
    else:
        out.count(out.sizing, "skeletons_too_long")
        out.count(out.sizing, "tokens_lost", split.skeleton_tokens)
    moved = [f for f in split.moved if f.name not in duplicates]
    context = _context(split.skeleton, facts, game) if split.skeleton else ""
    room = answer_budget(" " * 400, max_tokens, system)  # a part's request names at most six functions
    plugin = f"my {GAME_PHRASE.get(game, '')}SourceMod plugin" + (f' "{short(facts.name, 60)}"' if facts.name else "")
    for kind, group in _callback_groups(moved, facts):
        for part in pack(group, room):
            what = _part_request(kind, part, facts)
            code = code_block("\n\n".join(f.code.strip() for f in part))
            with_context = f"{context}\n\nNow write {what}." if context else ""
            alone = f"In {plugin}, write {what}."  # the skeleton does not fit beside this part
            if with_context and tokens(code) <= answer_budget(with_context, max_tokens, system):
                user = with_context
            elif tokens(code) <= answer_budget(alone, max_tokens, system):
                user = alone
            else:
                out.count(out.sizing, "functions_too_long", len(part))
                out.count(out.sizing, "tokens_lost", sum(f.tokens for f in part))
                continue
            if errors_in("\n\n".join(f.code for f in part)):
                out.count(out.dropped, "plugin_part")
                continue
            names = [f.name for f in part]
            out.chat.append(chat_record(user, code, {**meta, "kind": "plugin_part", "functions": names}, system))
            out.count(out.sizing, "parts")


def _context(skeleton: str, facts: PluginFacts, game: str) -> str:
    name = f' "{short(facts.name, 60)}"' if facts.name else ""
    return f"Here is the skeleton of my {GAME_PHRASE.get(game, '')}SourceMod plugin{name}:\n\n{code_block(skeleton)}"


GROUP_ORDER = ("event", "command", "timer", "other")


def _callback_groups(functions: list[Function], facts: PluginFacts) -> list[tuple[str, list[Function]]]:
    """The moved functions by what they are: event handlers, command callbacks, timer callbacks,
    the rest (helpers, SDK hook callbacks, natives), each group in source order."""
    groups: dict[str, list[Function]] = {k: [] for k in GROUP_ORDER}
    for f in functions:
        info = facts.functions.get(f.name)
        kind = "other"
        if info is not None:
            kind = "event" if info.events else "command" if info.command else "timer" if info.timer else "other"
        groups[kind].append(f)
    return [(k, v) for k, v in groups.items() if v]


def _part_request(kind: str, part: list[Function], facts: PluginFacts) -> str:
    """What a part holds, as a user would ask for it ("the handlers of the `round_start` event")."""
    names = [f.name for f in part]
    infos = [facts.functions.get(n) for n in names]
    if kind == "event":
        events = sorted({e for i in infos if i is not None for e in i.events})
        noun = "event" if len(events) == 1 else "events"
        what = f"the handlers of the {listing(events, limit=6)} {noun} ({listing(names, limit=6)})"
    elif kind == "command":
        commands = [i.command for i in infos if i is not None]
        noun = "command" if len(commands) == 1 else "commands"
        what = f"the callbacks of the {listing(commands, limit=6)} {noun} ({listing(names, limit=6)})"
    elif kind == "timer":
        what = f"the timer callback{'s' if len(names) > 1 else ''} {listing(names, limit=6)}"
    else:
        what = f"the function{'s' if len(names) > 1 else ''} {listing(names, limit=6)}"
    if len(names) > 6:
        what += f", {len(names)} functions in all"
    return what


def _function_examples(
    out: FileExamples,
    source: bytes,
    facts: PluginFacts,
    game: str,
    key: str,
    meta: dict[str, object],
    per_file: int,
    max_tokens: int,
    duplicates: frozenset[str],
    system: str | None = None,
) -> None:
    functions = sorted(facts.functions.values(), key=lambda f: _rank(f"{key}:{f.name}"))
    made = 0
    for fn in functions:
        if made >= per_file:
            break
        request = function_instruction(fn, game, f"{key}:{fn.name}", facts.name)
        if request is None:
            continue
        if fn.name in duplicates:
            out.count(out.duplicates_skipped, "function")
            continue
        code = source[fn.node.start_byte : fn.node.end_byte].decode("utf-8", "replace")
        if tokens(code_block(code)) > answer_budget(request, max_tokens, system):
            out.count(out.sizing, "functions_too_long")
            out.count(out.sizing, "tokens_lost", tokens(code))
            continue
        if errors_in(code):
            out.count(out.dropped, "function")
            continue
        out.chat.append(
            chat_record(request, code_block(code), {**meta, "kind": "function", "function": fn.name}, system)
        )
        made += 1


def _duplicate_share(text: str, facts: PluginFacts, duplicates: frozenset[str]) -> float:
    sizes = {n: f.node.end_byte - f.node.start_byte for n, f in facts.functions.items()}
    total = sum(sizes.values())
    return sum(v for n, v in sizes.items() if n in duplicates) / total if total else 0.0


def _char_spans(source: bytes, functions: list[FunctionFacts]) -> list[tuple[int, int]]:
    def char(offset: int) -> int:
        return offset if source.isascii() else len(source[:offset].decode("utf-8", "replace"))

    return [(char(f.node.start_byte), char(f.node.end_byte)) for f in functions]
