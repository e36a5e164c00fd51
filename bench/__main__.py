"""``python -m bench [--quick] [--output FILE]``: see ``bench/__init__.py``."""

import sys

from .run import main

sys.exit(main())
