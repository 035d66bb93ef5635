"""`spcopilot data dpo DATA_DIR`: preference pairs for DPO from a prepared data folder.

- Rejection pairs: chosen = real, clean code (a function, or the whole plugin when the problem
  needs the file's context); rejected = the same code with one anti-pattern injected by a
  mutator derived from a rule (mutations.py), kept only when the engine flags it.
- Acceptance pairs, exactly as many: questions about real events and functions where the chosen
  answer uses them (real corpus code, or a hook written from the event catalogue's fields) and
  the rejected answer wrongly says they do not exist. Without them the model learns that
  rejecting is always safe and starts calling real APIs invented.
- A held-out probe set: "does X exist?" for real and invented names the pairs never teach.
  Invented events come from the catalogue's complement (checked: not an L4D2 event); invented
  functions only from the knowledge base's table (nothing else can prove a function absent).

Output (staged, renamed at the end): DATA_DIR/dpo/{train,eval,probe}.jsonl, stats.json, audit.json.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.knowledge.apis import SOURCEMOD_INCLUDES, deprecated_natives, nonexistent_functions
from spcopilot.diagnostics.knowledge.events import EventInfo, builtin_l4d2, misnames
from spcopilot.server.ai.prompts.system import system_prompt
from spcopilot.training.audit import errors_in, findings, names_in, read_jsonl
from spcopilot.training.errors import DatasetError
from spcopilot.training.examples import code_block
from spcopilot.training.facts import plugin_facts
from spcopilot.training.instructions import function_instruction, pick, plugin_instruction
from spcopilot.training.mutations import VerifiedMutation, as_file, verified_mutations
from spcopilot.training.staging import staged_dir, write_json, write_jsonl

# Words of real event names, recombined into names the game does not have (probe questions).
_ACTORS = ("tank", "witch", "hunter", "smoker", "boomer", "charger", "jockey", "spitter", "survivor", "infected")
_ACTIONS = ("killed", "spawn", "grab", "release", "start", "end", "incapacitated", "stunned", "enraged", "leap")


@dataclass(slots=True)
class DpoOptions:
    data: Path
    out: Path | None = None  # default DATA_DIR/dpo
    mutations_per_rule: int = 2  # per file
    probe_per_kind: int = 12
    overwrite: bool = False
    progress: bool = True


@dataclass(slots=True)
class HeldOut:
    """The probe's names. Real events and functions and the invented events are held out: no
    pair teaches them. The invented functions are the knowledge base's table, which the system
    prompt lists anyway, so they are asked about but cannot be held out (nor kept from pairs)."""

    real_events: list[str] = field(default_factory=list)
    invented_events: list[str] = field(default_factory=list)
    real_functions: list[str] = field(default_factory=list)
    invented_functions: list[str] = field(default_factory=list)

    @property
    def names(self) -> frozenset[str]:
        """The names pairs must not be about."""
        return frozenset(self.real_events + self.invented_events + self.real_functions)


def _h(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _every(names: list[str], modulus: int) -> list[str]:
    return sorted(n for n in names if _h(n)[0] % modulus == 0)


def invented_event_names() -> list[str]:
    """actor_action names that are neither L4D2 events nor listed misnames (so only the probe asks)."""
    catalogue = builtin_l4d2()
    taken = set(misnames())
    found = [f"{a}_{b}" for a in _ACTORS for b in _ACTIONS]
    return sorted(n for n in found if n not in catalogue and n not in taken)


def hold_out(real_functions: list[str], count: int) -> HeldOut:
    events = [e for e in builtin_l4d2().names() if not e.startswith(("explain_", "achievement_"))]
    return HeldOut(
        real_events=_every(events, 8)[:count],
        invented_events=sorted(invented_event_names(), key=_h)[:count],
        real_functions=_every(real_functions, 5)[:count],
        invented_functions=sorted(nonexistent_functions(), key=_h)[:count],
    )


# ---- rejection pairs --------------------------------------------------------------------------
def _prompt(vm: VerifiedMutation, text: str, game: str, path: str) -> str | None:
    facts = plugin_facts(text)
    if vm.scope == "file":
        return plugin_instruction(facts, game, path)
    fn = facts.functions.get(vm.name)
    return function_instruction(fn, game, f"{path}:{vm.name}") if fn is not None else None


def messages(user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system_prompt()}, {"role": "user", "content": user}]


def pair(prompt: str, chosen: str, rejected: str, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "prompt": messages(prompt),
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
        "meta": meta,
    }


def rejection_pairs(files: list[dict], held: HeldOut, per_rule: int) -> list[dict[str, Any]]:
    out = []
    for f in files:
        for found in verified_mutations(f["text"], exclude_subjects=held.names, per_rule=per_rule):
            vm: VerifiedMutation | None = found
            key = f"{f['repo']}/{f['path']}"
            prompt = _prompt(found, f["text"], f["game"], key)
            if prompt is None:  # e.g. a hook in OnPluginStart: ask for the plugin instead
                vm = as_file(found, f["text"])
                prompt = _prompt(vm, f["text"], f["game"], key) if vm is not None else None
            if prompt is None or vm is None:
                continue
            m = vm.mutation
            meta = {
                "kind": "rejection",
                "rule": m.rule,
                "subject": m.subject,
                "subject_kind": m.subject_kind,
                "repo": f["repo"],
                "path": f["path"],
                "scope": vm.scope,
                "mutation": m.description,
            }
            out.append(pair(prompt, code_block(vm.chosen), code_block(vm.rejected), meta))
    return out


# ---- acceptance pairs -------------------------------------------------------------------------
def _field_phrase(info: EventInfo) -> str:
    parts = []
    for f in list(info.fields.values())[:4]:
        what = {"userid": "a userid: convert it with GetClientOfUserId", "entity": "an entity index"}.get(
            f.kind, f.type
        )
        parts.append(f"`{f.name}` ({what})")
    return f" with the fields {', '.join(parts)}" if parts else " without fields"


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def event_hook_snippet(info: EventInfo) -> str:
    """A hook for `info` written from the catalogue: the real fields with their accessors."""
    callback = f"Event_{_camel(info.name)}"
    body: list[str] = []
    printed: list[tuple[str, str]] = []
    for f in list(info.fields.values())[:3]:
        var = "v" + _camel(f.name)
        if f.kind == "userid":
            body.append(f'    int {var} = GetClientOfUserId(event.GetInt("{f.name}"));')
            printed.append(("%d", var))
        elif f.type in ("short", "long", "byte", "local"):
            body.append(f'    int {var} = event.GetInt("{f.name}");')
            printed.append(("%d", var))
        elif f.type == "float":
            body.append(f'    float {var} = event.GetFloat("{f.name}");')
            printed.append(("%.1f", var))
        elif f.type == "bool":
            body.append(f'    bool {var} = event.GetBool("{f.name}");')
            printed.append(("%d", var))
        elif f.type in ("string", "uint64"):
            body += [f"    char {var}[64];", f'    event.GetString("{f.name}", {var}, sizeof({var}));']
            printed.append(("%s", var))
    if printed:
        fmt = " ".join(f"{f.name}={spec}" for f, (spec, _) in zip(info.fields.values(), printed, strict=False))
        body.append(f'    PrintToServer("{info.name}: {fmt}", {", ".join(v for _, v in printed)});')
    else:
        body.append(f'    PrintToServer("{info.name} fired");')
    mode = "" if printed else ", EventHookMode_PostNoCopy"
    return (
        "public void OnPluginStart()\n{\n"
        f'    HookEvent("{info.name}", {callback}{mode});\n'
        "}\n\n"
        f"public void {callback}(Event event, const char[] name, bool dontBroadcast)\n{{\n" + "\n".join(body) + "\n}\n"
    )


def _real_handler(files: list[dict], event: str) -> str | None:
    """A real corpus handler of `event`, with the hook that registers it."""
    for f in sorted(files, key=lambda f: _h(f"{f['repo']}/{f['path']}:{event}")):
        facts = plugin_facts(f["text"])
        for fn in facts.functions.values():
            if event in fn.events:
                code = f["text"].encode("utf-8")[fn.node.start_byte : fn.node.end_byte].decode("utf-8", "replace")
                return f'public void OnPluginStart()\n{{\n    HookEvent("{event}", {fn.name});\n}}\n\n{code}\n'
    return None


def real_functions(files: list[dict]) -> dict[str, str]:
    """Functions the corpus calls that SourceMod itself provides (the file includes nothing else
    and does not define them), each with the shortest clean function calling it."""
    found: dict[str, str] = {}
    wrong = set(nonexistent_functions()) | set(deprecated_natives())
    for f in files:
        facts = plugin_facts(f["text"])
        if not all(i.rsplit("/", 1)[-1].removesuffix(".inc") in SOURCEMOD_INCLUDES for i in facts.includes):
            continue
        source = f["text"].encode("utf-8")
        for fn in facts.functions.values():
            code = source[fn.node.start_byte : fn.node.end_byte].decode("utf-8", "replace")
            for name in fn.calls:
                if name in wrong or (name in found and len(found[name]) <= len(code)):
                    continue
                if not errors_in(code):
                    found[name] = code
    return found


EVENT_QUESTIONS = (
    "Does Left 4 Dead 2 have a `{n}` game event? Show me how to hook it in a SourceMod plugin.",
    "How do I hook the `{n}` event in a Left 4 Dead 2 SourceMod plugin and read its fields?",
    "I want to react to `{n}` in my L4D2 plugin. Is that a real event, and how do I use it?",
)
FUNCTION_QUESTIONS = (
    "Is `{n}` a real SourceMod function? Show an example of calling it.",
    "Can I use `{n}` in a SourceMod plugin? Show me how.",
    "How is `{n}` used in SourcePawn?",
)


def acceptance_pairs(files: list[dict], held: HeldOut, count: int, functions: dict[str, str]) -> list[dict[str, Any]]:
    catalogue = builtin_l4d2()
    used_events = {e for f in files for e in plugin_facts(f["text"]).events if e in catalogue}
    events = sorted(used_events - held.names, key=_h) + sorted(
        set(catalogue.names()) - used_events - held.names, key=_h
    )
    names = sorted(set(functions) - held.names, key=_h)
    out: list[dict[str, Any]] = []
    e = n = 0
    while len(out) < count and (e < len(events) or n < len(names)):
        if n < len(names) and (len(out) % 2 == 1 or e >= len(events)):
            made = _function_pair(names[n], functions[names[n]])
            n += 1
        else:
            info = catalogue.get(events[e])
            made = _event_pair(info, files) if info else None
            e += 1
        if made is not None:
            out.append(made)
    return out


def _event_pair(info: EventInfo, files: list[dict]) -> dict[str, Any] | None:
    code = _real_handler(files, info.name) or event_hook_snippet(info)
    if errors_in(code) or info.name not in names_in(code)[1] or any(c == "SPC202" for c, *_ in findings(code)):
        return None
    chosen = (
        f"Yes: `{info.name}` is a Left 4 Dead 2 game event{_field_phrase(info)}. For example:\n\n{code_block(code)}"
    )
    rejected = (
        f'Left 4 Dead 2 has no `{info.name}` event, so `HookEvent("{info.name}", ...)` would fail when the plugin '
        "loads. You would have to detect this situation yourself, for example from a timer that checks the "
        "players' netprops."
    )
    meta = {"kind": "acceptance", "subject": info.name, "subject_kind": "event", "rule": ""}
    return pair(pick(info.name, EVENT_QUESTIONS).format(n=info.name), chosen, rejected, meta)


def _function_pair(name: str, code: str) -> dict[str, Any] | None:
    if name not in names_in(code)[0]:
        return None
    chosen = f"`{name}` is a SourceMod function. Here it is in use:\n\n{code_block(code)}"
    rejected = (
        f"SourceMod has no `{name}` function: calling it fails to compile with `error 017: undefined symbol`. "
        "You would need to write that logic yourself."
    )
    meta = {"kind": "acceptance", "subject": name, "subject_kind": "function", "rule": ""}
    return pair(pick(name, FUNCTION_QUESTIONS).format(n=name), chosen, rejected, meta)


# ---- probe ------------------------------------------------------------------------------------
HELD_OUT = "held out"


def probe_records(held: HeldOut) -> list[dict[str, Any]]:
    """Probe questions in the evaluation's format (`spcopilot eval run --probes`): name, kind,
    exists and where the answer comes from; `source` starts with "held out" for names no pair
    teaches. The evaluation asks its own yes/no question for each kind."""
    groups = (
        ("event", True, held.real_events, f"{HELD_OUT}: the L4D2 event catalogue"),
        ("event", False, held.invented_events, f"{HELD_OUT}: not in the L4D2 event catalogue"),
        ("function", True, held.real_functions, f"{HELD_OUT}: called by the corpus, SourceMod includes only"),
        (
            "function",
            False,
            held.invented_functions,
            "knowledge base: nonexistent_apis.tsv (the system prompt lists it)",
        ),
    )
    out = []
    for kind, exists, names, source in groups:
        for name in names:
            note = source
            api = nonexistent_functions().get(name) if kind == "function" and not exists else None
            if api is not None:
                note += f"; use {api.replacement}"
            out.append({"name": name, "kind": kind, "exists": exists, "source": note})
    return out


# ---- the command ------------------------------------------------------------------------------
def _files(data: Path, split: str) -> list[dict]:
    path = data / split / "files.jsonl"
    if not path.is_file():
        raise DatasetError(f"{path} is missing: run `spcopilot data prepare ... --out {data}` first")
    return [record for _, record in read_jsonl(path)]


def build_pairs(options: DpoOptions) -> dict[str, Any]:
    from spcopilot.training.audit import audit

    data = options.data
    train_files, eval_files = _files(data, "train"), _files(data, "eval")
    if not train_files:
        raise DatasetError(f"{data}/train/files.jsonl has no files: nothing to make pairs from")
    functions = {split: real_functions(files) for split, files in (("train", train_files), ("eval", eval_files))}
    held = hold_out(sorted(set(functions["train"]) | set(functions["eval"])), options.probe_per_kind)
    outputs: dict[str, list[dict]] = {}
    stats: dict[str, Any] = {"held_out": {k: len(v) for k, v in vars_of(held).items()}}
    for split, files in (("train", train_files), ("eval", eval_files)):
        rejections = rejection_pairs(files, held, options.mutations_per_rule)
        acceptances = acceptance_pairs(files, held, len(rejections), functions[split])
        rejections = rejections[: len(acceptances)]  # balance, if the acceptance material ran out
        pairs = sorted(rejections + acceptances, key=lambda p: _h(json.dumps(p["meta"], sort_keys=True)))
        outputs[f"{split}.jsonl"] = pairs
        stats[split] = {
            "rejection": len(rejections),
            "acceptance": len(acceptances),
            "rejection_by_rule": dict(sorted(Counter(p["meta"]["rule"] for p in rejections).items())),
            "acceptance_by_kind": dict(sorted(Counter(p["meta"]["subject_kind"] for p in acceptances).items())),
        }
    outputs["probe.jsonl"] = probe_records(held)
    stats["probe"] = dict(
        Counter(f"{p['kind']} {'real' if p['exists'] else 'invented'}" for p in outputs["probe.jsonl"])
    )
    if not outputs["train.jsonl"]:
        raise DatasetError(
            "no preference pair could be made from the train files (no verified mutation): the corpus has too "
            "little code the rules' mutations apply to"
        )
    target = options.out or data / "dpo"
    with staged_dir(target, DatasetError, overwrite=options.overwrite) as stage:
        for name, records in outputs.items():
            write_jsonl(stage / name, records)
        report = audit([stage / name for name in outputs], progress=options.progress)
        if not report.ok:
            failed = target.with_name(target.name + ".audit-failed.json")
            write_json(failed, report.to_json())
            first = "\n".join(p.text() for p in report.problems[:10])
            raise DatasetError(f"the preference audit failed (report: {failed}); {target} was not written:\n{first}")
        write_json(stage / "audit.json", report.to_json())
        stats["outputs"] = {
            name: {"records": len(records), "sha256": hashlib.sha256((stage / name).read_bytes()).hexdigest()}
            for name, records in outputs.items()
        }
        write_json(stage / "stats.json", stats)
    return stats


def vars_of(held: HeldOut) -> dict[str, list[str]]:
    return {
        "real_events": held.real_events,
        "invented_events": held.invented_events,
        "real_functions": held.real_functions,
        "invented_functions": held.invented_functions,
    }


__all__ = ["DpoOptions", "build_pairs", "event_hook_snippet", "invented_event_names"]
