"""The evaluation's member of the one exception family (the CLI prints it, exit code 2)."""

from __future__ import annotations

from spcopilot.diagnostics.errors import SpcopilotError


class EvalError(SpcopilotError):
    """An evaluation input that cannot be used (a battery, probe or report file, a source
    folder) or a run that cannot finish; the message names the file (and line) at fault."""
