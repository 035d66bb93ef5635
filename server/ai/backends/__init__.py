"""Model backends behind one interface (`Backend`): none, replay, openai, llamacpp."""

from spcopilot.server.ai.backends.base import (
    Backend,
    BackendError,
    Cancelled,
    CancelToken,
    Completion,
    Usage,
)

__all__ = ["Backend", "BackendError", "CancelToken", "Cancelled", "Completion", "Usage"]
