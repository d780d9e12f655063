"""Products with options in the order wizard, in a real pseudo-terminal (issue 13)."""

from __future__ import annotations

import json

import pexpect
import pytest

from tests.e2e.test_wizard_pty import rows, run, spawn
from tests.wizard_keys import DOWN, ENTER, PAY_LATER

pytestmark = pytest.mark.slow


@pytest.fixture
def store(tmp_path):
    path = str(tmp_path / "stall.db")
    run(path, "product", "add", "TEE", "--name", "T-shirt", "--price", "15", "--stock", "5", "--option", "Size=S,M", "--option", "Colour=Red,Blue")
    run(path, "product", "stock", "TEE-S-RED", "--set", "0")
    run(path, "product", "stock", "TEE-S-BLUE", "--set", "0")
    run(path, "product", "edit", "TEE-M-RED", "--price", "16")
    run(path, "product", "add", "OLD", "--name", "Old T-shirt stock", "--price", "1", "--stock", "9")
    run(path, "product", "edit", "OLD", "--not-for-sale")
    return path


def _to_items(child) -> None:
    child.expect("Customer")
    child.send("Ana Lima" + ENTER)
    child.expect("Email")
    child.send("ana@example.com" + ENTER)
    child.expect("Phone")
    child.send(ENTER)
    child.expect("Item")


def _finish(child) -> None:
    child.expect(r"Enter to finish")
    child.send(ENTER)
    child.expect("Anything else")
    child.send(ENTER)
    child.expect("Email the order confirmation")
    child.send(ENTER)
    child.expect("Create this order")
    child.send(ENTER)
    child.expect(r"Payment \(")  # the Payment step (issue 9): pay later
    child.send(PAY_LATER)
    child.expect(r"1001\S* created")
    child.expect("Start the next order")
    child.send("n" + ENTER)  # yes/no questions wait for Enter
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_picking_a_product_with_options_asks_the_values_in_stock_first(store):
    child = spawn(store, "order", "create")
    _to_items(child)
    child.send("t-sh")  # the menu offers the product with options and its variants
    child.expect(r"TEE — T-shirt · 4 variants \(Size / Colour\)")
    child.send("\x7f" * 4 + "TEE" + ENTER)
    child.expect("Size of T-shirt")
    child.expect(r"M · €15.00\+ · 10 left")  # M first: S is sold out (shown, not selectable)
    child.expect(r"S · €15.00 · sold out")
    child.send(ENTER)
    child.expect("Colour of T-shirt")
    child.expect(r"Red · €16.00 · 5 left")
    child.send(DOWN + ENTER)
    child.expect(r"Quantity of T-shirt — M / Blue")
    child.send("2" + ENTER)
    _finish(child)
    assert rows(store, "SELECT sku, name, quantity, options FROM order_line") == [("TEE-M-BLUE", "T-shirt — M / Blue", 2, json.dumps({"Size": "M", "Colour": "Blue"}))]
    assert rows(store, "SELECT sku, stock FROM product WHERE sku LIKE 'TEE-M-%' ORDER BY sku") == [("TEE-M-BLUE", 3), ("TEE-M-RED", 5)]


def test_a_variant_can_be_picked_directly_and_not_for_sale_is_hidden(store):
    child = spawn(store, "order", "create")
    _to_items(child)
    child.send("OLD" + ENTER)  # not for sale: the wizard does not offer it, even typed exactly
    child.expect("Unknown SKU 'OLD'")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    child = spawn(store, "order", "create")
    _to_items(child)
    child.send("TEE-M-RED" + ENTER)
    child.expect(r"Quantity of T-shirt — M / Red \(€16.00, 5 left\)")
    child.send(ENTER)
    _finish(child)
    assert rows(store, "SELECT sku, quantity FROM order_line") == [("TEE-M-RED", 1)]
