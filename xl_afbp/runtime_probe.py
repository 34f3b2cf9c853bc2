"""Run the analyst functions where only the standard library and xlwings can be imported.

``python runtime_probe.py STAGE [--office]`` — STAGE is a folder holding candidate sources
(the packages ``afbp_udfs`` and ``xl_afbp`` with each edition as generated
``edition.json``, no YAML). The probe puts STAGE first on ``sys.path``, refuses every import
whose top-level package is not in the standard library, ``xlwings``, ``xl_afbp`` or
``afbp_udfs``, calls each function once with good and once with bad arguments, and prints
JSON: the files of STAGE that were imported (the functions wheel's module list,
:mod:`xl_afbp.functions_wheel`), the edition and its spec digest, the imports it refused to our code
(``violations``, which must be empty) and to xlwings (its optional extras). ``--office``
runs with xlwings' Office.js decorators (``XLWINGS_ON_SERVER``), as Lite and Server do.

A plain script, not imported by the package: it must not load ``xl_afbp`` before STAGE is
on the path.
"""

from __future__ import annotations

import importlib.abc
import json
import os
import sys

OURS = ("xl_afbp", "afbp_udfs")
ALLOWED = set(sys.stdlib_module_names) | {"xlwings", *OURS}


class Refuser(importlib.abc.MetaPathFinder):
    """Refuses imports outside :data:`ALLOWED`, noting who asked."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.refused: list[str] = []

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001 - the finder protocol
        if name.partition(".")[0] in ALLOWED:
            return None
        importer = _importer()
        (self.violations if importer.partition(".")[0] in OURS else self.refused).append(f"{name} (from {importer})")
        raise ModuleNotFoundError(f"refused by the runtime probe: {name}", name=name)


def _importer() -> str:
    """The module whose code runs the import statement (the first frame outside importlib)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
        frame = frame.f_back
    return frame.f_globals.get("__name__", "?") if frame is not None else "?"


def exercise() -> tuple[str, str]:
    """Call every function (good and bad arguments); return the edition and its spec digest."""
    import afbp_udfs
    from afbp_udfs import afbp_udfs as functions

    session = functions._session()
    layouts = session.layouts
    keys = layouts.positional[max(layouts.positional)]
    row = [1.0] * len(keys)
    headers = [k.header for k in keys]
    code = session.spec.indicators[0].code
    item = next(c.item for c in session.spec.k03_checks if c.kind != "match")
    address = session.spec.k03_cells[0].address
    calls = [
        (afbp_udfs.afbp_indicator, (code, row)),
        (afbp_udfs.afbp_indicator, ([[code, code]], headers, row)),
        (afbp_udfs.afbp_indicators, (headers, row)),
        (afbp_udfs.afbp_checks, (row,)),
        (afbp_udfs.afbp_k03_check, (item, 1.0, 1.0, None, row)),
        (afbp_udfs.afbp_k03_checks, ([[address, 1.0]], row)),
        (afbp_udfs.afbp_info, (code, "wzór")),
    ]
    for fn, args in calls:
        fn(*args)
        try:
            fn(*([["?"]] * len(args)))
        except afbp_udfs.AfbpError:
            pass
    return functions.EDITION, session.spec.digest


def main(argv: list[str]) -> int:
    stage = os.path.abspath(argv[0])
    if "--office" in argv:
        os.environ["XLWINGS_ON_SERVER"] = "true"
        os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    sys.path[0] = stage  # instead of this script's folder
    refuser = Refuser()
    sys.meta_path.insert(0, refuser)
    edition, digest = exercise()
    modules = sorted(
        os.path.relpath(m.__file__, stage).replace(os.sep, "/")
        for m in list(sys.modules.values())
        if getattr(m, "__file__", None) and os.path.abspath(m.__file__).startswith(stage + os.sep)
    )
    print(json.dumps({"modules": modules, "edition": edition, "digest": digest, "violations": refuser.violations, "refused": refuser.refused}))
    return 1 if refuser.violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
