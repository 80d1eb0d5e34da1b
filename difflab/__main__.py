"""`python -m difflab ...`: the same command as the `difflab` console script (see difflab.console)."""

from .console import main

raise SystemExit(main())
