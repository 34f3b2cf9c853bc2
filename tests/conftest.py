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
