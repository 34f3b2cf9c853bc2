"""``xl-afbp udfs`` (deploy the Excel functions of ``afbp_udfs``) and ``xl-afbp analyst``.

* ``xl-afbp udfs config [--write PATH] [--interpreter EXE]`` – the classic xlwings settings
  (``xlwings.conf``: ``INTERPRETER_WIN`` and ``UDF_MODULES`` with ``afbp_udfs`` added),
  printed or merged into a file;
* ``xl-afbp udfs lite [--out DIR] [--requirement SPEC]`` – ``main.py`` and
  ``requirements.txt`` to paste into xlwings Lite, and the functions wheel;
* ``xl-afbp udfs server DIR [--license-key KEY] [--namespace NS] [--force]`` – a ready
  xlwings Server project, installable offline (the functions wheel in ``wheels/``);
* ``xl-afbp analyst [--out DIR]`` – the analyst workbook (:mod:`xl_afbp.analyst`).

The files are rendered from the jinja2 templates ``templates/udfs_*.j2`` (package
``xl_afbp.templates``); the wheel is :mod:`xl_afbp.functions_wheel`. No package index
holds xl-afbp, so nothing written here asks one for it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.resources
import secrets
import sys
import textwrap
from pathlib import Path

from .. import __version__, functions_wheel
from .base import UsageError, command

UDF_MODULE = "afbp_udfs"
SERVER_MIN_VERSION = "1.20"
CONF_FILENAME = "xlwings.conf"
DEFAULT_NAMESPACE = "AFBP"
WHEELS_DIR = "wheels"


# ---------------------------------------------------------------------------- rendering
def _env():
    import jinja2

    root = importlib.resources.files("xl_afbp.templates")

    def load(name: str) -> str | None:
        res = root / name
        return res.read_text(encoding="utf-8") if res.is_file() else None

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        keep_trailing_newline=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
    )


def render(template: str, **context) -> str:
    """Render one ``templates/<template>`` with ``context``."""
    return _env().get_template(template).render(version=__version__, **context)


def _edition() -> str:
    import os

    return os.environ.get("XL_AFBP_EDITION", "2016")


# ---------------------------------------------------------------------------- classic xlwings
def xlwings_conf(interpreter: str | None = None) -> str:
    """The ``xlwings.conf`` lines for the classic add-in (Windows)."""
    return render("udfs_xlwings.conf.j2", interpreter=interpreter or sys.executable, udf_modules=UDF_MODULE)


def _conf_key(line: str) -> str | None:
    line = line.strip()
    if not line.startswith('"'):
        return None
    end = line.find('"', 1)
    return line[1:end].upper() if end > 0 else None


def _conf_value(line: str) -> str:
    """The value of a ``"KEY","value"`` line."""
    parts = line.strip().split('","', 1)
    return parts[1].rstrip().rstrip('"') if len(parts) == 2 else ""


def _udf_modules(old: str) -> str:
    """``UDF_MODULES`` with ``afbp_udfs`` added once (xlwings separates modules with ``;``)."""
    modules = [m.strip() for m in old.split(";") if m.strip()]
    return ";".join(modules + ([UDF_MODULE] if UDF_MODULE not in modules else []))


def write_xlwings_conf(path: str | Path, interpreter: str | None = None) -> Path:
    """Write or merge the settings into ``path`` (a file, or a folder → ``xlwings.conf``).

    Existing lines of other keys (e.g. ``LICENSE_KEY``) are kept; ``INTERPRETER_WIN`` is
    replaced; ``afbp_udfs`` is *added* to ``UDF_MODULES`` (the user's other modules stay
    registered). Like ``xlwings config create``, the file is written in the locale's
    encoding: the add-in's VBA reads it as ANSI text.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CONF_FILENAME
    new = xlwings_conf(interpreter).splitlines()
    keys = {_conf_key(line) for line in new}
    kept: list[str] = []
    modules = ""
    if path.exists():
        old = path.read_text(encoding="locale", errors="replace")
        kept = [line for line in old.splitlines() if line.strip() and _conf_key(line) not in keys]
        modules = next((_conf_value(line) for line in old.splitlines() if _conf_key(line) == "UDF_MODULES"), "")
    new = [f'"UDF_MODULES","{_udf_modules(modules)}"' if _conf_key(line) == "UDF_MODULES" else line for line in new]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept + new) + "\n", encoding="locale")
    return path


# ---------------------------------------------------------------------------- xlwings Lite
def lite_files(requirement: str | None = None) -> dict[str, str | bytes]:
    """``main.py``, ``requirements.txt`` and the functions wheel for xlwings Lite.

    By default ``main.py`` embeds the wheel (base64) and ``requirements.txt`` installs
    nothing; with ``requirement`` (the URL where the wheel is hosted) ``main.py`` only
    imports the functions and ``requirements.txt`` lists that URL.
    """
    wheel = functions_wheel.build()
    name = functions_wheel.wheel_filename()
    embedded = "" if requirement else "\n".join(textwrap.wrap(base64.b64encode(wheel).decode("ascii"), 100))
    main = render(
        "udfs_lite_main.py.j2",
        edition=_edition(),
        wheel_name=name,
        wheel_b64=embedded,
        sha256=hashlib.sha256(wheel).hexdigest(),
        requirement=requirement or "",
    )
    return {
        "main.py": main,
        "requirements.txt": render("udfs_lite_requirements.txt.j2", requirement=requirement or ""),
        name: wheel,
    }


