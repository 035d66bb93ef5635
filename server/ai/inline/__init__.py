"""Inline completion (ghost text): prompt building, the suggestion cache, post-processing
filters, the single/multi-line decision, the snippet guard, and accept/dismiss feedback.
Pure logic: the LSP handler (server/lsp/inline.py) adds debounce, cancellation and versions."""
