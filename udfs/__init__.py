"""The xlwings UDF module ``afbp_udfs``: AFBP custom functions for Excel.

The functions live in :mod:`afbp_udfs.afbp_udfs` and are re-exported here, so
``UDF_MODULES=afbp_udfs`` (classic xlwings), ``from afbp_udfs import *`` (xlwings Server's
``custom_functions`` and the Lite ``main.py``) and
``xlwings.server.custom_functions_meta(afbp_udfs)`` all find them. A bad argument raises
:class:`AfbpError` (an Excel error value in every runtime, see :mod:`afbp_udfs.errors`).
See docs/udfs.md.
"""

from .afbp_udfs import *  # noqa: F401,F403
from .afbp_udfs import __all__  # noqa: F401
from .errors import AfbpError  # noqa: F401
