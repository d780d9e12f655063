"""``payments.sell``: a sale and its payments in one transaction, one confirmation in a real SMTP server's mail (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ordercli import db
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.errors import InputError, RefusedError
from ordercli.models import (
    Customer,
    Order,
    OrderEvent,
    Outbox,
    Payment,
    Product,
    StockMovement,
)
from ordercli.services import payments
from ordercli.services.payments import PaymentIn
from ordercli.uow import UnitOfWork
from tests.smtp_server import SmtpServer, add_product, set_settings, use_smtp


@pytest.fixture
def shop(engine):
    add_product(engine)  # MUG-01 12.50, 100 in stock
    set_settings(engine, **{"store.name": "Fair Stall", "store.locale": "en_US"})
    return engine


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def draft(*, walk_in: bool = False, qty: int = 2, email: str | None = "ana@example.com") -> OrderDraft:
    customer = CustomerIn(name="") if walk_in else CustomerIn(name="Ana Lima", email=email)
    return OrderDraft(customer=customer, items=[ItemIn(sku="MUG-01", quantity=qty)], walk_in=walk_in)


def sell(engine, d: OrderDraft, pays: list[PaymentIn], *, deliver: bool = False) -> str:
    with UnitOfWork(engine, deliver=deliver) as uow:
        res = payments.sell(uow.session, draft=d, payments=pays)
        number = res.order.number
        uow.commit(saved="test sale")
    return number


def counts(engine) -> dict:
    with db.read_session(engine) as s:
        return {
            "orders": len(s.exec(select(Order)).all()),
            "payments": len(s.exec(select(Payment)).all()),
            "outbox": len(s.exec(select(Outbox)).all()),
            "moves": len(s.exec(select(StockMovement).where(StockMovement.reason == "sale")).all()),
            "stock": s.exec(select(Product.stock).where(Product.sku == "MUG-01")).one(),
            "customers": len(s.exec(select(Customer)).all()),
        }


def test_a_payment_refused_after_the_order_is_placed_leaves_nothing(shop):
    before = counts(shop)
    # The first payment passes, the second asks for more than is left: the whole sale is refused.
    with pytest.raises(RefusedError) as e:
        sell(shop, draft(), [PaymentIn("card", amount=1000), PaymentIn("cash", amount=2000)])
    assert e.value.code == "pay.too_much"
    assert counts(shop) == before
    with pytest.raises(InputError) as e2:
        sell(shop, draft(), [PaymentIn("cash", tendered=500)])  # does not cover 25.00
    assert e2.value.code == "pay.tendered_short"
    assert counts(shop) == before
    # The next sale still gets the first number: the counter moved back with the rest.
    assert sell(shop, draft(), [PaymentIn("card")]) == "1001"


def test_unknown_method_and_tendered_card_are_refused_before_anything(shop):
    before = counts(shop)
    with pytest.raises(InputError) as e:
        sell(shop, draft(), [PaymentIn("doubloons")])
    assert e.value.code == "payment.method.unknown"
    with pytest.raises(InputError) as e:
        sell(shop, draft(), [PaymentIn("card", tendered=5000)])
    assert e.value.code == "sale.tendered_not_cash"
    assert counts(shop) == before


def test_walk_in_sale_has_no_customer_row_and_no_customer_mail(shop, smtp):
    use_smtp(shop, smtp)
    number = sell(shop, draft(walk_in=True), [PaymentIn("cash", tendered=3000)], deliver=True)
    got = smtp.wait_for(1)
    assert [m.rcpt_tos for m in got] == [["admin@shop.example"]]  # the shop still hears of it
    with db.read_session(shop) as s:
        o = s.exec(select(Order).where(Order.number == number)).one()
        assert (o.walk_in, o.customer_id, o.customer_name, o.customer_email) == (True, None, "Walk-in", None)
        assert (o.payment_status, o.paid) == ("PAID", 2500)
        (p,) = s.exec(select(Payment)).all()
        assert (p.amount, p.tendered, p.change, p.method_code) == (2500, 3000, 500, "cash")  # the amount kept, not tendered
        ev = s.exec(select(OrderEvent).where(OrderEvent.order_id == o.id, OrderEvent.kind == "payment")).one()
        assert "tendered €30.00, change €5.00" in ev.summary
    assert counts(shop)["customers"] == 0


def test_a_paid_sale_sends_one_confirmation_that_says_paid(shop, smtp):
    use_smtp(shop, smtp, **{"store.email": ""})
    number = sell(shop, draft(), [PaymentIn("card")], deliver=True)
    (msg,) = smtp.wait_for(1)
    text = msg.parsed().get_body(preferencelist=("plain",)).get_content()
    assert number in text
    assert "Paid in full: €25.00" in text
    assert "due" not in text.lower()  # no "balance due", no "how to pay"
    with db.read_session(shop) as s:
        kinds = [r.kind for r in s.exec(select(Outbox)).all()]
    assert kinds == ["confirmation"]  # no "payment received" after it


def test_a_partly_paid_sale_sends_one_confirmation_with_what_is_left(shop, smtp):
    use_smtp(shop, smtp, **{"store.email": "", "store.payment_instructions": "Pay the rest at pickup"})
    sell(shop, draft(), [PaymentIn("card", amount=1000)], deliver=True)
    (msg,) = smtp.wait_for(1)
    text = msg.parsed().get_body(preferencelist=("plain",)).get_content()
    assert "Paid so far: €10.00" in text
    assert "How to pay (€15.00 due)" in text and "Pay the rest at pickup" in text


def test_a_sale_paid_later_sends_the_payment_instructions(shop, smtp):
    use_smtp(shop, smtp, **{"store.email": "", "store.payment_instructions": "Transfer within 7 days"})
    sell(shop, draft(), [], deliver=True)
    (msg,) = smtp.wait_for(1)
    text = msg.parsed().get_body(preferencelist=("plain",)).get_content()
    assert "How to pay (€25.00 due)" in text and "Transfer within 7 days" in text
    assert "Paid" not in text.replace("Awaiting payment", "")


def test_split_payment_card_then_cash_with_change(shop):
    number = sell(shop, draft(qty=3), [PaymentIn("card", amount=3000), PaymentIn("cash", tendered=1000)])  # 37.50
    with db.read_session(shop) as s:
        o = s.exec(select(Order).where(Order.number == number)).one()
        rows = s.exec(select(Payment).order_by(Payment.id)).all()
        events = [e.kind for e in s.exec(select(OrderEvent).where(OrderEvent.order_id == o.id).order_by(OrderEvent.id)).all()]
    assert [(p.method_code, p.amount, p.tendered, p.change) for p in rows] == [("card", 3000, None, None), ("cash", 750, 1000, 250)]
    assert (o.payment_status, o.paid, o.balance_due) == ("PAID", 3750, 0)
    assert events == ["created", "payment", "payment", "status"]
    assert counts(shop)["stock"] == 97
