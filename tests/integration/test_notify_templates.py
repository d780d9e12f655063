"""Every built-in template renders for every kind, audience and shape of change (undefined names are errors)."""

from __future__ import annotations

import pytest

from ordercli import db
from ordercli.domain import Address, ShippingIn
from ordercli.notify import compose, policy, queue
from ordercli.pricing import Adjustment
from ordercli.services import common
from ordercli.statuses import words
from tests.smtp_server import add_product, place, set_settings

KINDS = list(policy.KIND_LABELS)
CHANGES = [
    None,
    {},
    {"payment": ["AWAITING_PAYMENT", "PAID"], "fulfillment": None},
    {"payment": None, "fulfillment": ["PROCESSING", "SHIPPED"], "amount": 1250, "reason": "chipped mug"},
    {"payment": ["PAID", "CANCELLED"], "fulfillment": ["AWAITING_PROCESSING", "WILL_NOT_DELIVER"], "reason": "asked"},
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Render every combination once on one store (module scope keeps it quick)."""
    from ordercli.db import get_engine

    path = tmp_path_factory.mktemp("tpl") / "store.db"
    engine = get_engine(str(path))
    add_product(engine)
    set_settings(
        engine,
        **{
            "store.name": "Fair Stall",
            "store.email": "admin@shop.example",
            "mail.from": "shop@shop.example",
            "store.address": "1 Market Sq\\nLyon",
            "store.iban": "FR7630006000011234567890189",
            "store.payment_instructions": "Pay at the stall",
            "store.locale": "en_US",
        },
    )
    plain = place(engine, name="Plain", deliver=False)
    full = place(
        engine,
        name="Full",
        note="Gift, please",
        staff_note="VIP",
        discount=Adjustment(percent=500),
        surcharges=[Adjustment(amount=100, label="Card fee")],
        tip=200,
        payment_method="Cash",
        shipping=ShippingIn(method="Colissimo", cost=490, address=Address(name="Full", street="2 Rue", city="Paris", postal_code="75001", country="FR")),
        deliver=False,
    )
    out = {}
    with db.write_session(engine) as s:
        settings = common.load_settings(s)
        for number in (plain, full):
            order = common.get_order(s, number)
            order.tracking_number = "TRK-9" if number == full else None
            for kind in KINDS:
                for audience in ("customer", "admin"):
                    for i, change in enumerate(CHANGES):
                        inv = {"number": "INV-7", "issued_at": "2026-01-02T10:00:00+00:00"} if kind == "invoice" else None
                        row = queue.queue_message(s, order, kind=kind, audience=audience, settings=settings, change=change, invoice=inv, dedupe=False)
                        out[(number == full, kind, audience, i)] = row
        s.commit()
        yield settings, out, (plain, full)
    db.dispose_all()


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_both_parts_for_every_change_shape(built, kind):
    settings, rows, (plain, full) = built
    for (is_full, k, audience, i), row in rows.items():
        if k != kind:
            continue
        msg = compose.build_message(row, settings)
        text = msg.get_body(preferencelist=("plain",)).get_content()
        html = msg.get_body(preferencelist=("html",)).get_content()
        number = full if is_full else plain
        assert number in text and number in html, (kind, audience, i)
        if kind != "invoice":  # the invoice email points to the attached PDF instead
            assert "Blue mug" in text and "Blue mug" in html
        assert "{{" not in text and "{%" not in text and "{{" not in html
        if audience == "customer":
            name = "Full" if is_full else "Plain"
            assert text.startswith(f"Hello {name},\n\n") or kind == "new_order", text[:80]
        else:
            assert "Hello" not in text.splitlines()[0]
        if is_full:
            assert "Gift, please" in text or kind in ("invoice",)
            assert ("VIP" in text) == (audience == "admin" and kind == "new_order")
        change = CHANGES[i] or {}
        if kind in ("cancelled", "refunded") and change.get("reason"):
            assert change["reason"] in text and change["reason"] in html
        if kind == "shipped" and is_full:
            assert "TRK-9" in text and "TRK-9" in html
        if kind == "invoice":
            assert "INV-7" in text and "INV-7" in html
        if kind == "status" and change.get("fulfillment"):
            old, new = (words(x) for x in change["fulfillment"])
            assert f"Fulfillment: {old} → {new}" in text and f"{old} → <strong>{new}</strong>" in html


def test_html_escapes_what_the_customer_typed(built):
    settings, rows, _ = built
    row = rows[(True, "confirmation", "customer", 0)]
    import json

    payload = json.loads(row.payload)
    payload["order"]["note"] = "<script>alert(1)</script> & more"
    row.payload = json.dumps(payload)
    msg = compose.build_message(row, settings)
    html = msg.get_body(preferencelist=("html",)).get_content()
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<script>alert(1)</script> & more" in text  # plain text stays as typed
