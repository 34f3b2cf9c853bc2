"""The multi-year SQLite database of the consolidator (default ``build/afbp.sqlite``).

Tables (schema version :data:`SCHEMA_VERSION`, kept in ``schema_version`` and in
``PRAGMA user_version``; :data:`MIGRATIONS` upgrade older files in place):

``submissions``      every file content imported in the consolidation of a survey year,
                     keyed by its SHA-256 **and that year**: name, size, time of first
                     import, library id, verdict (accepted, accepted_with_warnings,
                     rejected, superseded), code, reason, the year, edition, spec version
                     and spec hash the file's ``_meta`` states (``form_year`` … – a file of
                     another year is a rejected row of this year), and the submission that
                     superseded it. The audit trail: rows are never deleted.
``libraries``        per library and year: basic data, status and the current submission.
``item_values``      the library's item values of that year (numbers; ``#`` and other text
                     in ``text``), ``service_values`` the 12 services (TAK/NIE),
                     ``k03_values`` the K-03 sheet as one JSON object (address → one
                     value per unit: main library, branches),
                     ``indicator_values`` the recomputed indicators.
``findings``         failed checks of each accepted submission (by SHA-256 and year).

Import rules (:func:`store`): every row an import writes has the consolidation's survey
year, so importing year N never changes a row of another year. The same file content again
is a no-op (a file rejected before and accepted now – e.g. after an id conflict was
resolved – is updated); a newer accepted file of a library replaces that library's values
for the year and the old submission stays, marked ``superseded``; an older file arriving
late is stored as ``superseded`` and changes nothing. "Newer" compares the consolidator's
timestamp (``saved_at``, else ``generated_at``, else the file's mtime). Re-running an
import gives the same database content.

Schema version 2 (the migration rebuilds version-1 files in place) made the year part of
a submission's key: in version 1 a file judged in two years' runs shared one row.

:func:`previous_values` gives ``generate --previous build/afbp.sqlite`` last year's values,
:func:`history` the libraries of every year (trends, ``generate --benchmark DB``).
"""

from __future__ import annotations

import json
import math
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .safetext import has_surrogate, safe
from .verdicts import REJECTED, STORED, SUPERSEDED, USED, sql_in

SCHEMA_VERSION = 2

