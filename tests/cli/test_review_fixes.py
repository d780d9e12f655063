"""Defects found in review: each test fails on the code before its fix."""

from __future__ import annotations

import json

import pytest

from ordercli import db
from ordercli.services import catalog


@pytest.fixture
def shop(cli):
    engine = db.get_engine(cli.url)
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="MUG", name="Mug", price=1800, stock=10)
        s.commit()
    return cli


def create(cli, *args):
    r = cli("order", "create", "--name", "Bea", "--email", "bea@example.com", *args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)["number"]


def test_edit_that_lowers_a_paid_total_says_what_to_give_back(shop):
    n = create(shop, "--item", "MUG:2")
    assert shop("order", "pay", n, "--amount", "30").exit_code == 0
    r = shop("order", "edit", n, "--set-qty", "MUG=1", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "€12.00 more than the new total" in r.stderr
    assert f"ordercli order refund {n} --amount 12.00" in r.stderr


def test_paid_then_cancelled_order_hint_names_a_move_that_works(shop):
    n = create(shop, "--item", "MUG:1")
    assert shop("order", "pay", n).exit_code == 0
    assert shop("order", "cancel", n, "--yes").exit_code == 0
    r = shop("order", "pay", n, "--amount", "1")
    assert r.exit_code == 1
    assert "--payment paid" in r.stderr
    assert "--payment awaiting-payment" not in r.stderr


def test_reopening_a_partly_refunded_cancelled_order_never_awaits_a_zero_balance(shop):
    # Paid 18, 5 refunded, then cancelled (issue 8): "awaiting payment" with nothing due is refused;
    # the moves that fit the money are offered, and reopening takes the stock again.
    n = create(shop, "--item", "MUG:1")
    assert shop("order", "pay", n).exit_code == 0
    assert shop("order", "refund", n, "--amount", "5.00", "--yes").exit_code == 0
    assert shop("order", "cancel", n, "--yes").exit_code == 0
    r = shop("order", "status", n, "--payment", "awaiting-payment")
    assert r.exit_code == 1
    assert "Nothing is due" in r.stderr and "--payment partially-refunded" in r.stderr and "--payment paid" in r.stderr
    assert json.loads(shop("order", "show", n, "--format", "json").stdout)["payment_status"] == "CANCELLED"
    r = shop("order", "status", n, "--payment", "partially-refunded")
    assert r.exit_code == 0, r.stderr
    data = json.loads(shop("order", "show", n, "--format", "json").stdout)
    assert (data["payment_status"], data["balance_due"], data["paid"], data["refunded"]) == ("PARTIALLY_REFUNDED", "0.00", "18.00", "5.00")
    assert json.loads(shop("product", "show", "MUG", "--format", "json").stdout)["stock"] == 9
    r = shop("order", "pay", n)
    assert r.exit_code == 1 and "Nothing is due" in r.stderr  # and `--payment paid` never marks it paid without a payment


def test_list_total_leaves_out_cancelled_orders(shop):
    create(shop, "--item", "MUG:1")
    n2 = create(shop, "--item", "MUG:2")
    assert shop("order", "cancel", n2, "--yes").exit_code == 0
    r = shop("order", "list")
    assert r.exit_code == 0
    assert "2 orders · total €18.00 (not counting 1 cancelled/refunded)" in r.stdout


def test_product_hint_does_not_offer_an_order_flag_as_the_only_way(shop):
    r = shop("product", "show", "MUGG")
    assert r.exit_code == 1
    assert "Did you mean MUG" in r.stderr
    r = shop("product", "show", "ZZZZZZ")
    assert r.exit_code == 1
    assert "in an order, sell it as --custom-item" in r.stderr


def test_confirmation_without_payment_instructions_shows_the_amount_due_not_an_empty_section(shop, tmp_path):
    import email
    from email import policy

    maildir = tmp_path / "mail"
    maildir.mkdir()
    for key, value in (("mail.transport", "file"), ("mail.dir", str(maildir)), ("mail.from", "shop@example.com")):
        assert shop("config", "set", key, value).exit_code == 0
    create(shop, "--item", "MUG:1")
    shop("outbox", "flush")
    files = sorted(maildir.glob("*.eml"))
    assert files, "the confirmation was not written"
    msg = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "Amount due: €18.00" in text and "How to pay" not in text
    assert "Amount due" in html and "How to pay" not in html


def test_batch_import_queues_customer_confirmations_but_no_admin_email_per_order(shop, tmp_path):
    assert shop("config", "set", "store.email", "owner@example.com").exit_code == 0
    f = tmp_path / "paper.csv"
    f.write_text("order_ref,name,email,phone,sku,quantity\nP-1,Ana,ana@example.com,,MUG,1\nP-2,Bob,bob@example.com,,MUG,2\n", encoding="utf-8")
    r = shop("order", "import", str(f), "--format", "json")
    assert r.exit_code == 0, r.stderr
    listed = json.loads(shop("outbox", "list", "--format", "json").stdout)
    assert sorted((m["kind"], m["to"]) for m in listed) == [("confirmation", "ana@example.com"), ("confirmation", "bob@example.com")]
    # A sale at the counter still tells the owner.
    create(shop, "--item", "MUG:1")
    listed = json.loads(shop("outbox", "list", "--format", "json").stdout)
    assert ("new_order", "owner@example.com") in {(m["kind"], m["to"]) for m in listed}


def test_a_refunded_overpayment_leaves_the_order_paid_with_no_credit(shop):
    # issue 8: pay in full, remove an item, refund the overpayment: the customer paid exactly the new total.
    n = create(shop, "--item", "MUG:2")
    assert shop("order", "pay", n).exit_code == 0
    assert shop("order", "edit", n, "--set-qty", "MUG=1", "--yes").exit_code == 0
    data = json.loads(shop("order", "show", n, "--format", "json").stdout)
    assert (data["payment_status"], data["balance_due"], data["credit"]) == ("PAID", "0.00", "18.00")
    r = shop("order", "refund", n, "--amount", "18", "--yes")
    assert r.exit_code == 0, r.stderr
    data = json.loads(shop("order", "show", n, "--format", "json").stdout)
    assert (data["payment_status"], data["paid"], data["refunded"], data["credit"]) == ("PAID", "36.00", "18.00", "0.00")
    # and the order can still move as a paid order does
    r = shop("order", "status", n, "--format", "json")
    assert "PARTIALLY_REFUNDED" not in json.loads(r.stdout)["payment_moves"]


def test_a_status_set_to_paid_by_hand_records_the_payment_it_implies(shop):
    n = create(shop, "--item", "MUG:1")
    assert shop("order", "pay", n, "--amount", "5").exit_code == 0
    r = shop("order", "status", n, "--payment", "paid")
    assert r.exit_code == 0, r.stderr
    data = json.loads(shop("order", "show", n, "--format", "json").stdout)
    assert (data["payment_status"], data["paid"], data["balance_due"]) == ("PAID", "18.00", "0.00")
    assert [p["amount"] for p in data["payments"]] == ["5.00", "13.00"]


def test_a_refunded_credit_is_owed_again_when_an_edit_raises_the_total(shop):
    # review of issue 8: `order pay` and "paid by hand" must agree on what is owed
    n = create(shop, "--item", "MUG:2")
    assert shop("order", "pay", n).exit_code == 0  # 36.00
    assert shop("order", "edit", n, "--set-qty", "MUG=1", "--yes").exit_code == 0  # credit 18.00
    assert shop("order", "refund", n, "--amount", "18", "--yes").exit_code == 0
    assert shop("order", "edit", n, "--set-qty", "MUG=2", "--yes").exit_code == 0
    data = json.loads(shop("order", "show", n, "--format", "json").stdout)
    assert (data["payment_status"], data["balance_due"]) == ("AWAITING_PAYMENT", "18.00")
    r = shop("order", "pay", n, "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["payment_status"], data["balance_due"], data["paid"], data["refunded"]) == ("PAID", "0.00", "54.00", "18.00")


def test_an_order_of_zero_is_announced_paid_with_nothing_to_collect(shop):
    r = shop("order", "create", "--name", "Cy", "--phone", "+33612345678", "--item", "MUG:1", "--discount", "100%")
    assert r.exit_code == 0, r.stderr
    assert "paid (nothing to collect)" in r.stderr and "order pay" not in r.stderr
    r = shop("order", "create", "--name", "Cy", "--phone", "+33612345678", "--item", "MUG:1", "--discount", "100%", "--dry-run", "--format", "json")
    assert json.loads(r.stdout)["payment_status"] == "PAID"


def test_an_edit_dry_run_refuses_a_stale_version_as_the_edit_would(shop):
    n = create(shop, "--item", "MUG:1")
    r = shop("order", "edit", n, "--set-qty", "MUG=2", "--dry-run", "--expect-version", "7")
    assert r.exit_code == 1 and "changed since you opened it" in r.stderr


def test_a_full_refund_of_delivered_goods_keeps_them_out_of_stock_unless_they_came_back(shop):
    n = create(shop, "--item", "MUG:2")
    assert shop("order", "pay", n).exit_code == 0
    assert shop("order", "status", n, "--fulfillment", "delivered").exit_code == 0
    r = shop("order", "refund", n, "--yes")
    assert r.exit_code == 0, r.stderr
    assert "the goods are with the customer" in r.stderr
    assert json.loads(shop("product", "show", "MUG", "--format", "json").stdout)["stock"] == 8  # the customer has them
    n2 = create(shop, "--item", "MUG:1")
    assert shop("order", "pay", n2).exit_code == 0
    assert shop("order", "status", n2, "--fulfillment", "delivered").exit_code == 0
    assert shop("order", "refund", n2, "--restock", "--yes").exit_code == 0  # they came back
    assert json.loads(shop("product", "show", "MUG", "--format", "json").stdout)["stock"] == 8


def test_an_edit_names_every_flag_the_gate_refuses(shop):
    n = create(shop, "--item", "MUG:1")
    r = shop("order", "edit", n, "--ship-country", "XX")
    assert r.exit_code == 2
    assert "--ship-country: Unknown country code 'XX'." in r.stderr and "--ship-postal-code" in r.stderr
