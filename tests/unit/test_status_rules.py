"""Status rules: the one table of allowed moves, friendly names, and how edit flags apply to a draft."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercli.domain import Address, CustomerIn, ItemIn, OrderDraft, ShippingIn
from ordercli.errors import EXIT_REFUSED, EXIT_USAGE, InputError, RefusedError
from ordercli.pricing import Adjustment
from ordercli.services.edits import EditChanges, apply_changes
from ordercli.statuses import (
    CLOSED,
    FULFILLMENT_MOVES,
    PAYMENT_MOVES,
    FulfillmentStatus,
    PaymentStatus,
    check_fulfillment_move,
    check_payment_move,
    moves_table_markdown,
    parse_fulfillment_status,
    parse_payment_status,
)

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ the table


def test_every_status_has_a_row_and_no_status_moves_to_itself():
    assert set(PAYMENT_MOVES) == set(PaymentStatus)
    assert set(FULFILLMENT_MOVES) == set(FulfillmentStatus)
    for old, news in list(PAYMENT_MOVES.items()) + list(FULFILLMENT_MOVES.items()):
        assert old not in news
        assert len(set(news)) == len(news)


def test_key_moves_of_the_issue():
    # cancel and refund from an open order, reopen a cancelled order, partial refunds
    assert PaymentStatus.CANCELLED in PAYMENT_MOVES[PaymentStatus.AWAITING_PAYMENT]
    assert PaymentStatus.CANCELLED in PAYMENT_MOVES[PaymentStatus.PAID]
    assert PaymentStatus.REFUNDED in PAYMENT_MOVES[PaymentStatus.PAID]
    assert PaymentStatus.PARTIALLY_REFUNDED in PAYMENT_MOVES[PaymentStatus.PAID]
    assert {PaymentStatus.AWAITING_PAYMENT, PaymentStatus.PAID} <= set(PAYMENT_MOVES[PaymentStatus.CANCELLED])
    # a refunded order only comes back by being paid again
    assert PAYMENT_MOVES[PaymentStatus.REFUNDED] == (PaymentStatus.PAID,)
    # a closed order cannot become incomplete; only a cancelled one that was partly refunded
    # before it was called off can go back to partially refunded (the money model checks that)
    for closed in CLOSED:
        assert PaymentStatus.INCOMPLETE not in PAYMENT_MOVES[PaymentStatus(closed)]
    assert PaymentStatus.PARTIALLY_REFUNDED not in PAYMENT_MOVES[PaymentStatus.REFUNDED]
    # delivered goods can only come back
    assert FULFILLMENT_MOVES[FulfillmentStatus.DELIVERED] == (FulfillmentStatus.RETURNED,)


@given(st.sampled_from(list(PaymentStatus)), st.sampled_from(list(PaymentStatus)))
def test_check_payment_move_agrees_with_the_table(old, new):
    allowed = new in PAYMENT_MOVES[old]
    if allowed:
        check_payment_move(old.value, new.value)
    else:
        with pytest.raises(RefusedError) as exc:
            check_payment_move(old.value, new.value)
        assert exc.value.exit_code == EXIT_REFUSED
        assert f"from {old.value} to {new.value}" in exc.value.message
        for a in PAYMENT_MOVES[old]:
            assert a.value in exc.value.hint


@given(st.sampled_from(list(FulfillmentStatus)), st.sampled_from(list(FulfillmentStatus)))
def test_check_fulfillment_move_agrees_with_the_table(old, new):
    if new in FULFILLMENT_MOVES[old]:
        check_fulfillment_move(old.value, new.value)
    else:
        with pytest.raises(RefusedError) as exc:
            check_fulfillment_move(old.value, new.value)
        assert ", ".join(a.value for a in FULFILLMENT_MOVES[old]) in exc.value.hint


def test_the_documented_table_is_the_table_in_code():
    start, end = "<!-- moves-table:start -->", "<!-- moves-table:end -->"
    docs = [p for p in (ROOT / "README.md", ROOT / "docs" / "after-sale.md") if p.exists() and start in p.read_text(encoding="utf-8")]
    assert docs, "the allowed-moves table must be documented (README.md or docs/after-sale.md)"
    for p in docs:
        text = p.read_text(encoding="utf-8")
        documented = text.split(start, 1)[1].split(end, 1)[0].strip()
        assert documented == moves_table_markdown(), f"{p.name}: regenerate with statuses.moves_table_markdown()"


# --------------------------------------------------------------- friendly names


@pytest.mark.parametrize(
    "text,expected",
    [("paid", "PAID"), ("Awaiting payment", "AWAITING_PAYMENT"), ("awaiting-payment", "AWAITING_PAYMENT"), ("CANCELED", "CANCELLED"), ("partially refunded", "PARTIALLY_REFUNDED")],
)
def test_friendly_payment_names(text, expected):
    assert parse_payment_status(text).value == expected


@pytest.mark.parametrize("text,expected", [("ready-for-pickup", "READY_FOR_PICKUP"), ("Shipped", "SHIPPED"), ("out for delivery", "OUT_FOR_DELIVERY")])
def test_friendly_fulfillment_names(text, expected):
    assert parse_fulfillment_status(text).value == expected


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(InputError) as exc:
        parse_payment_status("settled")
    assert exc.value.exit_code == EXIT_USAGE
    assert all(s.value in exc.value.hint for s in PaymentStatus)
    with pytest.raises(InputError) as exc:
        parse_fulfillment_status("lost")
    assert all(s.value in exc.value.hint for s in FulfillmentStatus)


# ------------------------------------------------------------- edit flags -> draft


def base_draft() -> OrderDraft:
    return OrderDraft(
        customer=CustomerIn(name="Ana", email="ana@example.com", phone="+33612345678"),
        items=[ItemIn(quantity=2, sku="MUG-01", name="Blue mug", unit_price=1800, tax_rate=2000), ItemIn(quantity=1, name="Gift wrap", unit_price=250, tax_rate=0)],
        discount=Adjustment(percent=1000),
        surcharges=[Adjustment(amount=100, label="Bag")],
        tip=0,
        shipping=ShippingIn(method="Colissimo", cost=490, address=Address(street="1 rue A", city="Lyon", country="FR")),
        note="old note",
    )


def test_apply_changes_leaves_the_original_alone_and_edits_the_copy():
    d = base_draft()
    out = apply_changes(
        d,
        EditChanges(
            set_qty=[("mug-01", 3)],
            set_price=[("Gift wrap", 300)],
            add_items=[ItemIn(quantity=2, sku="MUG-01"), ItemIn(quantity=1, sku="TEA")],
            email="",
            note="",
            clear_discount=True,
            clear_surcharges=True,
            surcharges=[Adjustment(percent=150, label="Card fee")],
            tip=200,
        ),
    )
    assert d == base_draft()
    assert [(i.sku, i.name, i.quantity, i.unit_price) for i in out.items] == [
        ("MUG-01", "Blue mug", 5, 1800),  # set to 3, then the same SKU added: one line
        (None, "Gift wrap", 1, 300),
        ("TEA", None, 1, None),
    ]
    assert out.customer.email is None and out.customer.phone == "+33612345678"
    assert out.note is None and out.discount is None and out.tip == 200
    assert out.surcharges == [Adjustment(percent=150, label="Card fee")]


def test_apply_changes_addresses_merge_field_by_field():
    out = apply_changes(base_draft(), EditChanges(ship=Address(city="Paris", street=""), bill=Address(name="ACME")))
    assert out.shipping.address == Address(street=None, city="Paris", country="FR")
    assert out.shipping.cost == 490
    assert out.billing == Address(name="ACME")
    out = apply_changes(base_draft(), EditChanges(pickup=True))
    assert out.shipping.pickup and out.shipping.address is None
    assert out.shipping.cost == 0  # switching to pickup drops the shipping cost too
    # the rule lives in the validation gate: the edited draft is refused there, with its field path
    from ordercli.validation import validate_draft

    with pytest.raises(InputError) as exc:
        validate_draft(apply_changes(base_draft(), EditChanges(pickup=True, ship=Address(city="Paris"))))
    assert exc.value.issues[0].path == "shipping.address"


def test_apply_changes_unknown_line_names_the_lines_on_the_order():
    with pytest.raises(InputError) as exc:
        apply_changes(base_draft(), EditChanges(remove=["TEA"]))
    assert "MUG-01" in exc.value.hint and "Gift wrap" in exc.value.hint
