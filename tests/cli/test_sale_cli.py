"""``order create --walk-in`` and ``--pay/--tendered/--pay-amount``; ``order pay|refund --method`` mapped to the store's methods."""

from __future__ import annotations

import json

import pytest

from tests import seed


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def as_json(result):
    ok(result)
    return json.loads(result.stdout)


def refused(result, code: int, *words: str) -> str:
    assert result.exit_code == code, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("Error: ")
    for w in words:
        assert w in result.stderr, result.stderr
    return result.stderr


@pytest.fixture
def shop(cli):
    seed.products(cli.url, ("MUG-01", "Blue mug", "18.00", 12, 20), ("ZINE-04", "Craft zine", "5", None, 0))
    return cli


def stock(cli, sku):
    return as_json(cli("product", "show", sku, "--format", "json"))["stock"]


def orders(cli):
    return as_json(cli("order", "list", "--format", "json"))


# ------------------------------------------------------------------ walk-in


def test_walk_in_sale_needs_no_customer_and_shows_as_walk_in(shop):
    r = ok(shop("order", "create", "--walk-in", "--item", "MUG-01"))
    assert "Order 1001 created · awaiting payment" in r.stderr
    assert "Walk-in" in r.stdout
    data = as_json(shop("order", "show", "1001", "--format", "json"))
    assert data["walk_in"] is True
    assert data["customer"] == {"name": "Walk-in", "email": None, "phone": None}
    assert "Walk-in" in ok(shop("order", "list")).stdout
    assert as_json(shop("customer", "list", "--format", "json")) == []


def test_walk_in_with_a_name_or_email_is_one_line_error(shop):
    for extra in (["--name", "Ana"], ["--email", "ana@example.com"], ["--phone", "+33612345678"]):
        err = refused(shop("order", "create", "--walk-in", *extra, "--item", "MUG-01"), 2, "--walk-in", extra[0])
        assert len([ln for ln in err.splitlines() if ln.strip()]) == 1
    assert orders(shop) == []
    assert stock(shop, "MUG-01") == 12


def test_order_edit_with_a_name_and_email_makes_a_walk_in_a_customers_order(shop):
    ok(shop("order", "create", "--walk-in", "--item", "MUG-01"))
    ok(shop("order", "edit", "1001", "--name", "Ana Lima", "--email", "ana@example.com"))
    data = as_json(shop("order", "show", "1001", "--format", "json"))
    assert data["walk_in"] is False
    assert data["customer"]["name"] == "Ana Lima"
    assert [c["email"] for c in as_json(shop("customer", "list", "--format", "json"))] == ["ana@example.com"]


def test_editing_a_walk_in_items_keeps_it_a_walk_in(shop):
    ok(shop("order", "create", "--walk-in", "--item", "MUG-01"))
    ok(shop("order", "edit", "1001", "--add-item", "ZINE-04:2"))
    data = as_json(shop("order", "show", "1001", "--format", "json"))
    assert data["walk_in"] is True and data["customer"]["name"] == "Walk-in"
    assert as_json(shop("customer", "list", "--format", "json")) == []


# ------------------------------------------------------------------ --pay


def test_cash_sale_with_change_in_json(shop):
    data = as_json(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "cash", "--tendered", "20", "--format", "json"))
    assert data["payment_status"] == "PAID"
    assert data["change"] == "2.00"
    assert data["balance_due"] == "0.00"
    [p] = data["sale_payments"]
    assert (p["method_code"], p["amount"], p["tendered"], p["change"]) == ("cash", "18.00", "20.00", "2.00")
    assert stock(shop, "MUG-01") == 11


def test_cash_sale_table_output_says_the_change(shop):
    r = ok(shop("order", "create", "--walk-in", "--item", "MUG-01:2", "--pay", "Espèces", "--tendered", "50"))
    assert "Order 1001 created · paid" in r.stderr
    assert "Change to give back: €14.00" in r.stderr
    assert "Take payment" not in r.stderr


def test_partial_card_payment_leaves_the_rest_due(shop):
    data = as_json(shop("order", "create", "--walk-in", "--item", "MUG-01:2", "--pay", "Card", "--pay-amount", "10", "--format", "json"))
    assert data["payment_status"] == "AWAITING_PAYMENT"
    assert data["paid"] == "10.00" and data["balance_due"] == "26.00"
    assert data["change"] == "0.00"
    kinds = [e["kind"] for e in data["events"]]
    assert kinds.count("payment") == 1 and "created" in kinds


