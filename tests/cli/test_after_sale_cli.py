"""``ordercli order edit|status|cancel|pay|refund`` and ``product history`` through the CLI.

CliRunner keeps stdout and stderr apart: data on stdout (JSON parsed with
json.loads), messages and errors on stderr, the documented exit codes, and
nothing written when a command is refused.
"""

from __future__ import annotations

import json
import re

import pytest

from tests import seed

MONEY = re.compile(r"^\d+\.\d{2}$")


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def as_json(result):
    ok(result)
    return json.loads(result.stdout)


def refused(result, code):
    assert result.exit_code == code, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("Error: ")
    return result.stderr


def show(cli, number) -> dict:
    return as_json(cli("order", "show", number, "--format", "json"))


def stock(cli, sku) -> int | None:
    return as_json(cli("product", "show", sku, "--format", "json"))["stock"]


@pytest.fixture
def shop(any_cli):
    seed.products(any_cli.url, ("MUG-01", "Blue mug", "18.00", 5, 20), ("TEA-02", "Green tea", "5", 10, 0), ("ZINE-04", "Craft zine", "5", None, 0))
    return any_cli


@pytest.fixture
def sqlite_shop(cli):
    seed.products(cli.url, ("MUG-01", "Blue mug", "18.00", 5, 20), ("TEA-02", "Green tea", "5", 10, 0))
    return cli


def create(cli, *items: str) -> str:
    args = ["order", "create", "--name", "Ana Lima", "--email", "ana@example.com", "--format", "json"]
    for it in items:
        args += ["--item", it] if "=" not in it else ["--custom-item", it]
    return as_json(cli(*args))["number"]


def snapshot(cli, number):
    d = show(cli, number)
    d.pop("notifications", None)
    return d, as_json(cli("product", "list", "--format", "json"))


# ------------------------------------------------------------------- edit


def test_edit_with_flags_reprices_and_moves_stock_by_the_difference(shop):
    number = create(shop, "MUG-01:2", "Gift wrap=2.50")
    data = as_json(
        shop(
            "order", "edit", number,
            "--set-qty", "MUG-01=5",
            "--add-item", "TEA-02:2",
            "--set-price", "Gift wrap=3.00",
            "--discount", "10%",
            "--note", "Fragile",
            "--format", "json",
        )
    )
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in data["items"]] == [("MUG-01", 5, "18.00"), (None, 1, "3.00"), ("TEA-02", 2, "5.00")]
    # 90 + 3 + 10 = 103.00, minus 10% = 92.70
    assert data["subtotal"] == "103.00" and data["discount"] == "10.30" and data["total"] == "92.70"
    assert data["note"] == "Fragile" and data["changed"] is True
    assert stock(shop, "MUG-01") == 0 and stock(shop, "TEA-02") == 8
    ev = data["events"][-1]
    assert ev["kind"] == "edited" and "MUG-01 qty 2 → 5" in ev["summary"] and "Discount: — → 10%" in ev["summary"]


def test_edit_table_output_and_messages(shop):
    number = create(shop, "MUG-01:1")
    r = ok(shop("order", "edit", number, "--set-qty", "MUG-01=2"))
    assert f"Order {number}" in r.stdout and "Timeline" in r.stdout
    assert "updated: MUG-01 qty 1 → 2" in r.stderr and "Stock taken: MUG-01 ×1" in r.stderr


def test_edit_shortage_is_refused_with_the_line_the_extra_and_the_available(shop):
    number = create(shop, "MUG-01:2")
    before = snapshot(shop, number)
    err = refused(shop("order", "edit", number, "--set-qty", "MUG-01=6"), 1)
    assert "line MUG-01 (Blue mug): 4 more asked, 3 available" in err
    assert snapshot(shop, number) == before


def test_edit_dry_run_writes_nothing(shop):
    number = create(shop, "MUG-01:2")
    before = snapshot(shop, number)
    data = as_json(shop("order", "edit", number, "--set-qty", "MUG-01=3", "--dry-run", "--format", "json"))
    assert data["changes"][0] == "MUG-01 qty 2 → 3" and data["stock_take"] == {"MUG-01": 1}
    assert data["total_before"] == "36.00" and data["total_after"] == "54.00"
    assert snapshot(shop, number) == before


