"""A whole day at the stall in a real pseudo-terminal (issue 9 §8).

Open the till, a walk-in cash sale with change, a card sale, a split payment (card + cash), a phone
order paid later, a refund in cash, close the till with a difference; then ``report day --format
json`` is checked figure by figure against what this test recorded. The receipt printer is a file
(``receipt.printer file:PATH``): each paid sale prints its ESC/POS receipt there by itself, the sale
paid later asks "Print a receipt?" first, and a printer that is off never loses a sale.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pexpect
import pytest

from tests import pty
from tests.pty import end, rows
from tests.wizard_keys import ENTER, NO, PAY_CARD, PAY_CASH, PAY_LATER, YES

pytestmark = pytest.mark.slow

TILL = "stall-1"


def spawn(store: str, *args: str) -> pexpect.spawn:
    return pty.spawn(store, *args, env={"ORDERCLI_TILL": TILL}, timeout=30)


def run(store: str, *args: str) -> str:
    return end(spawn(store, *args))


@pytest.fixture
def store(tmp_path):
    """Catalog and settings set up in-process (fast); the day itself runs on the terminal."""
    from tests.conftest import Cli

    path = str(tmp_path / "stall.db")
    cli = Cli(path)
    for args in (
        ("config", "set", "store.name", "Les Bougies de Lou"),
        ("config", "set", "store.phone_region", "FR"),
        ("config", "set", "stock.low_threshold", "3"),
        ("config", "set", "receipt.printer", f"file:{tmp_path / 'printer.bin'}"),
        ("product", "add", "MUG-01", "--name", "Blue mug", "--price", "18.00", "--stock", "7", "--tax-rate", "20"),
        ("product", "add", "CARD", "--name", "Greeting card", "--price", "3.50", "--tax-rate", "5.5", "--untracked"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    from ordercli import db

    db.dispose_all()
    return path


def walk_in_sale(child, sku: str, qty: int) -> None:
    """An empty Customer answer (walk-in), ``sku`` × ``qty``, no extras, created: stops at the Payment menu."""
    child.expect("Enter for a walk-in")
    child.send(ENTER)
    child.expect("Customer: Walk-in")
    child.expect("Item")
    child.send(sku + ENTER)
    child.expect("Quantity")
    child.send(f"{qty}" + ENTER)
    child.expect("Enter to finish")
    child.send(ENTER)
    child.expect("Anything else")
    child.send(ENTER)
    child.expect("Create this order")
    child.send(YES)


def test_a_whole_day_at_the_stall(store, tmp_path):
    printer = tmp_path / "printer.bin"

    out = run(store, "till", "open", "--float", "50")
    assert TILL in out

    child = spawn(store, "order", "create")
    # 1001: a walk-in pays 18.00 in cash with a 20 note.
    walk_in_sale(child, "MUG-01", 1)
    child.expect(r"Payment \(€18\.00 due\)")
    child.send(PAY_CASH)
    child.expect("Cash received")
    child.send("20" + ENTER)
    child.expect(r"Change to give back: €2\.00")
    child.expect(r"1001\S* created · paid")
    child.expect(r"Receipt printed \(file:")
    child.expect("Start the next order")
    child.send(YES)
    # 1002: two mugs by card.
    walk_in_sale(child, "MUG-01", 2)
    child.expect(r"Payment \(€36\.00 due\)")
    child.send(PAY_CARD)
    child.expect("Amount paid by Card")
    child.send(ENTER)  # all of it
    child.expect(r"1002\S* created · paid")
    child.expect("Receipt printed")
    child.expect("Start the next order")
    child.send(YES)
    # 1003: two cards (7.00), 5.00 by card and the rest in cash from a 5 note.
    walk_in_sale(child, "CARD", 2)
    child.expect(r"Payment \(€7\.00 due\)")
    child.send(PAY_CARD)
    child.expect("Amount paid by Card")
    child.send("5" + ENTER)
    child.expect(r"€2\.00 still due")
    child.expect(r"Payment of the rest \(€2\.00 due\)")
    child.send(PAY_CASH)
    child.expect("Cash received")
    child.send("5" + ENTER)
    child.expect(r"Change to give back: €3\.00")
    child.expect(r"1003\S* created · paid")
    child.expect("Receipt printed")
    child.expect("Start the next order")
    child.send(YES)
    # 1004: a phone order, paid later: no automatic receipt, the question instead (answered no).
    child.expect("Customer")
    child.send("Paul Girard" + ENTER)
    child.expect("Email")
    child.send(ENTER)
    child.expect("Phone")
    child.send("06 53 31 21 94" + ENTER)
    child.expect("Item")
    child.send("MUG-01" + ENTER)
    child.expect("Quantity")
    child.send("1" + ENTER)
    child.expect("Enter to finish")
    child.send(ENTER)
    child.expect("Anything else")
    child.send(ENTER)
    child.expect("Create this order")
    child.send(YES)
    child.expect("Payment")
    child.send(PAY_LATER)
    child.expect(r"1004\S* created · awaiting payment")
    child.expect("Print a receipt")
    child.send(NO)
    child.expect("Start the next order")
    child.send(NO)
    end(child)

    # Three paid sales, three receipts, each initialised and cut; the phone order printed none.
    data = printer.read_bytes()
    assert data.count(b"\x1b@") >= 3 and data.count(b"\x1dV") == 3
    assert b"1001" in data and b"1002" in data and b"1003" in data and b"1004" not in data

    # The 1001 mug comes back broken: its 18.00 refunded in cash (no restock: broken).
    out = run(store, "order", "refund", "1001", "--method", "cash", "--no-restock", "--reason", "Broken", "--yes")
    assert "1001" in out

    # Close: float 50 + cash kept 18 + 2 − cash refund 18 = 52 expected; 50 counted → −2.00.
    child = spawn(store, "till", "close", "--counted", "50")
    child.expect("Expected cash")
    child.expect(r"52\.00")
    child.expect("Difference")
    child.expect(r"-\s*2\.00|−\s*2\.00|-€2\.00|−€2\.00")
    child.expect(f"Close till {TILL}")
    child.send(YES)
    child.expect("closed")
    end(child)
    assert rows(store, "SELECT float_amount, expected_cash, counted_cash FROM till_session") == [(5000, 5200, 5000)]

    # What the store recorded, as the test took it: payments (kept amounts) and refunds.
    assert rows(store, "SELECT o.number, p.kind, p.method_code, p.amount, p.tendered, p.change, p.till FROM payment p JOIN orders o ON o.id = p.order_id ORDER BY p.id") == [
        ("1001", "payment", "cash", 1800, 2000, 200, TILL),
        ("1002", "payment", "card", 3600, None, None, TILL),
        ("1003", "payment", "card", 500, None, None, TILL),
        ("1003", "payment", "cash", 200, 500, 300, TILL),
        ("1001", "refund", "cash", 1800, None, None, TILL),
    ]

    report = json.loads(run(store, "report", "day", "--format", "json"))
    money = {k: Decimal(report[k]) for k in ("gross_sales", "discounts", "refunds", "net_sales", "tips", "balance_due")}
    assert report["currency"] == "EUR"
    assert report["orders"] == 4
    assert money == {
        "gross_sales": Decimal("79.00"),  # 18 + 36 + 7 + 18
        "discounts": Decimal("0.00"),
        "refunds": Decimal("18.00"),
        "net_sales": Decimal("61.00"),
        "tips": Decimal("0.00"),
        "balance_due": Decimal("18.00"),  # the phone order
    }
    by_method = {m["method"]: (m["count"], Decimal(m["amount"])) for m in report["by_method"]}
    assert by_method == {"cash": (2, Decimal("2.00")), "card": (2, Decimal("41.00"))}  # cash: 18 + 2 − 18 refunded
    # Prices include tax: MUG 4 × 18.00 at 20 %, CARD 2 × 3.50 at 5.5 %.
    by_rate = {r["rate"]: (Decimal(r["net"]), Decimal(r["tax"]), Decimal(r["gross"])) for r in report["by_rate"]}
    assert by_rate == {
        "20": (Decimal("60.00"), Decimal("12.00"), Decimal("72.00")),
        "5.5": (Decimal("6.64"), Decimal("0.36"), Decimal("7.00")),
    }
    assert [(i["sku"], i["quantity"], Decimal(i["revenue"])) for i in report["items"]] == [
        ("MUG-01", 4, Decimal("72.00")),
        ("CARD", 2, Decimal("7.00")),
    ]
    assert report["to_reorder"] == [{"sku": "MUG-01", "name": "Blue mug", "stock": 3}]  # 7 − 4 sold (the broken one not restocked)


def test_a_printer_that_is_off_never_loses_the_sale(store):
    from tests.conftest import Cli

    import socket

    with socket.socket() as s:  # a port nobody listens on: "connection refused"
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert Cli(store)("config", "set", "receipt.printer", f"network:127.0.0.1:{port}").exit_code == 0
    from ordercli import db

    db.dispose_all()

    child = spawn(store, "order", "create")
    walk_in_sale(child, "MUG-01", 1)
    child.expect("Payment")
    child.send(PAY_CASH)
    child.expect("Cash received")
    child.send(ENTER)
    child.expect(r"1001\S* created · paid")
    child.expect("Receipt not printed")
    child.expect("is saved")
    child.expect(r"ordercli order receipt 1001 --print")
    child.expect("Start the next order")
    child.send(NO)
    end(child)
    assert rows(store, "SELECT number, payment_status FROM orders") == [("1001", "PAID")]
