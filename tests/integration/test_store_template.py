"""The test stores replayed from a recording (tests/store_template.py) are the migrated store.

This module is in conftest's REAL_MIGRATION_MODULES: a store opened here is migrated by Alembic
from scratch unless a test turns the replay on itself.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ordercli import db
from tests import store_template

pytestmark = pytest.mark.real_migrations  # every new store here is migrated by Alembic itself: these test the store


def fingerprint(engine) -> dict:
    """Everything a store is made of: schema objects with their definitions, every row, the revision."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            schema = conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").all()
            tables = [r[1] for r in schema if r[0] == "table"]
            pragmas = {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("user_version", "application_id", "journal_mode", "page_size", "auto_vacuum")}
            objects = {"schema": schema, "pragmas": pragmas}
        else:
            name = conn.exec_driver_sql("SELECT current_schema()").scalar()
            q = lambda sql: [tuple(str(v).replace(f"{name}.", "S.") for v in row) for row in conn.exec_driver_sql(sql, {"s": name}).all()]  # noqa: E731
            objects = {
                "columns": q(
                    "SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length, column_default,"
                    " is_nullable, collation_name, is_identity FROM information_schema.columns WHERE table_schema = %(s)s"
                    " ORDER BY table_name, ordinal_position"
                ),
                "indexes": q("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s ORDER BY indexname"),
                "constraints": q(
                    "SELECT cl.relname, c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c"
                    " JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n ON n.oid = c.connamespace"
                    " WHERE n.nspname = %(s)s ORDER BY cl.relname, c.conname"
                ),
                "relations": q(
                    "SELECT c.relname, c.relkind, c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = %(s)s ORDER BY c.relname"
                ),
                "sequences": q(
                    "SELECT sequencename, data_type, start_value, increment_by, last_value FROM pg_sequences"
                    " WHERE schemaname = %(s)s ORDER BY sequencename"
                ),
                "owned_by": q(
                    "SELECT s.relname, t.relname, a.attname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
                    " JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid"
                    " JOIN pg_namespace n ON n.oid = s.relnamespace WHERE n.nspname = %(s)s ORDER BY s.relname"
                ),
                "types_and_functions": q(
                    "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %(s)s"
                    " AND t.typtype <> 'c' AND t.typcategory <> 'A'"
                    " UNION ALL SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s"
                ),
            }
            tables = sa.inspect(conn).get_table_names()
        rows = {t: sorted(map(repr, conn.exec_driver_sql(f'SELECT * FROM "{t}"').all())) for t in sorted(tables)}
        return {**objects, "rows": rows, "revision": db.stored_revision(conn)}


def other_store(store_url, tmp_path):
    """A second empty store on the same database as ``store_url``: (url, cleanup)."""
    if "://" not in store_url:
        return str(tmp_path / "other.db"), lambda: None
    from tests.conftest import drop_pg_schema, make_pg_schema

    schema, url = make_pg_schema()
    return url, lambda: drop_pg_schema(schema)


def test_stores_here_are_migrated_by_alembic(store_url):
    assert store_template.enabled is False


@pytest.mark.parametrize("way", ["replayed", "recycled"])
def test_a_replayed_or_recycled_store_is_the_migrated_store(store_url, tmp_path, monkeypatch, way):
    if way == "recycled" and "://" not in store_url:
        pytest.skip("SQLite stores are replayed, never recycled")
    migrated_engine = db.get_engine(store_url)  # Alembic from scratch (this module)
    migrated = fingerprint(migrated_engine)
    assert migrated["revision"] == db.HEAD_REVISION
    assert migrated["rows"]["counter"] == sorted([repr(("invoice", 1)), repr(("order", 1001))])

    cleanups = []
    try:
        monkeypatch.setattr(store_template, "enabled", True)
        assert store_template._recording(migrated_engine)  # this process's recording for this database
        monkeypatch.setattr(store_template, "_spares", [])
        if way == "recycled":
            # a used store: orders, stock, a customer, numbers taken; then released at the end of its "test"
            used_url, _ = other_store(store_url, tmp_path)
            _use(used_url)
            db.dispose_all()
            from tests.conftest import drop_pg_schema

            drop_pg_schema(used_url.rsplit("%3D", 1)[1])
            assert len(store_template._spares) == 1  # kept, reset, as a spare
        url, cleanup = other_store(store_url, tmp_path)
        cleanups.append(cleanup)
        calls = []
        real = store_template._real_upgrade
        monkeypatch.setattr(store_template, "_real_upgrade", lambda engine: calls.append(engine) or real(engine))
        replayed = db.get_engine(url)
        assert calls == []  # Alembic did not run
        assert store_template._spares == []
        assert fingerprint(replayed) == migrated
    finally:
        db.dispose_all()
        for cleanup in cleanups:
            cleanup()


def _use(url: str) -> None:
    from tests import seed
    from tests.conftest import Cli

    seed.products(url, ("MUG-01", "Blue mug", "18.00", 5, 20))
    cli = Cli(url)
    r = cli("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01:2", "--payment-method", "Cash")
    assert r.exit_code == 0, r.output
    with db.get_engine(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT value FROM counter WHERE name = 'order'").scalar() == 1002


def test_a_store_whose_schema_a_test_changed_is_dropped_not_recycled(pg_url, monkeypatch):
    monkeypatch.setattr(store_template, "_spares", [])
    engine = db.get_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE INDEX ix_extra ON product (name)")
    db.dispose_all()
    from tests.conftest import drop_pg_schema

    schema = pg_url.rsplit("%3D", 1)[1]
    drop_pg_schema(schema)
    assert store_template._spares == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_namespace WHERE nspname = %(s)s", {"s": schema}).scalar() == 0


def test_a_store_that_is_not_empty_is_never_replayed_into(store_url, monkeypatch):
    from ordercli.errors import StoreError

    monkeypatch.setattr(store_template, "enabled", True)
    url = store_url if "://" in store_url else f"sqlite:///{store_url}"
    plain = sa.create_engine(url)
    with plain.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE invoices_2019 (id INTEGER PRIMARY KEY)")
    plain.dispose()
    with pytest.raises(StoreError, match="not an ordercli store"):
        db.get_engine(store_url)  # the real upgrade's refusal, the foreign table untouched
    plain = sa.create_engine(url)
    assert sa.inspect(plain).get_table_names() == ["invoices_2019"]
    plain.dispose()
