"""`python -m spcopilot.server.lsp`: the language server on stdio (what `spcopilot serve` runs)."""

from spcopilot.server.cli import main

raise SystemExit(main())
