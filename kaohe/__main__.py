"""``python -m kaohe …``: the same as the ``kaohe`` command."""

import sys

from .cli import main

sys.exit(main())
