"""The wizard in a real pseudo-terminal (pexpect), as a person at a stall uses it."""

from __future__ import annotations

import os
import sqlite3
import sys

import pexpect
import pytest

from tests.wizard_keys import CTRL_C, DOWN, ENTER, NO, PAY_LATER

pytestmark = pytest.mark.slow


def spawn(store: str, *args: str) -> pexpect.spawn:
    env = dict(os.environ)
    env.update({"ORDERCLI_DB": store, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "NO_COLOR": "1", "COLUMNS": "120", "LINES": "40"})
    return pexpect.spawn(sys.executable, ["-m", "ordercli", *args], env=env, encoding="utf-8", timeout=20, dimensions=(40, 120))


def run(store: str, *args: str) -> None:
    child = spawn(store, *args)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before


@pytest.fixture
def store(tmp_path):
    path = str(tmp_path / "stall.db")
    run(path, "product", "add", "MUG-01", "--name", "Blue mug", "--price", "18.00", "--stock", "5", "--tax-rate", "20")
    run(path, "product", "add", "CARD", "--name", "Greeting card", "--price", "3.50", "--untracked")
    return path


def rows(store: str, sql: str):
    with sqlite3.connect(store) as conn:
        return conn.execute(sql).fetchall()


def _to_quantity(child) -> None:
    """A new customer (Ana, email, no phone), then MUG-01: stops at its quantity prompt."""
    child.expect("Customer")
    child.send("Ana Lima" + ENTER)
    child.expect("Email")
    child.send("ana@example.com" + ENTER)
    child.expect("Phone")
    child.send(ENTER)
    child.expect("Item")
    child.send("MUG-01" + ENTER)
    child.expect("Quantity")


def test_wizard_creates_an_order_in_the_store(store):
    child = spawn(store, "order", "create")
    child.expect("Customer")
    child.send("Ana Lima" + ENTER)
    child.expect("Email")
    child.send("ana@example.com" + ENTER)
    child.expect("Phone")
    child.send(ENTER)
    child.expect("Item")
    child.send("mug")  # the completion menu shows the match with its stock
    child.expect("5 left")
    child.send(DOWN + ENTER)
    child.expect(r"Quantity of Blue mug")
    child.send("2" + ENTER)
    child.expect(r"Enter to finish")
    child.send(ENTER)
    child.expect("Anything else")
    child.send(ENTER)
    child.expect("Total")
    child.expect("Email the order confirmation")
    child.send(ENTER)
    child.expect("Create this order")
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"1001\S* created")
    child.expect("Start the next order")
    child.send(NO)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert rows(store, "SELECT number, customer_name, customer_email, payment_status, fulfillment_status, door, total FROM orders") == [
        ("1001", "Ana Lima", "ana@example.com", "AWAITING_PAYMENT", "AWAITING_PROCESSING", "wizard", 3600)
    ]
    assert rows(store, "SELECT stock FROM product WHERE sku = 'MUG-01'") == [(3,)]


def test_ctrl_c_midway_writes_nothing(store):
    child = spawn(store, "order", "create")
    _to_quantity(child)
    child.send(CTRL_C)
    child.expect("Cancelled, nothing saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    assert rows(store, "SELECT COUNT(*) FROM orders") == [(0,)]
    assert rows(store, "SELECT COUNT(*) FROM customer") == [(0,)]
    assert rows(store, "SELECT stock FROM product WHERE sku = 'MUG-01'") == [(5,)]


def test_no_input_never_prompts(store):
    child = spawn(store, "--no-input", "order", "create", "--name", "Ana")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "--email or --phone" in child.before


def _to_confirmation(child) -> None:
    _to_quantity(child)
    child.send("2" + ENTER)
    child.expect(r"Enter to finish")
    child.send(ENTER)
    child.expect("Anything else")
    child.send(ENTER)
    child.expect("Email the order confirmation")
    child.send(ENTER)
    child.expect("Create this order")


def test_a_price_changed_on_another_till_after_the_review_is_shown_again_before_saving(store):
    child = spawn(store, "order", "create")
    _to_confirmation(child)  # the review showed 2 x 18.00 = 36.00
    run(store, "product", "edit", "MUG-01", "--price", "25.00")  # another till, meanwhile
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"total changed since the review \(€36\.00 → €50\.00\)")
    assert rows(store, "SELECT COUNT(*) FROM orders") == [(0,)]  # nothing saved at the old price…
    child.expect("Email the order confirmation")  # …and the new review is asked about again
    child.send(ENTER)
    child.expect("Create this order")
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"1001\S* created")
    child.expect("Start the next order")
    child.send(NO)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert rows(store, "SELECT total FROM orders") == [(5000,)]


def test_ctrl_d_cancels_like_ctrl_c_and_after_a_saved_order_just_ends(store):
    child = spawn(store, "order", "create")
    child.expect("Customer")
    child.send("Ana Lima" + ENTER)
    child.expect("Email")
    child.send("\x04")  # Ctrl-D
    child.expect("Cancelled, nothing saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and "Unexpected error" not in child.before
    assert rows(store, "SELECT COUNT(*) FROM orders") == [(0,)]

    child = spawn(store, "order", "create")
    _to_confirmation(child)
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"1001\S* created")
    child.expect("Start the next order")
    child.send("\x04")  # Ctrl-D here: "no", the order stays saved
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "nothing saved" not in child.before and "Unexpected error" not in child.before
    assert rows(store, "SELECT number FROM orders") == [("1001",)]


def test_ctrl_c_in_the_next_order_drops_that_order_only_and_names_the_saved_one(store):
    child = spawn(store, "order", "create")
    _to_confirmation(child)
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"1001\S* created")
    child.expect("Start the next order")
    child.send(ENTER)
    child.expect("Customer")
    child.send(CTRL_C)
    child.expect("the order being taken was not saved. Saved before it: 1001")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Cancelled, nothing saved" not in child.before  # 1001 was saved: never say nothing was
    assert rows(store, "SELECT number FROM orders") == [("1001",)]
