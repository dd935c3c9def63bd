"""``python -m glassnet``: the glassnet command."""
from .cli import main

raise SystemExit(main())
