"""The secret classifier (diagnostics/secrets.py) and SPC506 against the labelled set.

`secrets_labelled.jsonl` holds realistic positives and hard negatives, labelled by hand (code
cases are a few lines of SourcePawn, config cases KeyValues/ini/cfg text). The issue asks for
recall >= 95 % and precision >= 90 %, with the real classifier over the whole set and with the
rule through `lint()` over the code cases. `bench/secrets_precision.py` prints the figures.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from spcopilot.diagnostics import Config, lint
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.secrets import SecretKind, classify_literal, find_secrets

SET = Path(__file__).parent / "secrets_labelled.jsonl"
CASES = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
CODE = [c for c in CASES if c["kind"] == "code"]
MIN_RECALL, MIN_PRECISION = 0.95, 0.90


def as_plugin(text: str) -> str:
    """Statements do not parse at the top level of a file: put them in a function."""
    if not parse(text.encode("utf-8")).root_node.has_error:
        return text
    body = "\n".join("\t" + line for line in text.splitlines())
    return f"public void OnPluginStart()\n{{\n{body}\n}}\n"


def rule_findings(text: str):  # type: ignore[no-untyped-def]
    source = as_plugin(text)
    return source, lint(source, "case.sp", Config(select=("SPC506",)))


def recall_precision(flags: list[tuple[bool, bool]]) -> tuple[float, float, str]:
    tp = sum(hit and secret for hit, secret in flags)
    fp = sum(hit and not secret for hit, secret in flags)
    fn = sum(secret and not hit for hit, secret in flags)
    recall = tp / (tp + fn) if tp + fn else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    return recall, precision, f"tp={tp} fp={fp} fn={fn} recall={recall:.3f} precision={precision:.3f}"


def test_the_set_is_large_and_balanced() -> None:
    assert len(CASES) >= 120
    for case in CASES:
        assert set(case) == {"text", "kind", "secret", "note"}, case
        assert case["kind"] in ("code", "config") and isinstance(case["secret"], bool), case
    for kind in ("code", "config"):
        labels = [c["secret"] for c in CASES if c["kind"] == kind]
        assert sum(labels) >= 20 and len(labels) - sum(labels) >= 30, kind


def test_find_secrets_recall_and_precision() -> None:
    flags = [(bool(find_secrets(c["text"])), c["secret"]) for c in CASES]
    recall, precision, summary = recall_precision(flags)
    print(f"find_secrets over {len(CASES)} cases: {summary}")
    assert recall >= MIN_RECALL, summary
    assert precision >= MIN_PRECISION, summary


def test_rule_recall_and_precision_on_code() -> None:
    flags = [(bool(rule_findings(c["text"])[1]), c["secret"]) for c in CODE]
    recall, precision, summary = recall_precision(flags)
    print(f"SPC506 over {len(CODE)} code cases: {summary}")
    assert recall >= MIN_RECALL, summary
    assert precision >= MIN_PRECISION, summary


@pytest.mark.parametrize("case", [c for c in CODE if c["secret"]], ids=lambda c: c["note"][:40])
def test_rule_ranges_cover_a_literal_and_messages_hide_the_value(case: dict) -> None:
    source, found = rule_findings(case["text"])
    data = source.encode("utf-8")
    for d in found:
        span = data[d.start_byte : d.end_byte].decode("utf-8")
        in_comment = data.rfind(b"//", 0, d.start_byte) > data.rfind(b"\n", 0, d.start_byte)
        assert in_comment or (span.startswith('"') and span.endswith('"')), span
        assert span.strip('"') not in d.message
        assert "plugin source" in d.message


def test_database_password_message() -> None:
    _, found = rule_findings('kv.SetString("pass", "hunter2");')
    assert [d.message for d in found] == [
        "a database password is written in the plugin source: move it to databases.cfg / a ConVar with FCVAR_PROTECTED"
    ]


@pytest.mark.parametrize(
    ("value", "name", "kind"),
    [
        ("hunter2", "pass", SecretKind.DATABASE_PASSWORD),
        ("l4d2stats_2020", "g_sDbPass", SecretKind.DATABASE_PASSWORD),
        ("kv93ldX", "g_szRconPass", SecretKind.PASSWORD),
        ("AC21DDF4C36AB635121A38C593CE039A", None, SecretKind.STEAM_API_KEY),
        ("06c48d756ef7c9558d2b9eae43512dca", "g_sWebApiKey", SecretKind.STEAM_API_KEY),
        ("RcZwufOyLY9UPRkkiNj_la9Uov7Jr8ai", "g_sAuthKey", SecretKind.API_KEY),
        ("Bearer AcrCx81eS6qmE17Dtm72YtPCrYBhABnCuIq1gWPeNjXZ", "Authorization", SecretKind.BEARER_TOKEN),
        ("ftp://backup:Hz83kdP0@files.example.org/", None, SecretKind.URL_CREDENTIAL),
        # not secrets
        ("", "g_sDbPass", None),
        ("YOUR_KEY_HERE", "STEAM_API_KEY", None),
        ("<api key>", "g_sApiKey", None),
        ("changeme", "sm_db_password", None),
        ("your_password", "g_sDbPassword", None),
        ("****", "g_sPassword", None),
        ("%s", "password", None),
        ("none", "DEFAULT_PASSWORD", None),
        ("sv_password", "g_sPasswordCvar", None),
        ("ui/pickup_secret01.wav", "SOUND_PASS", None),
        ("Settings", "g_sKey", None),
        ("+reload", "HOTKEY", None),
        ("d41d8cd98f00b204e9800998ecf8427e", "MAP_HASH", None),
        ("3BB626C6AACD0A8228843E8A7B99C7CF", "g_sMapMd5", None),
        ("{green}[Lock]{default} Enter the password", "g_sPasswordMsg", None),
        ("1", "sm_tank_pass_enable", None),
    ],
)
def test_classify_literal(value: str, name: str | None, kind: SecretKind | None) -> None:
    assert classify_literal(value, name) == kind


def test_find_secrets_spans_the_value_in_databases_cfg() -> None:
    text = '"Databases"\n{\n\t"stats"\n\t{\n\t\t"user"\t"root"\n\t\t"pass"\t"hunter2"\n\t}\n}\n'
    [finding] = find_secrets(text)
    assert text[finding.start : finding.end] == "hunter2"
    assert finding.kind is SecretKind.DATABASE_PASSWORD
    assert "hunter2" not in finding.reason


def test_find_secrets_ini_and_server_cfg() -> None:
    text = 'hostname "Versus"\nrcon_password "Zr8!pLw2"\n[db]\npassword = Vx93!zqa\nuser = root\n'
    assert [text[f.start : f.end] for f in find_secrets(text)] == ["Zr8!pLw2", "Vx93!zqa"]


def test_secrets_module_is_pure() -> None:
    """The sanitiser imports it without the rule machinery: standard library only."""
    tree = ast.parse((Path(__file__).parents[2] / "diagnostics" / "secrets.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "re", "dataclasses", "enum", "functools"}, imported