@pytest.mark.parametrize(
    "args,code,words",
    [
        (["--set-qty", "MUG-01"], 2, "Invalid --set-qty"),
        (["--set-qty", "MUG-01=0"], 2, "at least 1"),
        (["--set-qty", "NOPE=2"], 2, "no such line"),
        (["--set-price", "MUG-01=abc"], 2, "Invalid --set-price"),
        (["--add-item", "MUGG-01"], 1, "Unknown SKU"),
        (["--remove-item", "MUG-01"], 2, "at least one item"),
        (["--email", "not-an-email"], 2, "Invalid email"),
        (["--name", ""], 2, "name cannot be empty"),
        (["--discount", "50.00"], 2, "discount"),
    ],
)
def test_bad_edit_flags(sqlite_shop, args, code, words):
    number = create(sqlite_shop, "MUG-01:2")
    before = snapshot(sqlite_shop, number)
    err = refused(sqlite_shop("order", "edit", number, *args), code)
    assert words in err
    assert snapshot(sqlite_shop, number) == before


def test_edit_without_flags_off_a_terminal_says_what_to_give(sqlite_shop):
    number = create(sqlite_shop, "MUG-01:1")
    err = refused(sqlite_shop("order", "edit", number), 2)
    assert "Nothing to change" in err and "--set-qty" in err


def test_edit_of_a_cancelled_order_says_to_reopen_it(shop):
    number = create(shop, "MUG-01:1")
    ok(shop("order", "cancel", number, "--yes"))
    err = refused(shop("order", "edit", number, "--note", "x"), 1)
    assert "cancelled: it cannot be edited" in err and "--payment awaiting-payment" in err


def test_edit_unknown_order(sqlite_shop):
    err = refused(sqlite_shop("order", "edit", "9999", "--note", "x"), 1)
    assert "No order" in err


# ---------------------------------------------------------------- versions


@pytest.mark.parametrize(
    "cmd",
    [
        ["edit", "{n}", "--note", "mine"],
        ["status", "{n}", "--fulfillment", "processing"],
        ["cancel", "{n}", "--yes"],
        ["pay", "{n}", "--amount", "1.00"],
        ["refund", "{n}", "--amount", "1.00", "--yes"],
    ],
    ids=["edit", "status", "cancel", "pay", "refund"],
)
def test_expect_version_refuses_a_stale_order(shop, cmd):
    number = create(shop, "MUG-01:1")
    ok(shop("order", "pay", number, "--amount", "5.00"))
    seen = show(shop, number)["version"]
    ok(shop("order", "edit", number, "--staff-note", "other till"))
    before = snapshot(shop, number)
    err = refused(shop("order", *[c.format(n=number) for c in cmd], "--expect-version", str(seen)), 1)
    assert f"Order {number} changed since you opened it; run the command again" in err
    assert snapshot(shop, number) == before
    # with the current version it goes through
    ok(shop("order", *[c.format(n=number) for c in cmd], "--expect-version", str(seen + 1)))


# ------------------------------------------------------------------ status


def test_status_friendly_names_and_tracking(shop):
    number = create(shop, "TEA-02:1")
    data = as_json(shop("order", "status", number, "--fulfillment", "Ready-For-Pickup", "--format", "json"))
    assert data["fulfillment_status"] == "READY_FOR_PICKUP"
    r = ok(shop("order", "status", number, "--fulfillment", "delivered", "--tracking-number", "6A123"))
    assert "fulfillment Ready for pickup → Delivered" in r.stderr
    assert show(shop, number)["tracking_number"] == "6A123"
    assert "Delivered" in r.stdout  # the row of data


def test_unknown_status_lists_the_valid_ones(sqlite_shop):
    number = create(sqlite_shop, "TEA-02:1")
    err = refused(sqlite_shop("order", "status", number, "--payment", "settled"), 2)
    assert "Unknown payment status 'settled'" in err and "AWAITING_PAYMENT, PAID, CANCELLED" in err
    err = refused(sqlite_shop("order", "status", number, "--fulfillment", "lost"), 2)
    assert "READY_FOR_PICKUP" in err


def test_forbidden_move_names_the_allowed_moves(sqlite_shop):
    number = create(sqlite_shop, "TEA-02:1")
    ok(sqlite_shop("order", "pay", number))
    err = refused(sqlite_shop("order", "status", number, "--payment", "incomplete"), 1)
    assert "from PAID to INCOMPLETE" in err and "PARTIALLY_REFUNDED, REFUNDED, CANCELLED" in err


