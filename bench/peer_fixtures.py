"""sourcepawn-studio's own LSP test fixtures (its insta snapshots) through our server, over stdio.

    python bench/peer_fixtures.py PATH [--show-failures]

PATH is a checkout of the public repository Sarrus1/sourcepawn-studio or a bare git copy of it
(read with `git archive`); its `*.snap` files are read at run time into a temporary folder and
nothing of them is kept. Each snapshot holds a fixture (files separated by `%! path`, the cursor
`|` in a marker line under a code line) and the answer sourcepawn-studio gives. Every fixture's
files are written to a folder of one workspace, our server (`spcopilot serve`, one process) is
asked the same question, and the answers are judged:

- definition: the same file and the same name range (for an `#include` line: the same file);
- hover: every word of sourcepawn-studio's markdown (identifiers, keywords, words of the doc
  comment) is in ours, apart from its presentation words (`DEPRECATED`, `_@param_`, `Expands
  to`) and its macro-expansion previews (we show a macro's definition, not the expansion at
  the cursor);
- completion: every label it offers is in ours, and none of the names the fixture itself
  declares (or the files it holds) that it leaves out is in ours; our extra items (snippets,
  more keywords) are allowed;
- signature help: the same active signature label, parameter labels and active parameter.

For every definition fixture whose answer is a declaration, references (with the declaration)
from the cursor must contain both the cursor's name and the definition, and rename must edit
exactly the references (a rename we refuse with a reason counts apart). Prints one table per
feature and, with --show-failures, each failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "spcopilot.server.lsp"]
TESTS = "crates/sourcepawn-studio/tests/text_document"
FEATURES = {
    "goto_definition": "definition",
    "hover": "hover",
    "completion": "completion",
    "signature_help": "signature",
}
_CALL = re.compile(r'^(\w+)\(r#"(.*)"#\s*,?\s*(.*)\)\s*$', re.S)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PRESENTATION = frozenset({"DEPRECATED", "param", "Expands", "to", "sourcepawn"})
# Snapshots whose answer we contradict on purpose, counted apart (the README says why).
DISPUTED = {
    "completion__include__include_2": "`#include <` beside an include/ folder: the compiler's default include "
    "folder is include/ next to spcomp (scripting/include), so we offer its files; sourcepawn-studio offers "
    'none, though it resolves `#include "x"` there',
    "completion__variables__global_variable_circular_include_1": "two files that include each other, the "
    "cursor at the end of one: the compiler reads both (each once), so both globals are declared and in scope, "
    "and we offer them after what can start a declaration; sourcepawn-studio offers nothing there",
}


@dataclass
class Fixture:
    feature: str
    name: str
    files: dict[str, str]
    cursor: tuple[str, int, int]  # path, line, character
    trigger: str | None
    expected: Any
    problems: list[str] = field(default_factory=list)
    refused: str = ""  # rename refused (with this reason)


# -- reading the snapshots ------------------------------------------------------------------------
def extract(source: Path, into: Path) -> Path:
    """The snapshots' folder: a checkout is read in place, a bare git copy through git archive."""
    if (source / TESTS).is_dir():
        return source / TESTS
    archive = subprocess.run(
        ["git", "--git-dir", str(source), "archive", "--format=tar", "HEAD", TESTS],
        check=True,
        capture_output=True,
    ).stdout
    tar_path = into / "tests.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return into / TESTS


def load(folder: Path) -> list[Fixture]:
    out = []
    for folder_name, feature in FEATURES.items():
        for snap in sorted((folder / folder_name).glob("snapshots/*.snap")):
            fixture = parse_snapshot(snap.read_text(encoding="utf-8"), feature, snap.stem)
            if fixture is not None:
                out.append(fixture)
    return out


def parse_snapshot(text: str, feature: str, name: str) -> Fixture | None:
    _, header, body = text.split("---\n", 2)
    expression = re.search(r"^expression: (.*)$", header, re.M)
    if expression is None:
        return None
    raw = expression.group(1)
    call = json.loads(raw) if raw.startswith('"') else raw
    m = _CALL.match(call.strip())
    if m is None:
        return None
    files, cursor = parse_fixture(m.group(2))
    if cursor is None:
        return None
    trigger = None
    extra = re.search(r"Some\('(.)'\.to_string\(\)\)|Some\(\"(.)\"\.to_string\(\)\)", m.group(3))
    if extra:
        trigger = extra.group(1) or extra.group(2)
    body = body.strip()
    expected = json.loads(body) if body and body != "null" else None
    return Fixture(feature, name.replace("main__text_document__", ""), files, cursor, trigger, expected)


