"""`python -m aifi_legal`: the command line."""

from .cli import main

raise SystemExit(main())
