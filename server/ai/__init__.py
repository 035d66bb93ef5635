"""The copilot half: model backends, prompts, the guard, inline completion and generation commands.

Imports only point down: this package uses `spcopilot.diagnostics` (the engine) and nothing of
the LSP layer; `spcopilot.server.lsp` and the CLI call into it.
"""