def parse_fixture(text: str) -> tuple[dict[str, str], tuple[str, int, int] | None]:
    files: dict[str, list[str]] = {}
    current: str | None = None
    cursor = None
    for line in text.split("\n"):
        if line.startswith("%! "):
            current = line[3:].strip()
            files[current] = []
            continue
        if current is None:
            continue
        if line.strip() and re.fullmatch(r"\s*[|^]\s*", line):
            if "|" in line:
                cursor = (current, len(files[current]) - 1, line.index("|"))
            continue
        files[current].append(line)
    return {p: "\n".join(lines) for p, lines in files.items()}, cursor


# -- the server -----------------------------------------------------------------------------------
async def start(root: Path, cache: Path) -> Any:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("peer-fixtures", "1")

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(params: types.ConfigurationParams) -> list[Any]:
        return [None for _ in params.items]

    for method in (types.WINDOW_LOG_MESSAGE, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, types.PROGRESS):
        client.feature(method)(lambda params: None)

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params: Any) -> None:
        return None

    await client.start_io(*SERVER, env={**os.environ, "SPCOPILOT_CACHE_DIR": str(cache)})
    caps = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(configuration=True),
        text_document=types.TextDocumentClientCapabilities(
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(snippet_support=True)
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
        ),
    )
    result = await client.initialize_async(
        types.InitializeParams(
            capabilities=caps, root_uri=root.as_uri(), initialization_options={"lint-workspace": False}
        )
    )
    client.initialized(types.InitializedParams())
    return client, result.capabilities


async def stop(client: Any) -> None:
    try:
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
    finally:
        await client.stop()


async def ask(client: Any, capabilities: Any, fixture: Fixture, folder: Path, check_refs: bool) -> None:
    from lsprotocol import types

    for relative, text in fixture.files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
    path, line, character = fixture.cursor
    uri = (folder / path).as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "sourcepawn", 1, (folder / path).read_text(encoding="utf-8"))
        )
    )
    document = types.TextDocumentIdentifier(uri)
    position = types.Position(line, character)
    try:
        if fixture.feature == "definition":
            got = await client.text_document_definition_async(
                types.DefinitionParams(text_document=document, position=position)
            )
            judge_definition(fixture, folder, got)
            if check_refs and not fixture.problems and _declaration_expected(fixture):
                await judge_references(client, capabilities, fixture, folder, document, position)
        elif fixture.feature == "hover":
            got = await client.text_document_hover_async(types.HoverParams(text_document=document, position=position))
            judge_hover(fixture, got)
        elif fixture.feature == "completion":
            context = (
                types.CompletionContext(types.CompletionTriggerKind.TriggerCharacter, fixture.trigger)
                if fixture.trigger
                else types.CompletionContext(types.CompletionTriggerKind.Invoked)
            )
            got = await client.text_document_completion_async(
                types.CompletionParams(text_document=document, position=position, context=context)
            )
            judge_completion(fixture, got)
        elif fixture.feature == "signature":
            got = await client.text_document_signature_help_async(
                types.SignatureHelpParams(text_document=document, position=position)
            )
            judge_signature(fixture, got)
    finally:
        client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document))


# -- judging --------------------------------------------------------------------------------------
def _relative(uri: str, folder: Path) -> str:
    from urllib.parse import unquote, urlparse

    path = Path(unquote(urlparse(uri).path))
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def _locations(got: Any) -> list[tuple[str, Any]]:
    if got is None:
        return []
    items = got if isinstance(got, list) else [got]
    out = []
    for item in items:
        uri = getattr(item, "target_uri", None) or getattr(item, "uri", "")
        r = getattr(item, "target_selection_range", None) or getattr(item, "range", None)
        out.append((uri, r))
    return out


def _declaration_expected(fixture: Fixture) -> bool:
    path, line, _ = fixture.cursor
    return bool(fixture.expected) and not fixture.files[path].split("\n")[line].lstrip().startswith("#include")


