"""`report day` figures against what the test recorded, on SQLite and PostgreSQL, with the store's midnight in Europe/Paris.

The day is 2026-11-26 in Paris (UTC+1): it runs from 2026-11-25 23:00 UTC to 2026-11-26 23:00 UTC.
Orders and payments are recorded through the services, then their times are set to
chosen instants (the test's clock), including one second either side of midnight.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from ordercli import db, tills
from ordercli.domain import Adjustment, CustomerIn, ItemIn, OrderDraft
from ordercli.errors import InputError
from ordercli.models import Order, Payment
from ordercli.services import catalog, config, orders, payments, reports, status_changes, till_sessions

D = date(2026, 11, 26)


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=timezone.utc)


def run(engine, fn):
    with db.write_session(engine) as s:
        out = fn(s)
        s.commit()
        return out


def place(engine, items, *, at, discount=None, tip=0) -> str:
    draft = OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(sku=k, quantity=q) for k, q in items], discount=discount, tip=tip)
    number = run(engine, lambda s: orders.place_order(s, draft).order.number)
    run(engine, lambda s: s.execute(sa.update(Order).where(Order.number == number).values(created_at=at)))
    return number


def pay(engine, number, *, at, **kw) -> int:
    pid = run(engine, lambda s: payments.record_payment(s, number=number, **kw).payment.id)
    run(engine, lambda s: s.execute(sa.update(Payment).where(Payment.id == pid).values(at=at)))
    return pid


def refund(engine, number, *, at, **kw) -> int:
    pid = run(engine, lambda s: payments.refund_order(s, number=number, **kw).refund.id)
    run(engine, lambda s: s.execute(sa.update(Payment).where(Payment.id == pid).values(at=at)))
    return pid


@pytest.fixture
def day(engine):
    """The stall's day, recorded; returns the engine."""
    tills.use("stall-1")
    run(engine, lambda s: config.set_value(s, "store.timezone", "Europe/Paris"))
    run(engine, lambda s: config.set_value(s, "stock.low_threshold", "6"))
    run(engine, lambda s: catalog.add_product(s, sku="MUG", name="Mug", price=1200, stock=10, tax_rate=2000))
    run(engine, lambda s: catalog.add_product(s, sku="TEA", name="Tea", price=500, stock=None, tax_rate=550))
    run(engine, lambda s: catalog.add_product(s, sku="JAM", name="Jam", price=700, stock=20, tax_rate=550))

    # yesterday, one second before the store's midnight: paid 1.00 cash then, 4.00 by cheque at midnight (no session open)
    o5 = place(engine, [("TEA", 1)], at=utc(2026, 11, 25, 22, 59, 59))
    pay(engine, o5, amount=100, method="cash", at=utc(2026, 11, 25, 22, 59, 59))
    pay(engine, o5, amount=400, method="cheque", at=utc(2026, 11, 25, 23, 0, 0))

    run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=5000, now=utc(2026, 11, 26, 6, 0)))
    # at the store's midnight exactly: today's first order, 12.00 cash, 2.00 refunded in cash later
    o6 = place(engine, [("MUG", 1)], at=utc(2026, 11, 25, 23, 0, 0))
    pay(engine, o6, method="cash", at=utc(2026, 11, 26, 8, 0))
    refund(engine, o6, amount=200, method="cash", reason="chipped", at=utc(2026, 11, 26, 15, 0))
    # 10:10 Paris: 2 mugs + 1 tea = 29.00, 2.90 off, 2.00 tip = 28.10, paid cash with 30.00 (1.90 change)
    o1 = place(engine, [("MUG", 2), ("TEA", 1)], at=utc(2026, 11, 26, 9, 10), discount=Adjustment(amount=290), tip=200)
    pay(engine, o1, method="Espèces", tendered=3000, at=utc(2026, 11, 26, 9, 15))
    # 11:00 Paris: one mug by card at the other till (no session open there)
    o2 = place(engine, [("MUG", 1)], at=utc(2026, 11, 26, 10, 0))
    tills.use("stall-2")
    pay(engine, o2, method="card", at=utc(2026, 11, 26, 10, 5))
    tills.use("stall-1")
    # 11:30 Paris: two teas, not paid (a phone order)
    place(engine, [("TEA", 2)], at=utc(2026, 11, 26, 10, 30))
    # 13:00 Paris: cancelled: not a sale
    o4 = place(engine, [("MUG", 1), ("JAM", 3)], at=utc(2026, 11, 26, 12, 0))
    run(engine, lambda s: status_changes.cancel_order(s, number=o4))
    # tomorrow at the store's midnight: not today's
    place(engine, [("JAM", 1)], at=utc(2026, 11, 26, 23, 0, 0))
    yield engine
    tills.use(None)


def report(engine, d=D, **kw):
    with db.read_session(engine) as s:
        return reports.day_report(s, day=d, **kw)


