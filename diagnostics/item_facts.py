"""Each top-level item's share of the file model, and the file model made from them.

The incremental engine (incremental.py) builds an item's facts from the matches in that item
alone, with its nodes as NodeRefs so they outlive the tree; the file model is the items'
facts merged in file order - first definition wins, lists in order - which is what the model
builder makes of one query over the whole file. After the common edit (typing inside one
function, its names, hooks and registrations unchanged) the last model is patched instead.
"""

from __future__ import annotations

from spcopilot.diagnostics.items import NO_FACTS, Item, NodeRef
from spcopilot.diagnostics.recording import ALL, Recorder, recorded_model
from spcopilot.diagnostics.semantics import EventHook, FileModel, Include, Registration
from tree_sitter import Node


def item_facts(model: FileModel, item: Item) -> FileModel:
    """An item's share of the file model (built from its matches alone), nodes as NodeRefs."""

    def ref(node: Node) -> NodeRef:
        return NodeRef(item, node)

    if not (model.defined or model.includes or model.hooks or model.registrations):
        return NO_FACTS  # comments, statements out of place, pragmas: most items but functions
    return FileModel(
        b"",
        functions={k: ref(v) for k, v in model.functions.items()},
        declarations={k: ref(v) for k, v in model.declarations.items()},
        defined=model.defined,
        variables={k: ref(v) for k, v in model.variables.items()},
        define_values=model.define_values,
        includes=[Include(i.name, i.system, ref(i.node), i.optional) for i in model.includes],
        hooks=[
            EventHook(
                h.function, h.event, None if h.event_at is None else ref(h.event_node), h.callback, h.mode, ref(h.call)
            )
            for h in model.hooks
        ],
        registrations=[
            Registration(r.function, r.callback, tuple(ref(a) for a in r.args), ref(r.call))
            for r in model.registrations
        ],
    )


def touched_keys(facts: FileModel) -> set[tuple[str, object]]:
    """The model keys (recording.py) whose answers this item's facts take part in."""
    keys: set[tuple[str, object]] = set()
    for kind in ("functions", "declarations", "variables", "define_values"):
        names = getattr(facts, kind)
        if names:
            keys.add((kind, ALL))
            keys.update((kind, n) for n in names)
    if facts.defined:
        keys.add(("defined", ALL))
        keys.update(("defined", n) for n in facts.defined)
    if facts.hooks:
        keys.add(("hooks", ALL))
        keys.update(("hooks", h.callback) for h in facts.hooks if h.callback)
    if facts.registrations:
        keys.add(("registrations", ALL))
    if facts.includes:
        keys.add(("includes", ALL))
    return keys


def merged_model(items: list[Item], source: bytes, recorder: Recorder) -> FileModel:
    """The file model: the items' facts merged in file order (first definition wins)."""
    model = recorded_model(source, recorder)
    functions, declarations, variables, values = (
        model.functions,
        model.declarations,
        model.variables,
        model.define_values,
    )
    for item in items:
        facts = item.facts
        if facts.functions:
            for name, ref in facts.functions.items():
                dict.setdefault(functions, name, ref)
        if facts.defined:
            set.update(model.defined, facts.defined)
        if facts.declarations:
            for name, ref in facts.declarations.items():
                dict.setdefault(declarations, name, ref)
        if facts.variables:
            for name, ref in facts.variables.items():
                dict.setdefault(variables, name, ref)
        if facts.define_values:
            for name, value in facts.define_values.items():
                dict.setdefault(values, name, value)
        if facts.includes:
            list.extend(model.includes, facts.includes)
        if facts.hooks:
            list.extend(model.hooks, facts.hooks)
        if facts.registrations:
            list.extend(model.registrations, facts.registrations)
    by_callback: dict[str, list[EventHook]] = model._hooks_by_callback
    for hook in list.__iter__(model.hooks):
        if hook.callback and hook.function != "UnhookEvent":
            by_callback.setdefault(hook.callback, []).append(hook)
    return model


def patched_model(model: FileModel | None, changed: list[Item], removed: list[Item], source: bytes) -> FileModel | None:
    """The last model with one item's facts swapped for its new version's, when the edit
    (the common case: typing inside a function) left the same names, hooks and
    registrations in the same order; None when the model must be merged anew."""
    if model is None or len(changed) != 1 or len(removed) != 1:
        return None
    new, old = changed[0].facts, removed[0].facts
    if not (
        list(new.functions) == list(old.functions)
        and list(new.declarations) == list(old.declarations)
        and list(new.variables) == list(old.variables)
        and new.defined == old.defined
        and new.define_values == old.define_values
        and [(i.name, i.system, i.optional) for i in new.includes]
        == [(i.name, i.system, i.optional) for i in old.includes]
        and [(h.function, h.callback) for h in new.hooks] == [(h.function, h.callback) for h in old.hooks]
        and len(new.registrations) == len(old.registrations)
    ):
        return None
    for kind in ("functions", "declarations", "variables"):
        merged, before, after = getattr(model, kind), getattr(old, kind), getattr(new, kind)
        for name, ref in after.items():
            if dict.get(merged, name) is before[name]:
                dict.__setitem__(merged, name, ref)  # the old version defined it first
    for kind in ("includes", "hooks", "registrations"):
        before, after = getattr(old, kind), getattr(new, kind)
        if before:
            merged = getattr(model, kind)
            at = next(i for i, value in enumerate(list.__iter__(merged)) if value is before[0])
            list.__setitem__(merged, slice(at, at + len(before)), after)
    for old_hook, new_hook in zip(old.hooks, new.hooks, strict=True):
        hooked = model._hooks_by_callback.get(old_hook.callback or "")
        if hooked is not None:
            hooked[:] = [new_hook if h is old_hook else h for h in hooked]
    model.source = source
    return model
