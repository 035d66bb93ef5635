"""Where a text does not parse: the ERROR and MISSING nodes of its tree, as positions and a
short message. tree-sitter recovers around them, so the rest of the file still lints; the
guard, the dataset quality filter and the evaluation battery report them from here."""

from __future__ import annotations

from dataclasses import dataclass

from spcopilot.diagnostics.parsing import Node, Tree
from spcopilot.diagnostics.text import LineIndex


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    line: int  # 0-based
    character: int
    message: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "character": self.character, "message": self.message}


def syntax_problems(tree: Tree, source: bytes, limit: int = 20) -> list[SyntaxProblem]:
    """The first `limit` ERROR (unexpected text) and MISSING nodes, in file order."""
    if not tree.root_node.has_error:
        return []
    lines = LineIndex(source)
    found: list[SyntaxProblem] = []
    stack: list[Node] = [tree.root_node]
    while stack and len(found) < limit:
        node = stack.pop()
        if not node.has_error and not node.is_missing:
            continue
        if node.is_missing or node.type == "ERROR":
            pos = lines.position(node.start_byte)
            what = f"missing {node.type}" if node.is_missing else "unexpected text"
            found.append(SyntaxProblem(pos.line, pos.character, f"syntax error: {what}"))
            if node.type == "ERROR":
                continue
        stack.extend(reversed(node.children))
    return sorted(found, key=lambda s: (s.line, s.character))
