"""`python -m assistant` is the same as the `tandem` command."""

from assistant.cli import main

raise SystemExit(main())
