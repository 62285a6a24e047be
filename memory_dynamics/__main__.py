"""``python -m memory_dynamics``: the ``memory-dynamics`` command."""

import sys

from .cli import main

sys.exit(main())
