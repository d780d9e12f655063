"""One unit of work per command: after its commit a command never says "Nothing was saved".

A failure after the commit (a full or closed stdout, a reader gone, the
connection lost while reading the change back) is reported as "… was saved,
but …" with exit code 3, so that a script never retries a saved change.
Real processes, real files (/dev/full), a real PostgreSQL server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def env_for(url: str) -> dict:
    env = dict(os.environ, ORDERCLI_DB=url, NO_COLOR="1", TZ="UTC")
    env.pop("ORDERCLI_DEBUG", None)
    return env


def run(env, *args, stdout=subprocess.PIPE):
    return subprocess.run([sys.executable, "-m", "ordercli", *args], env=env, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)


@pytest.fixture
def store(store_url):
    env = env_for(store_url)
    assert run(env, "product", "add", "MUG", "--name", "Mug", "--price", "25", "--stock", "5").returncode == 0
    r = run(env, "order", "create", "--name", "Ana Lima", "--email", "ana@example.com", "--item", "MUG", "--no-notify", "--format", "json")
    assert r.returncode == 0, r.stderr
    return env


def order(env, number="1001") -> dict:
    r = run(env, "order", "show", number, "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def stock(env, sku="MUG") -> int:
    return json.loads(run(env, "product", "show", sku, "--format", "json").stdout)["stock"]


def saved_but_failed(r, what: str) -> None:
    assert r.returncode == 3, r.stderr
    assert f"{what} was saved, but the output failed" in r.stderr
    assert "Nothing was saved" not in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_payment_whose_output_fails_on_a_full_disk_is_saved_once_and_says_so(store, fmt):
    with open("/dev/full", "w") as full:
        r = run(store, "order", "pay", "1001", "--amount", "5", "--format", fmt, stdout=full)
    saved_but_failed(r, "Payment of €5.00 on order 1001")
    assert "No space left on device" in r.stderr
    o = order(store)
    assert [p["amount"] for p in o["payments"]] == ["5.00"]
    assert (o["paid"], o["balance_due"]) == ("5.00", "20.00")


def test_an_order_created_with_its_output_on_a_full_disk_is_not_created_twice_by_a_retry(store):
    args = ("order", "create", "--name", "Bo", "--email", "bo@example.com", "--item", "MUG", "--no-notify", "--ref", "TEL-9")
    with open("/dev/full", "w") as full:
        r = run(store, *args, stdout=full)
    saved_but_failed(r, "Order 1002")
    assert stock(store) == 3
    r = run(store, *args)  # a careless script retries anyway: --ref keeps it one order
    assert r.returncode == 0, r.stderr
    assert stock(store) == 3


def test_a_refund_and_a_status_change_with_a_closed_stdout_exit_3(store):
    assert run(store, "order", "pay", "1001").returncode == 0
    r = subprocess.run(
        [sys.executable, "-m", "ordercli", "order", "refund", "1001", "--amount", "5", "--yes"], env=store, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, timeout=120, pass_fds=(), close_fds=True, preexec_fn=lambda: os.close(1),
    )
    saved_but_failed(r, "Refund of €5.00 on order 1001")
    assert "stdout is closed" in r.stderr
    assert order(store)["refunded"] == "5.00"
    r = subprocess.run(
        [sys.executable, "-m", "ordercli", "order", "status", "1001", "--fulfillment", "processing"], env=store, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1),
    )
    saved_but_failed(r, "The status change of order 1001")
    assert order(store)["fulfillment_status"] == "PROCESSING"


def test_a_reader_that_goes_away_after_a_payment_gets_exit_3_not_a_retryable_error(store):
    proc = subprocess.Popen([sys.executable, "-m", "ordercli", "order", "pay", "1001", "--amount", "2"], env=store, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # like `| head -0`
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 3, err
    assert "Payment of €2.00 on order 1001 was saved" in err
    assert order(store)["paid"] == "2.00"


def test_reading_commands_with_a_closed_stdout_still_succeed(store):
    r = subprocess.run(
        [sys.executable, "-m", "ordercli", "order", "list"], env=store, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert r.returncode == 0, r.stderr


def test_a_refused_change_still_says_nothing_was_saved_and_exits_1(store):
    with open("/dev/full", "w") as full:
        r = run(store, "order", "pay", "1001", "--amount", "500", stdout=full)
    assert r.returncode == 1
    assert "was saved" not in r.stderr
    assert order(store)["payments"] == []


# ------------------------------------------------- connection lost after commit


def test_a_connection_lost_right_after_the_commit_on_postgresql_exits_3(pg_url, monkeypatch):
    """Till's PostgreSQL connections are killed by the server the moment the payment commits:
    reading the order back fails, and the command says the payment was saved (exit 3)."""
    import psycopg
    import sqlalchemy as sa
    from sqlalchemy.orm import Session as OrmSession
    from typer.testing import CliRunner

    from ordercli import db
    from ordercli.cli import app

    runner = CliRunner()
    env = {"ORDERCLI_DB": pg_url}
    for args in (("product", "add", "MUG", "--name", "Mug", "--price", "25", "--stock", "5"), ("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG", "--no-notify")):
        assert runner.invoke(app, list(args), env=env, catch_exceptions=False).exit_code == 0

    engine = db.get_engine(pg_url)
    pids: set[int] = set()

    def remember(dbapi_conn, _record):
        pids.add(dbapi_conn.info.backend_pid)

    def kill_after_commit(session):
        if session.bind is not None and session.get_bind().url == engine.url and pids:
            plain = str(engine.url.set(query={})).replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(plain, autocommit=True) as killer:
                for pid in pids:
                    killer.execute("SELECT pg_terminate_backend(%s)", (pid,))

    sa.event.listen(engine, "connect", remember)
    engine.dispose()  # every connection from now on is remembered
    sa.event.listen(OrmSession, "after_commit", kill_after_commit)
    try:
        # --format json reads the order back after the commit, on a connection the server has killed
        r = runner.invoke(app, ["order", "pay", "1001", "--amount", "5", "--format", "json"], env=env, catch_exceptions=False)
    finally:
        sa.event.remove(OrmSession, "after_commit", kill_after_commit)
        sa.event.remove(engine, "connect", remember)
        engine.dispose()
    assert r.exit_code == 3, r.stderr
    assert "Payment of €5.00 on order 1001 was saved, but" in r.stderr
    assert "terminat" in r.stderr or "closed" in r.stderr  # the server's own words: the connection was killed
    assert "Nothing was saved" not in r.stderr
    r = runner.invoke(app, ["order", "show", "1001", "--format", "json"], env=env, catch_exceptions=False)
    assert [p["amount"] for p in json.loads(r.stdout)["payments"]] == ["5.00"]


# ----------------------------------------------------------- --ref on pay/refund


def test_pay_and_refund_with_the_same_ref_record_nothing_new(store):
    r = run(store, "order", "pay", "1001", "--amount", "10", "--ref", "TPE-77", "--format", "json")
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)
    r = run(store, "order", "pay", "1001", "--amount", "10", "--ref", "TPE-77", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert "already recorded" in r.stderr
    again = json.loads(r.stdout)
    assert again["payment_recorded"] == first["payment_recorded"]
    assert [p["amount"] for p in order(store)["payments"]] == ["10.00"]
    r = run(store, "order", "pay", "1001", "--amount", "12", "--ref", "TPE-77")
    assert r.returncode == 1 and "already used" in r.stderr  # another request under the same reference
    for _ in range(2):
        r = run(store, "order", "refund", "1001", "--amount", "4", "--ref", "RB-1", "--yes")
        assert r.returncode == 0, r.stderr
    o = order(store)
    assert (o["paid"], o["refunded"]) == ("10.00", "4.00")
    assert [p["amount"] for p in o["payments"]] == ["10.00"]
    assert [(p["amount"], p["reference"]) for p in o["refunds"]] == [("4.00", "RB-1")]


def test_an_import_whose_summary_fails_on_a_full_disk_says_the_orders_were_saved(store, tmp_path):
    f = tmp_path / "i.csv"
    f.write_text("order_ref,name,email,sku,quantity\nA1,Ana,ana@example.com,MUG,1\nA2,Bo,bo@example.com,MUG,1\n")
    with open("/dev/full", "w") as full:
        r = run(store, "--no-input", "order", "import", str(f), "--format", "json", "--no-notify", stdout=full)
    assert r.returncode == 3, r.stderr
    assert "The import of" in r.stderr and "was saved, but the output failed" in r.stderr
    assert "Nothing was saved" not in r.stderr
    assert stock(store) == 2
    r = run(store, "--no-input", "order", "import", str(f), "--format", "json", "--no-notify")  # re-run: nothing twice
    assert r.returncode == 0 and json.loads(r.stdout)["created"] == 0
    assert stock(store) == 2
