"""Contrastive anti-pattern examples from the rule catalogue: the user shows code with one
anti-pattern (a verified mutation of real code), the answer says what is wrong and why (the
engine's finding and the rule's own "Why is this bad?" section) and gives the corrected code.

The wrong code is only ever in the user's message; the assistant's code block is the correct
original, which the audit lints like every other answer.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from spcopilot.diagnostics.rules import rule_by_code
from spcopilot.diagnostics.rules.base import doc_sections
from spcopilot.training.examples import chat_record, code_block
from spcopilot.training.instructions import GAME_PHRASE, pick
from spcopilot.training.mutations import VerifiedMutation

QUESTIONS = (
    "What is wrong with this {g}SourceMod code?",
    "This part of my {g}plugin does not work as expected. What is the problem, and how do I fix it?",
    "Review this SourcePawn code for a {g}server plugin and correct it.",
    "Is there a bug in this {g}SourcePawn code?",
)


def why(rule_code: str) -> str:
    """The first paragraph of the rule's "Why is this bad?" documentation."""
    rule = rule_by_code(rule_code)
    if rule is None:
        return ""
    return doc_sections(rule).get("Why is this bad?", "").split("\n\n")[0].replace("\n", " ").strip()


def contrastive_record(vm: VerifiedMutation, repo: str, path: str, game: str) -> dict[str, object]:
    key = f"{repo}/{path}:{vm.mutation.rule}:{vm.mutation.start}"
    rule = rule_by_code(vm.mutation.rule)
    name = f"{rule.code} {rule.name}" if rule else vm.mutation.rule
    question = pick(key, QUESTIONS).format(g=GAME_PHRASE.get(game, ""))
    user = f"{question}\n\n{code_block(vm.rejected)}"
    reason = why(vm.mutation.rule)
    answer = f"{vm.message}"
    if reason:
        answer += f"\n\n{reason}"
    answer += f" ({name})\n\nCorrected:\n\n{code_block(vm.chosen)}"
    meta = {
        "kind": "contrastive",
        "repo": repo,
        "path": path,
        "game": game,
        "rule": vm.mutation.rule,
        "scope": vm.scope,
        "mutation": vm.mutation.description,
    }
    return chat_record(user, answer, meta)


def target_count(regular: int, fraction: float) -> int:
    """How many contrastive examples make up `fraction` of the final set."""
    if fraction <= 0 or regular == 0:
        return 0
    return round(regular * fraction / (1.0 - fraction))


def select(candidates: list[tuple[VerifiedMutation, str, str, str]], count: int) -> list[dict[str, object]]:
    """`count` contrastive records, rules taken in turn so no single rule dominates."""
    by_rule: dict[str, list[tuple[VerifiedMutation, str, str, str]]] = defaultdict(list)
    for item in sorted(
        candidates, key=lambda c: hashlib.sha256(f"{c[1]}/{c[2]}:{c[0].mutation.start}".encode()).digest()
    ):
        by_rule[item[0].mutation.rule].append(item)
    out: list[dict[str, object]] = []
    while len(out) < count and any(by_rule.values()):
        for rule in sorted(by_rule):
            if by_rule[rule] and len(out) < count:
                vm, repo, path, game = by_rule[rule].pop(0)
                out.append(contrastive_record(vm, repo, path, game))
    return out
