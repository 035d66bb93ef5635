"""Apply every fix (safe, or safe + unsafe) to a copy of a plugin tree and check that nothing
broke: a second pass applies nothing, and no file parses worse than before.

    python bench/fix_safety.py DIR [--unsafe]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from spcopilot.diagnostics.checker import check_paths, collect_files
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.parsing import parse


def syntax_errors(path: Path) -> int:
    """ERROR and MISSING nodes in the file's parse tree."""
    count = 0
    stack = [parse(path.read_bytes()).root_node]
    while stack:
        node = stack.pop()
        count += node.is_error or node.is_missing
        if node.has_error:
            stack.extend(node.children)
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--unsafe", action="store_true", help="also apply unsafe fixes")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(args.dir, tree, symlinks=True)
        files, _ = collect_files([tree])
        before = {f: syntax_errors(f) for f in files}
        originals = {f: f.read_bytes() for f in files}
        first = check_paths([tree], Config(), fix=True, unsafe=args.unsafe)
        second = check_paths([tree], Config(), fix=True, unsafe=args.unsafe)
        changed = [f for f in files if f.read_bytes() != originals[f]]
        worse = [f for f in files if syntax_errors(f) > before[f]]
        print(f"files: {len(files)}; fixes applied: {sum(r.fixed for r in first)} in {len(changed)} files")
        print(f"second pass applied: {sum(r.fixed for r in second)} (expected 0)")
        print(f"files that parse worse after fixing: {len(worse)} (expected 0)")
        for f in worse[:10]:
            print(f"  {f.relative_to(tree)}")


if __name__ == "__main__":
    main()
