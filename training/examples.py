"""Training records from one sanitised file: ChatML instruction examples (the whole plugin, and
single functions), FIM holes, and the verified mutations contrastive examples are made from.

Every record is checked here with the audit's own test (the engine, zero error-severity findings
in assistant code) and dropped if it fails, so the final audit of the written files is a gate
that passes, not a filter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from spcopilot.server.ai.prompts.context import Lookup
from spcopilot.server.ai.prompts.system import system_prompt
from spcopilot.training.audit import errors_in
from spcopilot.training.facts import plugin_facts
from spcopilot.training.holes import choose_holes, hole_record
from spcopilot.training.instructions import function_instruction, plugin_instruction
from spcopilot.training.mutations import VerifiedMutation, verified_mutations


def code_block(code: str) -> str:
    return f"```sourcepawn\n{code.rstrip()}\n```"


def chat_record(user: str, assistant: str, meta: dict[str, object]) -> dict[str, object]:
    return {
        "messages": [
            {"role": "system", "content": system_prompt()},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ],
        "meta": meta,
    }


@dataclass(slots=True)
class FileExamples:
    chat: list[dict] = field(default_factory=list)
    holes: list[dict] = field(default_factory=list)
    mutations: list[VerifiedMutation] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # records dropped by the engine check, by kind
    no_instruction: bool = False


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
) -> FileExamples:
    out = FileExamples()
    facts = plugin_facts(text)
    meta = {"repo": repo, "path": path, "game": game}
    key = f"{repo}/{path}"  # what the wording and choices are hashed from

    instruction = plugin_instruction(facts, game, key)
    if instruction is None:
        out.no_instruction = True
    elif errors_in(text):
        out.dropped["plugin"] = out.dropped.get("plugin", 0) + 1
    else:
        out.chat.append(chat_record(instruction, code_block(text), {**meta, "kind": "plugin"}))

    source = text.encode("utf-8")
    functions = sorted(facts.functions.values(), key=lambda f: _rank(f"{key}:{f.name}"))
    made = 0
    for fn in functions:
        if made >= functions_per_file:
            break
        request = function_instruction(fn, game, f"{key}:{fn.name}")
        if request is None:
            continue
        code = source[fn.node.start_byte : fn.node.end_byte].decode("utf-8", "replace")
        if errors_in(code):
            out.dropped["function"] = out.dropped.get("function", 0) + 1
            continue
        out.chat.append(chat_record(request, code_block(code), {**meta, "kind": "function", "function": fn.name}))
        made += 1

    lookup = include_lookup(include_dirs) if include_dirs else None
    for number, hole in enumerate(choose_holes(text, key, holes_per_file)):
        record = hole_record(text, hole, repo, path, number, game, facts.events, lookup, facts.defines)
        if errors_in(record["prefix"] + record["middle"] + record["suffix"]):
            out.dropped["fim"] = out.dropped.get("fim", 0) + 1
            continue
        out.holes.append(record)

    out.mutations = verified_mutations(text, exclude_subjects=exclude_subjects, per_rule=mutations_per_rule)
    return out
