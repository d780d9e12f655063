"""Batch import as real processes: killed with SIGKILL midway, then run again.

The import runs in its own ``python -m ordercli`` process; the test watches the
store and sends SIGKILL once some orders are committed. The next run must
complete the rest: every order exactly once, every order whole (its lines
with it), and stock equal to the sum of its ledger movements.

Also here, in a real pseudo-terminal (pexpect): the question asked before
more than 20 customer emails go out, and the progress bar.

Run on SQLite and, when ``ORDERCLI_TEST_PG_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pexpect
import pytest
import sqlalchemy as sa

from tests.wizard_keys import CTRL_C, DOWN, ENTER

pytestmark = pytest.mark.slow

N = 1500  # large enough that a faster import cannot finish before the signal lands
HEADER = "order_ref,name,email,phone,sku,quantity,item_name,unit_price\n"


def env_for(url: str) -> dict:
    env = dict(os.environ, ORDERCLI_DB=url, NO_COLOR="1", TZ="UTC")
    env.pop("ORDERCLI_DEBUG", None)
    return env


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ordercli", *args], env=env_for(url), capture_output=True, text=True, timeout=120)


def make_file(tmp_path) -> tuple:
    """N orders of 2 lines over 3 products; MUG's stock is exactly what the file needs."""
    lines = [HEADER]
    need = {"MUG": 0, "CANDLE": 0}
    for i in range(1, N + 1):
        a = "MUG" if i % 2 else "CANDLE"
        q = 1 + i % 3
        need[a] += q
        lines.append(f"K-{i:04d},Customer {i},c{i % 97}@example.com,,{a},{q},,\n")
        lines.append(f"K-{i:04d},Customer {i},c{i % 97}@example.com,,CARD,1,,\n" if i % 5 else f"K-{i:04d},Customer {i},c{i % 97}@example.com,,,1,Gift wrap,2.50\n")
    p = tmp_path / "kill.csv"
    p.write_text("".join(lines), encoding="utf-8")
    return p, need


def count(engine, sql: str):
    with engine.connect() as c:
        return c.execute(sa.text(sql)).scalar()


def consistent(engine) -> None:
    with engine.connect() as c:
        bad = c.execute(
            sa.text(
                "SELECT p.sku, p.stock, COALESCE((SELECT SUM(m.delta) FROM stock_movement m WHERE m.product_id = p.id), 0) AS ledger "
                "FROM product p WHERE p.stock IS NOT NULL"
            )
        ).all()
        assert [tuple(r) for r in bad if r[1] != r[2]] == []
        # every order whole: 2 lines each, one "created" event each
        assert c.execute(sa.text("SELECT COUNT(*) FROM orders o WHERE (SELECT COUNT(*) FROM order_line l WHERE l.order_id = o.id) <> 2")).scalar() == 0
        assert c.execute(sa.text("SELECT COUNT(*) FROM orders o WHERE (SELECT COUNT(*) FROM order_event e WHERE e.order_id = o.id AND e.kind = 'created') <> 1")).scalar() == 0


