"""The interactive ``order edit`` in a real pseudo-terminal (pexpect).

PROMPT_TOOLKIT_NO_CPR=1 and TERM=xterm keep prompt_toolkit from waiting for
cursor-position answers a pty does not give.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pexpect
import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow

DOWN = "\x1b[B"
UP = "\x1b[A"
BACKSPACE = "\x7f"
ENTER = "\r"
CTRL_C = "\x03"
ORDERCLI = os.path.join(os.path.dirname(sys.executable), "ordercli")


def env_for(url: str) -> dict:
    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", ORDERCLI_DB=url, NO_COLOR="1", TZ="UTC", COLUMNS="120", LINES="40")
    env.pop("ORDERCLI_DEBUG", None)
    return env


def spawn(url: str, *args: str) -> pexpect.spawn:
    if os.path.exists(ORDERCLI):
        return pexpect.spawn(ORDERCLI, list(args), env=env_for(url), encoding="utf-8", timeout=20, dimensions=(40, 120))
    return pexpect.spawn(sys.executable, ["-m", "ordercli", *args], env=env_for(url), encoding="utf-8", timeout=20, dimensions=(40, 120))


@pytest.fixture
def store(sqlite_url):
    from ordercli import db
    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.services import catalog, orders

    engine = db.get_engine(sqlite_url)
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="MUG-01", name="Blue mug", price=1800, stock=5, tax_rate=2000)
        s.commit()
    with db.write_session(engine) as s:
        draft = OrderDraft(customer=CustomerIn(name="Ana Lima", email="ana@example.com"), items=[ItemIn(quantity=2, sku="MUG-01")], notify_customer=False)
        number = orders.place_order(s, draft).order.number
        s.commit()
    db.dispose_all()
    return sqlite_url, number


def facts(url: str, number: str) -> dict:
    from ordercli import db

    engine = db.get_engine(url)
    with engine.connect() as c:
        o = c.execute(sa.text("SELECT id, version, total, customer_email, staff_note FROM orders WHERE number = :n"), {"n": number}).one()
        lines = dict(c.execute(sa.text("SELECT sku, quantity FROM order_line WHERE order_id = :i"), {"i": o.id}).all())
        stock = c.execute(sa.text("SELECT stock FROM product WHERE sku = 'MUG-01'")).scalar()
        ledger = c.execute(sa.text("SELECT SUM(delta) FROM stock_movement")).scalar()
        events = [tuple(r) for r in c.execute(sa.text("SELECT kind, door, summary FROM order_event WHERE order_id = :i ORDER BY id"), {"i": o.id}).all()]
    db.dispose_all()
    assert stock == ledger
    return {"version": o.version, "total": o.total, "email": o.customer_email, "staff_note": o.staff_note, "lines": lines, "stock": stock, "events": events}


def open_quantity(child) -> None:
    """From the start: Items -> the first line -> Change quantity."""
    child.expect("What do you want to change")
    child.send(ENTER)  # Items is the default
    child.expect("Which line")
    child.send(ENTER)  # MUG-01
    child.expect("Change quantity")
    child.send(ENTER)


def go_review(child) -> None:
    child.expect("Which line")
    child.send(DOWN + DOWN + ENTER)  # Back
    child.expect("What do you want to change")
    child.send(DOWN + DOWN + ENTER)  # Done — review the changes


def save_and_end(child, said: str) -> None:
    """From the review: save, check what it said, and that it ended with exit 0."""
    child.expect("Save these changes")
    child.send("y" + ENTER)
    child.expect(said)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_interactive_edit_changes_a_quantity(store):
    url, number = store
    child = spawn(url, "order", "edit", number)
    child.expect(f"Editing order {number}")
    open_quantity(child)
    # The order's own 2 units count: 3 in stock + 2 held = up to 5.
    child.expect(r"Quantity \(now 2, up to 5; Enter keeps it\)")
    child.send(BACKSPACE * 3 + "9" + ENTER)
    child.expect("Only 5 available")
    child.send(BACKSPACE * 3 + "3" + ENTER)
    go_review(child)
    child.expect("before → after")
    child.expect("MUG-01 qty 2 → 3")
    child.expect("Stock to take: MUG-01 ×1")
    save_and_end(child, "updated: MUG-01 qty 2 → 3")
    f = facts(url, number)
    assert f["lines"] == {"MUG-01": 3} and f["stock"] == 2 and f["total"] == 5400
    kind, door, summary = f["events"][-1]
    assert (kind, door) == ("edited", "wizard") and "MUG-01 qty 2 → 3" in summary


def test_interactive_edit_changes_the_customer(store):
    url, number = store
    child = spawn(url, "order", "edit", number)
    child.expect("What do you want to change")
    child.send(UP + ENTER)  # Customer
    child.expect("Customer name")
    child.send(ENTER)  # keep
    child.expect("Email")
    child.send(BACKSPACE * 40 + "ana.lima@example.com" + ENTER)
    child.expect("Phone")
    child.send(ENTER)
    child.expect("What do you want to change")
    child.send(DOWN + DOWN + ENTER)  # the menu starts on Items again: two down is the review
    child.expect("Email: ana@example.com → ana.lima@example.com")
    child.expect("Save these changes")
    child.send("y" + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    f = facts(url, number)
    assert f["email"] == "ana.lima@example.com"
    assert "Email: ana@example.com → ana.lima@example.com" in f["events"][-1][2]


def test_ctrl_c_leaves_without_saving(store):
    url, number = store
    before = facts(url, number)
    child = spawn(url, "order", "edit", number)
    open_quantity(child)
    child.expect("Quantity")
    child.send(BACKSPACE * 3 + "4")
    child.send(CTRL_C)
    child.expect("Cancelled, nothing saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert facts(url, number) == before


def test_a_save_after_another_till_changed_the_order_is_refused(store):
    url, number = store
    child = spawn(url, "order", "edit", number)
    open_quantity(child)
    child.expect("Quantity")
    child.send(BACKSPACE * 3 + "3" + ENTER)
    go_review(child)
    child.expect("Save these changes")
    # Meanwhile another till writes a staff note on the same order.
    other = subprocess.run([sys.executable, "-m", "ordercli", "order", "edit", number, "--staff-note", "Call first"], env=env_for(url), capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr
    child.send("y" + ENTER)
    child.expect(f"Order {number} changed since you opened it; run the command again")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    f = facts(url, number)
    assert f["lines"] == {"MUG-01": 2} and f["stock"] == 3 and f["staff_note"] == "Call first"
    assert [e[0] for e in f["events"]] == ["created", "edited"]


def test_a_cancelled_order_is_refused_before_any_question(store):
    url, number = store
    r = subprocess.run([sys.executable, "-m", "ordercli", "order", "cancel", number, "--yes", "--no-notify"], env=env_for(url), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    child = spawn(url, "order", "edit", number)
    child.expect("cannot be edited")
    child.expect("Reopen it first")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_cancel_and_refund_ask_for_confirmation_on_a_terminal(store):
    url, number = store
    # Declining writes nothing.
    child = spawn(url, "order", "cancel", number, "--no-notify")
    child.expect(rf"Cancel order {number} \(€36.00\) and return MUG-01 ×2 to stock\?")
    child.send("n" + ENTER)
    child.expect("Not cancelled. Nothing changed.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert facts(url, number)["stock"] == 3
    # Saying yes cancels and returns the stock.
    child = spawn(url, "order", "cancel", number, "--no-notify")
    child.expect("Cancel order")
    child.send("y" + ENTER)
    child.expect("Stock returned: MUG-01 ×2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    f = facts(url, number)
    assert f["stock"] == 5 and f["events"][-1][0] == "cancelled"
    # Refund: nothing was paid, so it is refused before any question.
    child = spawn(url, "order", "refund", number)
    child.expect("nothing to refund")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_refund_confirmed_on_a_terminal(store):
    url, number = store
    r = subprocess.run([sys.executable, "-m", "ordercli", "order", "pay", number, "--no-notify"], env=env_for(url), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    child = spawn(url, "order", "refund", number, "--no-notify")
    child.expect(rf"Refund €36.00 on order {number} \(in full\) and return MUG-01 ×2 to stock\?")
    child.send("y" + ENTER)
    child.expect("Refund of €36.00 recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    f = facts(url, number)
    assert f["stock"] == 5 and [e[0] for e in f["events"]][-2:] == ["refund", "status"]


def test_stock_taken_by_another_till_before_the_save_keeps_the_edit_open(store):
    url, number = store
    child = spawn(url, "order", "edit", number)
    open_quantity(child)
    child.expect("Quantity")
    child.send(BACKSPACE * 3 + "4" + ENTER)  # 2 -> 4 needs 2 of the 3 left
    go_review(child)
    child.expect("Save these changes")
    other = subprocess.run(  # another till sells 2 of the 3 meanwhile
        [sys.executable, "-m", "ordercli", "order", "create", "--name", "Bo", "--email", "bo@example.com", "--item", "MUG-01:2", "--no-notify"],
        env=env_for(url), capture_output=True, text=True, timeout=60,
    )
    assert other.returncode == 0, other.stderr
    child.send("y" + ENTER)
    child.expect("Nothing was saved. Change the order or review it again.")
    open_quantity(child)  # still editing, with what was typed
    child.expect(r"Quantity \(now 4, up to 3")  # the draft kept 4; the order's own 2 + 1 left
    child.send(BACKSPACE * 3 + "3" + ENTER)
    go_review(child)
    save_and_end(child, "updated: MUG-01 qty 2 → 3")
    f = facts(url, number)
    assert f["lines"] == {"MUG-01": 3} and f["stock"] == 0
