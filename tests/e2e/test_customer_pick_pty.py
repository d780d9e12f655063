"""Issue 11 §1/§5: picking an accented customer from the wizard's completion list, in a real pseudo-terminal.

Typed without accents ("elodie"), Tab to the entry, Enter: the order is filed under that customer
(by id) with her stored name, not under a new customer named after the label.
"""

from __future__ import annotations


import pexpect
import pytest

from tests.pty import rows, spawn
from tests.wizard_keys import ENTER, NO, PAY_LATER, TAB

pytestmark = pytest.mark.slow


def run(store: str, *args: str) -> None:
    child = spawn(store, *args)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before


def test_picking_elodie_from_the_completion_list_files_the_order_under_her(tmp_path):
    store = str(tmp_path / "stall.db")
    run(store, "config", "set", "store.phone_region", "FR")
    run(store, "product", "add", "CANDLE", "--name", "Bougie", "--price", "8", "--untracked")
    run(store, "order", "create", "--name", "Élodie Lefèvre-Duchâteau", "--phone", "07 81 23 45 67", "--item", "CANDLE", "--no-notify")
    run(store, "order", "create", "--name", "Eloise Martin", "--email", "eloise@example.fr", "--item", "CANDLE", "--no-notify")

    child = spawn(store, "order", "create")
    child.expect("Customer")
    child.send("elodie")
    child.expect("Lefèvre-Duchâteau")  # the menu shows her, found without accents
    child.send(TAB + ENTER)
    child.expect("Customer: Élodie Lefèvre-Duchâteau")
    child.expect("Item")
    child.send("CANDLE" + ENTER)
    child.expect("Quantity")
    child.send(ENTER)
    child.expect("Enter to finish")
    child.send(ENTER)
    child.expect("Anything else")
    child.send(ENTER)
    child.expect("Create this order")
    child.send(ENTER)
    child.expect("Payment")
    child.send(PAY_LATER)  # a phone order: paid later
    child.expect(r"1003\S* created")
    child.expect("Start the next order")
    child.send(NO)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    assert rows(store, "SELECT count(*) FROM customer") == [(2,)]
    assert rows(store, "SELECT customer_id, customer_name, customer_phone FROM orders WHERE number = '1003'") == [(1, "Élodie Lefèvre-Duchâteau", "+33781234567")]
