"""The training layer's members of the one exception family (the CLI prints them, exit code 2)."""

from __future__ import annotations

from spcopilot.diagnostics.errors import SpcopilotError


class DatasetError(SpcopilotError):
    """Input data that cannot be used (no sources, an invalid JSONL line, a failed audit)."""


class TrainingError(SpcopilotError):
    """A training run that cannot start or finish (config, base model, device, disk)."""


def missing_extra(module: str) -> SpcopilotError:
    """The message for a training dependency that is not installed."""
    return SpcopilotError(
        f"this command needs the Python package {module!r}, which is not installed; "
        'install the training extra: pip install "sourcepawn-copilot[train]"'
    )
