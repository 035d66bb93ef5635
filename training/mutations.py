"""Anti-patterns injected into correct code, derived from the rules: each mutator is the inverse
of one rule's fix, reading the same knowledge table the rule reads (a rename fix read backwards,
a misnamed event put back, a Prop_Data-only netprop sent with Prop_Send, ...).

Nothing here decides what is wrong: a mutation counts only when the engine flags the mutated
code with the mutator's rule and did not flag the original (`verify`); otherwise it is dropped.
The DPO rejection pairs and the contrastive SFT examples are built from verified mutations.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from spcopilot.diagnostics.knowledge.apis import deprecated_natives, nonexistent_functions
from spcopilot.diagnostics.knowledge.events import EVENT_GETTERS, misnames
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.diagnostics.matching import query_matches
from spcopilot.diagnostics.parsing import Node, parse
from spcopilot.diagnostics.semantics import FileModel, build_model, call_arguments, enclosing_function, string_value
from spcopilot.training.audit import errors_in, findings, has_syntax_errors

_CALLS = "(call_expression function: (identifier) @callee arguments: (call_arguments) @args) @call"
_DIMENSIONS = "(fixed_dimension) @dim"
_LOOP_BOUNDS = "(for_statement condition: (binary_expression) @cond)"
_RETURNS = "(return_statement) @ret"


@dataclass(frozen=True, slots=True)
class Mutation:
    rule: str  # the rule that must flag the mutated code
    subject: str  # the wrong name it introduces, or the rule code for a usage mistake
    subject_kind: str  # "function", "event" or "usage"
    start: int  # byte edit on the original source
    end: int
    new_text: str
    description: str  # e.g. "GetRandomFloat -> RandomFloat"

    def apply(self, source: bytes, offset: int = 0) -> bytes:
        s, e = self.start - offset, self.end - offset
        return source[:s] + self.new_text.encode("utf-8") + source[e:]


def mutation_kind(m: Mutation) -> str:
    """What a mutation teaches, for caps and balance: the rule, and for a wrong name the name
    (`SPC101 GetPlayerTeam`), so one common call cannot fill a rule's share alone."""
    return f"{m.rule} {m.subject}" if m.subject_kind in ("function", "event") else m.rule


@dataclass(slots=True)
class _Call:
    name: str
    node: Node
    callee: Node
    args: list[Node]


class Sites:
    """The parts of one file the mutators look at (parsed once)."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.tree = parse(source)
        self.model: FileModel = build_model(self.tree, source)
        root = self.tree.root_node
        self.calls = [
            _Call(self.text(c["callee"][0]), c["call"][0], c["callee"][0], call_arguments(c["args"][0]))
            for _, c in query_matches(_CALLS, root)
        ]
        self.dimensions = [c["dim"][0] for _, c in query_matches(_DIMENSIONS, root)]
        self.loop_conditions = [c["cond"][0] for _, c in query_matches(_LOOP_BOUNDS, root)]
        self.returns = [c["ret"][0] for _, c in query_matches(_RETURNS, root)]

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def string(self, node: Node) -> str | None:
        return string_value(node, self.source)

    def indentation(self, node: Node) -> str:
        line_start = self.source.rfind(b"\n", 0, node.start_byte) + 1
        return self.source[line_start : node.start_byte].decode("utf-8", "replace")


Mutator = Callable[[Sites], Iterator[Mutation]]
MUTATORS: dict[str, Mutator] = {}


def mutator(rule: str) -> Callable[[Mutator], Mutator]:
    def register(fn: Mutator) -> Mutator:
        MUTATORS[rule] = fn
        return fn

    return register


def _choose(key: str, options: list[str]) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


@mutator("SPC101")
def nonexistent_function(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC101's rename fix: the real function back to the invented name."""
    inverse = {a.replacement: a.name for a in nonexistent_functions().values() if a.fix_kind == "rename"}
    for call in sites.calls:
        wrong = inverse.get(call.name)
        if wrong:
            n = call.callee
            yield Mutation("SPC101", wrong, "function", n.start_byte, n.end_byte, wrong, f"{call.name} -> {wrong}")


