"""Issue 10 §4–5: bounded PostgreSQL waits, URLs checked, a SQLite store briefly read-only works again.

* A server that accepts TCP and never answers: a real socket server in a thread on 127.0.0.1,
  run against a real ``ordercli`` process (it must end on its own, within the connect timeout).
* A lock held by another connection (``SELECT … FOR UPDATE``): ``order pay`` gives up after the
  lock timeout with "Another till holds this order", exit 1, nothing written.
* Read-only SQLite files: the child runs without CAP_DAC_OVERRIDE when the tests run as root
  (root ignores file modes), so the modes really apply to it.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from sqlmodel import select

from ordercli import db
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.models import Order, Payment, Product
from ordercli.services import catalog, orders
from tests.conftest import Cli


def run_ordercli(*args: str, env: dict | None = None, prefix: list[str] | None = None, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    full_env = dict(os.environ, NO_COLOR="1")
    full_env.pop("ORDERCLI_DEBUG", None)
    full_env.update(env or {})
    started = time.monotonic()
    r = subprocess.run([*(prefix or []), sys.executable, "-m", "ordercli", *args], capture_output=True, text=True, env=full_env, timeout=timeout)
    return r, time.monotonic() - started


# ------------------------------------------------------------ connect timeout


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)  # kept open, never answered

    def close(self):
        self.sock.close()
        for c in self.accepted:
            c.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def assert_one_line_error(r):
    assert "Traceback" not in r.stderr, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("Error: "), r.stderr
    assert len(lines) <= 2, r.stderr  # the error and its hint


def test_a_server_that_never_answers_ends_within_the_default_connect_timeout(silent_server):
    r, took = run_ordercli("--db", f"postgresql+psycopg://postgres@127.0.0.1:{silent_server.port}/test", "order", "list")
    assert silent_server.accepted, "the client never reached the listener"
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert took < 5 + 4, took
    assert took >= 4.5, took  # the default is 5 s, not something shorter
    assert f"127.0.0.1:{silent_server.port} did not answer within 5 s" in r.stderr
    assert "connect_timeout" in r.stderr  # says what to check and how to allow longer
    assert_one_line_error(r)


@pytest.mark.parametrize("where", ["url", "env"])
def test_the_connect_timeout_comes_from_the_url_or_the_environment(silent_server, where):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{silent_server.port}/test"
    if where == "url":
        r, took = run_ordercli("--db", url + "?connect_timeout=2", "order", "list", env={"ORDERCLI_CONNECT_TIMEOUT": "30"})
    else:
        r, took = run_ordercli("--db", url, "order", "list", env={"ORDERCLI_CONNECT_TIMEOUT": "2"})
    assert r.returncode == 2, r.stderr
    assert "did not answer within 2 s" in r.stderr  # the timeout applied is the one named here (not 30 s, not the default 5 s)
    assert took < 2 + 8, took  # and it was kept: the margin is the process's start-up on a busy machine
    assert_one_line_error(r)


def test_the_default_connect_timeout_is_added_to_a_url_without_one():
    url, connect, lock = db.pg_settings("postgresql://postgres@127.0.0.1:5432/shop?options=-csearch_path%3Dx&lock_timeout=2.5")
    assert (connect, lock) == (5, 2.5)
    assert url.query == {"options": "-csearch_path=x", "connect_timeout": "5"}  # lock_timeout is ours, not libpq's
    url, connect, _ = db.pg_settings("postgresql://postgres@127.0.0.1:5432/shop?connect_timeout=7")
    assert connect == 7 and url.query["connect_timeout"] == "7"


# ------------------------------------------------------------------ bad URLs


@pytest.mark.parametrize(
    "url, words",
    [
        ("postgresql+psycopg://[::1:5432", "cannot be read"),
        ("postgresql+psycopg://postgres@127.0.0.1:port/test", "cannot be read"),
        ("postgresql+psycopg://postgres@127.0.0.1:1", "names no database"),  # refused before connecting (nothing listens on port 1)
        ("postgresql+psycopg://postgres@127.0.0.1:1/", "names no database"),
        ("postgresql://postgres@127.0.0.1:5432/test?connect_timeout=soon", "connect_timeout in the store URL"),
    ],
)
def test_a_bad_postgresql_url_is_a_clear_one_line_error(tmp_path, url, words):
    r = Cli(url)("order", "list")
    assert r.exit_code == 2, r.output
    assert words in r.stderr, r.stderr
    assert "Unexpected error" not in r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.splitlines()[0].startswith("Error: ")


def test_a_url_without_a_database_creates_nothing_in_the_postgres_database():
    base = os.environ.get("ORDERCLI_TEST_PG_URL")
    if not base:
        pytest.skip("needs ORDERCLI_TEST_PG_URL")
    server = base.rsplit("/", 1)[0]
    plain = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    query = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    with psycopg.connect(plain) as conn:
        before = {row[0] for row in conn.execute(query)}
    try:
        r = Cli(server)("order", "list")
    finally:
        db.dispose_all()
        with psycopg.connect(plain) as conn:
            made = {row[0] for row in conn.execute(query)} - before
            if made:  # without the fix: clean up what the old code made there, then fail
                conn.execute("DROP TABLE " + ", ".join(f'public."{t}"' for t in made) + " CASCADE")
    assert r.exit_code == 2 and "names no database" in r.stderr, r.stderr
    assert made == set()


# ------------------------------------------------------------------ lock timeout


def seed_order(url: str) -> str:
    engine = db.get_engine(url)
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="MUG", name="Mug", price=1000, stock=5)
        s.commit()
    with db.write_session(engine) as s:
        draft = OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(sku="MUG", quantity=1)])
        number = orders.place_order(s, draft).order.number
        s.commit()
    return number


def hold(pg_url: str, sql: str) -> psycopg.Connection:
    """Another till: a transaction holding these rows (``FOR UPDATE``), left open."""
    conn = psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://").replace("&lock_timeout=2", ""))
    assert conn.execute(sql + " FOR UPDATE").fetchall()
    return conn


def test_a_held_order_ends_the_wait_after_the_lock_timeout_and_writes_nothing(pg_url):
    number = seed_order(pg_url)
    other = hold(pg_url, f"SELECT id FROM orders WHERE number = '{number}'")
    try:
        started = time.monotonic()
        r = Cli(pg_url)("order", "pay", number, env={"ORDERCLI_LOCK_TIMEOUT": "2"})
        took = time.monotonic() - started
    finally:
        other.rollback()
        other.close()
    assert r.exit_code == 1, r.output
    assert 1.8 <= took < 2 + 4, took
    assert "Another till holds this order; try again in a moment." in r.stderr
    assert "Unexpected error" not in r.stderr and "Traceback" not in r.stderr
    with db.read_session(db.get_engine(pg_url)) as s:
        order = s.exec(select(Order).where(Order.number == number)).one()
        assert s.exec(select(Payment).where(Payment.order_id == order.id)).all() == []
        assert order.payment_status == "AWAITING_PAYMENT"


def test_a_held_product_names_this_record_and_the_limit_can_come_from_the_url(pg_url):
    seed_order(pg_url)
    url = pg_url + "&lock_timeout=2"
    other = hold(url, "SELECT id FROM product WHERE sku = 'MUG'")
    try:
        started = time.monotonic()
        r = Cli(url)("product", "stock", "MUG", "--add", "1")
        took = time.monotonic() - started
    finally:
        other.rollback()
        other.close()
    assert r.exit_code == 1, r.output
    assert took < 2 + 4, took
    assert "Another till holds this record; try again in a moment." in r.stderr
    with db.read_session(db.get_engine(pg_url)) as s:
        assert s.exec(select(Product).where(Product.sku == "MUG")).one().stock == 4


def test_write_transactions_carry_the_lock_timeout_and_reads_do_not(pg_url):
    engine = db.get_engine(pg_url)
    with db.write_session(engine) as s:
        assert s.connection().exec_driver_sql("SHOW lock_timeout").scalar() == "10s"
        s.commit()
        assert s.connection().exec_driver_sql("SHOW lock_timeout").scalar() == "10s"  # every transaction of the session
    with db.read_session(engine) as s:
        assert s.connection().exec_driver_sql("SHOW lock_timeout").scalar() == "0"


# ------------------------------------------------- SQLite: briefly read-only


def no_dac_prefix() -> list[str]:
    """Run the child so that file modes apply to it: as root, without CAP_DAC_OVERRIDE."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("root without setpriv cannot make a file read-only to itself")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_a_store_read_while_read_only_takes_writes_again_once_its_permissions_are_restored(tmp_path):
    prefix = no_dac_prefix()
    path = tmp_path / "shop.db"
    r, _ = run_ordercli("--db", str(path), "product", "add", "X", "--name", "X", "--price", "1", "--stock", "1", prefix=prefix)
    assert r.returncode == 0, r.stderr
    os.chmod(path, 0o400)
    r, _ = run_ordercli("--db", str(path), "product", "list", prefix=prefix)  # a read while read-only works
    assert r.returncode == 0, r.stderr
    assert "X" in r.stdout
    os.chmod(path, 0o600)  # the permissions are back: that alone must be enough
    r, _ = run_ordercli("--db", str(path), "product", "stock", "X", "--add", "1", prefix=prefix)
    assert r.returncode == 0, r.stderr
    r, _ = run_ordercli("--db", str(path), "product", "list", "--format", "json", prefix=prefix)
    assert r.returncode == 0 and '"stock": 2' in r.stdout.replace(" ", "").replace('"stock":2', '"stock": 2'), r.stdout
    for suffix in ("-wal", "-shm"):
        side = tmp_path / f"shop.db{suffix}"
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) == 0o600, suffix


def test_a_write_to_a_read_only_store_is_still_refused_clearly(tmp_path):
    prefix = no_dac_prefix()
    path = tmp_path / "shop.db"
    r, _ = run_ordercli("--db", str(path), "product", "add", "X", "--name", "X", "--price", "1", "--stock", "1", prefix=prefix)
    assert r.returncode == 0, r.stderr
    os.chmod(path, 0o400)
    r, _ = run_ordercli("--db", str(path), "product", "stock", "X", "--add", "1", prefix=prefix)
    assert r.returncode != 0
    assert "read-only" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_an_empty_file_taken_as_a_new_store_is_made_private(tmp_path, cli):
    path = tmp_path / "store.db"  # the cli fixture's store
    path.touch()
    os.chmod(path, 0o644)
    r = cli("product", "add", "X", "--name", "X", "--price", "1", "--stock", "1")
    assert r.exit_code == 0, r.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for suffix in ("-wal", "-shm"):
        side = tmp_path / f"store.db{suffix}"
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) == 0o600, suffix
