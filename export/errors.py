"""The export pipeline's errors: user-facing messages (the CLI prints them and exits with 2)."""

from __future__ import annotations

from spcopilot.diagnostics.errors import SpcopilotError


class ExportError(SpcopilotError):
    """Export cannot go on: the message says what is wrong and what to do."""


class ParityError(ExportError):
    """The converted model does not compute what the merged Hugging Face model computes."""
