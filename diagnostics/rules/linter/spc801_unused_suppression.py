from __future__ import annotations

from collections.abc import Collection, Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.engine import enabled_rules
from spcopilot.diagnostics.model import Diagnostic, Fix, Severity, Tag
from spcopilot.diagnostics.rules import all_rules
from spcopilot.diagnostics.rules.base import Rule
from spcopilot.diagnostics.suppression import ALL, SuppressionComment, Suppressions


class UnusedSuppression(Rule):
    code = "SPC801"
    name = "unused-suppression"
    severity = Severity.INFO
    summary = "A `// spcopilot: ignore[...]` comment that silences nothing"
    fixable = True
    tags = (Tag.UNNECESSARY,)
    docs = """
## What it does
Reports a suppression comment (`// spcopilot: ignore[...]`, `ignore`, `ignore-file[...]`,
`ignore-file`) that silenced no finding in this lint, or the codes of one that silenced nothing,
and codes that are no rule's. The fix removes the comment, or only its unused codes.

Only codes of rules that ran on the file are judged: a code turned off in the configuration
(`ignore`, `select`) or a rule that does not apply to the file's game is left alone, and so is
`SPC801` itself; a comment without codes is judged only when no rule is turned off. A comment that is not a comment (inside a string) is never reported.

## Why is this bad?
A suppression outlives the finding it was written for: the code was fixed, moved, or the rule
improved. The stale comment then hides the next real finding on that line, and readers take it
for a warning that still applies.

## Example
```sourcepawn
HookEvent("lunge_pounce", Event_Pounce); // spcopilot: ignore[SPC201]
```

## Use instead
```sourcepawn
HookEvent("lunge_pounce", Event_Pounce);
```
"""

    def report(
        self, ctx: Context, suppressions: Suppressions, used: set[tuple[int, str]], active: Collection[str]
    ) -> Iterator[Diagnostic]:
        """The comments (or codes) of `suppressions` that silenced nothing; `used` holds the
        (comment index, code) pairs that silenced a finding, `active` the codes that ran."""
        known = {r.code for r in all_rules()}
        # A comment for every rule can only be judged when no rule was turned off.
        every_rule_ran = len(enabled_rules(ctx.config)) == len(known)
        for index, comment in enumerate(suppressions.comments):
            if not _is_comment(ctx, comment):
                continue
            if comment.codes == (ALL,):
                if every_rule_ran and not any(i == index for i, _ in used):
                    what = "file" if comment.file else "line"
                    yield self._remove(ctx, comment, f"this suppression silences nothing on its {what}")
                continue
            unknown = [c for c in comment.codes if c not in known]
            unused = [c for c in comment.codes if c in active and c != self.code and (index, c) not in used]
            if not unknown and not unused:
                continue
            parts = []
            if unused:
                parts.append(f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} not reported here")
            if unknown:
                parts.append(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} no rule's code")
            stale = unused + unknown
            kept = [c for c in comment.codes if c not in stale]
            message = "unused suppression: " + "; ".join(parts)
            if kept:
                yield self._shorten(ctx, comment, kept, message)
            else:
                yield self._remove(ctx, comment, message)

    def _remove(self, ctx: Context, comment: SuppressionComment, message: str) -> Diagnostic:
        """The whole comment goes: its own line with it, or the comment and the blanks before it."""
        source = ctx.source
        line_start = source.rfind(b"\n", 0, comment.start) + 1
        newline = source.find(b"\n", comment.start)
        line_end = len(source) if newline < 0 else newline
        if line_end > line_start and source[line_end - 1 : line_end] == b"\r":
            line_end -= 1
        if comment.own_line:
            start, end = line_start, (newline + 1 if newline >= 0 else line_end)
        else:
            start = comment.start
            while start > line_start and source[start - 1 : start] in (b" ", b"\t"):
                start -= 1
            end = line_end
        fix = self.fix(ctx, "Remove the unused suppression comment", (start, end, ""))
        return self.diagnostic(ctx, (comment.start, comment.end), message, fix=fix)

    def _shorten(self, ctx: Context, comment: SuppressionComment, kept: list[str], message: str) -> Diagnostic:
        assert comment.codes_span is not None
        s, e = comment.codes_span
        fix: Fix = self.fix(ctx, "Remove the unused codes from the suppression", (s, e, ", ".join(kept)))
        return self.diagnostic(ctx, (comment.start, comment.end), message, fix=fix)


def _is_comment(ctx: Context, comment: SuppressionComment) -> bool:
    """The `//` lies in a line comment of the tree (not in a string, a block comment or a broken
    parse), so removing it up to the end of the line removes only comment text."""
    node = ctx.tree.root_node.descendant_for_byte_range(comment.start, comment.start + 2)
    if node is None or node.type != "comment" or node.start_byte > comment.start:
        return False
    return ctx.source.startswith(b"//", node.start_byte)
