"""The argument-rewriting fixes of SPC101/SPC102 (diagnostics/rules/api/call_rewrites.py) where the
fixture cannot show them: where `#include <sdkhooks>` goes, CRLF files, a file that already has it."""

from __future__ import annotations

from spcopilot.diagnostics import Config
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.fixes import fix_until_stable

SPC101 = Config(select=("SPC101",))


def fixed(source: str) -> str:
    result = fix_until_stable(source.encode(), lambda data: lint(data, "t.sp", SPC101), unsafe=True)
    return result.source.decode()


def test_the_include_goes_after_the_last_include_in_the_files_line_endings() -> None:
    source = "#include <sourcemod>\r\n#include <sdktools>\r\n\r\nvoid F(int c)\r\n{\r\n\tTakeDamage(c, 5.0);\r\n}\r\n"
    assert fixed(source) == (
        "#include <sourcemod>\r\n#include <sdktools>\r\n#include <sdkhooks>\r\n\r\n"
        "void F(int c)\r\n{\r\n\tSDKHooks_TakeDamage(c, 0, 0, 5.0);\r\n}\r\n"
    )


def test_no_include_at_all_puts_it_on_top_and_an_existing_one_is_kept() -> None:
    assert fixed("void F(int c) { TakeDamage(c, c, 1); }\n") == (
        "#include <sdkhooks>\nvoid F(int c) { SDKHooks_TakeDamage(c, c, c, 1.0); }\n"
    )
    has = "#include <sdkhooks>\nvoid F(int c) { TakeDamage(c, 0, 0, 2.5, DMG_BURN); }\n"
    assert fixed(has) == "#include <sdkhooks>\nvoid F(int c) { SDKHooks_TakeDamage(c, 0, 0, 2.5, DMG_BURN); }\n"


def test_arguments_that_do_not_fit_get_no_fix() -> None:
    for call in ("TakeDamage(c)", "TakeDamage(c, GetDamage())", "TakeDamage(c, 0, 0, n)", 'TakeDamage(c, "x")'):
        source = f"int n;\nfloat GetDamage() {{ return 1.0; }}\nvoid F(int c) {{ {call}; }}\n"
        found = [d for d in lint(source, "t.sp", SPC101) if d.code == "SPC101"]
        assert len(found) == 1 and found[0].fix is None, call
