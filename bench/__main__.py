"""``python -m bench [--quick] [--output FILE] [--sections window,tutorial,mixed] [--mixed-rows N] [--window-rows N]``: see ``bench/__init__.py``."""

import sys

from .run import main

sys.exit(main())
