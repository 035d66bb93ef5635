"""The real pretrained model (SmolLM2-135M-Instruct, tests/real_model.py) behind the language
server and the REST API: an inline completion over LSP, `spcopilot.generatePlugin` and
`/v1/generate-plugin` through the guard. The base model writes poor SourceMod (C++ and Python
are what it knows): the point is that what it wrote reached the user only through the guard,
and that the guard's report is the truth about the delivered code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.syntax import syntax_problems
from spcopilot.server.ai.pretrained import PretrainedFiles

from tests.api.live_server import start_api
from tests.lsp.conftest import start, stop

TANK = "Write a SourceMod plugin that announces when a tank spawns in Left 4 Dead 2."
LOOP = "#include <sourcemod>\n\npublic void OnPluginStart()\n{\n\tfor (int i = 1; i <= MaxClients; i++)\n\t{\n\t\t"
SETTINGS = {"backend": "llamacpp", "threads": 1, "temperature": 0.0, "seed": 7, "max-tokens": 64}


def assert_report_is_true(code: str, guard: dict[str, Any], path: str) -> None:
    """What the guard reports left is what the engine finds in the delivered code."""
    source = code.encode("utf-8")
    found = sorted(d.code for d in lint(source, path))
    assert sorted(d["code"] for d in guard["remaining"]) == found
    assert len(guard["syntax"]) == len(syntax_problems(parse(source), source))
    assert guard["clean"] == (not guard["syntax"] and not any(d["severity"] == "error" for d in guard["remaining"]))


async def test_inline_completion_and_generate_plugin_over_lsp(tmp_path: Path, real_model: PretrainedFiles) -> None:
    init = {**SETTINGS, "gguf": str(real_model.gguf), "lint-workspace": False, "inline-debounce-ms": 1,
            "inline-time-cap-ms": 0, "inline-max-tokens": 48}  # fmt: skip
    s = await start(tmp_path, "vscode", init_options=init)

    @s.client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        return types.ApplyWorkspaceEditResult(applied=True)

    try:
        text = LOOP + "\n\t}\n}\n"
        uri = s.open("scripting/loop.sp", text)
        at = types.Position(6, 2)
        result = await s.client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri),
                position=at,
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
            )
        )
        items = result.items if isinstance(result, types.InlineCompletionList) else (result or [])
        assert len(items) == 1 and items[0].insert_text.startswith("if (")  # the in-process test's suggestion
        info = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(command="spcopilot.info"))
        assert info["backend"]["fim"] == "none (prefix only)" and info["backend"]["trained_context"] == 8192
        assert info["settings"]["seed"] == 7 and info["settings"]["repeat-penalty"] == 1.1

        answer = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="spcopilot.generatePlugin", arguments=[{"prompt": TANK}])
        )
        assert answer["applied"] is True and answer["usage"]["completion_tokens"] > 0
        assert answer["text"] == answer["guard"]["code"] and answer["summary"]
        assert_report_is_true(answer["text"], answer["guard"], "generated.sp")
    finally:
        await stop(s)


def test_generate_plugin_over_the_rest_api(tmp_path: Path, real_model: PretrainedFiles) -> None:
    server = start_api(["--gguf", real_model.gguf, "--threads", 1, "--temperature", 0, "--seed", 7], tmp_path)
    try:
        with server.client() as http:
            health = http.get("/health").json()
            assert health["loaded"]["trained_context"] == 8192 and health["loaded"]["threads"] == 1
            reply = http.post("/v1/generate-plugin", json={"prompt": TANK, "max_tokens": 64, "repair": False})
            assert reply.status_code == 200, reply.text
            answer = reply.json()
            assert answer["usage"]["completion_tokens"] <= 64 and answer["finish_reason"] in ("stop", "length")
            assert answer["cost"].endswith("no cost (local)")
            assert_report_is_true(answer["code"], answer["guard"], "plugin.sp")
            checked = http.post("/v1/check", json={"code": answer["code"]}).json()
            assert sorted(d["code"] for d in checked["diagnostics"]) == sorted(
                d["code"] for d in answer["guard"]["remaining"]
            )
    finally:
        server.stop()
