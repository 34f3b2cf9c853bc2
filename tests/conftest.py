"""Shared fixtures. LibreOffice tests fail loudly when soffice is missing: `make test` installs it."""

from __future__ import annotations

import pytest

from xl_afbp.engine import Engine, get_engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return get_engine(2016)


@pytest.fixture(scope="session")
def spec(engine):
    return engine.spec


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The hostile-file corpus (tests/corpus/make_corpus.py), built once per session:
    (folder, {file name: CorpusCase})."""
    from corpus.make_corpus import build_corpus

    out = tmp_path_factory.mktemp("corpus")
    cases = build_corpus(out)
    return out, {c.file: c for c in cases}


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """``xl-afbp demo`` run once per session: (output folder, what it printed)."""
    import contextlib
    import io

    from xl_afbp.cli import main

    out = tmp_path_factory.mktemp("demo") / "demo"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["demo", "--out", str(out), "--quiet"])
    return out, code, printed.getvalue()