def test_pay_for_a_customer_order_records_ledger_and_timeline_like_order_pay(shop):
    data = as_json(
        shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", "--pay", "card", "--format", "json", "--no-notify")
    )
    assert data["payment_status"] == "PAID"
    [p] = data["payments"]
    assert p["amount"] == "18.00" and p["method"] == "Card"
    assert [e["kind"] for e in data["events"]][:3] == ["created", "payment", "status"]


def test_unknown_pay_method_is_refused_with_the_list_and_nothing_written(shop):
    err = refused(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "bitcoin"), 2, "bitcoin", "cash (Cash)")
    assert "card" in err
    assert orders(shop) == [] and stock(shop, "MUG-01") == 12


def test_tendered_is_cash_only_and_must_cover_the_amount(shop):
    refused(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "card", "--tendered", "20"), 2, "cash only")
    refused(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "cash", "--tendered", "10"), 2, "less than", "--pay-amount")
    refused(shop("order", "create", "--walk-in", "--item", "MUG-01", "--tendered", "10"), 2, "--pay")
    refused(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay-amount", "10"), 2, "--pay")
    assert orders(shop) == [] and stock(shop, "MUG-01") == 12


def test_paying_more_than_the_total_is_refused_and_nothing_written(shop):
    refused(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "card", "--pay-amount", "30"), 1, "more than", "--pay-amount up to €18.00")
    assert orders(shop) == [] and stock(shop, "MUG-01") == 12


def test_dry_run_previews_the_payment_and_the_change(shop):
    data = as_json(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "cash", "--tendered", "50", "--dry-run", "--format", "json"))
    assert data["dry_run"] is True and data["change"] == "32.00" and data["payment_status"] == "PAID"
    r = ok(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "cash", "--tendered", "50", "--dry-run"))
    assert "Change to give back: €32.00" in r.stderr
    assert orders(shop) == [] and stock(shop, "MUG-01") == 12


def test_pay_without_items_is_an_error_naming_the_flag(shop):
    refused(shop("--no-input", "order", "create", "--walk-in", "--pay", "cash"), 2, "--item")


# ------------------------------------------------------------------ --method of pay / refund


def test_order_pay_method_maps_to_the_store_code_or_is_refused(shop):
    ok(shop("order", "create", "--walk-in", "--item", "MUG-01:2"))
    refused(shop("order", "pay", "1001", "--amount", "5", "--method", "doubloons"), 2, "doubloons", "cash (Cash)")
    data = as_json(shop("order", "pay", "1001", "--amount", "5", "--method", "ESPECES", "--format", "json"))
    assert data["payments"][0]["method"] == "Cash"
    data = as_json(shop("order", "refund", "1001", "--amount", "5", "--method", "cb", "--yes", "--format", "json"))
    assert [p["method"] for p in data["refunds"]] == ["Card"]


def test_store_methods_setting_is_what_pay_accepts(shop):
    ok(shop("config", "set", "payment.methods", "cash=Cash,lydia=Lydia"))
    data = as_json(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "lydia", "--format", "json"))
    assert data["sale_payments"][0]["method_code"] == "lydia"
    refused(shop("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "card"), 2, "lydia (Lydia)")


def test_batch_rows_named_walk_in_without_contact_are_walk_in_sales(shop, tmp_path):
    f = tmp_path / "day.csv"
    f.write_text(
        "order_ref,name,email,phone,sku,quantity\n"
        "R1,Walk-in,,,MUG-01,1\n"
        "R2,Ana Lima,ana@example.com,,MUG-01,1\n"
        "R3,,,,MUG-01,1\n",
        encoding="utf-8",
    )
    r = shop("order", "import", f)
    assert r.exit_code != 0  # R3 has no customer at all: refused, never silently a walk-in
    assert "R3" in r.stderr or "R3" in r.stdout
    f.write_text("order_ref,name,email,phone,sku,quantity\nR1,Walk-in,,,MUG-01,1\nR2,Ana Lima,ana@example.com,,MUG-01,1\n", encoding="utf-8")
    ok(shop("order", "import", f))
    shown = [as_json(shop("order", "show", n, "--format", "json")) for n in ("1001", "1002")]
    assert [(o["customer"]["name"], o["walk_in"]) for o in shown] == [("Walk-in", True), ("Ana Lima", False)]
    assert [c["name"] for c in as_json(shop("customer", "list", "--format", "json"))] == ["Ana Lima"]