#: (version, description, SQL) applied in order to bring a database up to date
MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "submissions, libraries, values, K-03 rows, indicators, findings",
        """
        CREATE TABLE schema_version (
            version     INTEGER PRIMARY KEY,
            applied_at  TEXT NOT NULL,
            description TEXT NOT NULL
        );
        CREATE TABLE submissions (
            sha256        TEXT PRIMARY KEY,
            file_name     TEXT NOT NULL,
            size          INTEGER NOT NULL,
            imported_at   TEXT NOT NULL,
            library_id    TEXT,
            year          INTEGER,
            verdict       TEXT NOT NULL CHECK (verdict IN ({verdicts})),
            code          TEXT NOT NULL,
            reason        TEXT NOT NULL DEFAULT '',
            saved_at      TEXT,
            generated_at  TEXT,
            spec_version  TEXT,
            newest_key    TEXT NOT NULL DEFAULT '',
            superseded_by TEXT REFERENCES submissions(sha256)
        );
        CREATE INDEX submissions_library ON submissions(library_id, year);
        CREATE TABLE libraries (
            library_id  TEXT NOT NULL,
            year        INTEGER NOT NULL,
            sha256      TEXT NOT NULL REFERENCES submissions(sha256),
            nazwa       TEXT, organizator TEXT, podtyp TEXT, przedzial TEXT,
            wojewodztwo TEXT, powiat TEXT, gmina TEXT, miejscowosc TEXT, teryt TEXT,
            status      TEXT, errors INTEGER, warnings INTEGER, gaps INTEGER,
            PRIMARY KEY (library_id, year)
        );
        CREATE TABLE item_values (
            library_id TEXT NOT NULL, year INTEGER NOT NULL, item INTEGER NOT NULL,
            value REAL, text TEXT,
            PRIMARY KEY (library_id, year, item)
        );
        CREATE TABLE service_values (
            library_id TEXT NOT NULL, year INTEGER NOT NULL, service INTEGER NOT NULL,
            value TEXT,
            PRIMARY KEY (library_id, year, service)
        );
        CREATE TABLE k03_values (
            library_id TEXT NOT NULL, year INTEGER NOT NULL,
            rows TEXT NOT NULL,
            PRIMARY KEY (library_id, year)
        );
        CREATE TABLE indicator_values (
            library_id TEXT NOT NULL, year INTEGER NOT NULL, code TEXT NOT NULL,
            value REAL,
            PRIMARY KEY (library_id, year, code)
        );
        CREATE TABLE findings (
            sha256 TEXT NOT NULL REFERENCES submissions(sha256), seq INTEGER NOT NULL,
            library_id TEXT, year INTEGER,
            kind TEXT, ref TEXT, severity TEXT, message TEXT, "values" TEXT,
            afbp REAL, k03 REAL, k03_upper REAL,
            PRIMARY KEY (sha256, seq)
        );
        """.replace("{verdicts}", sql_in(STORED)),  # the verdicts a stored file content can have
    ),
    (
        2,
        "the survey year is part of a submission's key; the file's own year, edition and spec hash",
        """
        CREATE TABLE submissions_v2 (
            sha256        TEXT NOT NULL,
            year          INTEGER NOT NULL,
            file_name     TEXT NOT NULL,
            size          INTEGER NOT NULL,
            imported_at   TEXT NOT NULL,
            library_id    TEXT,
            verdict       TEXT NOT NULL CHECK (verdict IN ({verdicts})),
            code          TEXT NOT NULL,
            reason        TEXT NOT NULL DEFAULT '',
            saved_at      TEXT,
            generated_at  TEXT,
            form_year     INTEGER,
            edition       TEXT,
            spec_version  TEXT,
            spec_sha256   TEXT,
            newest_key    TEXT NOT NULL DEFAULT '',
            superseded_by TEXT,
            PRIMARY KEY (sha256, year),
            FOREIGN KEY (superseded_by, year) REFERENCES submissions(sha256, year)
        );
        INSERT INTO submissions_v2 (sha256, year, file_name, size, imported_at, library_id, verdict, code, reason, saved_at, generated_at, form_year, spec_version, newest_key, superseded_by)
            SELECT sha256, COALESCE(year, 0), file_name, size, imported_at, library_id, verdict, code, reason, saved_at, generated_at, year, spec_version, newest_key, superseded_by FROM submissions;
        CREATE TABLE libraries_v2 (
            library_id  TEXT NOT NULL,
            year        INTEGER NOT NULL,
            sha256      TEXT NOT NULL,
            nazwa       TEXT, organizator TEXT, podtyp TEXT, przedzial TEXT,
            wojewodztwo TEXT, powiat TEXT, gmina TEXT, miejscowosc TEXT, teryt TEXT,
            status      TEXT, errors INTEGER, warnings INTEGER, gaps INTEGER,
            PRIMARY KEY (library_id, year),
            FOREIGN KEY (sha256, year) REFERENCES submissions(sha256, year)
        );
        INSERT INTO libraries_v2 SELECT * FROM libraries;
        CREATE TABLE findings_v2 (
            sha256 TEXT NOT NULL, year INTEGER NOT NULL, seq INTEGER NOT NULL,
            library_id TEXT,
            kind TEXT, ref TEXT, severity TEXT, message TEXT, "values" TEXT,
            afbp REAL, k03 REAL, k03_upper REAL,
            PRIMARY KEY (sha256, year, seq),
            FOREIGN KEY (sha256, year) REFERENCES submissions(sha256, year)
        );
        INSERT INTO findings_v2 SELECT sha256, COALESCE(year, 0), seq, library_id, kind, ref, severity, message, "values", afbp, k03, k03_upper FROM findings;
        DROP TABLE findings;
        DROP TABLE libraries;
        DROP TABLE submissions;
        ALTER TABLE submissions_v2 RENAME TO submissions;
        ALTER TABLE libraries_v2 RENAME TO libraries;
        ALTER TABLE findings_v2 RENAME TO findings;
        CREATE INDEX submissions_library ON submissions(library_id, year);
        """.replace("{verdicts}", sql_in(STORED)),
    ),
]

