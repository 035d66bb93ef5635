"""Preference pairs for DPO (`spcopilot data dpo`, preference_data.py, writes them):

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

"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from spcopilot.diagnostics.knowledge.apis import SOURCEMOD_INCLUDES, deprecated_natives, nonexistent_functions
from spcopilot.diagnostics.knowledge.events import EventInfo, builtin_l4d2, misnames
from spcopilot.server.ai.prompts.system import system_prompt
from spcopilot.training.audit import errors_in, names_in
from spcopilot.training.examples import code_block
from spcopilot.training.facts import PluginFacts
from spcopilot.training.instructions import function_instruction, pick, plugin_instruction
from spcopilot.training.mutations import VerifiedMutation, as_file, mutation_kind, verified_mutations

# Words of real event names, recombined into names the game does not have (probe questions).
_ACTORS = ("tank", "witch", "hunter", "smoker", "boomer", "charger", "jockey", "spitter", "survivor", "infected")
_ACTIONS = ("killed", "spawn", "grab", "release", "start", "end", "incapacitated", "stunned", "enraged", "leap")


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
def _prompt(vm: VerifiedMutation, facts: PluginFacts, game: str, path: str) -> str | None:
    if vm.scope == "file":
        return plugin_instruction(facts, game, path)
    fn = facts.functions.get(vm.name)
    return function_instruction(fn, game, f"{path}:{vm.name}", facts.name) if fn is not None else None


def messages(user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system_prompt()}, {"role": "user", "content": user}]


def pair(prompt: str, chosen: str, rejected: str, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "prompt": messages(prompt),
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
        "meta": meta,
    }


def file_rejections(text: str, repo: str, path: str, game: str, per_rule: int, facts: PluginFacts) -> list[dict]:
    """The rejection pairs of one file: a verified mutation, asked for with the request for the
    function (or, when the function has none, the plugin)."""
    out = []
    key = f"{repo}/{path}"
    for found in verified_mutations(text, per_rule=per_rule):
        vm: VerifiedMutation | None = found
        prompt = _prompt(found, facts, game, key)
        if prompt is None:  # e.g. a hook in OnPluginStart: ask for the plugin instead
            vm = as_file(found, text)
            prompt = _prompt(vm, facts, game, key) if vm is not None else None
        if prompt is None or vm is None:
            continue
        if not hooks_only_l4d2_events(vm.chosen):
            continue
        m = vm.mutation
        meta = {
            "kind": "rejection",
            "rule": m.rule,
            "subject": m.subject,
            "subject_kind": m.subject_kind,
            "mutation_kind": mutation_kind(m),
            "repo": repo,
            "path": path,
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


def file_handlers(text: str, facts: PluginFacts, repo: str, path: str) -> dict[str, tuple[str, str]]:
    """event -> (rank, a real handler of it with the hook that registers it) for one file; the
    lowest rank over the corpus is used (a fixed choice, whatever the order files come in)."""
    source = text.encode("utf-8")
    out: dict[str, tuple[str, str]] = {}
    for fn in facts.functions.values():
        for event in fn.events:
            if event in out:
                continue
            code = source[fn.node.start_byte : fn.node.end_byte].decode("utf-8", "replace")
            hook = f'public void OnPluginStart()\n{{\n    HookEvent("{event}", {fn.name});\n}}\n\n{code}\n'
            out[event] = (_h(f"{repo}/{path}:{event}").hex(), hook)
    return out


def hooks_only_l4d2_events(code: str) -> bool:
    """A pair teaches L4D2: its chosen code hooks only L4D2 events (a stock plugin may hook others)."""
    return all(e in builtin_l4d2() for e in names_in(code)[1])


def file_functions(text: str, facts: PluginFacts) -> dict[str, str]:
    """Functions this file calls that SourceMod itself provides (the file includes nothing else
    and does not define them), each with the shortest clean function calling it."""
    found: dict[str, str] = {}
    if not all(i.rsplit("/", 1)[-1].removesuffix(".inc") in SOURCEMOD_INCLUDES for i in facts.includes):
        return found
    wrong = set(nonexistent_functions()) | set(deprecated_natives())
    source = text.encode("utf-8")
    for fn in facts.functions.values():
        code = source[fn.node.start_byte : fn.node.end_byte].decode("utf-8", "replace")
        for name in fn.calls:
            if name in wrong or (name in found and len(found[name]) <= len(code)):
                continue
            if not errors_in(code) and hooks_only_l4d2_events(code):
                found[name] = code
    return found


def merge_functions(found: dict[str, str], more: dict[str, str]) -> None:
    """Keep the shortest example of each function (ties: the smaller text, for a fixed result)."""
    for name, code in more.items():
        if name not in found or (len(code), code) < (len(found[name]), found[name]):
            found[name] = code


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


def acceptance_pairs(
    handlers: dict[str, str], used_events: set[str], functions: dict[str, str], held: HeldOut, wanted: dict[str, int]
) -> dict[str, list[dict[str, Any]]]:
    """Up to `wanted[kind]` acceptance pairs of each kind ("event", "function"): events the corpus
    hooks first (with a real handler), then the rest of the catalogue (a hook written from its
    fields); functions the corpus calls."""
    catalogue = builtin_l4d2()
    used = {e for e in used_events if e in catalogue}
    events = sorted(used - held.names, key=_h) + sorted(set(catalogue.names()) - used - held.names, key=_h)
    out: dict[str, list[dict[str, Any]]] = {"event": [], "function": []}
    for name in events:
        if len(out["event"]) >= wanted.get("event", 0):
            break
        info = catalogue.get(name)
        made = _event_pair(info, handlers.get(name)) if info else None
        if made is not None:
            out["event"].append(made)
    for name in sorted(set(functions) - held.names, key=_h):
        if len(out["function"]) >= wanted.get("function", 0):
            break
        made = _function_pair(name, functions[name])
        if made is not None:
            out["function"].append(made)
    return out


def _event_pair(info: EventInfo, handler: str | None) -> dict[str, Any] | None:
    code = handler or event_hook_snippet(info)
    if errors_in(code) or info.name not in names_in(code)[1] or not hooks_only_l4d2_events(code):
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


def __getattr__(name: str) -> Any:
    """`DpoOptions` and `build_pairs` (the `data dpo` command) live in preference_data.py; this
    name keeps the older import path working."""
    if name in ("DpoOptions", "build_pairs"):
        from spcopilot.training import preference_data

        return getattr(preference_data, name)
    raise AttributeError(name)