def test_killed_import_then_rerun_completes_without_duplicates(store_url, tmp_path):
    from ordercli import db
    from ordercli.services import catalog

    path, need = make_file(tmp_path)
    engine = db.get_engine(store_url)
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="MUG", name="Mug", price=1800, stock=need["MUG"], tax_rate=2000)
        s.commit()
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="CANDLE", name="Candle", price=1450, stock=need["CANDLE"] + 10, tax_rate=2000)
        s.commit()
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="CARD", name="Card", price=350, stock=None, tax_rate=0)
        s.commit()

    proc = subprocess.Popen(
        [sys.executable, "-m", "ordercli", "order", "import", str(path), "--batch-size", "5"],
        env=env_for(store_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    seen = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            seen = count(engine, "SELECT COUNT(*) FROM orders")
            if seen >= 30:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.003)
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"the import finished before the kill (rc {proc.returncode}): {err}"
    done = count(engine, "SELECT COUNT(*) FROM orders")
    assert 30 <= done < N
    consistent(engine)  # a killed batch rolled back whole: no half orders, ledger intact

    # Run the same command again: it completes the rest. MUG's stock is exactly the
    # file's need, so counting the imported orders' demand again would refuse the file.
    r = cli(store_url, "order", "import", str(path), "--format", "json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert (summary["already_imported"], summary["created"], summary["failed"]) == (done, N - done, 0)
    assert count(engine, "SELECT COUNT(*) FROM orders") == N
    assert count(engine, "SELECT COUNT(DISTINCT external_ref) FROM orders") == N
    assert count(engine, "SELECT stock FROM product WHERE sku = 'MUG'") == 0
    assert count(engine, "SELECT stock FROM product WHERE sku = 'CANDLE'") == 10
    consistent(engine)

    again = cli(store_url, "order", "import", str(path), "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["created"] == 0
    assert count(engine, "SELECT COUNT(*) FROM orders") == N


def test_ctrl_c_keeps_the_committed_orders_and_says_so(tmp_path):
    """SIGINT (Ctrl-C) midway: exit 130, the summary counts what is saved, a re-run completes."""
    from ordercli import db
    from ordercli.services import catalog

    url = str(tmp_path / "int.db")
    path, need = make_file(tmp_path)
    engine = db.get_engine(url)
    for sku, stock in (("MUG", need["MUG"]), ("CANDLE", need["CANDLE"]), ("CARD", None)):
        with db.write_session(engine) as s:
            catalog.add_product(s, sku=sku, name=sku.title(), price=500, stock=stock, tax_rate=2000)
            s.commit()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ordercli", "order", "import", str(path), "--batch-size", "5", "--format", "json"],
        env=env_for(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if count(engine, "SELECT COUNT(*) FROM orders") >= 30:
            proc.send_signal(signal.SIGINT)
            break
        time.sleep(0.003)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)
    summary = json.loads(out)
    saved = count(engine, "SELECT COUNT(*) FROM orders")
    assert summary["interrupted"] is True and summary["created"] == saved and 30 <= saved < N
    assert "Interrupted" in err and "Traceback" not in err
    consistent(engine)
    r = cli(url, "order", "import", str(path), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["created"] == N - saved
    assert count(engine, "SELECT COUNT(DISTINCT external_ref) FROM orders") == N
    consistent(engine)


# ------------------------------------------------------------------ terminal


def spawn(store: str, *args: str) -> pexpect.spawn:
    env = env_for(store)
    env.update({"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "120", "LINES": "40"})
    return pexpect.spawn(sys.executable, ["-m", "ordercli", *args], env=env, encoding="utf-8", timeout=60, dimensions=(40, 120))


@pytest.fixture
def store(tmp_path):
    url = str(tmp_path / "stall.db")
    assert cli(url, "product", "add", "CARD", "--name", "Card", "--price", "3.50", "--untracked").returncode == 0
    return url


def emails_file(tmp_path, n: int):
    p = tmp_path / f"emails-{n}.csv"
    p.write_text(HEADER + "".join(f"E-{i},Customer {i},c{i}@example.com,,CARD,1,,\n" for i in range(n)), encoding="utf-8")
    return p


def db_rows(url: str, sql: str):
    import sqlite3

    with sqlite3.connect(url) as c:
        return c.execute(sql).fetchall()


def test_terminal_asks_before_more_than_20_customer_emails(store, tmp_path):
    child = spawn(store, "order", "import", str(emails_file(tmp_path, 25)))
    child.expect("would email 25 customers")
    child.send(DOWN + ENTER)  # "Import without emailing customers"
    child.expect("25 created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert db_rows(store, "SELECT COUNT(*), SUM(notify_customer) FROM orders") == [(25, 0)]
    assert db_rows(store, "SELECT COUNT(*) FROM outbox WHERE audience = 'customer'") == [(0,)]


def test_terminal_question_can_queue_or_cancel(store, tmp_path):
    child = spawn(store, "order", "import", str(emails_file(tmp_path, 22)))
    child.expect("would email 22 customers")
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert db_rows(store, "SELECT COUNT(*) FROM orders") == [(0,)]

    child = spawn(store, "order", "import", str(emails_file(tmp_path, 22)))
    child.expect("would email 22 customers")
    child.send(ENTER)  # the default: queue them
    child.expect("22 customer confirmations queued")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert db_rows(store, "SELECT COUNT(*) FROM outbox WHERE audience = 'customer'") == [(22,)]


def test_terminal_no_question_at_20_emails_and_a_progress_bar(store, tmp_path):
    child = spawn(store, "order", "import", str(emails_file(tmp_path, 20)))
    child.expect(r"Checking.*20 orders")  # the progress bar (stderr is the terminal)
    child.expect(r"Importing.*20 orders")
    child.expect("20 created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert db_rows(store, "SELECT COUNT(*) FROM outbox WHERE audience = 'customer'") == [(20,)]


def test_terminal_explicit_notify_does_not_ask(store, tmp_path):
    child = spawn(store, "order", "import", str(emails_file(tmp_path, 21)), "--notify")
    i = child.expect(["would email", "21 created"])
    child.expect(pexpect.EOF)
    child.close()
    assert i == 1 and child.exitstatus == 0
    assert db_rows(store, "SELECT COUNT(*) FROM outbox WHERE audience = 'customer'") == [(21,)]
