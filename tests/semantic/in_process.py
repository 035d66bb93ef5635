"""Answer a fixture case with the feature functions, in process (the project as the server
holds it, no protocol): fast, and the failures point at the model rather than the wiring."""

from __future__ import annotations

from pathlib import Path

from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.features import (
    call_hierarchy,
    completion,
    hover,
    inlay_hints,
    navigation,
    references,
    rename,
    semantic_tokens,
    signature,
)
from spcopilot.server.features.locations import Target
from spcopilot.server.project import Project

from .answers import Answer
from .fixture_format import Case


def answer(case: Case, root: Path, cache: Path) -> Answer:
    project = Project(root, {"cache-dir": str(cache)})
    path, line, column = case.cursor or (next(iter(case.files)), 0, 0)
    full = root / path
    uri = full.as_uri()
    text = full.read_text(encoding="utf-8")
    project.open(uri, str(full), text, 1)
    view = project.view(uri)
    assert view is not None and view.lines is not None
    offset = view.lines.offset(line, column, "utf-8")
    out = Answer()

    def relative(target: Target) -> tuple[str, int, int, int]:
        r = target.range
        return (Path(target.path).relative_to(root).as_posix(), r.start.line, r.start.character, r.end.character)

    def byte_location(p: str, start: int, end: int) -> tuple[str, int, int, int]:
        lines = view.lines if p == str(full) else LineIndex(Path(p).read_bytes())
        assert lines is not None
        r = lines.range(start, end, "utf-8")
        return (Path(p).relative_to(root).as_posix(), r.start.line, r.start.character, r.end.character)

    feature = case.feature
    read = project.read
    if feature == "definition":
        found = navigation.definition(view, offset, "utf-8", project.resolve_include(str(full)), read)
        out.locations = {relative(t) for t in found}
    elif feature == "declaration":
        out.locations = {relative(t) for t in navigation.declaration(view, offset, "utf-8", read)}
    elif feature == "type-definition":
        out.locations = {relative(t) for t in navigation.type_definition(view, offset, "utf-8", read)}
    elif feature in ("references", "references-no-declaration"):
        found = references.references(view, offset, feature == "references", "utf-8", read)
        out.locations = {relative(t) for t in found}
    elif feature == "highlight":
        for h in references.highlights(view, offset):
            location = byte_location(str(full), h.start, h.end)
            out.locations.add(location)
            if h.write:
                out.writes.add(location)
    elif feature == "rename":
        try:
            edits = rename.rename(view, offset, case.argument)
        except rename.RenameRefused as refused:
            out.refused = str(refused)
        else:
            for p, ranges in edits.items():
                for start, end, new_text in ranges:
                    out.locations.add(byte_location(p, start, end))
                    out.new_texts.add(new_text)
    elif feature == "hover":
        view.diagnostics = project.diagnostics(uri)
        result = hover.hover(view, offset)
        out.text = result.markdown if result else None
    elif feature == "signature":
        result = signature.signature_help(view, offset)
        if result is not None:
            active = result.signatures[result.active_signature]
            out.text = "\n".join([active.label, active.documentation, *(doc for _, doc in active.parameters)])
            out.active_parameter = result.active_parameter
    elif feature == "completion":
        trigger = case.argument or None
        for c in completion.complete(view, offset, trigger=trigger).items:
            out.labels.append(c.label)
            out.insert_texts[c.label] = (c.insert_text or c.label) + "".join(e[2] for e in c.additional_edits)
    elif feature == "tokens":
        for line_no, col, length, kind, mods in semantic_tokens.decode(semantic_tokens.encode(view, "utf-8")):
            out.tokens.append((path, line_no, col, length, kind, mods))
    elif feature in ("incoming-calls", "outgoing-calls"):
        decl = call_hierarchy.prepare(view.semantic, offset)
        if decl is not None:
            assert view.workspace is not None
            run = call_hierarchy.incoming if feature == "incoming-calls" else call_hierarchy.outgoing
            out.names = {c.decl.name for c in run(view.workspace, decl)}
    elif feature == "inlay":
        for h in inlay_hints.hints(view, 0, len(view.source)):
            r = view.lines.position(h.offset, "utf-8")
            out.hints.add((path, r.line, r.character, h.label))
    return out
