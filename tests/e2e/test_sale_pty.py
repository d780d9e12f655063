"""A sale at the stall in a real pseudo-terminal: walk-in, the Payment step, keys that never leak."""

from __future__ import annotations


import pexpect
import pytest

from tests.pty import end, rows, spawn
from tests.wizard_keys import (
    CTRL_D,
    DOWN,
    ENTER,
    ESC,
    NO,
    PAY_BACK,
    PAY_CARD,
    PAY_CASH,
    PAY_LATER,
    UP,
    YES,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def store(tmp_path):
    from tests import seed

    path = str(tmp_path / "stall.db")
    url = f"sqlite:///{path}"
    seed.products(url, ("MUG-01", "Blue mug", "18.00", 5, 20), ("CARD", "Greeting card", "3.50", None, 0))
    return path


def walk_in_to_create(child, qty: str = "1") -> None:
    """An empty Customer answer (walk-in), MUG-01 × qty, no extras: stops at "Create this order?"."""
    child.expect("Customer")
    child.expect("Enter for a walk-in")
    child.send(ENTER)
    child.expect("Customer: Walk-in")
    child.expect("Item")
    child.send("MUG-01" + ENTER)
    child.expect("Quantity")
    child.send(qty + ENTER)
    child.expect("Enter to finish")
    child.send(ENTER)
    child.expect("Anything else")
    child.send(ENTER)
    child.expect(r"Customer: \S*Walk-in")  # the review (bold even without colour)
    child.expect("Create this order")


def test_walk_in_cash_sale_shows_the_change_and_saves_order_and_payment_together(store):
    child = spawn(store, "order", "create")
    walk_in_to_create(child)
    child.send(ENTER)
    child.expect(r"Payment \(€18\.00 due\)")
    child.send(PAY_CASH)
    child.expect("Cash received")
    child.send("20" + ENTER)
    child.expect(r"Change to give back: €2\.00")
    child.expect(r"1001\S* created · paid")
    child.expect("Start the next order")
    child.send(NO)
    end(child)
    assert rows(store, "SELECT customer_name, walk_in, customer_id, payment_status, paid FROM orders") == [("Walk-in", 1, None, "PAID", 1800)]
    assert rows(store, "SELECT amount, method_code, tendered, change FROM payment") == [(1800, "cash", 2000, 200)]
    assert rows(store, "SELECT COUNT(*) FROM customer") == [(0,)]


def test_split_payment_card_then_cash(store):
    child = spawn(store, "order", "create")
    walk_in_to_create(child, "2")  # 36.00
    child.send(ENTER)
    child.expect(r"Payment \(€36\.00 due\)")
    child.send(PAY_CARD)
    child.expect("Amount paid by Card")
    child.send("30" + ENTER)
    child.expect(r"€6\.00 still due")
    child.expect(r"Payment of the rest \(€6\.00 due\)")
    child.send(PAY_CASH)
    child.expect("Cash received")
    child.send("10" + ENTER)
    child.expect(r"Change to give back: €4\.00")
    child.expect(r"1001\S* created · paid")
    child.expect("Start the next order")
    child.send(NO)
    end(child)
    assert rows(store, "SELECT amount, method_code, tendered, change FROM payment ORDER BY id") == [(3000, "card", None, None), (600, "cash", 1000, 400)]
    assert rows(store, "SELECT payment_status, paid FROM orders") == [("PAID", 3600)]


def test_later_leaves_the_order_awaiting_payment(store):
    child = spawn(store, "order", "create")
    walk_in_to_create(child)
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"1001\S* created · awaiting payment")
    child.expect("Start the next order")
    child.send(NO)
    end(child)
    assert rows(store, "SELECT payment_status, paid FROM orders") == [("AWAITING_PAYMENT", 0)]
    assert rows(store, "SELECT COUNT(*) FROM payment") == [(0,)]


