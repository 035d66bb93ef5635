"""Old SourcePawn syntax rewritten in the modern syntax, or reported as not convertible; the
grammar's misreadings of modern code left alone. With SourcePawn's real compiler
(SPCOPILOT_TEST_SPCOMP, and SPCOPILOT_TEST_SM_INCLUDE for SourceMod's includes) the converted
plugins are compiled under `#pragma newdecls required`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from spcopilot.diagnostics.parsing import parse
from spcopilot.training.modern_syntax import modernise, old_constructs

OLD = """#include <sourcemod>

new Handle:g_hCvar = INVALID_HANDLE;
new g_iCount[MAXPLAYERS + 1];
new bool:g_bOn, Float:g_fDelay = 1.5;
new const String:NAMES[][] = { "Coach", "Ellis" };

public Plugin:myinfo =
{
    name = "Old", author = "us", description = "old syntax", version = "1", url = ""
};

public OnPluginStart()
{
    g_hCvar = CreateConVar("sm_old_enable", "1");
    RegConsoleCmd("sm_old", Cmd_Old);
    HookEvent("round_start", Event_RoundStart);
}

public Action:Cmd_Old(client, args)
{
    decl String:name[MAX_NAME_LENGTH];
    new Float:f = Float:GetRandomInt(1, 3);
    GetClientName(client, name, sizeof(name));
    for (new i = 1; i <= MaxClients; i++)
    {
        g_iCount[i] = _:f;
    }
    new clients[MaxClients + 1];
    clients[0] = client;
    return Plugin_Handled;
}

public Event_RoundStart(Handle:event, const String:name[], bool:dontBroadcast)
{
    g_bOn = IsOk(name, NULL_VECTOR);
}

stock bool:IsOk(const String:s[], const Float:v[3], &count = 0)
{
    count++;
    return s[0] != '\\0' && v[0] >= 0.0;
}
"""

MODERN = """#include <sourcemod>

#pragma newdecls required

Handle g_hCvar = INVALID_HANDLE;
int g_iCount[MAXPLAYERS + 1];
bool g_bOn; float g_fDelay = 1.5;
static const char NAMES[][] = { "Coach", "Ellis" };

public Plugin myinfo =
{
    name = "Old", author = "us", description = "old syntax", version = "1", url = ""
};

public void OnPluginStart()
{
    g_hCvar = CreateConVar("sm_old_enable", "1");
    RegConsoleCmd("sm_old", Cmd_Old);
    HookEvent("round_start", Event_RoundStart);
}

public Action Cmd_Old(int client, int args)
{
    char name[MAX_NAME_LENGTH];
    float f = view_as<float>(GetRandomInt(1, 3));
    GetClientName(client, name, sizeof(name));
    for (int i = 1; i <= MaxClients; i++)
    {
        g_iCount[i] = view_as<int>(f);
    }
    int[] clients = new int[MaxClients + 1];
    clients[0] = client;
    return Plugin_Handled;
}

public void Event_RoundStart(Handle event, const char[] name, bool dontBroadcast)
{
    g_bOn = IsOk(name, NULL_VECTOR);
}

stock bool IsOk(const char[] s, const float v[3], int &count = 0)
{
    count++;
    return s[0] != '\\0' && v[0] >= 0.0;
}
"""


def test_old_syntax_becomes_modern() -> None:
    result = modernise(OLD)
    assert result.problem == ""
    assert result.converted and result.pragma_added
    assert result.text == MODERN
    assert old_constructs(parse(result.text.encode()).root_node) == []


def test_modern_code_gets_only_the_pragma_after_its_includes() -> None:
    code = '#include <sourcemod>\n#include "helpers.inc"\n\nint g_x;\n\npublic void OnPluginStart() { g_x = 1; }\n'
    result = modernise(code)
    assert not result.converted and result.pragma_added
    assert result.text.startswith('#include <sourcemod>\n#include "helpers.inc"\n\n#pragma newdecls required\n')
    assert modernise(result.text).text == result.text  # nothing more to do
    optional = "#pragma newdecls optional\n" + code
    assert modernise(optional).text.startswith("#pragma newdecls required\n")
    include = modernise("stock int Twice(int x) { return 2 * x; }\n", plugin=False)
    assert not include.pragma_added and not include.converted  # an include is held to its includer's pragma


def test_the_grammars_misreadings_of_modern_code_are_left_alone() -> None:
    """A type on its own line (`StringMap` / newline / `g_map = null;`) reads as two untagged
    old declarations, and `public APLRes` / newline / `AskPluginLoad2(...)` as an untagged
    function: both are modern and must not become `int StringMap`."""
    code = (
        "#pragma newdecls required\n\nStringMap\n    // the map\n    g_map = null;\n\nstatic Handle\n    g_a = null,\n"
        "    g_b = null;\n\npublic APLRes\n    AskPluginLoad2(Handle myself, bool late, char[] error, int err_max)\n"
        "{\n    return APLRes_Success;\n}\n"
    )
    assert old_constructs(parse(code.encode()).root_node) == []
    result = modernise(code)
    assert (result.text, result.converted, result.problem) == (code, False, "")


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("enum Data { Float:fx, String:name[32] };\npublic OnPluginStart() {}\n", "old enum struct"),
        ("functag public Hook(client);\n", "functag"),
        ("native Helper(client);\n", "declared without a return tag"),
        (
            "public OnPluginStart() { CreateMenu(Handler); }\npublic Handler(Handle:m, MenuAction:a, p1, p2) {}\n",
            "its return type cannot be known",
        ),
        ("stock F(n) { new list[n] = {1}; }\n", "run-time sized array"),
    ],
)
def test_what_cannot_be_converted_says_why(code: str, why: str) -> None:
    result = modernise(code)
    assert why in result.problem
    assert result.text == code


def test_an_untagged_function_gets_the_type_it_returns() -> None:
    code = (
        "public OnClientConnect(client, String:msg[], len) { return true; }\n"
        "public Cmd(client, args) { return Plugin_Handled; }\n"
        "stock Half(Float:x) { return x / 2.0; }\n"
        "stock Count() { return 3; }\n"
    )
    text = modernise(code, plugin=False).text
    assert "public bool OnClientConnect(int client, char[] msg, int len)" in text
    assert "public Action Cmd(int client, int args)" in text
    assert "stock int Half(float x)" in text  # x / 2.0 is not a literal: int, as the old compiler read it
    assert "stock int Count()" in text


COMPILER = os.environ.get("SPCOPILOT_TEST_SPCOMP")
INCLUDE = os.environ.get("SPCOPILOT_TEST_SM_INCLUDE")


@pytest.mark.skipif(not COMPILER or not INCLUDE, reason="needs SPCOPILOT_TEST_SPCOMP and SPCOPILOT_TEST_SM_INCLUDE")
def test_the_converted_plugin_compiles_with_the_real_compiler(tmp_path: Path) -> None:
    assert COMPILER and INCLUDE
    for name, code in (("old.sp", OLD), ("modern.sp", modernise(OLD).text)):
        source = tmp_path / name
        source.write_text(code, encoding="utf-8")
        done = subprocess.run(
            [COMPILER, str(source), f"-i{INCLUDE}", f"-o{tmp_path / 'out.smx'}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout
        assert "newdecls" not in done.stdout and " error " not in done.stdout
