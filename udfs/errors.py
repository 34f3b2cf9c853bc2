"""Bad arguments become Excel error values, so ``IFERROR`` / ``JEŻELI.BŁĄD`` catch them.

How each runtime turns what a function does into a cell (read in the xlwings 0.37.8 and
xlwings-server 1.20 sources):

* **xlwings Server** (``xlwings_server.main``): an :class:`xlwings.XlwingsError` raised by
  a function is answered with HTTP 400 and its message as the body; the add-in's
  ``custom-functions-code.js`` turns a non-2xx answer into
  ``CustomFunctions.Error(invalidValue, message)``: the cell shows ``#VALUE!``
  (``#ARG!`` in Polish Excel) and the message on its error flag. Any other exception is
  HTTP 500, which the add-in retries three times and, in production, words as "An error
  occurred." – hence :class:`AfbpError` is an ``XlwingsError``.
* **xlwings Lite** (Pyodide; the same glue as ``xlwings_server/wasm/wasm_runtime.py``):
  any exception becomes ``{"error": message}``, shown the same way: ``#VALUE!`` with the
  message.
* **Classic xlwings** (Windows, COM): the VBA wrapper that *Import Functions* writes ends
  with ``failed: f = Err.Description``, so an exception would put its *text* into the
  cell, which IFERROR does not see. There the function instead *returns* a COM error
  value (``VT_ERROR`` with the scode Excel uses for ``#VALUE!``; pywin32 marshals a
  ``win32com.client.VARIANT`` as that type), and Excel shows ``#VALUE!``. Classic Excel
  has no place for a message.
* **Plain Python** (tests, scripts): the exception is raised.
"""

from __future__ import annotations

from typing import Any

try:  # every runtime that calls the functions has xlwings; the error class must not need it
    from xlwings import XlwingsError as _XlwingsError
except ImportError:  # pragma: no cover - only when xlwings is absent altogether
    _XlwingsError = Exception  # type: ignore[assignment,misc]

#: ``#VALUE!`` as a COM error value (``VT_ERROR``); xlwings reads such cells back as this
#: number too (``xlwings._xlwindows.cell_errors``).
XL_ERR_VALUE = -2146826273
VT_ERROR = 10


class AfbpError(_XlwingsError, ValueError):
    """A bad argument. The text is Polish: Excel shows it on the cell's error flag."""


def internal(exc: BaseException) -> AfbpError:
    """An unexpected failure, worded for the cell (never a traceback)."""
    text = f"{type(exc).__name__}: {exc}"
    return AfbpError("błąd wewnętrzny (" + (text if len(text) <= 120 else text[:117] + "…") + ")")


def classic_com() -> bool:
    """True inside the classic add-in's COM server (``xw.func`` is ``xlwings.udfs.xlfunc``)."""
    import xlwings as xw

    return getattr(getattr(xw, "func", None), "__module__", "") == "xlwings.udfs"


def com_error_value() -> Any:
    """``#VALUE!`` for the classic add-in: a VARIANT of type VT_ERROR."""
    from win32com.client import VARIANT  # only on Windows, where classic xlwings runs

    return VARIANT(VT_ERROR, XL_ERR_VALUE)


def fail(exc: BaseException) -> Any:
    """What a function hands Excel when ``exc`` stopped it: raise (Office.js, Python) or
    return the COM error value (classic)."""
    err = exc if isinstance(exc, AfbpError) else internal(exc)
    if classic_com():
        return com_error_value()
    if err is exc:
        raise err
    raise err from exc
