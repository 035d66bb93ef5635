"""Every endpoint of a live `spcopilot api` on the replay backend (recorded model answers with the
mistakes models make), over HTTP as a client sees it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from spcopilot.cli import main
from tests.api.answers import (
    AT_CURSOR_INSTRUCTION,
    CHAT_QUESTION,
    FILL_MARKER,
    TANK_PLUGIN,
    TANK_PROMPT,
)
from tests.api.live_server import ApiServer


@pytest.fixture(scope="module")
def client(replay_api: ApiServer) -> Any:
    with replay_api.client() as http:
        yield http


def post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(path, json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def codes(items: list[dict[str, Any]]) -> set[str]:
    return {item["code"] for item in items}


# -- /health ------------------------------------------------------------------------------------
def test_health_names_the_backend_the_knowledge_and_the_limits(client: httpx.Client) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert (health["backend"], health["model"]) == ("replay", "replay:replay.jsonl")
    assert health["knowledge"]["events"] > 300 and health["knowledge"]["rules"] >= 40
    assert health["limits"] == {"max_body_bytes": 1048576, "max_tokens": 4096, "concurrent_per_client": 2,
                                "timeout_s": 120.0, "check_timeout_s": 30.0}  # fmt: skip
    assert health["auth"] is False
    assert set(health["session"]) == {"requests", "prompt_tokens", "completion_tokens", "usd", "complete_pricing"}


# -- /v1/check ----------------------------------------------------------------------------------
def test_check_answers_what_spcopilot_check_prints(
    client: httpx.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin = tmp_path / "tank.sp"
    plugin.write_text(TANK_PLUGIN, encoding="utf-8")
    assert main(["check", "--format", "json", str(plugin)]) == 1
    printed = json.loads(capsys.readouterr().out)
    answer = post(client, "/v1/check", {"code": TANK_PLUGIN, "path": "tank.sp"})
    assert answer["diagnostics"] == [row | {"path": "tank.sp"} for row in printed]
    assert codes(answer["diagnostics"]) == {"SPC201", "SPC405", "SPC101"}
    assert answer["counts"] == {"error": 2, "warning": 1, "info": 0, "hint": 0}
    assert answer["fixed_code"] is None and answer["fixed"] == []


def test_check_with_fix_returns_the_fixed_code_and_what_is_left(client: httpx.Client) -> None:
    answer = post(client, "/v1/check", {"code": TANK_PLUGIN, "fix": True})
    fixed = answer["fixed_code"]
    assert 'HookEvent("tank_spawn", Event_TankSpawn);' in fixed and "GetRandomFloat(0.0, 1.0)" in fixed
    assert codes(answer["fixed"]) == {"SPC201", "SPC101"}
    assert [(d["code"], d["severity"]) for d in answer["diagnostics"]] == [("SPC405", "warning")]
    again = post(client, "/v1/check", {"code": fixed, "fix": True})
    assert again["fixed_code"] == fixed and again["fixed"] == []  # stable: nothing more to fix


def test_check_of_a_config_file_scans_for_credentials_and_never_rewrites_it(client: httpx.Client) -> None:
    config = '"Databases"\n{\n\t"stats"\n\t{\n\t\t"driver" "mysql"\n\t\t"pass" "Hunter2-secret-9xQ"\n\t}\n}\n'
    answer = post(client, "/v1/check", {"code": config, "path": "configs/databases.cfg", "fix": True})
    assert codes(answer["diagnostics"]) == {"SPC506"}
    assert answer["diagnostics"][0]["path"] == "databases.cfg"
    assert answer["fixed_code"] == config


def test_a_path_only_names_the_file(client: httpx.Client) -> None:
    answer = post(client, "/v1/check", {"code": 'public void OnPluginStart() { HookEvent("pounce", E); }',
                                        "path": "../../../etc/tank.sp"})  # fmt: skip
    assert {d["path"] for d in answer["diagnostics"]} == {"tank.sp"}


# -- /v1/generate-plugin ------------------------------------------------------------------------
def test_generate_plugin_delivers_the_guarded_plugin_and_what_is_left(client: httpx.Client) -> None:
    answer = post(client, "/v1/generate-plugin", {"prompt": TANK_PROMPT})
    code = answer["code"]
    assert 'HookEvent("tank_spawn", Event_TankSpawn);' in code and "GetRandomFloat(0.0, 1.0)" in code
    assert "RandomFloat(0.0" not in code.replace("GetRandomFloat", "")
    guard = answer["guard"]
    assert codes(guard["fixed"]) == {"SPC201", "SPC101"}
    assert [(d["code"], d["severity"]) for d in guard["remaining"]] == [("SPC405", "warning")]
    assert guard["clean"] is True and guard["syntax"] == [] and guard["repaired_by_model"] is False
    assert answer["usage"]["completion_tokens"] > 0 and answer["cost_usd"] == 0
    assert answer["cost"].endswith("no cost (local)")
    assert (answer["model"], answer["finish_reason"]) == ("replay:replay.jsonl", "stop")


# -- /v1/complete -------------------------------------------------------------------------------
def test_complete_an_instruction(client: httpx.Client) -> None:
    answer = post(client, "/v1/complete", {"prompt": AT_CURSOR_INSTRUCTION})
    assert answer["mode"] == "instruction"
    assert answer["code"].strip() == 'PrintToServer("delay %.1f", GetRandomFloat(1.0, 3.0));'
    assert codes(answer["guard"]["fixed"]) == {"SPC101"}


def test_complete_an_instruction_at_a_cursor(client: httpx.Client) -> None:
    body = {"prompt": AT_CURSOR_INSTRUCTION, "prefix": "public void OnMapStart()\n{\n\t", "suffix": "\n}\n"}
    answer = post(client, "/v1/complete", body)
    assert answer["mode"] == "at_cursor"
    assert "GetRandomFloat(1.0, 3.0)" in answer["code"] and codes(answer["guard"]["fixed"]) == {"SPC101"}


def test_complete_fills_the_cursor_through_the_inline_path(client: httpx.Client) -> None:
    prefix = f"int g_iRound;\n\npublic void OnRoundStart()\n{{\n\tg_iRound++;\n\t{FILL_MARKER}\n\t"
    body = {"prefix": prefix, "suffix": "\n}\n", "path": "rounds.sp"}
    answer = post(client, "/v1/complete", body)
    assert answer["mode"] == "fill" and answer["cached"] is False and answer["note"] == ""
    # the inline guard fixed the invented function inside the suggestion
    assert answer["code"] == 'PrintToChatAll("Round %d started (%.1f)", g_iRound, GetRandomFloat(0.0, 1.0));'
    assert answer["guard"]["fixed"] == [
        {"code": "SPC101", "message": "Call to a function that SourceMod does not have", "change": "", "unsafe": False}
    ]
    assert answer["usage"]["completion_tokens"] > 0
    again = post(client, "/v1/complete", body)
    assert again["cached"] is True and again["code"] == answer["code"]


def test_complete_needs_a_prompt_or_a_cursor(client: httpx.Client) -> None:
    answer = client.post("/v1/complete", json={"suffix": "x"})
    assert answer.status_code == 400
    assert "give a `prompt`, or the code around the cursor" in answer.json()["error"]["message"]


# -- /v1/chat/completions -----------------------------------------------------------------------
def chat_body(**extra: Any) -> dict[str, Any]:
    return {"model": "whatever", "messages": [{"role": "user", "content": CHAT_QUESTION}], **extra}


def test_chat_answers_with_the_guarded_code(client: httpx.Client) -> None:
    answer = post(client, "/v1/chat/completions", chat_body())
    assert answer["object"] == "chat.completion" and answer["id"].startswith("chatcmpl-")
    assert answer["model"] == "replay:replay.jsonl"
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    content = choice["message"]["content"]
    assert 'HookEvent("lunge_pounce", Event_Pounce);' in content and "GetRandomFloat(0.0, 1.0)" in content
    assert content.startswith("Hook `lunge_pounce`") and content.endswith("The event fires once per pounce.")
    usage = answer["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    [block] = answer["spcopilot"]["guard"]
    assert codes(block["fixed"]) == {"SPC201", "SPC101"}


def stream_events(client: httpx.Client, body: dict[str, Any]) -> list[str]:
    with client.stream("POST", "/v1/chat/completions", json=body) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        text = "".join(answer.iter_text())
    events = [e for e in text.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events), text
    return [e[len("data: ") :] for e in events]


def test_a_streamed_chat_sends_the_same_guarded_text_and_never_unguarded_code(client: httpx.Client) -> None:
    whole = post(client, "/v1/chat/completions", chat_body())
    events = stream_events(client, chat_body(stream=True, stream_options={"include_usage": True}))
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"} and len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    pieces = [c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]]
    assert "".join(pieces) == whole["choices"][0]["message"]["content"]
    assert not any('"pounce"' in piece for piece in pieces)  # the raw event name never went out
    assert len(pieces) > 5  # prose arrives piece by piece
    final, usage = chunks[-2], chunks[-1]
    assert final["choices"][0]["finish_reason"] == "stop"
    assert final["spcopilot"]["guard"] == whole["spcopilot"]["guard"]
    assert usage["choices"] == [] and usage["usage"] == whole["usage"]


def test_chat_takes_openai_content_parts_and_system_messages(client: httpx.Client) -> None:
    body = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {
                "role": "user",
                "content": [{"type": "text", "text": "Quick one: "}, {"type": "text", "text": CHAT_QUESTION}],
            },
        ]
    }
    answer = post(client, "/v1/chat/completions", body)
    assert "lunge_pounce" in answer["choices"][0]["message"]["content"]


def test_chat_needs_messages(client: httpx.Client) -> None:
    answer = client.post("/v1/chat/completions", json={"messages": []})
    assert (
        answer.status_code == 400 and "messages: List should have at least 1 item" in answer.json()["error"]["message"]
    )


# -- the schema and the page --------------------------------------------------------------------
def test_openapi_describes_every_endpoint_and_its_errors(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    operations = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert operations == {("/health", "get"), ("/v1/check", "post"), ("/v1/complete", "post"),
                          ("/v1/generate-plugin", "post"), ("/v1/chat/completions", "post")}  # fmt: skip
    for path, ops in schema["paths"].items():
        for operation in ops.values():
            responses = operation["responses"]
            assert "422" not in responses, path  # validation errors are 400, in the error shape
            assert responses["default"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorResponse"
            }
    chat = schema["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    assert set(chat) == {"application/json", "text/event-stream"}
    assert "ChatCompletionChunk" in schema["components"]["schemas"]
    assert "securitySchemes" not in schema["components"]  # no token: no auth


def test_the_playground_is_served_with_its_assets(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert '<script type="module" src="/playground/app.js">' in page.text
    assets = [(f"{name}.js", "javascript") for name in ("app", "api", "editor", "chat", "highlight")]
    for asset, kind in [*assets, ("style.css", "text/css")]:
        answer = client.get(f"/playground/{asset}")
        assert answer.status_code == 200 and kind in answer.headers["content-type"], asset
    assert client.get("/docs").status_code == 404  # FastAPI's docs pages would load a CDN


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nope", 404, "not_found"),
        ("GET", "/v1/check", 405, "method_not_allowed"),
        ("GET", "/playground/missing.js", 404, "not_found"),
    ],
)
def test_unknown_paths_and_methods_get_json_errors(
    client: httpx.Client, method: str, path: str, status: int, code: str
) -> None:
    answer = client.request(method, path)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
