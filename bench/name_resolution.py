"""The semantic model on real plugins: does every name resolve, and is renaming safe?

    python bench/name_resolution.py DIR [--plugins 100] [--include-dir SOURCEMOD_INCLUDE]...
                                        [--no-rename] [--show N]

Picks up to N plugins under DIR (files with `myinfo` or `OnPluginStart`, taken in turn from
each top-level folder so every repository is represented), opens each as the language server
does (its include folders found as for `spcopilot check`, plus --include-dir), and:

1. resolves every identifier of the plugin (and of its part files) the way go to definition
   does; a name counts as unresolved when it resolves to no declaration. Names that may come
   from an include the plugin names but that is not present are counted apart (a plugin with
   a missing include), as are the compiler's built-in names (`cellmax`, `__LINE__`...) and
   names tested by `#if defined` (being undefined is their point);
2. renames each local and parameter to a fresh name of the same length with the rename
   feature, lints the renamed text and compares the findings with the original's (code, range,
   severity, message with the name put back): they must be the same.

Prints the figures and the first unresolved names / differing findings (--show).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import Counter
from pathlib import Path

from spcopilot.diagnostics.incremental import IncrementalLint
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.diagnostics.semantic.keywords import BUILTIN_NAMES
from spcopilot.server.features import rename
from spcopilot.server.project import Project

CHECKED_ROLES = frozenset({k.NAME, k.TYPE, k.MEMBER, k.NEW, k.NAMED_ARG, k.FIELD_INIT})


def pick_plugins(root: Path, count: int) -> list[Path]:
    groups: list[list[Path]] = []
    for top in sorted(p for p in root.iterdir() if p.is_dir()):
        found = []
        for path in sorted(top.rglob("*.sp")):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if b"myinfo" in data or b"OnPluginStart" in data:
                found.append(path)
        if found:
            groups.append(found)
    out = []
    for batch in itertools.zip_longest(*groups):
        out += [p for p in batch if p is not None]
    return out[:count]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--plugins", type=int, default=100)
    ap.add_argument("--include-dir", type=Path, action="append", default=[])
    ap.add_argument("--no-rename", action="store_true")
    ap.add_argument("--show", type=int, default=15)
    args = ap.parse_args()

    plugins = pick_plugins(args.dir, args.plugins)
    counts: Counter[str] = Counter()
    unresolved: Counter[str] = Counter()
    missing_plugins = 0
    renamed = rename_differs = refused = 0
    differences: list[str] = []
    differing_codes: Counter[str] = Counter()
    started = time.perf_counter()
    for plugin in plugins:
        project = Project(plugin.parent, {"include-dirs": [str(d) for d in args.include_dir]})
        text = plugin.read_text(encoding="utf-8", errors="replace")
        uri = plugin.as_uri()
        project.open(uri, str(plugin), text, 1)
        view = project.view(uri)
        if view is None or view.tree is None:
            continue
        workspace = view.workspace
        assert workspace is not None
        model = view.semantic
        scope = project.index_for(str(plugin)).scope(str(plugin), [*model.index.includes])
        incomplete = bool(scope.unresolved)
        missing_plugins += incomplete
        files = [str(plugin)] + [p for p in workspace.closure(str(plugin)) if not workspace.read_only(p)]
        for path in files:
            m = model if path == str(plugin) else workspace.model(path)
            if m is None:
                continue
            for ref in m.refs:
                if ref.role == k.PREPROC:
                    counts["preproc"] += 1
                    continue
                if ref.role not in CHECKED_ROLES and ref.role != k.MACRO_TEXT:
                    continue
                counts["names"] += 1
                if m.resolve(ref):
                    counts["resolved"] += 1
                elif ref.name in BUILTIN_NAMES:
                    counts["builtin"] += 1
                elif ref.role == k.MACRO_TEXT:
                    counts["macro text"] += 1
                elif incomplete:
                    counts["missing include"] += 1
                else:
                    counts["unresolved"] += 1
                    unresolved[f"{ref.role} {ref.name} ({Path(path).name})"] += 1
        if args.no_rename:
            continue
        baseline = project.lint(view.source, str(plugin), session=IncrementalLint())
        session = IncrementalLint()
        for n, decl in enumerate(d for d in model.index.locals if d.path == str(plugin)):
            new_name = _fresh(decl.name, n)
            try:
                edits = rename.rename(view, decl.start, new_name)
            except rename.RenameRefused as error:
                refused += 1
                if len(differences) < args.show:
                    differences.append(f"refused {decl!r}: {error}")
                continue
            renamed += 1
            source = _apply(view.source, edits.get(str(plugin), []))
            found = project.lint(source, str(plugin), session=session)
            after, before = set(_findings(found, new_name, decl.name)), set(_findings(baseline, decl.name, decl.name))
            if after != before:
                rename_differs += 1
                codes = sorted({f[0] for f in after ^ before})
                differing_codes.update(codes)
                if len(differences) < args.show:
                    differences.append(f"findings {', '.join(codes)} differ after renaming {decl!r} to {new_name}")
    elapsed = time.perf_counter() - started
    checked = counts["names"] - counts["builtin"] - counts["macro text"] - counts["missing include"]
    print(f"plugins: {len(plugins)} ({missing_plugins} name an include that is not present); {elapsed:.1f} s")
    print(f"identifiers: {counts['names']:,} (plus {counts['preproc']:,} in #if conditions, not counted)")
    print(f"- resolved to a declaration: {counts['resolved']:,}")
    print(f"- compiler built-ins: {counts['builtin']:,}; in #define text, unresolved: {counts['macro text']:,}")
    print(f"- unresolved in plugins with a missing include (excluded): {counts['missing include']:,}")
    rate = 100 * counts["unresolved"] / max(1, checked)
    print(f"- unresolved otherwise: {counts['unresolved']:,} of {checked:,} = {rate:.2f} %")
    if not args.no_rename:
        print(
            f"renames of locals and parameters: {renamed:,} done, {rename_differs} changed the findings"
            + (f" ({', '.join(f'{c} x{n}' for c, n in differing_codes.most_common())})" if differing_codes else "")
            + f", {refused} refused"
        )
    for name, n in unresolved.most_common(args.show):
        print(f"  unresolved: {name} x{n}")
    for line in differences:
        print(f"  {line}")
    return 0


def _fresh(name: str, n: int) -> str:
    """A name of the same length that no plugin uses (findings keep their columns)."""
    tag = f"Q{n:x}"
    if len(name) >= len(tag) + 1:
        return tag + "_" * (len(name) - len(tag))
    return ("Qz" + "_" * len(name))[: len(name)] if len(name) > 1 else "Q"


def _apply(source: bytes, edits: list[tuple[int, int, str]]) -> bytes:
    out = source
    for start, end, text in sorted(edits, reverse=True):
        out = out[:start] + text.encode() + out[end:]
    return out


def _findings(found: list, name: str, original: str) -> list[tuple]:  # type: ignore[type-arg]
    return [(d.code, d.start_byte, d.end_byte, d.severity, d.message.replace(name, original)) for d in found]


if __name__ == "__main__":
    sys.exit(main())