def _write_all(directory: Path, files: dict[str, str | bytes]) -> list[Path]:
    written = []
    for rel, content in files.items():
        p = directory / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        written.append(p)
    return written


def write_lite(out: str | Path, requirement: str | None = None) -> list[Path]:
    return _write_all(Path(out), lite_files(requirement))


# ---------------------------------------------------------------------------- xlwings Server
def server_files(
    *,
    license_key: str = "noncommercial",
    namespace: str = DEFAULT_NAMESPACE,
    environment: str = "prod",
    project_name: str = "AFBP",
) -> dict[str, str | bytes]:
    """Relative path → content of an xlwings Server project serving ``afbp_udfs``."""
    dist = functions_wheel.DIST_NAME
    ctx = dict(license_key=license_key, namespace=namespace, environment=environment, project_name=project_name)
    return {
        "custom_functions/__init__.py": render("udfs_server_custom_functions.py.j2", dist_name=dist, namespace=namespace),
        "custom_scripts/__init__.py": render("udfs_server_custom_scripts.py.j2"),
        ".env": render("udfs_server_env.j2", secret_key=secrets.token_urlsafe(32), edition=_edition(), **ctx),
        ".gitignore": render("udfs_server_gitignore.j2"),
        "requirements.txt": render("udfs_server_requirements.txt.j2", server_min=SERVER_MIN_VERSION, dist_name=dist),
        "README.md": render("udfs_server_README.md.j2", dist_name=dist, wheels=WHEELS_DIR, **ctx),
        f"{WHEELS_DIR}/{functions_wheel.wheel_filename()}": functions_wheel.build(),
    }


def write_server_project(directory: str | Path, *, force: bool = False, **options) -> list[Path]:
    """Write the project into ``directory``; refuse to overwrite files unless ``force``."""
    directory = Path(directory)
    files = server_files(**options)
    existing = [rel for rel in files if (directory / rel).exists()]
    if existing and not force:
        raise FileExistsError(f"{directory}: already has {', '.join(existing)} (use --force to overwrite)")
    return _write_all(directory, files)


# ---------------------------------------------------------------------------- CLI
@command("udfs")
def _add_udfs(sub) -> None:
    p = sub.add_parser("udfs", help="deploy the Excel functions AFBP_* (xlwings classic, Lite, Server)")
    ssub = p.add_subparsers(dest="udfs_cmd", required=True)

    conf = ssub.add_parser("config", help="print (or --write) the classic xlwings settings: interpreter, UDF_MODULES=afbp_udfs")
    conf.add_argument("--write", type=Path, default=None, metavar="PATH",
                      help="write/merge into this xlwings.conf (a folder → PATH/xlwings.conf); "
                           "user config: %%USERPROFILE%%\\.xlwings\\xlwings.conf")
    conf.add_argument("--interpreter", default=None, help="Python for Excel to run (default: this one)")
    conf.set_defaults(func=cmd_config)

    lite = ssub.add_parser("lite", help="main.py and requirements.txt to paste into xlwings Lite (and the functions wheel)")
    lite.add_argument("--out", type=Path, default=None,
                      help="write main.py, requirements.txt and the wheel into this folder (default: print the two texts)")
    lite.add_argument("--requirement", default=None, metavar="URL",
                      help="list this URL of the hosted wheel in requirements.txt instead of embedding the wheel in main.py")
    lite.set_defaults(func=cmd_lite)

    server = ssub.add_parser("server", help="write an xlwings Server project folder serving the functions")
    server.add_argument("dir", type=Path, help="project folder (created if missing)")
    server.add_argument("--license-key", default="noncommercial",
                        help="XLWINGS_LICENSE_KEY for .env (default 'noncommercial' = PolyForm Noncommercial; "
                             "commercial use needs a paid key)")
    server.add_argument("--namespace", default=DEFAULT_NAMESPACE,
                        help=f"Excel namespace of the functions, =NS.AFBP_INDICATOR(...) (default {DEFAULT_NAMESPACE})")
    server.add_argument("--force", action="store_true", help="overwrite existing files")
    server.set_defaults(func=cmd_server)


@command("analyst")
def _add_analyst(sub) -> None:
    p = sub.add_parser("analyst", help="write the analyst workbook: library table with =AFBP_INDICATOR() next to native formulas")
    p.add_argument("--out", type=Path, default=Path("."), help="output folder or .xlsx file (default: current folder)")
    p.set_defaults(func=cmd_analyst)


def cmd_config(args: argparse.Namespace) -> int:
    if args.write is None:
        print(xlwings_conf(args.interpreter), end="")
        return 0
    path = write_xlwings_conf(args.write, args.interpreter)
    print(f"xlwings settings written: {path}")
    return 0


def cmd_lite(args: argparse.Namespace) -> int:
    if args.out is None:
        for name, text in lite_files(args.requirement).items():
            if isinstance(text, str):
                print(f"# ===== {name} =====")
                print(text, end="" if text.endswith("\n") else "\n")
        return 0
    for p in write_lite(args.out, args.requirement):
        print(f"written: {p}")
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    try:
        written = write_server_project(args.dir, force=args.force, license_key=args.license_key, namespace=args.namespace)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from exc
    for p in written:
        print(f"written: {p}")
    print(f"Next: cd {args.dir} && pip install -r requirements.txt && xlwings-server  (see README.md)")
    return 0


def cmd_analyst(args: argparse.Namespace) -> int:
    from ..analyst import write_analyst_workbook

    path = write_analyst_workbook(args.out)
    print(f"Skoroszyt analityka: {path}")
    return 0
