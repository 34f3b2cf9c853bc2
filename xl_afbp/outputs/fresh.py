"""A fresh interpreter that runs one module of this package without importing the package.

The job hands work to such interpreters (the PDF, :mod:`.pdfprocess`; the figures,
:mod:`.figureprocess`) rather than to forks: a forked child counts again, in its resident
memory, every page the consolidating process holds (~250 MB with 2,500 libraries), and the
job's processes together must stay under the 500 MB the coordinator's laptop is promised
(docs/performance.md). Importing the module the usual way would run the package's
``__init__`` files – the engine, the spec and every writer, pandas with them – so the
child registers the module's parent packages as empty ones (their folders only) and
imports just the module and what it imports itself.

This module imports nothing of the package: the child's program is run by ``-c``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: the package's folder (``xl_afbp``)
_PACKAGE = Path(__file__).resolve().parent.parent

#: what the child runs: the working folder left out of the module path (a file there must
#: not shadow a module), the parents of the module as empty packages, then ``main(args)``
_CHILD = """
import importlib, os, sys, types
sys.path[:] = [p for p in sys.path if p not in ("", ".")]
folder, name, parts = sys.argv[1], sys.argv[2], sys.argv[2].split(".")
for k in range(1, len(parts)):
    package = types.ModuleType(".".join(parts[:k]))
    package.__path__ = [os.path.join(folder, *parts[1:k])]
    sys.modules[package.__name__] = package
sys.exit(importlib.import_module(name).main(sys.argv[3:]))
"""


def start(module: str, *args: str, stdout: int | None = subprocess.DEVNULL) -> subprocess.Popen | None:
    """``module`` (``xl_afbp.outputs.…``) run by a fresh interpreter as ``main(args)``, its
    input a pipe; None when no interpreter could be started (the caller does the work)."""
    try:
        return subprocess.Popen([sys.executable, "-c", _CHILD, str(_PACKAGE), module, *args], stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.DEVNULL)
    except OSError:
        return None
