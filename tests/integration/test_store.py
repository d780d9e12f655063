"""The store: creation, permissions, SQLite pragmas, migrations, and clean errors."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from ordercli import db
from ordercli.errors import EXIT_USAGE, StoreError

pytestmark = pytest.mark.real_migrations  # every new store here is migrated by Alembic itself: these test the store

MIGRATIONS = Path(db.__file__).parent / "migrations"
EXPECTED_TABLES = {
    "setting",
    "counter",
    "product",
    "customer",
    "orders",
    "order_line",
    "order_surcharge",
    "order_event",
    "stock_movement",
    "payment",
    "outbox",
    "invoice",
    "alembic_version",
}


def run_py(code: str, *, env: dict | None = None, prefix: list[str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([*(prefix or []), sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=full_env, timeout=timeout)


def tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def revision(engine) -> str | None:
    with engine.connect() as conn:
        return db.stored_revision(conn)


# ------------------------------------------------------------- creation


def test_new_sqlite_store_has_the_schema_at_head(sqlite_url):
    engine = db.get_engine(sqlite_url)
    assert EXPECTED_TABLES <= tables(engine)
    assert revision(engine) == db.HEAD_REVISION
    with engine.connect() as conn:
        counters = dict(conn.exec_driver_sql("SELECT name, value FROM counter").all())
    assert counters == {"order": 1001, "invoice": 1}


def test_new_pg_store_has_the_schema_at_head(pg_url):
    engine = db.get_engine(pg_url)
    assert EXPECTED_TABLES <= tables(engine)
    assert revision(engine) == db.HEAD_REVISION


def test_new_store_file_is_readable_by_its_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "shop.db"
        engine = db.get_engine(str(path))
        from ordercli.services import config

        with db.write_session(engine) as s:  # a write: the WAL and shared-memory files exist now
            config.set_value(s, "store.name", "Hilltop")
            s.commit()
        for p in [path, Path(str(path) + "-wal"), Path(str(path) + "-shm")]:
            assert p.exists(), p
            mode = stat.S_IMODE(p.stat().st_mode)
            assert mode & 0o077 == 0, f"{p.name} is {oct(mode)}"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_default_store_lives_in_the_user_data_folder(tmp_path):
    engine = db.get_engine(None)  # conftest points XDG_DATA_HOME into tmp_path
    expected = tmp_path / "xdg-data" / "ordercli" / "store.db"
    assert engine.url.database == str(expected)
    assert expected.exists()
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600


def test_sqlite_urls_and_plain_paths_name_the_same_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    e1 = db.get_engine("rel.db")
    assert Path(e1.url.database) == tmp_path / "rel.db"
    assert db.get_engine("sqlite:///rel.db") is e1  # cached per URL
    e2 = db.get_engine(f"sqlite:///{tmp_path}/abs.db")
    assert Path(e2.url.database) == tmp_path / "abs.db"
    assert (tmp_path / "abs.db").exists()


def test_sqlite_pragmas_wal_busy_timeout_and_foreign_keys(sqlite_url):
    engine = db.get_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # foreign keys are really enforced
    with pytest.raises(sa.exc.IntegrityError):
        with db.write_session(engine) as s:
            s.execute(sa.text("INSERT INTO order_event (order_id, at, kind, summary) VALUES (424242, '2026-01-01', 'x', 'x')"))
            s.commit()


def test_write_sessions_take_the_write_lock_first_and_reads_do_not(sqlite_url):
    engine = db.get_engine(sqlite_url)
    other = sqlite3.connect(sqlite_url, timeout=0, isolation_level=None)
    try:
        with db.read_session(engine) as s:
            s.execute(sa.text("SELECT count(*) FROM product")).scalar()
            other.execute("BEGIN IMMEDIATE")  # a reader does not block a writer
            other.execute("ROLLBACK")
        with db.write_session(engine) as s:
            s.execute(sa.text("SELECT count(*) FROM product")).scalar()  # only a read so far…
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")  # …but the write lock is already held (BEGIN IMMEDIATE)
            s.rollback()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


# ------------------------------------------------------------- migrations


def test_head_revision_matches_the_alembic_scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_heads() == [db.HEAD_REVISION]
    assert script.get_current_head() == db.HEAD_REVISION


def _probe_code(path: str) -> str:
    return f"""
        import json, sys
        from ordercli import db
        from ordercli.services import common
        engine = db.get_engine({path!r})
        with db.read_session(engine) as s:
            common.load_settings(s)
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "alembic")))
    """


def test_opening_a_store_at_head_does_not_import_alembic(sqlite_url, tmp_path):
    db.get_engine(sqlite_url)
    db.dispose_all()
    r = run_py(_probe_code(sqlite_url))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []
    # control: creating a new store does need Alembic, so the probe can see it
    r = run_py(_probe_code(str(tmp_path / "fresh.db")))
    assert r.returncode == 0, r.stderr
    assert "alembic" in json.loads(r.stdout)


def _alembic_cfg(conn):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def test_a_store_at_no_revision_is_upgraded_on_open(store_url):
    """An older store (here: migrated down to no revision at all) is brought to head on open."""
    from alembic import command

    engine = db.get_engine(store_url)
    with engine.connect() as conn:
        with conn.begin():
            command.downgrade(_alembic_cfg(conn), "base")
    assert tables(engine) <= {"alembic_version"}
    assert revision(engine) is None
    db.dispose_all()

    engine = db.get_engine(store_url)
    assert EXPECTED_TABLES <= tables(engine)
    assert revision(engine) == db.HEAD_REVISION
    # and it works: the order counter was seeded by the upgrade
    from ordercli.services import common

    with db.write_session(engine) as s:
        assert common.next_in_sequence(s, "order") == 1001
        s.commit()


def test_a_store_with_orders_from_before_credit_refunds_upgrades_and_keeps_its_money(store_url):
    """0001 -> 0002 (issue 8): orders saved before get credit_refunded 0, and their money reads the same."""
    from alembic import command

    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.services import catalog, orders, payments

    engine = db.get_engine(store_url)
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="MUG", name="Mug", price=1800, stock=5)
        number = orders.place_order(s, OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(quantity=2, sku="MUG")])).order.number
        payments.record_payment(s, number=number, amount=1000)
        s.commit()
    with engine.connect() as conn:
        with conn.begin():
            command.downgrade(_alembic_cfg(conn), "0001_initial")
    assert revision(engine) == "0001_initial"
    db.dispose_all()

    engine = db.get_engine(store_url)
    assert revision(engine) == db.HEAD_REVISION
    with db.read_session(engine) as s:
        from ordercli.services import common

        o = common.get_order(s, number)
        assert (o.credit_refunded, o.paid, o.balance_due, o.payment_status) == (0, 1000, 2600, "AWAITING_PAYMENT")


def test_payments_from_before_method_codes_get_the_code_their_text_names(store_url):
    """0002 -> 0003 (issue 9): typed methods become codes (English or French default labels), else other."""
    from alembic import command

    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.services import catalog, orders, payments

    engine = db.get_engine(store_url)
    typed = {"Espèces": "cash", "card": "card", "Chèque": "cheque", "IOU from Bob": "other"}
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="MUG", name="Mug", price=1000, stock=50)
        number = orders.place_order(s, OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(quantity=5, sku="MUG")])).order.number
        for text in typed:
            payments.record_payment(s, number=number, amount=100, method=text)
        s.commit()
    with engine.connect() as conn:
        with conn.begin():
            command.downgrade(_alembic_cfg(conn), "0002_credit_refunded")
            assert "till_session" not in sa.inspect(conn).get_table_names()
    db.dispose_all()

    engine = db.get_engine(store_url)
    assert revision(engine) == db.HEAD_REVISION
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT method, method_code, till FROM payment ORDER BY id")).all()
        walk_in = conn.execute(sa.text("SELECT walk_in FROM orders")).scalar()
    assert [(m, c) for m, c, _ in rows] == list(typed.items())
    assert all(t is None for _, _, t in rows) and not walk_in


def test_an_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    engine = db.get_engine(str(path))
    assert EXPECTED_TABLES <= tables(engine)
    assert revision(engine) == db.HEAD_REVISION


def test_a_store_from_a_newer_ordercli_is_refused_cleanly(sqlite_url):
    engine = db.get_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    db.dispose_all()
    with pytest.raises(StoreError) as ei:
        db.get_engine(sqlite_url)
    assert "newer" in ei.value.message
    assert ei.value.exit_code == EXIT_USAGE
    engine = sa.create_engine(f"sqlite:///{sqlite_url}")
    with engine.connect() as conn:  # left as it was
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0099_from_the_future"
    engine.dispose()


@pytest.mark.slow
def test_two_processes_opening_a_brand_new_store_at_once_both_succeed(store_url, tmp_path):
    go = tmp_path / "go"
    code = f"""
        import os, sys, time
        go = {str(go)!r}
        while not os.path.exists(go):
            time.sleep(0.002)
        from ordercli import db
        from ordercli.services import config
        engine = db.get_engine({store_url!r})
        with db.write_session(engine) as s:
            config.set_value(s, "store.phone", "till " + sys.argv[1])
            s.commit()
        print("ok")
    """
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(3)
    ]
    time.sleep(1.0)  # let every interpreter start and wait at the barrier
    go.touch()
    results = [(p.wait(timeout=90), *p.communicate()) for p in procs]
    for rc, out, err in results:
        assert rc == 0, err
        assert out.strip() == "ok"
    engine = db.get_engine(store_url)
    assert revision(engine) == db.HEAD_REVISION
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM counter").scalar() == 2  # seeded once
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
        assert conn.exec_driver_sql("SELECT value FROM setting WHERE key = 'store.phone'").scalar().startswith("till ")


# ------------------------------------------------------------- bad stores


def test_a_file_that_is_not_a_database_is_a_clean_error(tmp_path):
    path = tmp_path / "notes.db"
    content = b"these are my shopping notes, not a database\n" * 200
    path.write_bytes(content)
    with pytest.raises(StoreError) as ei:
        db.get_engine(str(path))
    assert "not an ordercli store" in ei.value.message
    assert ei.value.exit_code == EXIT_USAGE
    assert ei.value.hint
    assert path.read_bytes() == content  # untouched
    assert not Path(str(path) + "-wal").exists()


@pytest.mark.parametrize("url", ["mysql://root@localhost/shop", "ftp://example.com/shop.db", "mongodb+srv://x/y", "http://example.com"])
def test_unknown_url_scheme_is_refused(url):
    with pytest.raises(StoreError) as ei:
        db.get_engine(url)
    assert "scheme" in ei.value.message
    assert "postgresql" in ei.value.hint and "--db" in ei.value.hint
    assert ei.value.exit_code == EXIT_USAGE


def test_in_memory_sqlite_is_refused():
    with pytest.raises(StoreError, match="in-memory"):
        db.get_engine("sqlite://")


def test_a_missing_folder_is_a_clean_error_and_creates_nothing(tmp_path):
    target = tmp_path / "no" / "such" / "folder" / "shop.db"
    with pytest.raises(StoreError) as ei:
        db.get_engine(str(target))
    assert "does not exist" in ei.value.message
    assert not (tmp_path / "no").exists()


def test_a_folder_given_as_the_store_is_refused(tmp_path):
    with pytest.raises(StoreError, match="is a folder"):
        db.get_engine(str(tmp_path))


def _without_dac_override() -> list[str] | None:
    """Root ignores file permissions; drop that power for a child process (setpriv)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_a_folder_that_is_not_writable_is_a_clean_error(tmp_path):
    prefix = _without_dac_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: root bypasses folder permissions")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code = f"""
            from ordercli import db
            from ordercli.errors import StoreError
            try:
                db.get_engine({str(folder / 'shop.db')!r})
            except StoreError as e:
                print("StoreError:", e.message)
            else:
                print("opened")
        """
        r = run_py(code, prefix=prefix)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("StoreError:"), r.stdout
        assert "not writable" in r.stdout
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_an_unreachable_postgresql_server_is_a_clean_error():
    with pytest.raises(StoreError) as ei:
        db.get_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2")
    assert "Cannot connect" in ei.value.message
    assert "\n" not in ei.value.message
    assert ei.value.exit_code == EXIT_USAGE


def test_a_stall_day_store_upgrades_to_the_report_indexes_and_keeps_its_sessions(store_url):
    """0003 -> 0006 (issue 9, reports): sessions, payments and their figures survive; the new indexes exist."""
    from alembic import command

    from ordercli import tills
    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.services import catalog, orders, payments, reports, till_sessions

    engine = db.get_engine(store_url)
    tills.use("stall-1")
    try:
        with db.write_session(engine) as s:
            catalog.add_product(s, sku="MUG", name="Mug", price=1000, stock=5)
            ts = till_sessions.open_session(s, till="stall-1", float_amount=2000)
            number = orders.place_order(s, OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(quantity=2, sku="MUG")])).order.number
            payments.record_payment(s, number=number, method="cash")
            s.commit()
            sid = ts.id
    finally:
        tills.use(None)
    with engine.connect() as conn:
        with conn.begin():
            command.downgrade(_alembic_cfg(conn), "0003_stall_day")
            assert "ix_payment_till_at" not in {i["name"] for i in sa.inspect(conn).get_indexes("payment")}
    db.dispose_all()

    engine = db.get_engine(store_url)
    assert revision(engine) == db.HEAD_REVISION
    with engine.connect() as conn:
        names = {i["name"] for i in sa.inspect(conn).get_indexes("payment")}
        assert {"ix_payment_till_at", "ix_payment_session_method"} <= names and "ix_payment_till_session_id" not in names
        assert "ix_till_session_opened" in {i["name"] for i in sa.inspect(conn).get_indexes("till_session")}
    with db.read_session(engine) as s:
        assert till_sessions.get(s, session_id=sid).expected_cash == 2000 + 2000
        from datetime import datetime

        rep = reports.day_report(s, day=datetime.now().date())
        assert (rep.orders, rep.cash_expected) == (1, 4000)
