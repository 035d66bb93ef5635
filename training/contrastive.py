"""Contrastive anti-pattern examples from the rule catalogue: the user shows code with one
anti-pattern (a verified mutation of real code), the answer says what is wrong, in the words of
the rule that fired (its message for that very finding: the name, the line's variables, what to
use instead), and gives the corrected code. No canned text: a rule's documentation paragraph
names its own examples ("pounce" does not exist) that have nothing to do with this code.

The wrong code is only ever in the user's message; the assistant's code block is the correct
original, which the audit lints like every other answer.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from spcopilot.diagnostics.rules import rule_by_code
from spcopilot.training.examples import chat_record, code_block
from spcopilot.training.instructions import GAME_PHRASE, pick
from spcopilot.training.mutations import VerifiedMutation, mutation_kind
from spcopilot.training.sizing import DEFAULT_MAX_TOKENS, record_tokens

QUESTIONS = (
    "What is wrong with this {g}SourceMod code?",
    "This part of my {g}plugin does not work as expected. What is the problem, and how do I fix it?",
    "Review this SourcePawn code for a {g}server plugin and correct it.",
    "Is there a bug in this {g}SourcePawn code?",
)


def contrastive_record(
    vm: VerifiedMutation, repo: str, path: str, game: str, system: str | None = None
) -> dict[str, object]:
    key = f"{repo}/{path}:{vm.mutation.rule}:{vm.mutation.start}"
    rule = rule_by_code(vm.mutation.rule)
    name = f"{rule.code} {rule.name}" if rule else vm.mutation.rule
    question = pick(key, QUESTIONS).format(g=GAME_PHRASE.get(game, ""))
    user = f"{question}\n\n{code_block(vm.rejected)}"
    answer = f"{vm.message} ({name})\n\nCorrected:\n\n{code_block(vm.chosen)}"
    meta = {
        "kind": "contrastive",
        "repo": repo,
        "path": path,
        "game": game,
        "rule": vm.mutation.rule,
        "scope": vm.scope,
        "mutation": vm.mutation.description,
    }
    return chat_record(user, answer, meta, system)


def target_count(regular: int, fraction: float) -> int:
    """How many contrastive examples make up `fraction` of the final set."""
    if fraction <= 0 or regular == 0:
        return 0
    return round(regular * fraction / (1.0 - fraction))


def select(
    candidates: list[tuple[VerifiedMutation, str, str, str]],
    count: int,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    system: str | None = None,
) -> tuple[list[dict[str, object]], int]:
    """`count` contrastive records, kinds taken in turn (a rule, or a rule and the wrong name it
    teaches: `GetClientTeam -> GetPlayerTeam` cannot fill SPC101's share alone), none longer than
    `max_tokens`. Returns the records and how many candidates were too long."""
    by_kind: dict[str, list[tuple[VerifiedMutation, str, str, str]]] = defaultdict(list)
    for item in sorted(
        candidates, key=lambda c: hashlib.sha256(f"{c[1]}/{c[2]}:{c[0].mutation.start}".encode()).digest()
    ):
        by_kind[mutation_kind(item[0].mutation)].append(item)
    out: list[dict[str, object]] = []
    too_long = 0
    while len(out) < count and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(out) < count:
                vm, repo, path, game = by_kind[kind].pop(0)
                record = contrastive_record(vm, repo, path, game, system)
                if record_tokens(record) > max_tokens:
                    too_long += 1
                    continue
                out.append(record)
    return out, too_long
