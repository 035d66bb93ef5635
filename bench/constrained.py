"""Constrained names in inline completion: how often the model names a real event, event field or
netprop, with and without the constraint, and what the constraint costs per suggestion.

    python bench/constrained.py [--tokens 16] [--open-tokens 48] [--gguf PATH] [--json OUT]

The model is the real pretrained one (SmolLM2-135M-Instruct Q4_1, spcopilot.server.ai.pretrained)
unless --gguf names another; one llama.cpp thread (the server's default on 2 cores). The prompts
are ours: 36 plugin prefixes ending inside a string argument (12 HookEvent/UnhookEvent event names,
12 event-field reads in callbacks hooked to known events, 12 netprop names of GetEntProp* and
SetEntProp* with Prop_Send/Prop_Data), some with part of the name typed. Each goes through what
inline completion does: the document view's cursor analysis (`string_choice`), the inline prompt
for this backend (prefix-only for SmolLM2) with its context notes and single-line stops, then the
model, once free and once constrained, one right after the other in alternating order, after an
unmeasured pass over the prompt (so both reuse its KV cache and machine load hits both alike), greedy and with the server's default sampling (seeded). A suggestion "names a real X" when
the string it closes is one of the catalogue's names for that argument (an unclosed string is a
miss). Cost: the model call's wall time per suggestion (median; ratio constrained/free) and per
generated token, plus the cursor analysis and the one-off build of the token table.

Then 12 multi-line sites (a blank line in OnPluginStart after its HookEvents, or in a hooked
callback): the strings the model opens itself there that the request's analysis says must be a
catalogue name (`choice_after`), how many close on a real one, free and with the processor armed
at each quote, and the cost per token of having the processor in the loop. Prints the load
average before and after and markdown tables; nothing asserts on it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEAD = "#include <sourcemod>\n#include <sdktools>\n\n#pragma semicolon 1\n#pragma newdecls required\n\n"

# (events already hooked, typed part of the next event name)
EVENT_SITES = [
    ("tank_spawn", ""),
    ("player_death", "player_"),
    ("round_start", "round_"),
    ("witch_killed", "witch_"),
    ("heal_success", ""),
    ("player_hurt", "player_in"),
    ("infected_death", "infected_"),
    ("weapon_fire", "weapon_"),
    ("revive_success", "revive_"),
    ("charger_carry_start", "charger_"),
    ("lunge_pounce", "tongue_"),
    ("player_team", "player_t"),
]
# (hooked event, the getter call up to its string, typed part of the field)
FIELD_SITES = [
    ("player_death", "int attacker = GetClientOfUserId(event.GetInt(", ""),
    ("player_hurt", "int damage = event.GetInt(", "dmg_"),
    ("player_hurt", "int victim = GetClientOfUserId(event.GetInt(", ""),
    ("tank_spawn", "int tank = GetClientOfUserId(event.GetInt(", ""),
    ("witch_killed", "int killer = GetClientOfUserId(GetEventInt(event, ", ""),
    ("heal_success", "int healed = GetClientOfUserId(event.GetInt(", "sub"),
    ("revive_success", "bool ledge = event.GetBool(", ""),
    ("weapon_fire", "char weapon[64];\n\tevent.GetString(", ""),
    ("infected_hurt", "int amount = event.GetInt(", "am"),
    ("player_incapacitated", "int attacker = GetClientOfUserId(event.GetInt(", "att"),
    ("charger_carry_start", "int victim = GetClientOfUserId(event.GetInt(", "vic"),
    ("round_end", "int winner = event.GetInt(", ""),
]
# (accessor, PropType, typed part of the netprop; the rest of the call follows the string)
NETPROP_SITES = [
    ("GetEntProp", "Prop_Send", "m_"),
    ("GetEntProp", "Prop_Send", "m_zombie"),
    ("GetEntPropFloat", "Prop_Send", "m_fl"),
    ("GetEntProp", "Prop_Send", "m_is"),
    ("SetEntProp", "Prop_Send", "m_i"),
    ("GetEntPropEnt", "Prop_Send", "m_h"),
    ("GetEntProp", "Prop_Data", "m_"),
    ("GetEntPropFloat", "Prop_Data", "m_fl"),
    ("SetEntPropFloat", "Prop_Send", "m_flLagged"),
    ("GetEntProp", "Prop_Send", "m_cur"),
    ("GetEntPropVector", "Prop_Send", "m_vec"),
    ("SetEntProp", "Prop_Data", "m_i"),
]


# Multi-line sites: a blank line where the model writes statements of its own, some of them
# with strings it opens itself (HookEvent, field reads, netprops). (events hooked, where)
OPEN_SITES = [
    (("round_start", "tank_spawn"), "start"),
    (("player_death",), "start"),
    (("witch_killed", "player_hurt"), "start"),
    (("heal_success",), "start"),
    (("player_hurt",), "callback"),
    (("player_death",), "callback"),
    (("tank_spawn",), "callback"),
    (("revive_success",), "callback"),
    (("weapon_fire",), "callback"),
    (("infected_hurt",), "callback"),
    (("player_incapacitated",), "callback"),
    (("charger_carry_start",), "callback"),
]


@dataclass(frozen=True, slots=True)
class Site:
    kind: str
    text: str  # the document
    offset: int  # the cursor, a str index


def _callback(name: str) -> str:
    return "Event_" + "".join(part.title() for part in name.split("_"))


def sites() -> list[Site]:
    out = []
    for hooked, typed in EVENT_SITES:
        call = "UnhookEvent" if hooked == "round_start" else "HookEvent"
        before = (
            f'{HEAD}public void OnPluginStart()\n{{\n\tHookEvent("{hooked}", {_callback(hooked)});\n\t{call}("{typed}'
        )
        out.append(Site("event", before + "\n}\n", len(before)))
    for event, getter, typed in FIELD_SITES:
        cb = _callback(event)
        start = f'public void OnPluginStart()\n{{\n\tHookEvent("{event}", {cb});\n}}\n\n'
        head = f"public void {cb}(Event event, const char[] name, bool dontBroadcast)\n{{\n\t"
        before = f'{HEAD}{start}{head}{getter}"{typed}'
        out.append(Site("event field", before + "\n}\n", len(before)))
    for accessor, prop_type, typed in NETPROP_SITES:
        head = "public Action Timer_Check(Handle timer, int client)\n{\n\tif (!IsClientInGame(client)) return Plugin_Stop;\n\t"
        before = f'{HEAD}{head}int value = {accessor}(client, {prop_type}, "{typed}'
        out.append(Site("netprop", before + "\n\treturn Plugin_Continue;\n}\n", len(before)))
    return out


def open_sites() -> list[Site]:
    out = []
    for events, where in OPEN_SITES:
        hooks = "".join(f'\tHookEvent("{e}", {_callback(e)});\n' for e in events)
        if where == "start":
            before = f"{HEAD}public void OnPluginStart()\n{{\n{hooks}\t"
            out.append(Site("multi-line", before + "\n}\n", len(before)))
        else:
            cb = _callback(events[0])
            before = (f"{HEAD}public void OnPluginStart()\n{{\n{hooks}}}\n\n"
                      f"public void {cb}(Event event, const char[] name, bool dontBroadcast)\n{{\n"
                      f'\tint client = GetClientOfUserId(event.GetInt("userid"));\n\t')  # fmt: skip
            out.append(Site("multi-line", before + "\n}\n", len(before)))
    return out


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", type=int, default=16, help="answer length cap per suggestion (default 16)")
    ap.add_argument(
        "--open-tokens", type=int, default=48, help="answer length cap of multi-line suggestions (default 48)"
    )
    ap.add_argument("--gguf", type=Path, help="a GGUF model (default: the real pretrained one)")
    ap.add_argument("--json", type=Path, help="write the raw results here")
    args = ap.parse_args()

    from spcopilot.diagnostics.parsing import parse
    from spcopilot.server.ai.backends.base import GenerationOptions
    from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend
    from spcopilot.server.ai.config import AISettings
    from spcopilot.server.ai.inline.prompt import build_inline_prompt
    from spcopilot.server.ai.inline.request import request_from_view
    from spcopilot.server.ai.pretrained import pretrained_model
    from spcopilot.server.ai.prompts.context import build_context
    from spcopilot.server.features.completion import string_choice
    from spcopilot.server.features.view import DocumentView

    gguf = args.gguf or pretrained_model().gguf
    print(f"model {gguf.name}, 1 thread, {os.cpu_count()} CPUs; load average before: {load_average()}")
    backend = LlamaCppBackend(gguf, threads=1)
    started = time.perf_counter()
    backend.token_pieces()
    table_ms = (time.perf_counter() - started) * 1000

    defaults = AISettings()
    samplings = {
        "greedy": GenerationOptions(max_tokens=args.tokens, temperature=0.0),
        "default sampling (seed 7)": defaults.generation_options(args.tokens, ()).__class__(
            **{**_fields(defaults.generation_options(args.tokens, ())), "seed": 7}
        ),
    }
    rows: list[dict[str, object]] = []
    detect_ms = []
    for site in sites():
        source = site.text.encode("utf-8")
        view = DocumentView(source, parse(source), "bench.sp")
        at = len(site.text[: site.offset].encode("utf-8"))
        t0 = time.perf_counter()
        choice = string_choice(view, at)
        detect_ms.append((time.perf_counter() - t0) * 1000)
        if choice is None or choice.kind != site.kind:
            raise SystemExit(f"the cursor analysis missed a {site.kind} site:\n{site.text[: site.offset]}|")
        line = site.text[: site.offset].count("\n")
        hooked = [h.event for h in view.model.hooks if h.event]
        context = build_context(site.text, line, "l4d2", hooked, None, view.model.is_defined)
        prompt = build_inline_prompt(backend, site.text, site.offset, "bench.sp", context, False)
        # The prompt once, unmeasured, so both measured calls reuse its KV cache alike; and the
        # order alternates between sites.
        backend.complete(prompt.prompt, GenerationOptions(max_tokens=1, temperature=0.0))
        order = ("free", "constrained") if len(detect_ms) % 2 else ("constrained", "free")
        for label, base in samplings.items():
            options = replace(base, stop=prompt.stops)
            for mode in order:
                t0 = time.perf_counter()
                done = backend.complete(
                    prompt.prompt, replace(options, choice=choice if mode == "constrained" else None)
                )
                ms = (time.perf_counter() - t0) * 1000
                end = done.text.find('"')
                name = choice.typed + done.text[:end] if end >= 0 else None
                rows.append({"kind": site.kind, "sampling": label, "mode": mode, "typed": choice.typed,
                             "name": name, "exists": name in choice.names, "ms": ms,
                             "tokens": done.usage.completion_tokens, "text": done.text})  # fmt: skip
    open_rows: list[dict[str, object]] = []
    for number, site in enumerate(open_sites()):
        source = site.text.encode("utf-8")
        view = DocumentView(source, parse(source), "bench.sp")
        request = request_from_view(site.text, site.offset, view, True, "bench.sp")
        assert request.choice is None and request.choice_after is not None
        context = build_context(site.text, site.text[: site.offset].count("\n"), "l4d2",
                                [h.event for h in view.model.hooks if h.event], None, view.model.is_defined)  # fmt: skip
        prompt = build_inline_prompt(backend, site.text, site.offset, "bench.sp", context, True)
        backend.complete(prompt.prompt, GenerationOptions(max_tokens=1, temperature=0.0))
        order = ("free", "constrained") if number % 2 else ("constrained", "free")
        for label, base in samplings.items():
            options = replace(base, stop=prompt.stops, max_tokens=args.open_tokens)
            for mode in order:
                later = request.choice_after if mode == "constrained" else None
                t0 = time.perf_counter()
                done = backend.complete(prompt.prompt, replace(options, choice_after=later))
                ms = (time.perf_counter() - t0) * 1000
                found = catalogue_strings(done.text, request.choice_after)
                open_rows.append({"sampling": label, "mode": mode, "strings": found, "ms": ms,
                                  "tokens": done.usage.completion_tokens, "text": done.text})  # fmt: skip
    after = load_average()

    print(f"\n{len(sites())} sites; cursor analysis {statistics.median(detect_ms):.2f} ms median per site; "
          f"token table built once in {table_ms:.0f} ms; load average after: {after}\n")  # fmt: skip
    print("| sampling | argument | real names, free | real names, constrained | ms/suggestion free → constrained (ratio) | ms/token free → constrained |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for label in samplings:
        for kind in ("event", "event field", "netprop", "all"):
            free = [r for r in rows if r["sampling"] == label and r["mode"] == "free" and kind in ("all", r["kind"])]
            kept = [
                r for r in rows if r["sampling"] == label and r["mode"] == "constrained" and kind in ("all", r["kind"])
            ]
            print(f"| {label} | {kind} | {_share(free)} | {_share(kept)} | {_ms(free)} → {_ms(kept)} "
                  f"({_median(kept, 'ms') / _median(free, 'ms'):.2f}×) | {_per_token(free)} → {_per_token(kept)} |")  # fmt: skip
    print("\nExamples (greedy, free → constrained):")
    greedy = sorted((r for r in rows if r["sampling"] == "greedy"), key=lambda r: r["mode"] != "free")
    half = len(greedy) // 2
    for free, kept in list(zip(greedy[:half], greedy[half:], strict=True))[::3]:
        print(f"  {free['kind']:<11} {free['typed']!r:<14} {free['name']!s:<28} → {kept['name']}")
    print(f"\nMulti-line suggestions ({len(open_sites())} blank lines in OnPluginStart or a hooked callback, "
          f"{args.open_tokens} tokens at most): the catalogue strings the model opens itself\n")  # fmt: skip
    print("| sampling | catalogue strings real, free | real, constrained | ms/token free → constrained |")
    print("|---|---|---|---|")
    for label in samplings:
        free = [r for r in open_rows if r["sampling"] == label and r["mode"] == "free"]
        kept = [r for r in open_rows if r["sampling"] == label and r["mode"] == "constrained"]
        print(f"| {label} | {_strings(free)} | {_strings(kept)} | {_per_token(free)} → {_per_token(kept)} |")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "open_rows": open_rows, "detect_ms": detect_ms,
                                         "table_ms": table_ms}, indent=1))  # fmt: skip
    backend.close()
    return 0


def catalogue_strings(text: str, choice_after: Callable[[str], object]) -> list[bool]:
    """For each string `text` opens that the request's analysis says must be a catalogue name:
    whether it closes on one (on its line)."""
    out = []
    at = 0
    while (quote := text.find('"', at)) >= 0:
        choice = choice_after(text[: quote + 1])
        end = text.find('"', quote + 1)
        if choice is not None:
            content = text[quote + 1 : end] if end >= 0 else None
            out.append(content is not None and "\n" not in content and content in choice.names)  # type: ignore[attr-defined]
        if end < 0:
            break
        at = end + 1
    return out


def _strings(rows: list[dict[str, object]]) -> str:
    found = [ok for r in rows for ok in r["strings"]]  # type: ignore[attr-defined]
    return f"{sum(found)}/{len(found)}" + (f" ({100 * sum(found) / len(found):.0f} %)" if found else "")


def _fields(options: object) -> dict[str, object]:
    return {name: getattr(options, name) for name in options.__dataclass_fields__}  # type: ignore[attr-defined]


def _share(rows: list[dict[str, object]]) -> str:
    hits = sum(bool(r["exists"]) for r in rows)
    closed = sum(r["name"] is not None for r in rows)
    return f"{hits}/{len(rows)} ({100 * hits / len(rows):.0f} %; {closed} closed)"


def _median(rows: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(r[key]) for r in rows)  # type: ignore[arg-type]


def _ms(rows: list[dict[str, object]]) -> str:
    return f"{_median(rows, 'ms'):.0f}"


def _per_token(rows: list[dict[str, object]]) -> str:
    return f"{sum(float(r['ms']) for r in rows) / max(1, sum(int(r['tokens']) for r in rows)):.1f}"  # type: ignore[call-overload]


if __name__ == "__main__":
    raise SystemExit(main())