def judge_definition(fixture: Fixture, folder: Path, got: Any) -> None:
    expected = fixture.expected or []
    found = _locations(got)
    if not expected:
        if found:
            fixture.problems.append(f"expected nothing, got {found}")
        return
    want = expected[0]
    want_path = want["targetUri"].removeprefix("file:///")
    if not found:
        fixture.problems.append(f"expected {want_path}:{want['targetSelectionRange']}, got nothing")
        return
    uri, r = found[0]
    path = _relative(uri, folder)
    if path != want_path:
        fixture.problems.append(f"expected {want_path}, got {path}")
        return
    if not _declaration_expected(fixture):
        return  # an #include line: the file is the answer
    s = want["targetSelectionRange"]
    mine = (r.start.line, r.start.character, r.end.line, r.end.character)
    theirs = (s["start"]["line"], s["start"]["character"], s["end"]["line"], s["end"]["character"])
    if mine != theirs:
        fixture.problems.append(f"expected range {theirs}, got {mine}")


async def judge_references(
    client: Any, capabilities: Any, fixture: Fixture, folder: Path, document: Any, position: Any
) -> None:
    from lsprotocol import types

    if not capabilities.references_provider:
        fixture.problems.append("references: not offered by the server")
        return
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=document, position=position, context=types.ReferenceContext(include_declaration=True)
        )
    )
    spans = {
        (_relative(r.uri, folder), r.range.start.line, r.range.start.character, r.range.end.character)
        for r in refs or []
    }
    want = fixture.expected[0]
    s = want["targetSelectionRange"]
    definition = (
        want["targetUri"].removeprefix("file:///"),
        s["start"]["line"],
        s["start"]["character"],
        s["end"]["character"],
    )
    if definition not in spans:
        fixture.problems.append(f"references do not contain the definition {definition}: {sorted(spans)}")
    cursor_path, line, character = fixture.cursor
    if not any(p == cursor_path and ln == line and a <= character <= b for p, ln, a, b in spans):
        fixture.problems.append(f"references do not contain the cursor: {sorted(spans)}")
    if not capabilities.rename_provider:
        fixture.problems.append("rename: not offered by the server")
        return
    try:
        edit = await client.text_document_rename_async(
            types.RenameParams(text_document=document, position=position, new_name="renamed_by_bench")
        )
    except Exception as error:  # a refusal comes back as an LSP error
        fixture.refused = str(error) or "refused"
        return
    edited = set()
    for uri, edits in ((edit.changes or {}) if edit else {}).items():
        for e in edits:
            edited.add((_relative(uri, folder), e.range.start.line, e.range.start.character, e.range.end.character))
    for change in (edit.document_changes or []) if edit else []:
        for e in getattr(change, "edits", []):
            uri = change.text_document.uri
            edited.add((_relative(uri, folder), e.range.start.line, e.range.start.character, e.range.end.character))
    if edited != spans:
        fixture.problems.append(f"rename edits {sorted(edited)} but references are {sorted(spans)}")


def _words(markdown: str) -> set[str]:
    return set(_WORD.findall(markdown.replace("_@param_", " ")))


def judge_hover(fixture: Fixture, got: Any) -> None:
    expected = fixture.expected
    if expected is None:
        if got is not None:
            fixture.problems.append("expected no hover")
        return
    if got is None:
        fixture.problems.append("no hover")
        return
    theirs = expected["contents"]["value"]
    # Their macro previews show the expansion at the cursor; we show the definition.
    theirs = re.sub(r"Expands to:\n```sourcepawn\n.*?\n```", "", theirs, flags=re.S)
    contents = got.contents
    ours = contents.value if hasattr(contents, "value") else str(contents)
    missing = sorted(_words(theirs) - _PRESENTATION - _words(ours))
    if missing:
        fixture.problems.append(f"missing {missing} (ours: {ours!r})")


def judge_completion(fixture: Fixture, got: Any) -> None:
    items = got.items if hasattr(got, "items") else (got or [])
    ours = {i.label for i in items}
    theirs = {i["label"] for i in fixture.expected or []}
    missing = theirs - ours
    if missing:
        fixture.problems.append(f"missing {sorted(missing)}")
    from spcopilot.server.features.rename import KEYWORDS

    declared: set[str] = set()
    for relative, text in fixture.files.items():
        declared |= set(_WORD.findall(text)) - KEYWORDS
        declared |= {Path(relative).name, Path(relative).parts[0]}
    extra = (ours & declared) - theirs
    if extra:
        fixture.problems.append(f"offers {sorted(extra)} which it leaves out")


