"""Output formats of `spcopilot check`: text (for people), JSON (design.md's contract), SARIF 2.1.0."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from spcopilot.diagnostics.checker import FileResult
from spcopilot.diagnostics.compiler.findings import is_compile_problem
from spcopilot.diagnostics.model import Applicability, Diagnostic, Severity
from spcopilot.diagnostics.rules import all_rules
from spcopilot.diagnostics.rules.base import doc_sections

from spcopilot import __version__

DOCS_URL = "https://github.com/sourcepawn-copilot/sourcepawn-copilot/blob/main/README.md#"


def rule_docs_url(code: str) -> str:
    return DOCS_URL + code.lower()


def text_report(results: Sequence[FileResult], fix: bool = False, color: bool = False, fix_hint: bool = True) -> str:
    """`fix_hint`: say how to apply the fixes (`check` can; `logs` cannot)."""
    out: list[str] = []
    style = _Style(color)
    diagnostics = [d for r in results for d in r.diagnostics]
    for r in sorted(results, key=lambda r: str(r.path)):
        for d in r.diagnostics:
            pos = d.range.start
            marker = " [*]" if d.fix and d.fix.applicability is Applicability.SAFE else " [~]" if d.fix else ""
            out.append(
                f"{style.bold(str(r.path))}:{pos.line + 1}:{pos.character + 1}: "
                f"{style.severity(d.severity)} {style.bold(d.code)}{marker} {d.message}"
            )
            out += [f"    {rel.path}:{rel.range.start.line + 1}: {rel.message}" for rel in d.related]
        if r.diff:
            out.append(r.diff.rstrip("\n"))
    counts = Counter(d.severity for d in diagnostics)
    files = sum(1 for r in results if not r.error and not r.skipped)
    summary = ", ".join(f"{counts[s]} {s.label}{'s' if counts[s] != 1 else ''}" for s in Severity if counts[s])
    fixable = sum(1 for d in diagnostics if d.fix and d.fix.applicability is Applicability.SAFE)
    line = f"Checked {files} file{'s' if files != 1 else ''}: " + (summary or "no findings")
    if fixable and not fix and fix_hint:
        line += f"; {fixable} fixable with --fix ([*]); [~] = fix available with --unsafe-fixes"
    fixed = sum(r.fixed for r in results)
    if fixed:
        line += (
            f"; {'would apply' if any(r.diff for r in results) else 'applied'} {fixed} fix{'es' if fixed != 1 else ''}"
        )
    added = sum(r.ignores_added for r in results)
    if added:
        line += f"; added suppression comments on {added} line{'s' if added != 1 else ''}"
    if out:
        out.append("")
    out.append(line)
    return "\n".join(out)


def notices(results: Sequence[FileResult]) -> list[str]:
    """Lines for stderr: unreadable paths, skipped files, decoding notes."""
    lines = []
    for r in results:
        if r.error:
            lines.append(f"error: {r.error}")
        elif r.skipped:
            lines.append(f"skipped: {r.skipped}")
        elif r.note:
            lines.append(f"note: {r.path}: {r.note}")
    return lines


def json_report(results: Sequence[FileResult]) -> str:
    rows = [d.to_json() | {"path": str(r.path)} for r in results for d in r.diagnostics]
    return json.dumps(rows, indent=2)


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.HINT: "note"}


def sarif_report(results: Sequence[FileResult], root: Path | None = None) -> str:
    """SARIF 2.1.0 as GitHub code scanning reads it: one run, rules with help, results with
    1-based regions and artifact URIs relative to the repository root."""
    root = (root or Path.cwd()).resolve()
    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    driver_rules = []
    for r in rules:
        sections = doc_sections(r)
        driver_rules.append(
            {
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": sections.get("What it does", r.summary)},
                "helpUri": rule_docs_url(r.code),
                "help": {"text": r.docs.strip(), "markdown": r.docs.strip()},
                "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
                "properties": {"tags": [r.family]},
            }
        )
    findings = [(r, d) for r in results for d in r.diagnostics if not is_compile_problem(d)]
    for code in sorted({d.code for _, d in findings if d.code not in index}):
        index[code] = len(driver_rules)
        driver_rules.append(_runtime_rule(code) if code in RUNTIME_CODES else _compiler_rule(code))
    sarif_results = [_sarif_result(d, _uri(r.path, root), index) for r, d in findings]
    notifications = [
        _sarif_notification(d, _uri(r.path, root)) for r in results for d in r.diagnostics if is_compile_problem(d)
    ]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "spcopilot",
                        "informationUri": "https://github.com/sourcepawn-copilot/sourcepawn-copilot",
                        "version": __version__,
                        "rules": driver_rules,
                    }
                },
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
                "results": sarif_results,
                "columnKind": "utf16CodeUnits",
            }
        ],
    }
    return json.dumps(doc, indent=2)


RUNTIME_CODES = {
    "sourcemod-exception": "A runtime error SourceMod logged for this line",
    "sourcemod-load": "SourceMod could not load this plugin",
}


def _runtime_rule(code: str) -> dict[str, object]:
    """A SARIF rule for the errors `spcopilot logs` reads from SourceMod's error logs."""
    return {
        "id": code,
        "name": code,
        "shortDescription": {"text": RUNTIME_CODES[code]},
        "helpUri": rule_docs_url(code),
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["runtime"]},
    }


def _compiler_rule(code: str) -> dict[str, object]:
    """A SARIF rule for a finding of SourcePawn's compiler (`spcomp-017`)."""
    number = code.rsplit("-", 1)[-1]
    return {
        "id": code,
        "name": "spcomp",
        "shortDescription": {"text": f"SourcePawn compiler diagnostic {number}"},
        "helpUri": rule_docs_url("compile-validation-with-spcomp"),
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["compiler"]},
    }