@mutator("SPC102")
def deprecated_native(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC102's rename fix: the current native back to the deprecated one."""
    inverse = {a.replacement: a.name for a in deprecated_natives().values() if a.fix_kind == "rename"}
    for call in sites.calls:
        old = inverse.get(call.name)
        if old:
            n = call.callee
            yield Mutation("SPC102", old, "function", n.start_byte, n.end_byte, old, f"{call.name} -> {old}")


@mutator("SPC201")
def misnamed_event(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC201's fix: the real event name back to a name people write for it."""
    wrong_for: dict[str, list[str]] = {}
    for m in misnames().values():
        if m.fix:
            wrong_for.setdefault(m.fix, []).append(m.wrong)
    for hook in sites.model.hooks:
        if hook.event in wrong_for and hook.event_node is not None and hook.function != "UnhookEvent":
            wrong = _choose(hook.event or "", sorted(wrong_for[hook.event or ""]))
            n = hook.event_node
            yield Mutation("SPC201", wrong, "event", n.start_byte, n.end_byte, f'"{wrong}"', f"{hook.event} -> {wrong}")


@mutator("SPC205")
def postnocopy_field_read(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC205's fix: hook a callback that reads fields with EventHookMode_PostNoCopy."""
    for hook in sites.model.hooks:
        if hook.function == "UnhookEvent" or hook.mode != "EventHookMode_Post":
            continue
        args = call_arguments(hook.call.child_by_field_name("arguments"))
        if len(args) == 2:
            at = args[1].end_byte
            yield Mutation("SPC205", "SPC205", "usage", at, at, ", EventHookMode_PostNoCopy", "Post -> PostNoCopy")
        elif len(args) == 3:
            n = args[2]
            yield Mutation(
                "SPC205", "SPC205", "usage", n.start_byte, n.end_byte, "EventHookMode_PostNoCopy", "PostNoCopy"
            )


@mutator("SPC206")
def userid_as_client(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC206's fix: drop GetClientOfUserId around an event's userid read."""
    for call in sites.calls:
        if call.name != "GetClientOfUserId" or len(call.args) != 1:
            continue
        inner = call.args[0]
        fn = inner.child_by_field_name("function") if inner.type == "call_expression" else None
        getter = fn.child_by_field_name("field") if fn is not None and fn.type == "field_access" else fn
        if getter is not None and (sites.text(getter) in EVENT_GETTERS or sites.text(getter) == "GetEventInt"):
            n = call.node
            yield Mutation(
                "SPC206", "SPC206", "usage", n.start_byte, n.end_byte, sites.text(inner), "drop GetClientOfUserId"
            )


_ACCESSOR = re.compile(r"^(Get|Set)EntProp(Float|Ent|Vector|String)?$")


def _prop_calls(sites: Sites) -> Iterator[tuple[_Call, str, str]]:
    for call in sites.calls:
        if _ACCESSOR.match(call.name) and len(call.args) > 2:
            prop = sites.string(call.args[2])
            if prop:
                yield call, prop, sites.text(call.args[1])


@mutator("SPC301")
def speed_prop_on_player(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC301's fix: a player's "m_flLaggedMovementValue" written as "m_flSpeed"."""
    for call, prop, _ in _prop_calls(sites):
        if prop == "m_flLaggedMovementValue":
            n = call.args[2]
            yield Mutation(
                "SPC301", "SPC301", "usage", n.start_byte, n.end_byte, '"m_flSpeed"', "m_flSpeed on a player"
            )


@mutator("SPC302")
def handle_prop_int_accessor(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC302's fix: an entity-handle netprop read with GetEntProp instead of GetEntPropEnt."""
    for call, _prop, _ in _prop_calls(sites):
        if call.name in ("GetEntPropEnt", "SetEntPropEnt"):
            plain = call.name.removesuffix("Ent")
            n = call.callee
            yield Mutation("SPC302", "SPC302", "usage", n.start_byte, n.end_byte, plain, f"{call.name} -> {plain}")


@mutator("SPC303")
def prop_type_mismatch(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC303's fix: a datamap-only netprop (from the netprop table) read with Prop_Send."""
    props = l4d2_netprops()
    for call, prop, prop_type in _prop_calls(sites):
        known = props.get(prop)
        if known is not None and known.prop_type == "Prop_Data" and prop_type == "Prop_Data":
            n = call.args[1]
            yield Mutation("SPC303", "SPC303", "usage", n.start_byte, n.end_byte, "Prop_Send", f"{prop} with Prop_Send")


@mutator("SPC305")
def prop_value_accessor(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC305's fix: a known int/float netprop read with the other type's accessor."""
    props = l4d2_netprops()
    swap = {"GetEntProp": "GetEntPropFloat", "GetEntPropFloat": "GetEntProp"}
    for call, prop, _ in _prop_calls(sites):
        known = props.get(prop)
        if known is not None and call.name in swap and known.accessor == call.name:
            n = call.callee
            new = swap[call.name]
            yield Mutation("SPC305", "SPC305", "usage", n.start_byte, n.end_byte, new, f"{prop} read with {new}")


@mutator("SPC401")
def client_index_timer_data(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC401's fix: pass the client index as timer data instead of its userid."""
    for call in sites.calls:
        if call.name in ("CreateTimer", "CreateDataTimer") and len(call.args) > 2:
            data = call.args[2]
            if data.type == "call_expression" and sites.text(data).startswith("GetClientUserId("):
                inner = call_arguments(data.child_by_field_name("arguments"))
                if len(inner) == 1 and inner[0].type == "identifier":
                    yield Mutation(
                        "SPC401",
                        "SPC401",
                        "usage",
                        data.start_byte,
                        data.end_byte,
                        sites.text(inner[0]),
                        "client index",
                    )


@mutator("SPC402")
def timer_closes_itself(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC402's fix ("return Plugin_Stop instead"): delete the timer in its own callback."""
    yield from _delete_before_return(sites, ("CreateTimer",), 0, "SPC402")


@mutator("SPC403")
def datatimer_pack_closed(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC403's fix: delete the DataPack that CreateDataTimer already closes."""
    yield from _delete_before_return(sites, ("CreateDataTimer",), 1, "SPC403")


def _delete_before_return(sites: Sites, creators: tuple[str, ...], param: int, rule: str) -> Iterator[Mutation]:
    callbacks = {r.callback for r in sites.model.registrations_of(*creators) if r.callback}
    for ret in sites.returns:
        function = enclosing_function(ret)
        if function is None:
            continue
        name_node = function.child_by_field_name("name")
        if name_node is None or sites.text(name_node) not in callbacks:
            continue
        params = function.child_by_field_name("parameters")
        named = [p for p in (params.named_children if params else []) if p.child_by_field_name("name")]
        if len(named) <= param:
            continue
        handle = sites.text(named[param].child_by_field_name("name"))
        text = f"delete {handle};\n{sites.indentation(ret)}"
        yield Mutation(rule, rule, "usage", ret.start_byte, ret.start_byte, text, f"delete {handle} in its callback")


@mutator("SPC503")
def admin_command_unprotected(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC503's fix: an admin command registered with RegConsoleCmd (its flag dropped)."""
    for call in sites.calls:
        if call.name == "RegAdminCmd" and len(call.args) >= 3:
            flag = call.args[2]
            cut_end = call.args[3].start_byte if len(call.args) > 3 else flag.end_byte
            cut_start = call.args[1].end_byte
            rest = sites.source[cut_end : call.node.end_byte].decode("utf-8", "replace")
            head = sites.source[call.args[0].start_byte : cut_start].decode("utf-8", "replace")
            new = f"RegConsoleCmd({head}{', ' if len(call.args) > 3 else ''}{rest}"
            if len(call.args) == 3:
                new = f"RegConsoleCmd({head})"
            n = call.node
            yield Mutation("SPC503", "SPC503", "usage", n.start_byte, n.end_byte, new, "RegAdminCmd -> RegConsoleCmd")


@mutator("SPC601")
def client_name_buffer(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC601's fix: a player-name buffer sized 32 instead of MAX_NAME_LENGTH."""
    for dim in sites.dimensions:
        if re.fullmatch(r"\[\s*MAX_NAME_LENGTH\s*\]", sites.text(dim)):
            yield Mutation("SPC601", "SPC601", "usage", dim.start_byte, dim.end_byte, "[32]", "name buffer [32]")


@mutator("SPC603")
def maxplayers_array(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC603's fix: a per-client array declared [MAXPLAYERS]."""
    for dim in sites.dimensions:
        if re.fullmatch(r"\[\s*MAXPLAYERS\s*\+\s*1\s*\]", sites.text(dim)):
            yield Mutation("SPC603", "SPC603", "usage", dim.start_byte, dim.end_byte, "[MAXPLAYERS]", "[MAXPLAYERS]")


@mutator("SPC604")
def client_loop_bounds(sites: Sites) -> Iterator[Mutation]:
    """Inverse of SPC604's fix: a client loop that stops before MaxClients."""
    for cond in sites.loop_conditions:
        m = re.fullmatch(r"(\w+)\s*<=\s*MaxClients", sites.text(cond))
        if m:
            yield Mutation(
                "SPC604", "SPC604", "usage", cond.start_byte, cond.end_byte, f"{m.group(1)} < MaxClients", "<"
            )


# ---- verification and snippets ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VerifiedMutation:
    mutation: Mutation
    scope: str  # "function" or "file"
    name: str  # the function's name ("" for the file)
    chosen: str  # the correct code (the function or the whole file)
    rejected: str  # the same code with the mutation
    message: str  # the engine's finding on the rejected code: the reason


def hits(code: str, rule: str) -> list[str]:
    return [message for c, _sev, _line, message in findings(code) if c == rule]


def verify(chosen: str, rejected: str, rule: str) -> str | None:
    """The engine's new finding for `rule` on `rejected`, or None when it does not flag it (or the
    chosen code is not clean, or the mutation broke the syntax)."""
    if errors_in(chosen) or (has_syntax_errors(rejected) and not has_syntax_errors(chosen)):
        return None
    before = hits(chosen, rule)
    after = hits(rejected, rule)
    if len(after) <= len(before):
        return None
    new = [m for m in after if m not in before] or after
    return new[0]


def _function_span(sites: Sites, mutation: Mutation) -> tuple[int, int, str] | None:
    node = sites.tree.root_node.descendant_for_byte_range(mutation.start, max(mutation.start, mutation.end - 1))
    function = enclosing_function(node) if node is not None else None
    if function is None or function.type != "function_definition":
        return None
    name = function.child_by_field_name("name")
    if mutation.end > function.end_byte:
        return None
    return function.start_byte, function.end_byte, sites.text(name) if name else ""


def verified_mutations(
    text: str,
    rules: frozenset[str] | None = None,
    exclude_subjects: frozenset[str] = frozenset(),
    per_rule: int = 1,
    max_file_chars: int = 12_000,
) -> list[VerifiedMutation]:
    """Verified mutations of one clean file, at most `per_rule` per rule, function-scoped when
    the engine flags the function on its own, else file-scoped (files up to `max_file_chars`)."""
    source = text.encode("utf-8")
    sites = Sites(source)
    out: list[VerifiedMutation] = []
    for rule, mutate in MUTATORS.items():
        if rules is not None and rule not in rules:
            continue
        made = 0
        for mutation in mutate(sites):
            if made >= per_rule:
                break
            if mutation.subject in exclude_subjects:
                continue
            found = _verify_scoped(sites, text, mutation, max_file_chars)
            if found is not None:
                out.append(found)
                made += 1
    return out


def as_file(vm: VerifiedMutation, text: str, max_file_chars: int = 12_000) -> VerifiedMutation | None:
    """The same mutation shown on the whole file (when a prompt needs the plugin, not the function)."""
    if vm.scope == "file":
        return vm
    if len(text) > max_file_chars:
        return None
    rejected = vm.mutation.apply(text.encode("utf-8")).decode("utf-8", "replace")
    message = verify(text, rejected, vm.mutation.rule)
    return None if message is None else VerifiedMutation(vm.mutation, "file", "", text, rejected, message)


def _verify_scoped(sites: Sites, text: str, mutation: Mutation, max_file_chars: int) -> VerifiedMutation | None:
    source = sites.source
    span = _function_span(sites, mutation)
    if span is not None:
        start, end, name = span
        chosen = source[start:end].decode("utf-8", "replace")
        rejected = mutation.apply(source[start:end], offset=start).decode("utf-8", "replace")
        message = verify(chosen, rejected, mutation.rule)
        if message is not None:
            return VerifiedMutation(mutation, "function", name, chosen, rejected, message)
    if len(text) > max_file_chars:
        return None
    rejected = mutation.apply(source).decode("utf-8", "replace")
    message = verify(text, rejected, mutation.rule)
    if message is None:
        return None
    return VerifiedMutation(mutation, "file", "", text, rejected, message)