def test_status_without_changes_shows_the_allowed_moves(sqlite_shop):
    number = create(sqlite_shop, "TEA-02:1")
    data = as_json(sqlite_shop("order", "status", number, "--format", "json"))
    assert data["payment_status"] == "AWAITING_PAYMENT" and "CANCELLED" in data["payment_moves"]
    assert "SHIPPED" in data["fulfillment_moves"]


def test_cancel_restocks_once_and_reopen_takes_stock_again(shop):
    number = create(shop, "MUG-01:2", "TEA-02:3", "ZINE-04:1")
    r = ok(shop("order", "cancel", number, "--reason", "Customer called", "--yes"))
    assert "Stock returned: MUG-01 ×2, TEA-02 ×3" in r.stderr
    d = show(shop, number)
    assert (d["payment_status"], d["fulfillment_status"], d["balance_due"]) == ("CANCELLED", "WILL_NOT_DELIVER", "0.00")
    assert (stock(shop, "MUG-01"), stock(shop, "TEA-02"), stock(shop, "ZINE-04")) == (5, 10, None)
    r = ok(shop("order", "cancel", number, "--yes"))
    assert "Nothing changed" in r.stderr
    ok(shop("order", "status", number, "--payment", "cancelled"))
    assert (stock(shop, "MUG-01"), stock(shop, "TEA-02")) == (5, 10)
    r = ok(shop("order", "status", number, "--payment", "awaiting payment"))
    assert "Stock taken again: MUG-01 ×2, TEA-02 ×3" in r.stderr
    assert (stock(shop, "MUG-01"), stock(shop, "TEA-02")) == (3, 7)
    assert show(shop, number)["fulfillment_status"] == "AWAITING_PROCESSING"


def test_reopen_without_stock_is_refused(sqlite_shop):
    number = create(sqlite_shop, "MUG-01:2")
    ok(sqlite_shop("order", "cancel", number, "--yes"))
    ok(sqlite_shop("product", "stock", "MUG-01", "--set", "1"))
    before = snapshot(sqlite_shop, number)
    err = refused(sqlite_shop("order", "status", number, "--payment", "paid"), 1)
    assert "MUG-01: asked 2, available 1" in err
    assert snapshot(sqlite_shop, number) == before


def test_cancel_needs_yes_off_a_terminal(sqlite_shop):
    number = create(sqlite_shop, "MUG-01:2")
    err = refused(sqlite_shop("order", "cancel", number), 2)
    assert "needs confirmation" in err and "--yes" in err
    assert show(sqlite_shop, number)["payment_status"] == "AWAITING_PAYMENT"
    assert stock(sqlite_shop, "MUG-01") == 3


def test_cancel_shipped_order_is_refused(sqlite_shop):
    number = create(sqlite_shop, "MUG-01:1")
    ok(sqlite_shop("order", "status", number, "--fulfillment", "shipped"))
    err = refused(sqlite_shop("order", "cancel", number, "--yes"), 1)
    assert "cannot be cancelled" in err and "returned" in err


# --------------------------------------------------------------------- pay


def test_part_payment_shows_the_balance_in_show_and_list(shop):
    number = create(shop, "MUG-01:2")  # 36.00
    r = ok(shop("order", "pay", number, "--amount", "20.00", "--method", "Card terminal"))
    assert "Awaiting payment" in r.stderr and "Balance due €16.00" in r.stderr
    d = show(shop, number)
    assert (d["payment_status"], d["paid"], d["balance_due"]) == ("AWAITING_PAYMENT", "20.00", "16.00")
    listed = as_json(shop("order", "list", "--format", "json"))
    assert listed[0]["balance_due"] == "16.00"
    table = ok(shop("order", "list")).stdout
    assert "Balance due" in table and "€16.00" in table
    text = ok(shop("order", "show", number)).stdout
    assert "Balance due: €16.00" in text and "Payments" in text and "Card" in text  # "Card terminal" maps to the store's card method


