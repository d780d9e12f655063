"""Two tills, one order: real OS processes acting on the same order at the same moment.

Every till is a separate Python process running the real CLI. Each one
imports everything first, reports that it is ready, and waits for a shared
start signal, so the tills reach the store together instead of being spread
out by interpreter start-up. SQLite and (with ORDERCLI_TEST_PG_URL) PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow

TILL = r"""
import os, sys, time
import sqlalchemy, sqlmodel, questionary
import ordercli.cli, ordercli.db, ordercli.output, ordercli.services.edits, ordercli.services.payments, ordercli.services.status_changes, ordercli.services.orders
start = os.environ["TILL_START"]
open(os.environ["TILL_READY"], "w").close()
limit = time.monotonic() + 30
while not os.path.exists(start):
    if time.monotonic() > limit:
        sys.exit(98)
    time.sleep(0.0005)
sys.argv = ["ordercli", "--no-input"] + sys.argv[1:]
ordercli.cli.main()
"""

NEVER = ("Traceback", "database is locked", "deadlock", "Unexpected error", "store is busy")


def tills(url: str, workdir: Path, commands: list[list[str]], timeout: float = 60) -> list[tuple[int, str, str]]:
    """Run the commands in parallel processes released at the same instant; (rc, stdout, stderr) each."""
    gate = workdir / f"gate-{time.monotonic_ns()}"
    gate.mkdir()
    start = gate / "start"
    env = dict(os.environ, ORDERCLI_DB=url, NO_COLOR="1", TZ="UTC", TILL_START=str(start))
    env.pop("ORDERCLI_DEBUG", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", TILL, *cmd],
            env=dict(env, TILL_READY=str(gate / f"ready{i}")),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=workdir,
        )
        for i, cmd in enumerate(commands)
    ]
    try:
        limit = time.monotonic() + timeout
        while not all((gate / f"ready{i}").exists() for i in range(len(commands))):
            for p in procs:
                assert p.poll() is None, f"a till died before the start: {p.communicate()}"
            assert time.monotonic() < limit, "tills were not ready in time"
            time.sleep(0.005)
        start.touch()
        out = []
        for p in procs:
            o, e = p.communicate(timeout=max(1.0, limit - time.monotonic()))
            out.append((p.returncode, o, e))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for rc, o, e in out:
        assert rc != 98, "a till never saw the start signal"
        for bad in NEVER:
            assert bad.lower() not in (o + e).lower(), e
    return out


def run(url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ORDERCLI_DB=url, NO_COLOR="1", TZ="UTC")
    env.pop("ORDERCLI_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "ordercli", "--no-input", *args], env=env, capture_output=True, text=True, timeout=60)


def seed(url: str, *, mug: int = 5, tea: int = 10, items=(("MUG", 2), ("TEA", 3)), paid: bool = False) -> tuple[str, int]:
    """A store with two products and one order; returns (number, version)."""
    from ordercli import db
    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.services import payments, catalog, orders

    engine = db.get_engine(url)
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="MUG", name="Blue mug", price=1800, stock=mug, tax_rate=2000)
        s.commit()
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="TEA", name="Green tea", price=500, stock=tea, tax_rate=0)
        s.commit()
    with db.write_session(engine) as s:
        draft = OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(quantity=q, sku=k) for k, q in items], notify_customer=False)
        order = orders.place_order(s, draft).order
        number, version = order.number, order.version
        s.commit()
    if paid:
        with db.write_session(engine) as s:
            version = payments.record_payment(s, number=number, notify_customer=False).order.version
            s.commit()
    db.dispose_all()
    return number, version


def facts(url: str, number: str) -> dict:
    from ordercli import db

    engine = db.get_engine(url)
    with engine.connect() as c:
        stock = dict(c.execute(sa.text("SELECT sku, stock FROM product")).all())
        ledger = dict(c.execute(sa.text("SELECT p.sku, COALESCE(SUM(m.delta), 0) FROM product p LEFT JOIN stock_movement m ON m.product_id = p.id GROUP BY p.sku")).all())
        moves = c.execute(
            sa.text("SELECT p.sku, m.delta, m.reason FROM stock_movement m JOIN product p ON p.id = m.product_id WHERE m.order_number = :n ORDER BY m.id"), {"n": number}
        ).all()
        o = c.execute(sa.text("SELECT id, payment_status, version, total, paid, stock_held FROM orders WHERE number = :n"), {"n": number}).one()
        kinds = [r[0] for r in c.execute(sa.text("SELECT kind FROM order_event WHERE order_id = :i ORDER BY id"), {"i": o.id}).all()]
        pays = [tuple(r) for r in c.execute(sa.text("SELECT kind, amount FROM payment WHERE order_id = :i ORDER BY id"), {"i": o.id}).all()]
        lines = dict(c.execute(sa.text("SELECT sku, quantity FROM order_line WHERE order_id = :i"), {"i": o.id}).all())
    db.dispose_all()
    for sku in stock:
        assert stock[sku] == ledger[sku] and stock[sku] >= 0, (sku, stock, ledger)
    return {"stock": stock, "moves": [tuple(m) for m in moves], "status": o.payment_status, "version": o.version, "total": o.total, "paid": o.paid, "events": kinds, "payments": pays, "lines": lines}


# ------------------------------------------------------------------- cancel


def test_tills_cancelling_the_same_order_return_its_stock_once(store_url, tmp_path):
    number, _ = seed(store_url)
    assert facts(store_url, number)["stock"] == {"MUG": 3, "TEA": 7}
    results = tills(store_url, tmp_path, [["order", "cancel", number, "--yes", "--no-notify", "--reason", f"till {i}"] for i in range(3)])
    assert all(rc == 0 for rc, _, _ in results), results
    did = [e for _, _, e in results if "Stock returned" in e]
    assert len(did) == 1, results
    assert sum("Nothing changed" in e for _, _, e in results) == 2
    f = facts(store_url, number)
    assert f["stock"] == {"MUG": 5, "TEA": 10}
    assert [m for m in f["moves"] if m[2] == "cancel"] == [("MUG", 2, "cancel"), ("TEA", 3, "cancel")]
    assert f["events"].count("cancelled") == 1 and f["status"] == "CANCELLED"


def test_cancel_and_refund_at_once_return_the_stock_once(store_url, tmp_path):
    number, _ = seed(store_url, paid=True)
    results = tills(
        store_url,
        tmp_path,
        [["order", "cancel", number, "--yes", "--no-notify"], ["order", "refund", number, "--yes", "--no-notify"], ["order", "status", number, "--payment", "refunded", "--no-notify"]],
    )
    f = facts(store_url, number)
    assert f["stock"] == {"MUG": 5, "TEA": 10}, results
    back = [m for m in f["moves"] if m[1] > 0]
    assert sorted(back) == sorted([("MUG", 2, back[0][2]), ("TEA", 3, back[0][2])])  # one return of each line
    assert f["status"] in ("CANCELLED", "REFUNDED")
    refunds = [a for k, a in f["payments"] if k == "refund"]
    assert sum(refunds) <= f["paid"]  # never more money back than was paid


# --------------------------------------------------------------------- edit


def test_two_tills_editing_from_the_same_version_one_wins(store_url, tmp_path):
    """Genuinely concurrent: both tills saw version V and save at the same instant."""
    number, version = seed(store_url)
    results = tills(
        store_url,
        tmp_path,
        [
            ["order", "edit", number, "--set-qty", "MUG=3", "--expect-version", str(version), "--format", "json"],
            ["order", "edit", number, "--set-qty", "TEA=1", "--expect-version", str(version), "--format", "json"],
        ],
    )
    codes = sorted(rc for rc, _, _ in results)
    assert codes == [0, 1], results
    (_, won_out, _), (_, lost_out, lost_err) = sorted(results, key=lambda r: r[0])
    assert f"Order {number} changed since you opened it; run the command again" in lost_err and lost_out == ""
    won = json.loads(won_out)
    f = facts(store_url, number)
    assert f["version"] == version + 1 and f["events"].count("edited") == 1
    assert f["lines"] == {i["sku"]: i["quantity"] for i in won["items"]}
    # only the winner's stock moved
    if f["lines"]["MUG"] == 3:
        assert f["stock"] == {"MUG": 2, "TEA": 7}
    else:
        assert f["lines"] == {"MUG": 2, "TEA": 1} and f["stock"] == {"MUG": 3, "TEA": 9}


def test_the_later_save_of_a_stale_order_is_refused(store_url, tmp_path):
    """Deterministic: till A reads the order, till B saves, then A saves with what it read."""
    number, _ = seed(store_url)
    seen = json.loads(run(store_url, "order", "show", number, "--format", "json").stdout)["version"]
    b = run(store_url, "order", "edit", number, "--add-item", "TEA:1")
    assert b.returncode == 0, b.stderr
    a = run(store_url, "order", "edit", number, "--set-qty", "MUG=4", "--expect-version", str(seen))
    assert a.returncode == 1 and a.stdout == ""
    assert f"Order {number} changed since you opened it; run the command again" in a.stderr
    f = facts(store_url, number)
    assert f["lines"] == {"MUG": 2, "TEA": 4} and f["stock"] == {"MUG": 3, "TEA": 6}


def test_edits_without_a_version_queue_up_and_both_apply(store_url, tmp_path):
    """Plain flag edits lock the order row: concurrent +1s both land, stock moves for each."""
    number, _ = seed(store_url, tea=20)
    results = tills(store_url, tmp_path, [["order", "edit", number, "--add-item", "TEA:1"] for _ in range(2)])
    assert all(rc == 0 for rc, _, _ in results), results
    f = facts(store_url, number)
    assert f["lines"]["TEA"] == 5 and f["stock"]["TEA"] == 15
    assert f["events"].count("edited") == 2


def test_edit_racing_a_cancel_leaves_stock_consistent(store_url, tmp_path):
    number, _ = seed(store_url)
    results = tills(store_url, tmp_path, [["order", "edit", number, "--set-qty", "MUG=4"], ["order", "cancel", number, "--yes", "--no-notify"]])
    edit_rc, cancel_rc = results[0][0], results[1][0]
    assert cancel_rc == 0
    f = facts(store_url, number)
    assert f["status"] == "CANCELLED" and f["stock"] == {"MUG": 5, "TEA": 10}
    if edit_rc == 0:  # the edit went first: the cancellation returned 4 mugs
        assert ("MUG", 4, "cancel") in f["moves"]
    else:  # the cancellation went first: the edit was refused, nothing moved for it
        assert edit_rc == 1 and "cannot be edited" in results[0][2]
        assert not [m for m in f["moves"] if m[2] == "edit"]


# ---------------------------------------------------------------------- pay


def test_two_tills_taking_the_balance_at_once_charge_it_once(store_url, tmp_path):
    number, _ = seed(store_url)
    results = tills(store_url, tmp_path, [["order", "pay", number, "--method", "Cash", "--no-notify"], ["order", "pay", number, "--method", "Card", "--no-notify"]])
    codes = sorted(rc for rc, _, _ in results)
    assert codes == [0, 1], results
    assert "Nothing is due" in [e for rc, _, e in results if rc == 1][0]
    f = facts(store_url, number)
    assert f["paid"] == f["total"] and f["status"] == "PAID" and len(f["payments"]) == 1
