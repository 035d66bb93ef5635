"""Exact and near-duplicate removal.

Exact: the same text once whitespace is collapsed (a copy, a re-indented copy, CRLF endings).
Near: MinHash signatures over 5-token shingles, candidate pairs from LSH bands, kept as
duplicates when the signatures agree on at least `threshold` of their values (an estimate of
the Jaccard similarity of the shingle sets: renamed variables, a changed message, a fork).
Every cluster keeps its first member in (repository, path) order; dedup runs before the split,
so a fork in another repository cannot leak a plugin into the eval set.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NUM_PERM = 256
BANDS = 32  # 8 rows per band: pairs with Jaccard above ~0.65 become candidates, then they are verified
SHINGLE = 5
_TOKEN = re.compile(r"\w+|[^\w\s]")
_MASK = np.uint64(0xFFFFFFFF)
_rng = np.random.default_rng(20261124)
_A = _rng.integers(1, 2**32 - 1, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**32 - 1, size=NUM_PERM, dtype=np.uint64)


def exact_key(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def minhash(text: str) -> list[int]:
    """The MinHash signature of the file's token shingles (deterministic across processes)."""
    tokens = _TOKEN.findall(text)
    if len(tokens) < SHINGLE:
        tokens += [""] * (SHINGLE - len(tokens))
    shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}
    hashes = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64, count=len(shingles))
    values = (hashes[:, None] * _A[None, :] + _B[None, :]) & _MASK
    return values.min(axis=0).astype(np.uint32).tolist()


@dataclass(frozen=True, slots=True)
class Duplicate:
    index: int  # the dropped file
    kept: int  # the file it duplicates
    kind: str  # "exact" or "near"
    similarity: float


def find_duplicates(
    exact_keys: list[str], signatures: Sequence[Sequence[int]], threshold: float = 0.7
) -> list[Duplicate]:
    """Duplicates among files given in keep-priority order (earlier files are kept)."""
    dropped: dict[int, Duplicate] = {}
    first_of: dict[str, int] = {}
    for i, key in enumerate(exact_keys):
        if key in first_of:
            dropped[i] = Duplicate(i, first_of[key], "exact", 1.0)
        else:
            first_of[key] = i
    survivors = [i for i in range(len(exact_keys)) if i not in dropped]
    if not survivors:
        return sorted(dropped.values(), key=lambda d: d.index)
    matrix = np.asarray([signatures[i] for i in survivors], dtype=np.uint32)
    rows = NUM_PERM // BANDS
    candidates: set[tuple[int, int]] = set()
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        chunk = matrix[:, band * rows : (band + 1) * rows]
        for position, row in enumerate(chunk):
            buckets[row.tobytes()].append(position)
        for members in buckets.values():
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    candidates.add((members[a], members[b]))
    for a, b in sorted(candidates, key=lambda pair: (pair[1], pair[0])):
        kept, other = survivors[a], survivors[b]
        if other in dropped or kept in dropped:
            continue
        similarity = float(np.mean(matrix[a] == matrix[b]))
        if similarity >= threshold:
            dropped[other] = Duplicate(other, kept, "near", round(similarity, 3))
    return sorted(dropped.values(), key=lambda d: d.index)


# ---- across the split, at function level ---------------------------------------------------------
MIN_FUNCTION_TOKENS = 20  # smaller functions (a one-line forward) say nothing about a leak


def function_signatures(text: str) -> list[tuple[str, list[int]]]:
    """(name, MinHash) of every top-level function with at least MIN_FUNCTION_TOKENS tokens."""
    from spcopilot.diagnostics.parsing import parse

    source = text.encode("utf-8")
    out = []
    for node in parse(source).root_node.children:
        if node.type != "function_definition":
            continue
        name = node.child_by_field_name("name")
        code = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
        if name is not None and len(_TOKEN.findall(code)) >= MIN_FUNCTION_TOKENS:
            out.append((source[name.start_byte : name.end_byte].decode("utf-8", "replace"), minhash(code)))
    return out


@dataclass(slots=True)
class CrossSplit:
    eval_functions: int = 0
    duplicates: dict[str, set[str]] | None = None  # eval file key -> its functions the train split has
    exact: int = 0  # of them, identical signatures (the same code up to what MinHash sees)

    @property
    def duplicate_count(self) -> int:
        return sum(len(v) for v in (self.duplicates or {}).values())


def cross_split_duplicates(
    train: Sequence[Sequence[int]], evaluation: Sequence[tuple[str, str, Sequence[int]]], threshold: float = 0.7
) -> CrossSplit:
    """Eval functions (file key, name, MinHash) near-duplicating any train function (MinHash)."""
    out = CrossSplit(eval_functions=len(evaluation), duplicates={})
    if not train or not evaluation:
        return out
    rows = NUM_PERM // BANDS
    known = np.asarray(train, dtype=np.uint32)
    buckets: list[dict[bytes, list[int]]] = [defaultdict(list) for _ in range(BANDS)]
    for index, row in enumerate(known):
        for band in range(BANDS):
            buckets[band][row[band * rows : (band + 1) * rows].tobytes()].append(index)
    for key, name, signature in evaluation:
        sig = np.asarray(signature, dtype=np.uint32)
        candidates: set[int] = set()
        for band in range(BANDS):
            candidates.update(buckets[band].get(sig[band * rows : (band + 1) * rows].tobytes(), ()))
        if not candidates:
            continue
        best = max(float(np.mean(known[c] == sig)) for c in candidates)
        if best >= threshold:
            assert out.duplicates is not None
            out.duplicates.setdefault(key, set()).add(name)
            out.exact += best == 1.0
    return out
