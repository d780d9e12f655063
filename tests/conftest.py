"""Shared fixtures: a private store per test (SQLite file, or a PostgreSQL schema).

* ``store_url`` / ``engine`` are parametrised over ``sqlite`` and ``pg``; the
  PostgreSQL half runs when ``ORDERCLI_TEST_PG_URL`` is set (``.ci/run`` sets
  it) and skips with a reason otherwise. Each PostgreSQL test gets its own
  schema; afterwards it is dropped, or, when its catalog is still exactly the
  migrated one, reset and kept as a spare for a later test (tests/store_template.py).
* ``sqlite_url`` is a fresh SQLite file only.
* ``cli`` runs the Typer app in-process (CliRunner) against ``ORDERCLI_DB``.
* A new empty store opened in the test process gets the real migration replayed from a
  recording made once per process (``tests/store_template.py``); the store's own tests
  (the ``real_migrations`` marker: test_store.py, test_store_template.py) run Alembic every time.
"""

from __future__ import annotations

import os
from pathlib import Path

import email_validator
import pytest

email_validator.TEST_ENVIRONMENT = True  # allow example/test domains, no DNS


def _build_click_command_once() -> None:
    """CliRunner.invoke rebuilds the whole Click tree from the Typer app on every call (every type
    hint of every command parsed again: ~0.1 s with ~60 commands). A process runs one command, so
    building the tree once per test process changes nothing the tests check and saves minutes."""
    import typer.testing

    build = typer.testing._get_command
    built: dict[int, object] = {}

    def once(app):
        key = id(app)
        if key not in built:
            built[key] = (app, build(app))  # the app is kept so that its id is never reused
        return built[key][1]

    typer.testing._get_command = once


_build_click_command_once()

from tests import store_template  # noqa: E402

store_template.install()

PG_URL = os.environ.get("ORDERCLI_TEST_PG_URL")


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path, request):
    """Never touch the user's real data folder; reset the process-wide engine cache."""
    if request.node.get_closest_marker("real_migrations"):
        monkeypatch.setattr(store_template, "enabled", False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("ORDERCLI_DB", raising=False)
    monkeypatch.delenv("ORDERCLI_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TZ", "UTC")
    # English on screen unless a test asks for another language (ORDERCLI_LANG=fr_FR…): the
    # machine's own LANG/LC_ALL must not turn the English tests (and their pty children) French.
    for name in ("ORDERCLI_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    from ordercli import i18n

    i18n.reset()
    yield
    from ordercli import db

    db.dispose_all()
    i18n.reset()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return str(tmp_path / "store.db")


def _plain_pg_url() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def make_pg_schema() -> tuple[str, str]:
    schema = store_template.new_pg_schema(_plain_pg_url())
    return schema, _pg_schema_url(PG_URL, schema)


def drop_pg_schema(schema: str) -> None:
    """The test is over: its schema is dropped, or kept as a spare migrated store (tests/store_template.py)."""
    store_template.release_pg_schema(_plain_pg_url(), schema)


@pytest.fixture(scope="session", autouse=True)
def _pg_spares():
    yield
    if PG_URL:
        store_template.drop_spares(_plain_pg_url())


@pytest.fixture
def pg_url():
    if not PG_URL:
        pytest.skip("PostgreSQL tests need ORDERCLI_TEST_PG_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    schema, url = make_pg_schema()
    yield url
    from ordercli import db

    db.dispose_all()
    drop_pg_schema(schema)


@pytest.fixture(params=["sqlite", "pg"])
def store_url(request, tmp_path):
    """A fresh store URL on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need ORDERCLI_TEST_PG_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    schema, url = make_pg_schema()
    yield url
    from ordercli import db

    db.dispose_all()
    drop_pg_schema(schema)


@pytest.fixture
def engine(store_url):
    from ordercli import db

    return db.get_engine(store_url)


@pytest.fixture
def sqlite_engine(sqlite_url):
    from ordercli import db

    return db.get_engine(sqlite_url)


class Cli:
    """Run ``ordercli`` in-process with a given store; returns click's Result."""

    def __init__(self, url: str):
        from typer.testing import CliRunner

        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        from ordercli.cli import app

        full_env = {"ORDERCLI_DB": self.url}
        full_env.update(env or {})
        return self.runner.invoke(app, [str(a) for a in args], input=input, env=full_env, catch_exceptions=False)


@pytest.fixture
def cli(sqlite_url) -> Cli:
    return Cli(sqlite_url)


@pytest.fixture
def any_cli(store_url) -> Cli:
    """The CLI on SQLite and on PostgreSQL."""
    return Cli(store_url)


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def french(monkeypatch):
    """The screen in French for this test (ORDERCLI_LANG=fr_FR), the language cache reset around it."""
    from ordercli import i18n

    monkeypatch.setenv("ORDERCLI_LANG", "fr_FR")
    i18n.reset()
    yield
    i18n.reset()
