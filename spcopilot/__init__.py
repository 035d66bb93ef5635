"""SourcePawn Copilot: the engine (`spcopilot.diagnostics`), the runtime (`spcopilot.server`),
training (`spcopilot.training`) and export (`spcopilot.export`) under one import root."""

__version__ = "0.1.0"