def _sarif_notification(d: Diagnostic, uri: str) -> dict[str, object]:
    """A compile that gave no verdict (the compiler crashed, timed out, printed garbage): not a
    finding about the code, so a tool execution notification on the plugin, not a result."""
    return {
        "level": _SARIF_LEVEL[d.severity],
        "message": {"text": d.message},
        "descriptor": {"id": d.code},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
    }


def _uri(path: Path, root: Path) -> str:
    absolute = path.resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_uri()


def _sarif_result(d: Diagnostic, uri: str, index: dict[str, int]) -> dict[str, object]:
    region = {
        "startLine": d.range.start.line + 1,
        "startColumn": d.range.start.character + 1,
        "endLine": d.range.end.line + 1,
        "endColumn": d.range.end.character + 1,
    }
    result: dict[str, object] = {
        "ruleId": d.code,
        "ruleIndex": index.get(d.code, 0),
        "level": _SARIF_LEVEL[d.severity],
        "message": {"text": d.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}],
    }
    if d.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "message": {"text": rel.message},
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(Path(rel.path), Path.cwd().resolve())},
                    "region": {"startLine": rel.range.start.line + 1, "startColumn": rel.range.start.character + 1},
                },
            }
            for i, rel in enumerate(d.related)
        ]
    if d.fix:
        result["fixes"] = [
            {
                "description": {"text": d.fix.title},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": uri},
                        "replacements": [
                            {
                                "deletedRegion": {
                                    "startLine": e.range.start.line + 1,
                                    "startColumn": e.range.start.character + 1,
                                    "endLine": e.range.end.line + 1,
                                    "endColumn": e.range.end.character + 1,
                                },
                                "insertedContent": {"text": e.new_text},
                            }
                            for e in d.fix.edits
                        ],
                    }
                ],
            }
        ]
    return result


class _Style:
    def __init__(self, on: bool) -> None:
        self.on = on

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def severity(self, s: Severity) -> str:
        colours = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36", Severity.HINT: "2"}
        return self._wrap(colours[s], s.label + ":")


# -- statistics and CI annotations ---------------------------------------------------------------
def statistics(results: Sequence[FileResult]) -> list[dict[str, object]]:
    """Findings counted per code, most frequent first: {code, name, count, fixable}."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    fixable: Counter[str] = Counter()
    for r in results:
        for d in r.diagnostics:
            counts[d.code] += 1
            names.setdefault(d.code, d.rule)
            if d.fix and d.fix.applicability is Applicability.SAFE:
                fixable[d.code] += 1
    return [
        {"code": code, "name": names[code], "count": n, "fixable": fixable[code]}
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def statistics_report(results: Sequence[FileResult], as_json: bool = False) -> str:
    rows = statistics(results)
    if as_json:
        return json.dumps(rows, indent=2)
    if not rows:
        return "no findings"
    width = max(len(str(r["count"])) for r in rows)
    code_width = max(len(str(r["code"])) for r in rows)
    out = []
    for r in rows:
        marker = "[*]" if r["fixable"] == r["count"] else "[-]" if r["fixable"] else "   "
        out.append(f"{r['count']:>{width}}  {r['code']:<{code_width}}  {marker} {r['name']}")
    return "\n".join(out)


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice", Severity.HINT: "notice"}


def github_report(results: Sequence[FileResult]) -> str:
    """GitHub Actions workflow commands: one `::error file=…,line=…::message` line a finding,
    shown as annotations on the pull request's diff (lines and columns 1-based)."""
    out = []
    for r in sorted(results, key=lambda r: str(r.path)):
        for d in r.diagnostics:
            start, end = d.range.start, d.range.end
            props = [
                f"file={_github_escape(str(r.path), True)}",
                f"line={start.line + 1}",
                f"col={start.character + 1}",
                f"endLine={end.line + 1}",
            ]
            if end.line == start.line:
                props.append(f"endColumn={end.character + 1}")
            props.append(f"title={_github_escape(f'{d.code} {d.rule}', True)}")
            out.append(f"::{_GITHUB_LEVEL[d.severity]} {','.join(props)}::{_github_escape(f'{d.code} {d.message}')}")
    return "\n".join(out)


_GITLAB_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info", Severity.HINT: "info"}


def gitlab_report(results: Sequence[FileResult], root: Path | None = None) -> str:
    """GitLab's code quality report (a JSON list for `artifacts: reports: codequality`): paths
    relative to the repository root, 1-based lines, and a fingerprint that stays the same while
    the finding does (path, code, message and its rank among identical ones, not its line)."""
    root = (root or Path.cwd()).resolve()
    rows = []
    seen: Counter[tuple[str, str, str]] = Counter()
    for r in sorted(results, key=lambda r: str(r.path)):
        path = _relative(r.path, root)
        for d in r.diagnostics:
            key = (path, d.code, d.message)
            seen[key] += 1
            fingerprint = hashlib.sha256("\x00".join([*key, str(seen[key])]).encode()).hexdigest()
            rows.append(
                {
                    "description": f"{d.code} {d.message}",
                    "check_name": d.code,
                    "fingerprint": fingerprint,
                    "severity": _GITLAB_SEVERITY[d.severity],
                    "location": {
                        "path": path,
                        "positions": {
                            "begin": {"line": d.range.start.line + 1, "column": d.range.start.character + 1},
                            "end": {"line": d.range.end.line + 1, "column": d.range.end.character + 1},
                        },
                    },
                }
            )
    return json.dumps(rows, indent=2)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
