"""``python -m glassnet.playground [--port 8000] [--host 127.0.0.1]``."""
import sys

from .server import main

sys.exit(main())
