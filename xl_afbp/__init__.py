"""xl-afbp: the AFBP survey of Polish public libraries, spreadsheet-first.

Public API::

    from xl_afbp import load_spec, get_engine, FormData
    engine = get_engine(2016)
    result = engine.evaluate(FormData(items={1: 12000, 4: 50000}))
    result.indicators["Z01"]
"""

__version__ = "0.1.0"

from .engine import Engine, Result, get_engine  # noqa: E402
from .formdata import FormData  # noqa: E402
from .spec import SpecError, load_spec  # noqa: E402

__all__ = ["Engine", "FormData", "Result", "SpecError", "get_engine", "load_spec", "__version__"]
