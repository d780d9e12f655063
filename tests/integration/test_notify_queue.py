"""What is queued, and when: outbox rows written in the same transaction as their cause."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from ordercli import db, notify
from ordercli.errors import OutOfStockError
from ordercli.models import Order, Outbox
from ordercli.services import common
from tests.smtp_server import add_product, outbox_rows, place, set_settings


@pytest.fixture
def shop(engine):
    add_product(engine)
    add_product(engine, sku="TEE", name="T-shirt", price=2000, stock=1, tax_rate=550)
    set_settings(engine, **{"store.email": "admin@shop.example", "store.name": "Fair Stall"})
    return engine


def kinds(rows) -> list[tuple[str, str, str]]:
    return [(r.kind, r.audience, r.recipient) for r in rows]


def test_created_queues_admin_and_customer_messages(shop):
    number = place(shop, deliver=False)
    rows = outbox_rows(shop, number)
    assert kinds(rows) == [("new_order", "admin", "admin@shop.example"), ("confirmation", "customer", "ana@example.com")]
    for r in rows:
        assert r.status == "pending" and r.attempts == 0 and r.last_error is None
        assert r.message_id.startswith("<") and r.message_id.endswith(">") and "@" in r.message_id
        payload = json.loads(r.payload)
        assert payload["order"]["number"] == number
        assert payload["order"]["lines"][0]["sku"] == "MUG-01"
        assert payload["order"]["total"] == 2500
    assert rows[0].message_id != rows[1].message_id
    assert "Fair Stall" in rows[1].subject and number in rows[1].subject
    assert "Ana Lima" in rows[0].subject


def test_no_notify_suppresses_only_the_customer_message(shop):
    number = place(shop, notify=False, deliver=False)
    assert kinds(outbox_rows(shop, number)) == [("new_order", "admin", "admin@shop.example")]


def test_no_store_email_means_no_admin_message_and_phone_only_means_no_confirmation(shop):
    set_settings(shop, **{"store.email": ""})
    number = place(shop, deliver=False)
    assert kinds(outbox_rows(shop, number)) == [("confirmation", "customer", "ana@example.com")]
    number2 = place(shop, email=None, phone="+33612345678", deliver=False)
    assert outbox_rows(shop, number2) == []


def test_messages_share_the_fate_of_their_transaction(shop):
    before = len(outbox_rows(shop))
    with pytest.raises(OutOfStockError):
        place(shop, items=(("TEE", 5),), deliver=False)
    assert len(outbox_rows(shop)) == before  # rolled back with the order
    # Queued then rolled back explicitly: nothing stays.
    number = place(shop, deliver=False)
    with db.write_session(shop) as s:
        order = common.get_order(s, number)
        settings = common.load_settings(s)
        rows = notify.queue_order_messages(s, order, trigger="status", settings=settings, extra={"fulfillment": ("AWAITING_PROCESSING", "SHIPPED")})
        assert len(rows) == 1
        s.rollback()
    assert [r.kind for r in outbox_rows(shop, number)] == ["new_order", "confirmation"]


def _trigger(engine, number, trigger, *, payment=None, fulfillment=None, notify_customer=True, extra=None, tracking=None):
    with db.write_session(engine) as s:
        order = common.get_order(s, number)
        if payment:
            order.payment_status = payment
        if fulfillment:
            order.fulfillment_status = fulfillment
        if tracking:
            order.tracking_number = tracking
        s.add(order)
        settings = common.load_settings(s)
        rows = notify.queue_order_messages(s, order, trigger=trigger, settings=settings, notify_customer=notify_customer, extra=extra)
        s.commit()
        return [(r.kind, r.audience) for r in rows]


def test_status_changes_follow_the_notify_on_status_settings(shop):
    number = place(shop, deliver=False)
    # SHIPPED notifies by default, with the tracking number in the snapshot.
    got = _trigger(shop, number, "status", fulfillment="SHIPPED", tracking="TRK123", extra={"fulfillment": ("AWAITING_PROCESSING", "SHIPPED"), "payment": None})
    assert got == [("shipped", "customer")]
    shipped = outbox_rows(shop, number)[-1]
    snap = json.loads(shipped.payload)
    assert snap["order"]["tracking_number"] == "TRK123"
    assert snap["change"]["fulfillment"] == ["AWAITING_PROCESSING", "SHIPPED"]
    # PROCESSING does not notify by default…
    assert _trigger(shop, number, "status", extra={"fulfillment": ("SHIPPED", "PROCESSING")}) == []
    # …unless the setting says so.
    set_settings(shop, **{"notify.on_status.PROCESSING": "true"})
    assert _trigger(shop, number, "status", extra={"fulfillment": ("SHIPPED", "PROCESSING")}) == [("status", "customer")]
    # Turning SHIPPED off silences it.
    set_settings(shop, **{"notify.on_status.SHIPPED": "false"})
    assert _trigger(shop, number, "status", extra={"fulfillment": ("PROCESSING", "SHIPPED")}) == []
    # Ready for pickup has its own message; --no-notify silences it.
    assert _trigger(shop, number, "status", extra={"fulfillment": ("SHIPPED", "READY_FOR_PICKUP")}, notify_customer=False) == []
    assert _trigger(shop, number, "status", extra={"fulfillment": ("SHIPPED", "READY_FOR_PICKUP")}) == [("pickup", "customer")]
    # A "change" to the same status is no change.
    assert _trigger(shop, number, "status", extra={"fulfillment": ("READY_FOR_PICKUP", "READY_FOR_PICKUP")}) == []


def test_cancel_refund_and_payment_triggers(shop):
    number = place(shop, deliver=False)
    assert _trigger(shop, number, "payment", extra={"amount": 1000}) == []  # still awaiting payment: no receipt
    assert _trigger(shop, number, "payment", payment="PAID", extra={"amount": 1500}) == [("payment", "customer")]
    assert _trigger(shop, number, "refunded", payment="PARTIALLY_REFUNDED", extra={"amount": 500, "reason": "chipped"}) == [("refunded", "customer")]
    refund = outbox_rows(shop, number)[-1]
    assert json.loads(refund.payload)["change"]["reason"] == "chipped"
    assert _trigger(shop, number, "cancelled", payment="CANCELLED", extra={"reason": "changed mind"}) == [("cancelled", "customer")]
    set_settings(shop, **{"notify.on_status.CANCELLED": "false"})
    assert _trigger(shop, number, "cancelled", extra={}) == []
    with pytest.raises(ValueError):
        _trigger(shop, number, "bogus")


def test_a_payment_and_its_status_change_in_one_transaction_send_one_receipt(shop):
    number = place(shop, deliver=False)
    with db.write_session(shop) as s:
        order = common.get_order(s, number)
        order.payment_status = "PAID"
        settings = common.load_settings(s)
        a = notify.queue_order_messages(s, order, trigger="payment", settings=settings, extra={"amount": 2500})
        b = notify.queue_order_messages(s, order, trigger="status", settings=settings, extra={"payment": ("AWAITING_PAYMENT", "PAID"), "fulfillment": None})
        s.commit()
    assert len(a) == 1 and b == []
    assert [r.kind for r in outbox_rows(shop, number)].count("payment") == 1


def test_message_ids_are_unique_and_fixed_at_queue_time(shop):
    numbers = [place(shop, deliver=False) for _ in range(3)]
    ids = [r.message_id for r in outbox_rows(shop)]
    assert len(ids) == len(set(ids)) == 6
    with db.read_session(shop) as s:
        assert s.exec(select(Order).where(Order.number.in_(numbers))).all()
        stored = [r.message_id for r in s.exec(select(Outbox).order_by(Outbox.id)).all()]
    assert stored == ids


def test_the_admin_copy_carries_the_staff_note_and_the_customer_copy_does_not(shop):
    number = place(shop, deliver=False, staff_note="cash under the till", note="Ring twice")
    admin, customer = outbox_rows(shop, number)
    assert json.loads(admin.payload)["order"]["staff_note"] == "cash under the till"
    assert json.loads(customer.payload)["order"]["staff_note"] is None
    assert json.loads(customer.payload)["order"]["note"] == "Ring twice"


def test_the_same_message_in_a_later_transaction_of_the_same_session_is_queued_again(shop):
    number = place(shop, deliver=False)
    with db.write_session(shop) as s:
        settings = common.load_settings(s)
        for _ in range(2):
            order = common.get_order(s, number)
            rows = notify.queue_order_messages(s, order, trigger="status", settings=settings, extra={"fulfillment": ("AWAITING_PROCESSING", "SHIPPED")})
            assert len(rows) == 1
            s.commit()
    assert [r.kind for r in outbox_rows(shop, number)].count("shipped") == 2
