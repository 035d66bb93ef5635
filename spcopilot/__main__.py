from spcopilot.cli import main

raise SystemExit(main())