def judge_signature(fixture: Fixture, got: Any) -> None:
    expected = fixture.expected
    if got is None or not got.signatures:
        fixture.problems.append("no signature help")
        return
    active = got.signatures[got.active_signature or 0]
    want = expected["signatures"][expected.get("activeSignature") or 0]
    if _squash(active.label) != _squash(want["label"]):
        fixture.problems.append(f"label {active.label!r}, expected {want['label']!r}")
    ours = [
        p.label if isinstance(p.label, str) else active.label[p.label[0] : p.label[1]] for p in active.parameters or []
    ]
    theirs = [p["label"] for p in want.get("parameters", [])]
    if [_param_name(p) for p in ours] != theirs:
        fixture.problems.append(f"parameters {ours}, expected {theirs}")
    ours_active, theirs_active = got.active_parameter or 0, expected.get("activeParameter", 0)
    rest = len(theirs) - 1 if theirs and theirs[-1] == "..." else None
    if rest is not None and min(ours_active, theirs_active) >= rest:
        return  # both point at the `...` (we do not count past it)
    if ours_active != theirs_active:
        fixture.problems.append(f"active parameter {got.active_parameter}, expected {expected.get('activeParameter')}")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _param_name(label: str) -> str:
    head = label.split("=", 1)[0].strip()
    m = re.search(r"([A-Za-z_]\w*|\.\.\.)\s*(?:\[[^\]]*\]\s*)*$", head)
    return m.group(1) if m else head


# -- main -----------------------------------------------------------------------------------------
async def run(fixtures: list[Fixture], root: Path) -> tuple[int, int, int]:
    client, capabilities = await start(root / "ws", root / "cache")
    checked = agreed = refused = 0
    try:
        for i, fixture in enumerate(fixtures):
            folder = root / "ws" / f"{i:03d}"
            await ask(client, capabilities, fixture, folder, check_refs=True)
            if fixture.feature == "definition" and _declaration_expected(fixture) and not _answer_problems(fixture):
                checked += 1
                if fixture.refused:
                    refused += 1
                elif not fixture.problems:
                    agreed += 1
    finally:
        await stop(client)
    return checked, agreed, refused


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", type=Path, help="sourcepawn-studio: a checkout or a bare git copy")
    ap.add_argument("--show-failures", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="peer-fixtures-") as tmp:
        root = Path(tmp)
        (root / "ws").mkdir()
        fixtures = load(extract(args.path, root))
        checked, agreed, refused = asyncio.run(run(fixtures, root))
    print("| feature | fixtures | answered as sourcepawn-studio does | % | disputed | % of the others |")
    print("|---|---|---|---|---|---|")
    total = passed = disputed_total = 0
    for feature in FEATURES.values():
        group = [f for f in fixtures if f.feature == feature]
        ok = sum(1 for f in group if not _answer_problems(f))
        disputed = sum(1 for f in group if f.name in DISPUTED and _answer_problems(f))
        total, passed, disputed_total = total + len(group), passed + ok, disputed_total + disputed
        others = len(group) - disputed
        print(
            f"| {feature} | {len(group)} | {ok} | {100 * ok / max(1, len(group)):.1f} | {disputed} | "
            f"{100 * ok / max(1, others):.1f} |"
        )
    others = total - disputed_total
    print(
        f"| all | {total} | {passed} | {100 * passed / max(1, total):.1f} | {disputed_total} | "
        f"{100 * passed / max(1, others):.1f} |"
    )
    print(
        f"\nreferences and rename agree with the definition: {agreed} of {checked} definition fixtures"
        + (f" ({refused} renames refused with a reason)" if refused else "")
    )
    if args.show_failures:
        for f in fixtures:
            if f.problems:
                print(f"\n{f.feature} {f.name}:\n  " + "\n  ".join(f.problems))
        for name, why in DISPUTED.items():
            print(f"disputed {name}: {why}")
        for f in fixtures:
            if f.refused:
                print(f"rename refused in {f.name}: {f.refused}")
    return 0


def _answer_problems(fixture: Fixture) -> list[str]:
    """The problems with the answer itself (references/rename agreement is reported apart)."""
    return [p for p in fixture.problems if not p.startswith(("references", "rename"))]


if __name__ == "__main__":
    sys.exit(main())
