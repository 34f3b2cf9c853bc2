"""The sub-commands of ``xl-afbp``, one module each; importing a module registers it (:mod:`.base`)."""

from . import spec, evaluate  # noqa: F401,I001 - registered first: the order of `xl-afbp --help`
from . import check, consolidate, demo, feedback, generate, render, udfs  # noqa: F401