def test_cash_with_tendered_prints_the_change(shop):
    number = create(shop, "MUG-01:1", "TEA-02:1")  # 23.00
    data = as_json(shop("order", "pay", number, "--method", "Cash", "--tendered", "50", "--reference", "Z1", "--format", "json"))
    assert data["payment_recorded"] == {"amount": "23.00", "method": "Cash", "tendered": "50.00", "change": "27.00", "reference": "Z1"}
    assert data["payment_status"] == "PAID" and data["balance_due"] == "0.00"
    p = data["payments"][0]
    assert set(p) == {"amount", "method", "tendered", "change", "reference", "at"}
    assert all(MONEY.match(p[k]) for k in ("amount", "tendered", "change"))
    assert any(e["kind"] == "payment" and "change €27.00" in e["summary"] for e in data["events"])


def test_cash_table_output_says_the_change(sqlite_shop):
    number = create(sqlite_shop, "TEA-02:1")
    r = ok(sqlite_shop("order", "pay", number, "--tendered", "20"))
    assert "Change to give back: €15.00" in r.stderr
    assert "€15.00" in r.stdout


def test_overpaying_without_tendered_is_refused(sqlite_shop):
    number = create(sqlite_shop, "TEA-02:1")
    before = snapshot(sqlite_shop, number)
    err = refused(sqlite_shop("order", "pay", number, "--amount", "6.00"), 1)
    assert "more than the balance due" in err and "--tendered" in err
    err = refused(sqlite_shop("order", "pay", number, "--amount", "0"), 2)
    err = refused(sqlite_shop("order", "pay", number, "--amount", "1.234"), 2)
    assert snapshot(sqlite_shop, number) == before


# ------------------------------------------------------------------ refund


def test_full_refund_restocks_and_partial_does_not(shop):
    number = create(shop, "MUG-01:2", "TEA-02:2")  # 46.00
    ok(shop("order", "pay", number))
    data = as_json(shop("order", "refund", number, "--amount", "10.00", "--reason", "Late", "--yes", "--format", "json"))
    assert data["payment_status"] == "PARTIALLY_REFUNDED" and data["refund_recorded"]["restocked"] == {}
    assert (stock(shop, "MUG-01"), stock(shop, "TEA-02")) == (3, 8)
    data = as_json(shop("order", "refund", number, "--amount", "5.00", "--restock-item", "TEA-02:1", "--yes", "--format", "json"))
    assert data["refund_recorded"]["restocked"] == {"TEA-02": 1} and stock(shop, "TEA-02") == 9
    r = ok(shop("order", "refund", number, "--yes"))
    assert "Refund of €31.00" in r.stderr and "Stock returned: MUG-01 ×2, TEA-02 ×1" in r.stderr
    d = show(shop, number)
    assert d["payment_status"] == "REFUNDED" and d["refunded"] == "46.00" and d["balance_due"] == "0.00"
    assert [x["amount"] for x in d["refunds"]] == ["10.00", "5.00", "31.00"] and d["refunds"][0]["reason"] == "Late"
    assert (stock(shop, "MUG-01"), stock(shop, "TEA-02")) == (5, 10)


def test_refund_no_restock(sqlite_shop):
    number = create(sqlite_shop, "MUG-01:2")
    ok(sqlite_shop("order", "pay", number))
    r = ok(sqlite_shop("order", "refund", number, "--no-restock", "--yes"))
    assert "Stock not returned" in r.stderr
    assert stock(sqlite_shop, "MUG-01") == 3


def test_refund_needs_yes_and_bad_refunds_are_refused(sqlite_shop):
    number = create(sqlite_shop, "MUG-01:1")
    err = refused(sqlite_shop("order", "refund", number, "--yes"), 1)
    assert "nothing to refund" in err
    ok(sqlite_shop("order", "pay", number))
    before = snapshot(sqlite_shop, number)
    err = refused(sqlite_shop("order", "refund", number), 2)
    assert "needs confirmation" in err
    err = refused(sqlite_shop("order", "refund", number, "--amount", "19.00", "--yes"), 1)
    assert "more than was paid" in err
    err = refused(sqlite_shop("order", "refund", number, "--amount", "1.00", "--restock", "--yes"), 2)
    assert "--restock-item" in err
    err = refused(sqlite_shop("order", "refund", number, "--no-restock", "--restock-item", "MUG-01", "--yes"), 2)
    err = refused(sqlite_shop("order", "refund", number, "--restock-item", "MUG-01:x", "--yes"), 2)
    assert snapshot(sqlite_shop, number) == before