def test_every_figure_of_the_day(day):
    r = report(day)
    assert (r.start, r.end) == (utc(2026, 11, 25, 23), utc(2026, 11, 26, 23))
    assert r.currency == "EUR"
    assert r.orders == 4  # o6 (at midnight), o1, o2, o3; not o4 (cancelled), o5 (yesterday), o7 (tomorrow)
    assert r.gross_sales == 1200 + 2900 + 1200 + 1000
    assert r.discounts == 290
    assert r.tips == 200
    assert r.refunds == 200
    assert r.net_sales == 6300 - 290 - 200
    assert r.balance_due == 1000  # the phone order
    assert r.average_order == 1503  # (6300 − 290) / 4 = 15.025 -> 15.03 (half-up)
    by = {m.method: (m.count, m.amount, m.refunds) for m in r.by_method}
    assert by == {"cash": (2, 1200 + 2810 - 200, 200), "card": (1, 1200, 0), "cheque": (1, 400, 0)}
    # tax by rate (prices include tax): MUG 20% on 21.60 (after its 2.40 share of the discount) + 12.00 + 12.00;
    # TEA 5.5% on 4.50 (after its 0.50 share) + 10.00
    rates = {x.rate: (x.net, x.tax, x.gross) for x in r.by_rate}
    assert rates == {2000: (4560 - 760, 360 + 200 + 200, 4560), 550: (1450 - 75, 23 + 52, 1450)}
    assert [(i.sku, i.quantity, i.revenue) for i in r.items] == [("MUG", 4, 4560), ("TEA", 3, 1450)]
    # MUG: 10 − 1 (o6) − 2 (o1) − 1 (o2) = 6 (o4's mug came back, the refund did not restock); JAM 20 − 1 (o7) = 19
    assert r.to_reorder == [("MUG", "Mug", 6)]
    assert r.by_hour == [(0, 1, 1200), (10, 1, 2610), (11, 2, 2200)]
    assert [(s.session.till, s.expected_cash) for s in r.sessions] == [("stall-1", 5000 + 1200 + 2810 - 200)]
    assert r.cash_expected == 8810
    assert (r.unsessioned_count, r.unsessioned_amount, r.unsessioned_tills) == (2, 400 + 1200, ["stall-1", "stall-2"])


def test_the_day_before_holds_only_what_was_before_midnight(day):
    r = report(day, date(2026, 11, 25))
    assert (r.orders, r.gross_sales, r.balance_due) == (1, 500, 0)
    assert [(m.method, m.amount) for m in r.by_method] == [("cash", 100)]
    assert r.sessions == []  # the session opened the next morning


def test_one_till(day):
    r = report(day, till="stall-2")
    assert (r.orders, r.gross_sales) == (1, 1200)  # the order paid at that till
    assert [(m.method, m.count, m.amount) for m in r.by_method] == [("card", 1, 1200)]
    assert r.sessions == [] and r.unsessioned_count == 1


def test_sales_over_a_period(day):
    with db.read_session(day) as s:
        by_day = reports.sales_report(s, since=date(2026, 11, 25), until=date(2026, 11, 27), by="day")
        by_method = reports.sales_report(s, since=date(2026, 11, 25), until=date(2026, 11, 26), by="method")
        by_till = reports.sales_report(s, since=D, until=D, by="till")
        by_product = reports.sales_report(s, since=D, until=D, by="product")
        by_hour = reports.sales_report(s, since=D, until=D, by="hour")
        with pytest.raises(InputError):
            reports.sales_report(s, since=D, until=date(2026, 11, 1), by="day")
    assert [(x.key, x.count, x.amount) for x in by_day.rows] == [("2026-11-25", 1, 500), ("2026-11-26", 4, 6010), ("2026-11-27", 1, 700)]
    assert {x.key: x.amount for x in by_method.rows} == {"cash": 100 + 3810, "card": 1200, "cheque": 400}
    assert {x.key: (x.count, x.amount) for x in by_till.rows} == {"stall-1": (3, 400 + 3810), "stall-2": (1, 1200)}
    assert [(x.key, x.count, x.amount) for x in by_product.rows] == [("MUG", 4, 4560), ("TEA", 3, 1450)]
    assert [(x.key, x.count, x.amount) for x in by_hour.rows] == [("00:00", 1, 1200), ("10:00", 1, 2610), ("11:00", 2, 2200)]  # Paris hours


def test_a_products_own_low_stock_threshold_wins_over_the_stores(engine):
    run(engine, lambda s: config.set_value(s, "stock.low_threshold", "3"))
    run(engine, lambda s: catalog.add_product(s, sku="JAM", name="Jam", price=500, stock=8))  # 8 > 3: fine by the store's rule
    run(engine, lambda s: catalog.add_product(s, sku="TEA", name="Tea", price=500, stock=2))  # 2 <= 3
    run(engine, lambda s: catalog.add_product(s, sku="SOAP", name="Soap", price=500, stock=2))
    run(engine, lambda s: catalog.edit_product(s, sku="JAM", low_stock=10))  # its own: 8 <= 10, to reorder
    run(engine, lambda s: catalog.edit_product(s, sku="SOAP", low_stock=1))  # its own: 2 > 1, fine
    with db.read_session(engine) as s:
        r = reports.day_report(s, day=D)
    assert [sku for sku, _, _ in r.to_reorder] == ["TEA", "JAM"]
