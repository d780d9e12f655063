"""New test stores from a recording of the real migration, once per test process.

Opening an empty store runs every Alembic migration: ~0.1 s on SQLite and ~0.5 s on PostgreSQL
(more on a busy machine), for each of the ~1,000 tests that open a store. Here, the first empty
store of each database kind that a test process opens makes this module migrate a scratch store
of that kind with the real :func:`ordercli.db.upgrade` while recording every statement Alembic
sends; each later empty store gets the recorded writes (the DDL, the counters' rows, the
``alembic_version`` row) replayed in one transaction, under the lock the real upgrade takes
(``BEGIN IMMEDIATE`` on SQLite, the migration advisory lock on PostgreSQL). The reads Alembic
sends (reflection, the backfill ``SELECT`` s of tables that are empty) are left out: on an empty
store they decide nothing. A replayed store is the migrated store, statement for statement;
``tests/integration/test_store_template.py`` compares both (tables, columns, indexes,
constraints, sequences, rows, revision) on both databases.

Only an empty store is replayed: a store with any table (an older revision, a downgraded store
keeping its ``alembic_version`` table, a foreign database) goes through the real upgrade, and so
does every store when :data:`enabled` is false (``tests/conftest.py`` turns it off for the store's
own tests, which must see Alembic run). Child processes (``ordercli`` in a terminal, races) are
not affected: a store they create themselves is migrated by Alembic.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid

import sqlalchemy as sa
from sqlalchemy import event

from ordercli import db

enabled = True

_real_upgrade = db.upgrade
_lock = threading.Lock()
_recorded: dict[str, list | None] = {}  # dialect name -> [(statement, parameters, many)], None if it cannot be used
_READS = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK")


def install() -> None:
    db.upgrade = upgrade


def upgrade(engine: sa.Engine) -> None:
    """:func:`ordercli.db.upgrade`, with an empty store given the recorded migration."""
    kind = engine.dialect.name
    if not enabled or kind not in ("sqlite", "postgresql"):
        return _real_upgrade(engine)
    if kind == "sqlite" and not os.access(engine.url.database or "", os.W_OK):
        return _real_upgrade(engine)  # read-only: the real upgrade says what is wrong
    statements = _recording(engine)
    if statements is None or not _replay(engine, statements):
        _real_upgrade(engine)


def _is_empty(conn: sa.Connection) -> bool:
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    if schema is None:
        return False  # no schema to create in: the real upgrade fails with its own error
    count = conn.exec_driver_sql(
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema())"
        " + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema())"
        " + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema())"
    ).scalar()
    return count == 0


def _replay(engine: sa.Engine, statements: list) -> bool:
    """Replay into an empty store; False (nothing done) when the store is not empty."""
    sqlite = engine.dialect.name == "sqlite"
    write = engine.execution_options(ordercli_write=True) if sqlite else engine
    with write.connect() as conn:
        with conn.begin():
            if not sqlite:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({db._PG_MIGRATION_LOCK})")
            if not _is_empty(conn):
                return False
            for statement, parameters, many in statements:
                conn.exec_driver_sql(statement, parameters)
    return True


def _recording(engine: sa.Engine) -> list | None:
    kind = engine.dialect.name
    if kind in _recorded:
        return _recorded[kind]
    with _lock:
        if kind not in _recorded:
            try:
                _recorded[kind] = _record(engine)
            except Exception:  # noqa: BLE001 - no recording: every store takes the real upgrade
                _recorded[kind] = None
        return _recorded[kind]


def _parameters(parameters, many: bool):
    if many:
        return [dict(p) if isinstance(p, dict) else tuple(p) for p in parameters]
    if not parameters:
        return None
    return dict(parameters) if hasattr(parameters, "keys") else tuple(parameters)


def _record(like: sa.Engine) -> list | None:
    """Migrate a scratch store of ``like``'s kind with the real upgrade; return the writes it sent."""
    statements: list = []

    def on_execute(_conn, _cursor, statement, parameters, context, executemany):
        if context is not None and getattr(context, "no_parameters", False):
            raise RuntimeError("a statement run without parameters cannot be replayed the same way")
        if statement.lstrip().upper().startswith(_READS):
            return
        statements.append((statement, _parameters(parameters, executemany), executemany))

    if like.dialect.name == "sqlite":
        folder = tempfile.mkdtemp(prefix="ordercli-template-")
        path = os.path.join(folder, "template.db")
        scratch = db._sqlite_engine(f"sqlite:///{path}", path, False)
        db._setup_sqlite(scratch)
        drop = None
    else:
        schema = "tmpl_" + uuid.uuid4().hex[:12]
        with like.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            conn.commit()
        scratch = sa.create_engine(like.url.update_query_dict({"options": f"-csearch_path={schema}"}))
        folder = None
        drop = schema
    try:
        event.listen(scratch, "before_cursor_execute", on_execute)
        _real_upgrade(scratch)
        event.remove(scratch, "before_cursor_execute", on_execute)
        with scratch.connect() as conn:
            if db.stored_revision(conn) != db.HEAD_REVISION:
                return None
    finally:
        scratch.dispose()
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
        if drop:
            with like.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{drop}" CASCADE')
                conn.commit()
    return statements