def test_no_notify_keeps_the_customer_out_of_the_outbox(sqlite_shop):
    number = create(sqlite_shop, "MUG-01:1")

    def customer_kinds():
        return [n["kind"] for n in show(sqlite_shop, number)["notifications"] if n["to"] == "ana@example.com"]

    before = customer_kinds()
    ok(sqlite_shop("order", "cancel", number, "--yes", "--no-notify"))
    assert customer_kinds() == before
    ok(sqlite_shop("order", "status", number, "--payment", "awaiting-payment", "--no-notify"))
    ok(sqlite_shop("order", "cancel", number, "--yes"))
    assert "cancelled" in customer_kinds()[len(before):]


# ----------------------------------------------------------- timeline, ledger


def test_show_ends_with_a_timeline(shop):
    number = create(shop, "MUG-01:1")
    ok(shop("order", "edit", number, "--set-qty", "MUG-01=2"))
    ok(shop("order", "pay", number, "--amount", "10"))
    ok(shop("order", "status", number, "--fulfillment", "processing"))
    ok(shop("order", "cancel", number, "--yes", "--reason", "Sold out"))
    ok(shop("order", "refund", number, "--yes"))
    d = show(shop, number)
    assert [e["kind"] for e in d["events"]] == ["created", "edited", "payment", "status", "cancelled", "refund", "status"]
    assert all(set(e) == {"at", "kind", "summary"} for e in d["events"])
    text = ok(shop("order", "show", number)).stdout
    timeline = text.split("Timeline", 1)[1]
    for piece in ["Created (flags)", "MUG-01 qty 1 → 2", "Payment €10.00", "Fulfillment: Awaiting processing → Processing", "Sold out", "Refund €10.00", "Payment: Cancelled → Refunded"]:
        assert piece in timeline, piece


def test_product_history_shows_the_ledger(shop):
    number = create(shop, "MUG-01:2")
    ok(shop("order", "edit", number, "--set-qty", "MUG-01=3"))
    ok(shop("order", "cancel", number, "--yes"))
    ok(shop("order", "status", number, "--payment", "awaiting-payment"))
    ok(shop("product", "stock", "MUG-01", "--add", "4"))
    data = as_json(shop("product", "history", "MUG-01", "--format", "json"))
    assert data["sku"] == "MUG-01" and data["stock"] == 6
    moves = [(m["delta"], m["reason"], m["order_number"]) for m in data["movements"]]
    assert moves == [(4, "adjust", None), (-3, "reopen", number), (3, "cancel", number), (-1, "edit", number), (-2, "sale", number), (5, "initial", None)]
    assert [m["stock_after"] for m in data["movements"]] == [6, 2, 5, 2, 3, 5]
    assert sum(m["delta"] for m in data["movements"]) == data["stock"]
    limited = as_json(shop("product", "history", "MUG-01", "--limit", "2", "--format", "json"))
    assert len(limited["movements"]) == 2
    text = ok(shop("product", "history", "MUG-01")).stdout
    assert "reopen" in text and number in text and "-3" in text


def test_product_history_unknown_sku(sqlite_shop):
    err = refused(sqlite_shop("product", "history", "MUGG-01"), 1)
    assert "Unknown SKU" in err


def test_help_leads_with_an_example(sqlite_shop):
    for cmd in (["order", "edit"], ["order", "status"], ["order", "cancel"], ["order", "pay"], ["order", "refund"], ["product", "history"]):
        out = ok(sqlite_shop(*cmd, "--help")).stdout
        assert "Example" in out and f"ordercli {' '.join(cmd)}" in out, cmd


def test_status_without_flags_suggests_only_what_it_accepts(sqlite_shop):
    import re

    number = create(sqlite_shop, "MUG-01:1")
    ok(sqlite_shop("order", "pay", number, "--no-notify"))
    ok(sqlite_shop("order", "cancel", number, "--yes", "--no-notify"))
    r = ok(sqlite_shop("order", "status", number))
    assert "Fulfillment can move to: nothing" in r.stderr
    assert "partial refund" not in r.stderr  # a cancelled order refunds what was paid in full
    example = re.search(r"`ordercli order status (\S+) (--\w+ \S+)`", r.stderr)
    assert example, r.stderr
    ok(sqlite_shop("order", "status", number, *example.group(2).split(), "--no-notify"))  # the example works
