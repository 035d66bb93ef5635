"""Signature help: the declaration of the call the cursor is in, and which argument it is at."""

from __future__ import annotations

from dataclasses import dataclass

from spcopilot.diagnostics.semantic import Decl
from spcopilot.server.features import docs
from spcopilot.server.features.completion import chain_type, receiver_chain
from spcopilot.server.features.cursor import cursor_at
from spcopilot.server.features.view import DocumentView

CALLABLE = frozenset({"native", "stock", "forward", "function", "method", "constructor", "typedef", "functag"})


@dataclass(frozen=True, slots=True)
class Signature:
    label: str
    documentation: str  # markdown
    parameters: tuple[tuple[str, str], ...]  # (label, doc)


@dataclass(frozen=True, slots=True)
class SignatureResult:
    signatures: tuple[Signature, ...]
    active_signature: int
    active_parameter: int


def signature_help(view: DocumentView, offset: int) -> SignatureResult | None:
    if not view.analysed:
        return None
    cursor = cursor_at(view.source, offset, view.tree)
    if cursor.in_comment:
        return None
    for call in reversed(cursor.calls):
        if not call.name:
            continue
        symbols = _callables(view, call.name, call.receiver, call.name_start)
        if not symbols:
            continue
        active = call.arg_index
        signatures = tuple(_signature(s) for s in symbols)
        best = next((i for i, s in enumerate(symbols) if len(s.params) > active or _variadic(s)), 0)
        param_count = len(symbols[best].params)
        if param_count and active >= param_count and _variadic(symbols[best]):
            active = param_count - 1
        return SignatureResult(signatures, best, active)
    return None


def _callables(view: DocumentView, name: str, receiver: str | None, at: int) -> list[Decl]:
    if receiver is not None:
        chain = receiver_chain(view.source, at) or [receiver]
        type_name = chain_type(view, chain, at)
        found = [m for m in view.members(type_name) if m.name == name] if type_name else []
    else:
        found = view.semantic.program.lookup(name)
        if any(s.kind == "methodmap" for s in found):  # new ArrayList(...)
            found = [m for m in view.members(name) if m.kind == "constructor" and m.parent == name]
    return [s for s in found if s.kind in CALLABLE]


def _variadic(symbol: Decl) -> bool:
    return bool(symbol.params) and "..." in symbol.params[-1]


def _signature(symbol: Decl) -> Signature:
    text, _, _ = docs.doc_parts(symbol.doc)
    params = tuple((p, docs.param_doc(symbol, i)) for i, p in enumerate(symbol.params))
    return Signature(symbol.signature, text, params)
