"""Sub-commands of the CLI beyond ``spec`` and ``evaluate``; importing a module registers it."""

from . import check, consolidate, demo, generate, render, udfs  # noqa: F401
