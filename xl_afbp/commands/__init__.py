"""The sub-commands of ``xl-afbp``, one module each; importing a module registers it (:mod:`.base`)."""

from . import spec, evaluate  # noqa: F401,I001 - registered first: the order of `xl-afbp --help`
from . import libraries, generate, check, consolidate, feedback, demo, render, udfs  # noqa: F401
