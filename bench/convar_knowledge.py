"""Rebuild diagnostics/knowledge/data/l4d2_convars.tsv from local plugin sources and configs.

    python bench/convar_knowledge.py CORPUS_DIR [MIRROR_DIR] > diagnostics/knowledge/data/l4d2_convars.tsv

A game ConVar is one that plugins read with FindConVar("name") and no plugin creates
(CreateConVar, or any *CreateConVar* wrapper, anywhere in the corpus). Tier `game` keeps the
names that are also cross-checked: read so in plugins of two or more repositories, or set in a
.cfg file of one of the mirrored repositories (the configs servers execute); names with a plugin
prefix (l4d_, l4d2_) and ConVars that extensions create (sv_maxplayers: L4DToolZ) are left out.
Tier `seen` keeps the other names read with FindConVar and created by no plugin: probably the
game's, not confirmed. The rules use `game` to know a ConVar exists and to find near misses;
`seen` only to stay quiet.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

FIND = re.compile(rb'FindConVar\s*\(\s*"([^"%]+)"')
CREATE = re.compile(rb'\w*CreateConVar\w*\s*\(\s*"([^"%]+)"')
CFG_LINE = re.compile(r'^\s*(?:sm_cvar\s+|confogl_addcvar\s+)?"?([a-z][a-z0-9_]+)"?\s+"?[-\d.]')
PLUGIN_PREFIXES = ("l4d_", "l4d2_")
EXTENSION_CVARS = frozenset({"sv_maxplayers"})


def scan_corpus(corpus: Path) -> tuple[dict[str, set[str]], set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    created: set[str] = set()
    for path in corpus.rglob("*"):
        if path.suffix not in (".sp", ".inc") or not path.is_file():
            continue
        repo = path.relative_to(corpus).parts[0]
        data = path.read_bytes()
        for m in FIND.finditer(data):
            found[m.group(1).decode("utf-8", "replace").lower()].add(repo)
        for m in CREATE.finditer(data):
            created.add(m.group(1).decode("utf-8", "replace").lower())
    return found, created


def configs(mirrors: Path) -> set[str]:
    names: set[str] = set()
    for git in sorted(mirrors.glob("*/repo")):
        listing = subprocess.run(["git", "--git-dir", str(git), "ls-tree", "-r", "--name-only", "HEAD"],
                                 capture_output=True, text=True, check=False).stdout.splitlines()  # fmt: skip
        for name in (n for n in listing if n.endswith(".cfg")):
            text = subprocess.run(["git", "--git-dir", str(git), "show", f"HEAD:{name}"],
                                  capture_output=True, check=False).stdout.decode("utf-8", "replace")  # fmt: skip
            names.update(m.group(1) for m in map(CFG_LINE.match, text.splitlines()) if m)
    return names


def main(argv: list[str]) -> int:
    corpus = Path(argv[1])
    set_in_configs = configs(Path(argv[2])) if len(argv) > 2 else set()
    found, created = scan_corpus(corpus)
    print("# L4D2 ConVars (bench/convar_knowledge.py): name, tier (game: cross-checked; seen: read by plugins,")
    print("# created by none, not confirmed), repositories reading it, set in a mirrored .cfg (y/n)")
    for name in sorted(found):
        if name in created:
            continue
        confirmed = len(found[name]) >= 2 or name in set_in_configs
        plugin_like = name.startswith(PLUGIN_PREFIXES) or name in EXTENSION_CVARS
        tier = "game" if confirmed and not plugin_like else "seen"
        print(f"{name}\t{tier}\t{len(found[name])}\t{'y' if name in set_in_configs else 'n'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
