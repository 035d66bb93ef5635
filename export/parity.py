"""Step 5b: does the GGUF compute what the merged Hugging Face model computes?

Both models get the same token ids (the Hugging Face tokenizer's; tokenization itself is checked
in `gguf_check`). The reference runs in float32. Per GGUF we report the largest and the mean
absolute difference of the next-token logits at the last position of each prompt (the gate),
the largest difference over all positions, and how often both pick the same top-1 token: at the
last positions and over all positions (hundreds of predictions, so the percentage means something).

Top-1 agreement over all positions counts near-ties too: where the reference's best token leads
the runner-up by a few hundredths of a logit, any rounding may swap them (SmolLM2-135M's q8_0 file
disagreed only at positions with a lead under 0.3, while its logits moved by up to 2). So the
agreement is also given over the *decisive* positions, where the reference's lead is at least
DECISIVE_MARGIN, with how many there were.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from spcopilot.export import DEFAULT_MAX_LOGIT_DIFF, RELATIVE_MAX_LOGIT_DIFF
from spcopilot.export.gguf_check import open_gguf
from spcopilot.export.special_tokens import find_tokens

MAX_PROMPT_TOKENS = 128
DECISIVE_MARGIN = 0.5  # logits: the best token at least e^0.5 = 1.65 times as likely as the next
CODE_PROMPTS = (
    "#pragma semicolon 1\n#pragma newdecls required\n\n#include <sourcemod>\n#include <sdktools>\n\npublic Plugin myinfo =\n{\n",
    'public void OnPluginStart()\n{\n\tHookEvent("player_death", Event_PlayerDeath);\n\tHookEvent("round_start", ',
    "public Action Timer_Heal(Handle timer, int userid)\n{\n\tint client = GetClientOfUserId(userid);\n\tif (",
    "public void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)\n{\n\tint tank = ",
    "\tfor (int i = 1; i <= MaxClients; i++)\n\t{\n\t\tif (IsClientInGame(i) && GetClientTeam(i) == 2",
    '\tint health = GetEntProp(client, Prop_Data, "m_iHealth");\n\tPrintToChat(client, "',
    "public Action Command_Heal(int client, int args)\n{\n\tif (client == 0)\n\t{\n\t\tReplyToCommand(",
    "ConVar g_cvEnabled;\n\npublic void OnPluginStart()\n{\n\tg_cvEnabled = CreateConVar(",
    "\tchar name[MAX_NAME_LENGTH];\n\tGetClientName(client, name, sizeof(name));\n\t",
    '\tSetEntPropFloat(client, Prop_Send, "m_flLaggedMovementValue", ',
)
FIM_PROMPT = ("public void OnClientPutInServer(int client)\n{\n\t", "\n}\n")
CHAT_PROMPT = "Write a SourceMod plugin for Left 4 Dead 2 that announces when a tank spawns."


@dataclass
class Reference:
    prompts: list[list[int]]
    logits: list[Any]  # numpy float32 [tokens, vocab] per prompt


@dataclass
class ParityFigures:
    file: str
    prompts: int
    positions: int
    max_abs_diff_last: float
    mean_abs_diff_last: float
    max_abs_diff_all: float
    top1_agreement_last: float
    top1_agreement_all: float
    decisive_positions: int = 0
    top1_agreement_decisive: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def parity_prompts(hf_tokenizer: Any, vocabulary: dict[str, int], count: int) -> list[str]:
    """`count` prompts: code, a FIM prompt if the model has FIM tokens, a chat prompt if it has a template."""
    prompts = [CODE_PROMPTS[0]]
    tokens = find_tokens(vocabulary)
    if all(key in tokens for key in ("fim_pre", "fim_suf", "fim_mid")):
        pre, suf, mid = (tokens[key][0] for key in ("fim_pre", "fim_suf", "fim_mid"))
        prompts.append(f"{pre}{FIM_PROMPT[0]}{suf}{FIM_PROMPT[1]}{mid}")
    if getattr(hf_tokenizer, "chat_template", None):
        chat = hf_tokenizer.apply_chat_template(
            [{"role": "user", "content": CHAT_PROMPT}], tokenize=False, add_generation_prompt=True
        )
        prompts.append(str(chat))
    prompts += CODE_PROMPTS[1:]
    return prompts[:count]


def reference_logits(hf_dir: Path, hf_tokenizer: Any, prompts: Sequence[str]) -> Reference:
    """The merged model's float32 logits at every position of each prompt."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.float32)
    model.eval()
    reference = Reference([], [])
    with torch.no_grad():
        for prompt in prompts:
            ids = list(hf_tokenizer.encode(prompt, add_special_tokens=False))[-MAX_PROMPT_TOKENS:]
            logits = model(input_ids=torch.tensor([ids])).logits[0].float().numpy()
            reference.prompts.append(ids)
            reference.logits.append(logits)
    del model
    gc.collect()
    return reference


def logit_scale(reference: Reference) -> float:
    """The largest |logit| the reference gives at the last position of a prompt."""
    return max(float(abs(logits[-1]).max()) for logits in reference.logits)


def default_gate(reference: Reference) -> float:
    """The f16 gate when none is given: relative to the model's logit scale, with a floor."""
    return max(DEFAULT_MAX_LOGIT_DIFF, RELATIVE_MAX_LOGIT_DIFF * logit_scale(reference))


def measure(gguf: Path, reference: Reference, on_prompt: Callable[[], None] | None = None) -> ParityFigures:
    import numpy as np

    longest = max(len(ids) for ids in reference.prompts)
    llm = open_gguf(gguf, n_ctx=max(512, longest + 16), logits_all=True)
    try:
        last_diffs, all_max, top1_last, top1_all, positions, decisive, top1_decisive = [], 0.0, 0, 0, 0, 0, 0
        for ids, expected in zip(reference.prompts, reference.logits, strict=True):
            llm.reset()
            llm.eval(ids)
            got = np.array(llm.scores[: len(ids)], dtype=np.float32)
            if got.shape != expected.shape:
                raise ValueError(f"{gguf.name}: logits shape {got.shape}, reference {expected.shape}")
            diff = np.abs(got - expected)
            last_diffs.append(float(diff[-1].max()))
            all_max = max(all_max, float(diff.max()))
            top1_last += int(got[-1].argmax() == expected[-1].argmax())
            agree = got.argmax(axis=1) == expected.argmax(axis=1)
            top1_all += int(agree.sum())
            ranked = np.sort(expected, axis=1)
            clear = (ranked[:, -1] - ranked[:, -2]) >= DECISIVE_MARGIN
            decisive += int(clear.sum())
            top1_decisive += int((agree & clear).sum())
            positions += len(ids)
            if on_prompt is not None:
                on_prompt()
    finally:
        llm.close()
    count = len(reference.prompts)
    return ParityFigures(
        file=gguf.name,
        prompts=count,
        positions=positions,
        max_abs_diff_last=max(last_diffs),
        mean_abs_diff_last=sum(last_diffs) / count,
        max_abs_diff_all=all_max,
        top1_agreement_last=top1_last / count,
        top1_agreement_all=top1_all / positions,
        decisive_positions=decisive,
        top1_agreement_decisive=top1_decisive / decisive if decisive else 1.0,
    )
