"""``python -m xl_afbp`` is the ``xl-afbp`` command."""

import sys

from xl_afbp.cli import main

sys.exit(main())
