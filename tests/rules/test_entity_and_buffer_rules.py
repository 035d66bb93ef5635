"""Cases of the entity-prop, buffer and style rules that one fixture file cannot show: a file
that defines the function itself, a file of another game, and the client-ness helper."""

from __future__ import annotations

import pytest
from spcopilot.diagnostics import Config
from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.rules.props.entity_kind import looks_like_client


def codes(source: str, code: str) -> list[str]:
    return [d.code for d in lint(source, "main.sp", Config(select=(code,)))]


def test_round_float_defined_in_the_file_is_not_reported() -> None:
    source = "stock int RoundFloat(float v) { return RoundToFloor(v + 0.5); }\nint F() { return RoundFloat(1.5); }\n"
    assert codes(source, "SPC701") == []
    assert codes("int F() { return RoundFloat(1.5); }\n", "SPC701") == ["SPC701"]


def test_close_handle_defined_in_the_file_is_not_reported() -> None:
    body = "Handle g_h;\nvoid F() { CloseHandle(g_h); }\n"
    assert codes(body, "SPC702") == ["SPC702"]
    assert codes("stock void CloseHandle(Handle h) {}\n" + body, "SPC702") == []


def test_m_iname_with_prop_send_is_only_checked_in_l4d_files() -> None:
    call = 'void F(int e) { char n[64]; GetEntPropString(e, Prop_Send, "m_iName", n, sizeof(n)); }\n'
    assert codes(call, "SPC303") == []  # networked in CS:GO; a generic file could be one
    assert codes("#include <left4dhooks>\n" + call, "SPC303") == ["SPC303"]
    model_name = call.replace("m_iName", "m_ModelName")
    assert codes(model_name, "SPC303") == ["SPC303"]


def _first_argument_of(source: str, callee: str) -> tuple[Context, object]:
    data = source.encode()
    ctx = Context(data, parse(data))
    stack = [ctx.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "call_expression" and ctx.callee(node) == callee:
            return ctx, ctx.args(node)[0]
        stack.extend(node.children)
    raise AssertionError(f"no call to {callee}")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("void F(int client) { Use(client); }", True),
        ("void F(int attacker) { Use(attacker); }", True),
        ("void F(int u) { int p = GetClientOfUserId(u); Use(p); }", True),
        ("void F() { Use(GetClientAimTarget(1)); }", True),
        ("void F() { for (int x = 1; x <= MaxClients; x++) { Use(x); } }", True),
        ("void F(int entity) { Use(entity); }", False),
        ("void F(int iEnt) { Use(iEnt); }", False),
        ('void F() { int client = CreateEntityByName("prop_dynamic"); Use(client); }', False),
        ('void F() { int e = -1; while ((e = FindEntityByClassname(e, "witch")) != -1) { Use(e); } }', False),
        ("void F() { for (int i = 0; i < 8; i++) { Use(i); } }", False),
        ("void F(int thing) { Use(thing); }", False),
    ],
)
def test_looks_like_client(source: str, expected: bool) -> None:
    ctx, node = _first_argument_of(source, "Use")
    assert looks_like_client(node, ctx) is expected  # type: ignore[arg-type]
