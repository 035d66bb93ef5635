"""The quality filter: which corpus files are worth learning from.

A file is dropped (with the reason counted in stats.json) when it is
- `too_small`: less than `min_code_bytes` of code once comments and blank space are removed;
- `garbled`: undecodable bytes, control characters, or minified / binary-looking lines;
- `generated`: a header that says the file is generated ("auto-generated", "do not edit", ...);
- `parse_errors`: the SourcePawn grammar finds error nodes (the engine's own parser);
- `docs_only`: no function with a body at all (API declarations, constants and comments: an
  include's documentation, nothing to learn code from).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spcopilot.diagnostics.parsing import Tree, parse

REASONS = ("too_small", "garbled", "generated", "parse_errors", "docs_only")
BODY_NODES = frozenset(
    {
        "function_definition",
        "methodmap_method",
        "methodmap_method_constructor",
        "methodmap_property_method",
        "enum_struct_method",
    }
)
# Nodes whose children may hold function bodies (top level, conditional compilation, methodmaps).
_CONTAINER_NODES = frozenset({"source_file", "methodmap", "enum_struct"})
_GENERATED = re.compile(
    r"auto-?generated|generated (?:by|with|from|automatically)|do not edit|don't edit|machine generated", re.I
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"//[^\n]*")


@dataclass(frozen=True, slots=True)
class QualityLimits:
    min_code_bytes: int = 200
    max_line_length: int = 1000  # a longer line: minified or binary data
    max_mean_line_length: float = 200.0
    max_bad_char_ratio: float = 0.002  # replacement and control characters per character


def code_bytes(text: str) -> int:
    """Bytes of code without comments and whitespace (a cheap size measure before parsing)."""
    stripped = _LINE_COMMENT.sub("", _BLOCK_COMMENT.sub("", text))
    return len(re.sub(r"\s+", "", stripped).encode("utf-8"))


def garbled(text: str, limits: QualityLimits) -> bool:
    if not text:
        return True
    bad = text.count("\ufffd") + len(_CONTROL.findall(text))
    if bad / len(text) > limits.max_bad_char_ratio:
        return True
    lines = text.splitlines() or [""]
    if max(len(line) for line in lines) > limits.max_line_length:
        return True
    return sum(len(line) for line in lines) / len(lines) > limits.max_mean_line_length


def generated(text: str) -> bool:
    head = "\n".join(text.splitlines()[:15])
    return _GENERATED.search(head) is not None


def has_function_body(tree: Tree) -> bool:
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in BODY_NODES:
            return True
        if node.type in _CONTAINER_NODES or node.type.startswith(("methodmap_", "preproc_")):
            stack.extend(node.children)
    return False


def judge(text: str, limits: QualityLimits = QualityLimits()) -> str:
    """The reason to drop `text`, or "" to keep it."""
    if garbled(text, limits):
        return "garbled"
    if code_bytes(text) < limits.min_code_bytes:
        return "too_small"
    if generated(text):
        return "generated"
    tree = parse(text.encode("utf-8"))
    if tree.root_node.has_error:
        return "parse_errors"
    if not has_function_body(tree):
        return "docs_only"
    return ""