def test_y_then_enter_answers_one_question_only(store):
    # The leak: "y" answered "Email the order confirmation?" at once and its Enter then
    # answered "Create this order?" — the order was created unreviewed.
    child = spawn(store, "order", "create")
    child.expect("Customer")
    child.send("Ana Lima" + ENTER)
    child.expect("Email")
    child.send("ana@example.com" + ENTER)
    child.expect("Phone")
    child.send(ENTER)
    child.expect("Item")
    child.send("CARD" + ENTER)
    child.expect("Quantity")
    child.send(ENTER)
    child.expect("Enter to finish")
    child.send(ENTER)
    child.expect("Anything else")
    child.send(ENTER)
    child.expect("Email the order confirmation")
    child.send(YES)
    child.expect("Create this order")
    # Still waiting at "Create this order?": nothing saved yet.
    with pytest.raises(pexpect.TIMEOUT):
        child.expect("Payment", timeout=1.5)
    assert rows(store, "SELECT COUNT(*) FROM orders") == [(0,)]
    child.send(YES)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"1001\S* created")
    child.expect("Start the next order")
    child.send(NO)
    end(child)


def test_n_and_enter_at_create_opens_the_menu_without_picking(store):
    child = spawn(store, "order", "create")
    walk_in_to_create(child)
    child.send(NO)
    child.expect("Not created. What now?")
    child.expect("Change the customer")
    # The Enter after "n" was not taken by the menu: it still waits.
    with pytest.raises(pexpect.TIMEOUT):
        child.expect("Item", timeout=1.5)
    child.send(UP + ENTER)  # Drop this order (the last choice)
    child.expect("Dropped. Nothing saved.")
    child.expect("Start the next order")
    child.send(NO)
    end(child)
    assert rows(store, "SELECT COUNT(*) FROM orders") == [(0,)]


def test_ctrl_d_in_an_arrow_menu_cancels(store):
    child = spawn(store, "order", "create")
    walk_in_to_create(child)
    child.send(ENTER)
    child.expect("Payment")
    child.send(CTRL_D)
    child.expect("Cancelled, nothing saved.")
    end(child, 130)
    assert rows(store, "SELECT COUNT(*) FROM orders") == [(0,)]
    assert rows(store, "SELECT stock FROM product WHERE sku = 'MUG-01'") == [(5,)]


def test_back_and_esc_go_back_one_step(store):
    child = spawn(store, "order", "create")
    walk_in_to_create(child)
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_BACK)  # "Back": the review again
    child.expect(r"Customer: \S*Walk-in")
    child.expect("Create this order")
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_CASH)
    child.expect("Cash received")
    child.send(ESC)  # Esc: back to the Payment menu
    child.expect(r"Payment \(€18\.00 due\)")
    child.send(DOWN + ENTER)  # Card, the whole amount
    child.expect("Amount paid by Card")
    child.send(ENTER)
    child.expect(r"1001\S* created · paid")
    child.expect("Start the next order")
    child.send(NO)
    end(child)
    assert rows(store, "SELECT amount, method_code FROM payment") == [(1800, "card")]


def test_change_the_customer_at_the_review(store):
    child = spawn(store, "order", "create")
    walk_in_to_create(child)
    child.send(NO)
    child.expect("Not created. What now?")
    child.send(DOWN + DOWN + ENTER)  # Change the customer
    child.expect("Customer")
    child.send("Bob" + ENTER)
    child.expect("Email")
    child.send("bob@example.com" + ENTER)
    child.expect("Phone")
    child.send(ENTER)
    child.expect(r"Customer: \S*Bob")
    child.expect("Email the order confirmation")
    child.send(NO)
    child.expect("Create this order")
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"1001\S* created")
    child.expect("Start the next order")
    child.send(NO)
    end(child)
    assert rows(store, "SELECT customer_name, walk_in FROM orders") == [("Bob", 0)]


def test_esc_at_create_goes_back_to_the_changes_menu(store):
    child = spawn(store, "order", "create")
    walk_in_to_create(child)
    child.send(ESC)
    child.expect("Not created. What now?")
    child.send(UP + UP + ENTER)  # Back (review the order again)
    child.expect(r"Customer: \S*Walk-in")
    child.expect("Create this order")
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"1001\S* created")
    child.expect("Start the next order")
    child.send(NO)
    end(child)
    assert rows(store, "SELECT COUNT(*) FROM orders") == [(1,)]
