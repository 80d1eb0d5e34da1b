"""`python -m difflab ...`: the same command as the `difflab` console script (see difflab.cli)."""

from .cli import main

raise SystemExit(main())
