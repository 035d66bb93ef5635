"""Running the battery and the probes against one backend.

A battery prompt goes the way `spcopilot generate` sends it: `tasks.plugin_messages` → the
backend's chat → `tasks.extract_code` → the guard (safe fixes, then one model repair round with
`tasks.repair_messages` unless `repair` is off). The model is asked once per prompt; the raw mode
scores the extracted code as written, the guarded mode the guard's result, so `--both` compares
the two on the same answer. A repair round the backend cannot answer (a replay file without a
repair record) keeps the engine-fixed code, as the guard does with an empty repair answer.

Probes are asked with a short system message of their own: the serving system prompt lists the
misnamed events and invented functions, so it would hand the model the answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spcopilot.server.ai.backends.base import BackendError, Message
from spcopilot.server.ai.guard import default_lint, guard
from spcopilot.server.ai.prompts import tasks
from spcopilot.server.ai.service import Copilot
from spcopilot.training.eval.battery import BatteryItem
from spcopilot.training.eval.probes import MAX_ANSWER_TOKENS, Probe, ProbeResult, read_answer
from spcopilot.training.eval.recorder import RecordingBackend
from spcopilot.training.eval.scoring import GENERATED_PATH, CodeScore, score_code, score_guarded, score_raw

MODES = ("raw", "guarded")
PROBE_SYSTEM = (
    "You are an expert in SourceMod plugin development for Left 4 Dead 2. Answer questions about its API precisely."
)
Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class ItemResult:
    item: BatteryItem
    answer: str = ""  # the model's whole answer
    code: str = ""  # the code extracted from it
    scores: dict[str, CodeScore] = field(default_factory=dict)  # mode -> score
    guarded_code: str = ""
    finish_reason: str = ""
    error: str = ""  # the backend failed: the item counts as failed in every mode
    repair_error: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.item.id,
            "category": self.item.category,
            "prompt": self.item.prompt,
            "finish_reason": self.finish_reason,
            "modes": {mode: score.to_json() for mode, score in self.scores.items()},
            "code": self.code,
        }
        if "guarded" in self.scores:
            out["guarded_code"] = self.guarded_code
        if self.error:
            out["error"] = self.error
        if self.repair_error:
            out["repair_error"] = self.repair_error
        return out


def run_item(
    copilot: Copilot, recorder: RecordingBackend, item: BatteryItem, modes: tuple[str, ...], repair: bool
) -> ItemResult:
    result = ItemResult(item)
    recorder.tag = {"kind": "battery", "id": item.id}
    try:
        completion, _, _ = copilot.run_chat(tasks.plugin_messages(item.prompt, system=copilot.system_prompt()))
    except BackendError as exc:
        result.error = str(exc)
        compiles = False if copilot.compile_check(GENERATED_PATH) is not None else None
        result.scores = {mode: score_code(item, "", [], [], compiles=compiles) for mode in modes}
        return result
    result.answer, result.finish_reason = completion.text, completion.finish_reason
    result.code = tasks.extract_code(completion.text)
    compile_code = copilot.compile_check(GENERATED_PATH)
    if "raw" in modes:
        result.scores["raw"] = score_raw(item, result.code, copilot.config, compile_code)
    if "guarded" in modes:

        def repair_round(bad_code: str, findings: str) -> str | None:
            recorder.tag = {"kind": "repair", "id": item.id}
            try:
                answer, _, _ = copilot.run_chat(tasks.repair_messages(bad_code, findings, copilot.system_prompt()))
            except BackendError as exc:
                result.repair_error = str(exc)
                return None
            return tasks.extract_code(answer.text)

        checked = guard(result.code, default_lint(copilot.config, GENERATED_PATH), repair_round if repair else None,
                        compile_code)  # fmt: skip
        result.guarded_code = checked.code
        result.scores["guarded"] = score_guarded(item, checked, compile_code is not None)
    return result


def run_battery(
    copilot: Copilot,
    recorder: RecordingBackend,
    items: list[BatteryItem],
    modes: tuple[str, ...],
    repair: bool = True,
    progress: Progress | None = None,
) -> list[ItemResult]:
    results = []
    for number, item in enumerate(items, 1):
        result = run_item(copilot, recorder, item, modes, repair)
        results.append(result)
        if progress is not None:
            verdicts = ", ".join(f"{m} {'pass' if s.passed else 'fail'}" for m, s in result.scores.items())
            progress(number, len(items), f"{item.id}: {result.error or verdicts}")
    return results


def run_probes(
    copilot: Copilot, recorder: RecordingBackend, probes: list[Probe], progress: Progress | None = None
) -> list[ProbeResult]:
    results = []
    for number, probe in enumerate(probes, 1):
        recorder.tag = {"kind": "probe", "name": probe.name}
        messages = [Message("system", PROBE_SYSTEM), Message("user", probe.prompt)]
        try:
            completion, _, _ = copilot.run_chat(messages, max_tokens=MAX_ANSWER_TOKENS)
        except BackendError as exc:
            results.append(ProbeResult(probe, "", "unclear", str(exc)))
        else:
            results.append(ProbeResult(probe, completion.text, read_answer(completion.text)))
        if progress is not None:
            progress(number, len(probes), f"probe {probe.name}: {results[-1].answer}")
    return results
