"""``python -m glassnet.cli`` (the same as ``python -m glassnet``)."""
import sys

from . import main

sys.exit(main())
