"""Sub-commands of the CLI beyond ``spec`` and ``evaluate``; importing registers them."""

from . import generate  # noqa: F401
from . import udfs  # noqa: F401
from . import render  # noqa: F401,E402
from . import consolidate  # noqa: F401
from . import demo  # noqa: F401,E402
from . import check  # noqa: F401,E402
