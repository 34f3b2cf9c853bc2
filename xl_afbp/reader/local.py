"""The file on the coordinator's disk: opened safely, and files that are not forms at all.

Problems on this side (a directory, a FIFO, a broken link, no permission) are the
coordinator's, not the library's: ``local_error`` says so. A FIFO is never opened for
reading (that would wait forever): the entry is examined with ``stat`` first, and the file
is opened without blocking and checked again through its descriptor.

Files that are no form – an Office lock file (``~$formularz.xlsx``), a cover letter, a scan,
a PDF – are ``skipped`` (``not_a_form``): listed in the import log, not counted as rejected.
A file is no form when its content is no spreadsheet AND its name says so (an Office or
system helper, or an extension of another kind of document). A file named ``.xlsx`` whose
content is a PDF is still a library's failed attempt to send the form: rejected, with advice.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .submission import Limits, _Reject
from .texts import FORMATS, SPREADSHEET_KINDS, _mb

#: extensions of workbooks: a folder named so is an unzipped workbook, one entry of the inbox
WORKBOOK_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".ots"})
#: extensions of spreadsheets and of archives that may hold one: such a file is judged
JUDGED_EXTENSIONS = WORKBOOK_EXTENSIONS | {".fods", ".csv", ".zip", ".rar", ".7z", ".gz"}
#: codes of the format stages: the content is no spreadsheet
FORMAT_CODES = frozenset({"empty_file", "not_zip", "wrong_format", "corrupt_zip", "encrypted"})


def read_local(path: Path, limits: Limits) -> bytes:
    """The file's bytes (at most ``max_file_bytes + 1``), or a rejection saying what is
    wrong on this computer."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _Reject("local_error", detail="dowiązanie symboliczne prowadzi do nieistniejącego pliku") from None
        raise _Reject("local_error", detail="plik zniknął z folderu w trakcie importu") from None
    except PermissionError:
        raise _Reject("local_error", detail="brak uprawnień do odczytu") from None
    except OSError as exc:
        raise _Reject("local_error", detail=f"błąd systemu plików ({errno.errorcode.get(exc.errno or 0, type(exc).__name__)})") from None
    _regular(st)
    if st.st_size > limits.max_file_bytes:
        raise _Reject("too_large", size=_mb(st.st_size), limit=_mb(limits.max_file_bytes))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except PermissionError:
        raise _Reject("local_error", detail="brak uprawnień do odczytu") from None
    except OSError as exc:
        raise _Reject("local_error", detail=f"nie można otworzyć pliku ({errno.errorcode.get(exc.errno or 0, type(exc).__name__)})") from None
    try:
        _regular(os.fstat(fd))  # the entry may have been swapped since stat
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise _Reject("local_error", detail=f"błąd odczytu z dysku ({errno.errorcode.get(exc.errno or 0, type(exc).__name__)})") from None
    finally:
        os.close(fd)


def _regular(st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise _Reject("local_error", detail="to katalog, a nie plik (np. rozpakowany skoroszyt) – spakuj go z powrotem albo poproś bibliotekę o plik")
    if not stat.S_ISREG(st.st_mode):
        raise _Reject("local_error", detail="to nie zwykły plik, lecz potok, gniazdo albo urządzenie")


_HELPERS = {"thumbs.db": "plik systemowy Windows", ".ds_store": "plik systemowy macOS", "desktop.ini": "plik systemowy Windows"}


def helper_kind(name: str) -> str | None:
    """What an Office or system helper file is, by its name alone, or None."""
    low = name.lower()
    if name.startswith("~$"):
        return "plik blokady pakietu Office (~$…), który Excel tworzy na czas edycji"
    if low.startswith(".~lock.") and low.endswith("#"):
        return "plik blokady LibreOffice"
    if name.startswith("._"):
        return "plik pomocniczy macOS"
    return _HELPERS.get(low)


def not_a_form(name: str, rej: _Reject) -> _Reject | None:
    """The ``not_a_form`` verdict for a file whose content the format stages rejected, when
    its name says it is no form either; else None (the rejection stands)."""
    if rej.code not in FORMAT_CODES or rej.kind in SPREADSHEET_KINDS:
        return None
    helper = helper_kind(name)
    if helper is not None:
        return _Reject("not_a_form", what=helper)
    ext = Path(name).suffix.lower()
    if not ext or ext in JUDGED_EXTENSIONS:
        return None
    what = FORMATS[rej.kind][0] if rej.kind in FORMATS else f"plik {ext}"
    return _Reject("not_a_form", what=what)