VALUE_TABLES = ("item_values", "service_values", "k03_values", "indicator_values")


class DatabaseError(RuntimeError):
    """The file is not an xl-afbp database or was written by a newer version."""


@dataclass
class StoreReport:
    new: int = 0  # submissions seen for the first time
    unchanged: int = 0  # already in the database (re-import: no-op)
    updated: int = 0  # rejected before, accepted now
    replaced: int = 0  # libraries whose values for the year were replaced by a newer file
    inserted: int = 0  # libraries whose values for the year were stored for the first time
    late: int = 0  # accepted files older than the library's current one (stored as superseded)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, why) of files that could not be stored; the others are


# ---------------------------------------------------------------------------- connection
def connect(path: Path | str, *, create: bool = True) -> sqlite3.Connection:
    """Open (and create or migrate) the database."""
    path = Path(path)
    if not create and not path.exists():
        raise FileNotFoundError(f"database not found: {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    try:
        migrate(conn)
    except Exception:
        conn.close()
        raise
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the missing migrations; returns the schema version."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise DatabaseError(f"the database has schema version {current}; this xl-afbp knows up to {SCHEMA_VERSION}: update xl-afbp")
    if current == 0:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables:
            raise DatabaseError(f"not an xl-afbp database (tables {', '.join(sorted(tables))} without a schema version)")
    for version, description, sql in MIGRATIONS:
        if version <= current:
            continue
        # a migration may rebuild tables that others reference (SQLite's documented way:
        # foreign keys off, new table, copy, drop, rename, check, on again)
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn:
                conn.execute("BEGIN")
                for statement in _statements(sql):
                    conn.execute(statement)
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError(f"migration {version} would leave {len(broken)} broken references (e.g. {broken[0]})")
                conn.execute("INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)", (version, _now(), description))
                conn.execute(f"PRAGMA user_version = {int(version)}")
        finally:
            conn.execute("PRAGMA foreign_keys = ON")
        current = version
    return current


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------- values
def _number(v: Any) -> float | None:
    """A finite number SQLite and JSON can hold, or None (NaN, ±Infinity, an int beyond a
    double, text)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        f = float(v)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def _plain(v: Any) -> Any:
    """A JSON/SQLite-safe cell value: finite numbers, text without what UTF-8 cannot carry
    (every writer is safe on its own, whatever the reader let through)."""
    if v is None:
        return None
    if type(v) is int and -_EXACT < v < _EXACT:  # the usual value, already what the end gives
        return v
    if type(v) is str:
        return safe(v)
    n = _number(v)
    if n is not None:
        return int(n) if n.is_integer() and abs(n) < _EXACT else n
    if isinstance(v, (int, float)):  # bool, nan, inf, huge ints
        return None if not isinstance(v, bool) else str(v)
    if isinstance(v, datetime):
        return v.isoformat()
    return safe(str(v))


#: integers up to this size are exact as doubles (beyond it a value is stored as a float)
_EXACT = 2**53


#: strict JSON (never NaN or Infinity, which no JSON reader accepts); one encoder for every call
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def _json(obj: Any) -> str:
    """Strict JSON (never NaN or Infinity, which no JSON reader accepts)."""
    return _ENCODER.encode(obj)


def _json_rows(rows: dict[str, list[Any]]) -> str:
    """The K-03 rows as strict JSON: as they are when they can be (the usual case, one
    call), else every value made plain (NaN, ±Infinity, huge ints: null; text safe)."""
    try:
        text = _json(rows)
        if not has_surrogate(text):
            return text
    except (ValueError, TypeError, OverflowError):
        pass
    return _json({a: [_plain(v) for v in row] for a, row in rows.items()})



def _iso(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
    return str(v)


def _key(entry) -> str:
    return entry.when.astimezone(timezone.utc).isoformat(timespec="microseconds")


# ---------------------------------------------------------------------------- import
def store(path: Path | str, con, *, imported_at: str | None = None) -> StoreReport:
    """Record a :class:`~xl_afbp.consolidate.Consolidation` (see the module doc for the rules).

    Every row written carries the consolidation's survey year, so the import of one year
    never touches a row of another (a file of another year is this year's rejected row)."""

    now = imported_at or _now()
    year = int(con.year)
    lib_rows = _library_rows(con)
    with closing(connect(path)) as conn, conn:
        conn.execute("BEGIN")  # one transaction; each file under a savepoint inside it
        conn.execute("SAVEPOINT all_files")
        try:  # the values of all files inserted together at the end (the usual case) …
            report = _store_files(conn, con, year, now, lib_rows, together=True)
        except sqlite3.Error:  # … unless that fails: then file by file, each rolled back alone
            conn.execute("ROLLBACK TO all_files")
            report = _store_files(conn, con, year, now, lib_rows, together=False)
        conn.execute("RELEASE all_files")
        # a superseded file of this batch points to the file that won
        for e in con.entries:
            if e.status == SUPERSEDED and e.other:
                winner = next((w for w in con.entries if w.status in USED and w.library_id == e.library_id), None)
                if winner is not None:
                    conn.execute("UPDATE submissions SET superseded_by = ? WHERE sha256 = ? AND year = ? AND superseded_by IS NULL", (winner.sub.sha256, e.sub.sha256, year))
    return report


#: the basic columns of the ``libraries`` table (from the consolidator's table of that name)
LIBRARY_COLUMNS = ("nazwa", "organizator", "podtyp", "przedzial", "wojewodztwo", "powiat", "gmina", "miejscowosc", "teryt")


def _library_rows(con) -> dict[str, dict]:
    """The consolidator's basic columns of each library, by id (what its row is made of)."""
    basic = ["id", *(c for c in LIBRARY_COLUMNS if c in con.libraries.columns)]
    return {r["id"]: r for r in con.libraries[basic].to_dict("records")} if len(con.libraries) else {}


def _store_files(conn: sqlite3.Connection, con, year: int, now: str, lib_rows: dict[str, dict], *, together: bool) -> StoreReport:
    """Each stored file's audit row, library row and values. One file's values can never
    fail the others: each file is stored under its own savepoint, and a file that cannot be
    stored is rolled back alone and reported. ``together``: the value rows of all files
    are inserted at the end, one statement per table (an SQL error there is raised, for
    the caller to store file by file)."""
    report = StoreReport()
    values: dict[str, list[tuple]] = {t: [] for t in (*VALUE_TABLES, "findings")}
    for e in con.entries:
        if e.status not in STORED or not e.sub.sha256:  # a copy, no form, undecided, or no content hash to key on
            continue
        batch: dict[str, list[tuple]] = {t: [] for t in values}
        conn.execute("SAVEPOINT one_file")
        try:
            if _submission_row(conn, year, e, now, report):
                _activate(conn, year, e, lib_rows.get(e.library_id), batch, report)
                if not together:
                    _insert(conn, batch)
        except (sqlite3.Error, ValueError, TypeError, OverflowError, UnicodeError) as exc:
            conn.execute("ROLLBACK TO one_file")
            report.failed.append((safe(str(e.sub.name)), f"{type(exc).__name__}: {safe(str(exc))[:200]}"))
        else:
            for table, rows in batch.items():
                values[table] += rows
        conn.execute("RELEASE one_file")
    if together:
        _insert(conn, values)
    return report


def _year(v: Any) -> int | None:
    """The year a file's ``_meta`` states (None when it states none that is a year)."""
    try:
        n = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return int(n) if math.isfinite(n) and n.is_integer() else None


def _submission_row(conn: sqlite3.Connection, year: int, e, now: str, report: StoreReport) -> bool:
    """The file's audit row for the survey year (inserted, or a rejected one updated);
    whether its values are to be stored now."""
    sub = e.sub
    meta = sub.meta or {}
    verdict = e.status
    row = conn.execute("SELECT verdict FROM submissions WHERE sha256 = ? AND year = ?", (sub.sha256, year)).fetchone()
    if row is not None:
        if row[0] == REJECTED and verdict != REJECTED:
            conn.execute(
                "UPDATE submissions SET verdict = ?, code = ?, reason = ?, library_id = ?, superseded_by = NULL WHERE sha256 = ? AND year = ?",
                (verdict, e.code, _plain(e.reason), _plain(e.library_id), sub.sha256, year),
            )
            report.updated += 1
        else:
            report.unchanged += 1
            return False
    else:
        conn.execute(
            "INSERT INTO submissions (sha256, year, file_name, size, imported_at, library_id, verdict, code, reason, saved_at, generated_at, form_year, edition, spec_version, spec_sha256, newest_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sub.sha256, year, _plain(str(sub.name)), int(sub.size or 0), now, _plain(e.library_id), verdict, e.code, _plain(e.reason),
             _iso(getattr(sub, "saved_at", None)), _iso(meta.get("generated_at")), _year(meta.get("year")),
             _plain(meta.get("edition")), _plain(meta.get("spec_version")), _plain(meta.get("spec_sha256")), _key(e)),
        )
        report.new += 1
    return verdict in USED


def _insert(conn: sqlite3.Connection, batch: dict[str, list[tuple]]) -> None:
    for table, rows in batch.items():
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            verb = "INSERT OR IGNORE" if table == "findings" else "INSERT"
            conn.executemany(f"{verb} INTO {table} VALUES ({marks})", rows)


def _activate(conn: sqlite3.Connection, year: int, e, lib: dict | None, batch: dict[str, list[tuple]], report: StoreReport) -> None:
    """Make ``e`` the library's current submission for the year, unless a newer one is;
    its value rows are appended to ``batch`` (inserted together at the end)."""
    cur = conn.execute(
        "SELECT l.sha256, s.newest_key FROM libraries l JOIN submissions s ON s.sha256 = l.sha256 AND s.year = l.year WHERE l.library_id = ? AND l.year = ?",
        (_plain(e.library_id), year),
    ).fetchone()
    sha = e.sub.sha256
    if cur is not None:
        if cur[0] == sha:
            return
        if (cur[1], cur[0]) > (_key(e), sha):  # the stored one is newer: this file came late
            conn.execute("UPDATE submissions SET verdict = 'superseded', superseded_by = ? WHERE sha256 = ? AND year = ?", (cur[0], sha, year))
            report.late += 1
            return
        conn.execute("UPDATE submissions SET verdict = 'superseded', superseded_by = ? WHERE sha256 = ? AND year = ?", (sha, cur[0], year))
        for table in VALUE_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE library_id = ? AND year = ?", (_plain(e.library_id), year))
        report.replaced += 1
    else:
        report.inserted += 1
    row, rows = _current_rows(year, e, lib)
    conn.execute(
        "INSERT OR REPLACE INTO libraries (library_id, year, sha256, nazwa, organizator, podtyp, przedzial, wojewodztwo, powiat, gmina, miejscowosc, teryt, status, errors, warnings, gaps)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        row,
    )
    for table, found in rows.items():
        batch[table] += found


def _current_rows(year: int, e, lib: dict | None) -> tuple[tuple, dict[str, list[tuple]]]:
    """The ``libraries`` row and the rows of the value tables and ``findings`` that make the
    entry ``e`` its library's current submission for ``year``: what :func:`store` inserts
    and :func:`pending_history` reads (pure)."""
    lib = lib or {}
    ev = e.evaluation  # consolidate.evaluation.FormEvaluation
    lid = _plain(e.library_id)
    sha = e.sub.sha256
    row = (lid, year, sha, *(_plain(lib.get(k)) for k in LIBRARY_COLUMNS),
           *((ev.status, ev.errors, ev.warnings, ev.gaps) if ev else (None, None, None, None)))
    data = e.sub.data
    items = []
    for nr, v in sorted(data.items.items()):
        p = _plain(v)
        if p is None or p == "":
            continue
        number = isinstance(p, (int, float))
        items.append((lid, year, int(nr), p if number else None, None if number else p))
    services = [(lid, year, int(nr), p) for nr, v in sorted(data.services.items()) if (p := _plain(v)) not in (None, "")]
    k03 = {addr: r for addr, r in data.k03.items() if _filled(r)}
    indicators = [(lid, year, code, _number(v)) for code, v in (ev.indicators if ev else {}).items()]
    findings = [(sha, year, i, lid, *(_plain(x) for x in f.row())) for i, f in enumerate(ev.findings if ev else (), start=1)]
    findings += [(sha, year, len(findings) + i, lid, "plik", "import", "uwaga", _plain(w), "", None, None, None) for i, w in enumerate(e.warnings, start=1)]
    return row, {"item_values": items, "service_values": services, "k03_values": [(lid, year, _json_rows(k03))], "indicator_values": indicators, "findings": findings}


def _filled(row: Any) -> bool:
    """Whether a K-03 row holds a value (anything but None and ""; a list, as the reader
    gives it, is counted in C)."""
    if type(row) is list:
        return len(row) > row.count(None) + row.count("")
    return any(v is not None and v != "" for v in row)


# ---------------------------------------------------------------------------- queries
def previous_values(path: Path | str, *, year: int | None = None) -> dict[str, dict[int, Any]]:
    """Item values by library id for ``year`` (default: the latest year in the database):
    what ``xl-afbp generate --previous build/afbp.sqlite`` prefills as last year's values."""
    with closing(connect(path, create=False)) as conn:
        if year is None:
            row = conn.execute("SELECT MAX(year) FROM libraries").fetchone()
            if row is None or row[0] is None:
                return {}
            year = int(row[0])
        out: dict[str, dict[int, Any]] = {}
        for lib, item, value, text in conn.execute("SELECT library_id, item, value, text FROM item_values WHERE year = ? ORDER BY library_id, item", (year,)):
            v: Any = text if value is None else (int(value) if float(value).is_integer() else float(value))
            out.setdefault(lib, {})[int(item)] = v
        return out


def years(path: Path | str) -> list[int]:
    """The survey years that have libraries' data, oldest first."""
    with closing(connect(path, create=False)) as conn:
        return [int(r[0]) for r in conn.execute("SELECT DISTINCT year FROM libraries ORDER BY year")]


def history(path: Path | str, *, years: Iterable[int] | None = None):
    """The current submission of every library in every year (or in ``years``), as one
    table: ``rok``, ``id``, the basic columns, ``P01`` … (numbers; ``#`` and other text
    as NaN) and one column per indicator – the shape of the consolidator's ``libraries``
    table, which :func:`xl_afbp.consolidate.trends.trends` and the benchmarks read – and
    ``_findings``, each library's checks ``(kind, check, severity)``, so that they leave out
    what the checks mark wrong, as the consolidation did."""
    import pandas as pd

    wanted = None if years is None else sorted({int(y) for y in years})
    where, args = ("", ()) if wanted is None else (f" WHERE year IN ({', '.join('?' * len(wanted))})", tuple(wanted))
    with closing(connect(path, create=False)) as conn:
        libs = pd.read_sql_query(f"SELECT year AS rok, library_id AS id, {', '.join(LIBRARY_COLUMNS)} FROM libraries{where} ORDER BY year, library_id", conn, params=args)
        items = pd.read_sql_query(f"SELECT year AS rok, library_id AS id, item, value FROM item_values{where}", conn, params=args)
        inds = pd.read_sql_query(f"SELECT year AS rok, library_id AS id, code, value FROM indicator_values{where}", conn, params=args)
        fwhere = "" if wanted is None else f" AND l.year IN ({', '.join('?' * len(wanted))})"
        finds = pd.read_sql_query(
            "SELECT l.year AS rok, l.library_id AS id, f.kind, f.ref, f.severity FROM libraries l"
            f" JOIN findings f ON f.sha256 = l.sha256 AND f.year = l.year AND f.library_id = l.library_id WHERE 1 = 1{fwhere} ORDER BY f.seq",
            conn, params=args,
        )
    return _history_frame(libs, items, inds, finds)


def pending_history(con, path: Path | str):
    """:func:`history` of the database ``path`` as it will read once :func:`store` has
    recorded ``con``: its other years, and this year's rows computed from the consolidation
    by the rows the import makes. So the trends can be computed, and the publication
    rendered, while the database is written.

    None when that is not known beforehand: the database already holds rows of the year
    (which submission is current then depends on what is stored), or two files would both
    be a library's current one or share a content hash, or one has no library id or content
    hash, or its rows cannot be made (store() decides those by the database's rules)."""
    import pandas as pd

    year = int(con.year)
    current = [e for e in con.entries if e.status in USED]  # what store() makes current in a year it does not hold
    ids = [_plain(e.library_id) for e in current]
    shas = [e.sub.sha256 for e in current]
    if None in ids or not all(shas) or len(set(ids)) != len(ids) or len(set(shas)) != len(shas):
        return None
    held = years(path) if Path(path).exists() else []
    if year in held:
        return None
    lib_rows = _library_rows(con)
    libs, items, inds, finds = [], [], [], []
    for e in current:
        try:
            row, rows = _current_rows(year, e, lib_rows.get(e.library_id))
        except (ValueError, TypeError, OverflowError, UnicodeError):  # store() leaves such a file out
            return None
        libs.append((year, row[0], *row[3 : 3 + len(LIBRARY_COLUMNS)]))
        # as SQLite gives them back: a REAL column holds every number as a float
        items += [(y, lid, nr, None if v is None else float(v)) for lid, y, nr, v, _text in rows["item_values"]]
        inds += [(y, lid, code, v) for lid, y, code, v in rows["indicator_values"]]
        finds += [(y, lid, kind, ref, severity) for _sha, y, _seq, lid, kind, ref, severity, *_ in rows["findings"]]
    frame = _history_frame(
        pd.DataFrame(sorted(libs, key=lambda r: r[1]), columns=["rok", "id", *LIBRARY_COLUMNS]),  # ORDER BY library_id
        pd.DataFrame(items, columns=["rok", "id", "item", "value"]),
        pd.DataFrame(inds, columns=["rok", "id", "code", "value"]),
        pd.DataFrame(finds, columns=["rok", "id", "kind", "ref", "severity"]),
    )
    other = [y for y in held if y != year]
    return pd.concat([history(path, years=other), frame], ignore_index=True) if other else frame


def _history_frame(libs, items, inds, finds):
    """:func:`history`'s table from its four queries' frames (``libs``: rok, id, the basic
    columns; ``items`` and ``inds``: rok, id, item or code, value; ``finds``: rok, id, kind,
    ref, severity in their order)."""
    items["col"] = [f"P{int(n):02d}" for n in items["item"]]
    wide_items = items.pivot_table(index=["rok", "id"], columns="col", values="value", aggfunc="first") if len(items) else None
    wide_inds = inds.pivot_table(index=["rok", "id"], columns="code", values="value", aggfunc="first") if len(inds) else None
    out = libs.set_index(["rok", "id"])
    for wide in (wide_items, wide_inds):
        if wide is not None:
            wide.columns = [str(c) for c in wide.columns]
            out = out.join(wide.astype(float))
    out = out.reset_index()
    # the checks of each current submission: the statistics leave out what they mark wrong
    checks: dict[tuple[int, str], list[tuple[str, str, str]]] = {}
    for year, lid, kind, ref, severity in finds.itertuples(index=False):
        checks.setdefault((int(year), str(lid)), []).append((kind, ref, severity))
    out["_findings"] = [tuple(checks.get((int(y), str(i)), ())) for y, i in zip(out["rok"], out["id"])]
    return out


def dump(path: Path | str) -> dict[str, list[tuple]]:
    """Every table's rows, sorted (for comparisons in tests and audits)."""
    with closing(connect(path, create=False)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "DatabaseError", "StoreReport", "connect", "dump", "history", "migrate", "pending_history", "previous_values", "schema_version", "store", "years"]
