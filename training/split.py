"""The train/eval split: stratified by repository, with the fraction asked for.

Every repository gives its share of files to eval (rounded so the total is as close as possible
to `eval_fraction`: largest remainders first), so one large repository can no longer put a
quarter of the corpus in eval when a tenth was asked. The unit held out is a plugin: a file
together with the files it includes by a relative path (`#include "l4dd/l4dd_setup.sp"`), so no
plugin is cut across the split. Within a repository the plugins are taken in a fixed hash order.

What a repository-level split guarded against (a plugin's fork or sibling in train) is handled
at function level instead (`function_dedup.py`): eval records are not made from functions the
train split has. A share further than `TOLERANCE` from the fraction asked (a corpus of a few
large plugins) is reported as a warning.
"""

from __future__ import annotations

import hashlib
import math
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field

TOLERANCE = 0.02
_QUOTED_INCLUDE = re.compile(r'^[ \t]*#[ \t]*(?:include|tryinclude)[ \t]+"([^"]+)"', re.M)


@dataclass(slots=True)
class SplitResult:
    eval_keys: set[str] = field(default_factory=set)  # "repo/path" of the files held out
    files: int = 0
    eval_files: int = 0
    asked: float = 0.0
    warning: str = ""
    by_repository: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.eval_files / self.files if self.files else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "asked": self.asked,
            "share": round(self.share, 4),
            "files": self.files,
            "eval_files": self.eval_files,
            "warning": self.warning,
            "by_repository": self.by_repository,
        }


def relative_includes(text: str) -> list[str]:
    return _QUOTED_INCLUDE.findall(text)


def plugin_groups(files: dict[str, list[tuple[str, list[str]]]]) -> dict[str, list[list[str]]]:
    """Per repository, its files grouped into plugins: (path, quoted includes) → groups of paths.
    An include is resolved against the including file's folder, then its `include/` subfolder."""
    out: dict[str, list[list[str]]] = {}
    for repo, entries in files.items():
        parent = {path: path for path, _ in entries}

        def find(p: str, parent: dict[str, str] = parent) -> str:
            while parent[p] != p:
                parent[p] = parent[parent[p]]
                p = parent[p]
            return p

        for path, includes in entries:
            folder = posixpath.dirname(path)
            for name in includes:
                for candidate in (posixpath.join(folder, name), posixpath.join(folder, "include", name)):
                    target = posixpath.normpath(candidate)
                    if target in parent and target != path:
                        parent[find(target)] = find(path)
                        break
        groups: dict[str, list[str]] = defaultdict(list)
        for path, _ in entries:
            groups[find(path)].append(path)
        out[repo] = sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
    return out


def _rank(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _quotas(sizes: dict[str, int], fraction: float) -> dict[str, int]:
    """Files to hold out per repository: `fraction` of each, the total as close as possible to
    `fraction` of all (largest remainders get the rounding)."""
    exact = {r: n * fraction for r, n in sizes.items()}
    quota = {r: math.floor(v) for r, v in exact.items()}
    left = round(sum(exact.values())) - sum(quota.values())
    for r in sorted(exact, key=lambda r: (-(exact[r] - quota[r]), _rank(r)))[: max(0, left)]:
        quota[r] += 1
    return quota


def stratified_split(files: dict[str, list[tuple[str, list[str]]]], fraction: float) -> SplitResult:
    """`files`: repository → [(path, quoted includes)]. Returns which files go to eval."""
    result = SplitResult(asked=fraction)
    groups = plugin_groups(files)
    sizes = {repo: len(entries) for repo, entries in files.items()}
    result.files = sum(sizes.values())
    quotas = _quotas(sizes, fraction) if fraction > 0 else dict.fromkeys(sizes, 0)
    for repo in sorted(files):
        held = 0
        for group in sorted(groups[repo], key=lambda g: _rank(f"{repo}/{g[0]}")):
            if held >= quotas[repo]:
                break
            # Take a plugin when it brings the repository closer to its quota.
            if abs(quotas[repo] - held - len(group)) <= abs(quotas[repo] - held):
                result.eval_keys.update(f"{repo}/{p}" for p in group)
                held += len(group)
        result.eval_files += held
        result.by_repository[repo] = {"files": sizes[repo], "eval": held}
    if fraction > 0 and abs(result.share - fraction) > TOLERANCE:
        result.warning = (
            f"eval holds {100 * result.share:.1f} % of the files, not the {100 * fraction:.0f} % asked "
            f"(±{100 * TOLERANCE:.0f} points): the corpus has too few plugins, or plugins too large, to split finer"
        )
    return result


def repository_split(files: dict[str, list[tuple[str, list[str]]]], fraction: float) -> SplitResult:
    """Whole repositories held out (`--split repository`: a stricter test of generalisation, at
    the cost of the fraction): repositories in a fixed hash order until they hold `fraction` of
    the files; at least one when there are two or more, never all."""
    result = SplitResult(asked=fraction)
    sizes = {repo: len(entries) for repo, entries in files.items()}
    result.files = sum(sizes.values())
    chosen: list[str] = []
    if len(sizes) >= 2 and fraction > 0:
        for repo in sorted(sizes, key=_rank):
            if len(chosen) >= len(sizes) - 1 or (chosen and result.eval_files >= fraction * result.files):
                break
            chosen.append(repo)
            result.eval_files += sizes[repo]
    for repo, entries in files.items():
        held = repo in chosen
        result.eval_keys.update(f"{repo}/{p}" for p, _ in entries if held)
        result.by_repository[repo] = {"files": sizes[repo], "eval": sizes[repo] if held else 0}
    if fraction > 0 and abs(result.share - fraction) > TOLERANCE:
        result.warning = (
            f"eval holds {100 * result.share:.1f} % of the files, not the {100 * fraction:.0f} % asked "
            f"(±{100 * TOLERANCE:.0f} points): whole repositories were held out (--split repository)"
        )
    return result
