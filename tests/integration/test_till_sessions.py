"""Till sessions against a real store (SQLite file and PostgreSQL): expected cash, moves, close, history, one open session per till."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ordercli import db, tills
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.errors import InputError, RefusedError
from ordercli.models import Payment, TillSession
from ordercli.services import catalog, config, orders, payments, till_sessions
from tests.tills import Till


@pytest.fixture(autouse=True)
def _till():
    tills.use("stall-1")
    yield
    tills.use(None)


def run(engine, fn, **kw):
    with db.write_session(engine) as s:
        out = fn(s, **kw)
        s.commit()
        return out


def read(engine, fn, **kw):
    with db.read_session(engine) as s:
        return fn(s, **kw)


def product(engine, sku="MUG", price=1200, stock=None):
    run(engine, lambda s: catalog.add_product(s, sku=sku, name=f"Product {sku}", price=price, stock=stock))


def sale(engine, qty=1, sku="MUG") -> str:
    draft = OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(sku=sku, quantity=qty)])
    return run(engine, lambda s: orders.place_order(s, draft).order.number)


def pay(engine, number, **kw):
    return run(engine, lambda s: payments.record_payment(s, number=number, **kw))


def test_expected_cash_is_float_plus_cash_kept_minus_cash_refunds_plus_moves(engine):
    product(engine)
    run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=5000))
    a = sale(engine, 2)  # 24.00
    res = pay(engine, a, method="Cash", tendered=3000)  # 30.00 tendered, 6.00 change: 24.00 kept
    assert res.change == 600
    b = sale(engine, 1)
    pay(engine, b, method="card")  # 12.00 by card: not cash
    c = sale(engine, 3)  # 36.00
    pay(engine, c, method="espèces", amount=500)  # part of it in cash (a French label)
    run(engine, lambda s: payments.refund_order(s, number=a, amount=300, method="cash", reason="chipped"))
    run(engine, lambda s: till_sessions.move_cash(s, till="stall-1", kind="cash_in", amount=2000, reason="coins from the bank"))
    run(engine, lambda s: till_sessions.move_cash(s, till="stall-1", kind="cash_out", amount=1000, reason="lunch supplier"))

    sm = read(engine, till_sessions.status, till="stall-1")
    assert (sm.cash_payments, sm.cash_refunds, sm.cash_in, sm.cash_out) == (2900, 300, 2000, 1000)
    assert sm.expected_cash == 5000 + 2400 + 500 - 300 + 2000 - 1000 == 8600
    by = {m.method: (m.count, m.amount, m.refunds) for m in sm.by_method}
    assert by == {"cash": (2, 2600, 300), "card": (1, 1200, 0)}

    closed = run(engine, till_sessions.close_session, till="stall-1", counted=8550)
    assert closed.expected_cash == 8600 and closed.difference == -50
    assert closed.session.closed_at is not None

    # the closed session stays a record with what was computed and counted
    rows = read(engine, till_sessions.history)
    assert [(r.id, r.expected_cash, r.counted_cash) for r in rows] == [(closed.session.id, 8600, 8550)]
    again = read(engine, till_sessions.get, session_id=closed.session.id)
    assert (again.expected_cash, again.difference) == (8600, -50)
    assert read(engine, till_sessions.status, till="stall-1") is None

    # a payment after the close belongs to no session
    pay(engine, c, method="cash", amount=100)
    with db.read_session(engine) as s:
        last = s.execute(sa.select(Payment).order_by(Payment.id.desc())).scalars().first()
    assert (last.till, last.till_session_id) == ("stall-1", None)
    assert read(engine, till_sessions.get, session_id=closed.session.id).cash_payments == 2900


def test_one_open_session_per_till_and_two_tills_keep_their_own(engine):
    product(engine)
    first = run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=1000))
    with pytest.raises(RefusedError) as ei:
        run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=1000))
    assert ei.value.code == "till.already_open" and ei.value.facts["session_id"] == first.id
    second = run(engine, lambda s: till_sessions.open_session(s, till="stall-2", float_amount=3000))

    n1, n2 = sale(engine), sale(engine)
    pay(engine, n1, method="cash")
    tills.use("stall-2")
    pay(engine, n2, method="cash", tendered=2000)
    s1 = read(engine, till_sessions.status, till="stall-1")
    s2 = read(engine, till_sessions.status, till="stall-2")
    assert (s1.session.id, s1.expected_cash) == (first.id, 1000 + 1200)
    assert (s2.session.id, s2.expected_cash) == (second.id, 3000 + 1200)

    run(engine, till_sessions.close_session, till="stall-1", counted=2200)
    assert read(engine, till_sessions.status, till="stall-2") is not None  # closing one till leaves the other open
    reopened = run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=0))
    assert reopened.id not in (first.id, second.id)
    assert [r.till for r in read(engine, till_sessions.history, till="stall-1")] == ["stall-1", "stall-1"]


def test_refusals_write_nothing(engine):
    with pytest.raises(RefusedError) as ei:
        run(engine, till_sessions.close_session, till="stall-1", counted=0)
    assert ei.value.code == "till.not_open"
    with pytest.raises(RefusedError):
        run(engine, till_sessions.move_cash, till="stall-1", kind="cash_in", amount=100, reason="x")
    run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=1000))
    with pytest.raises(InputError):
        run(engine, till_sessions.move_cash, till="stall-1", kind="cash_in", amount=100, reason="  ")
    with pytest.raises(InputError):
        run(engine, till_sessions.move_cash, till="stall-1", kind="cash_out", amount=0, reason="bank")
    with pytest.raises(RefusedError) as ei:
        run(engine, till_sessions.move_cash, till="stall-1", kind="cash_out", amount=1001, reason="bank")
    assert ei.value.code == "till.cash_out_too_much"
    sm = read(engine, till_sessions.status, till="stall-1")
    assert (sm.moves, sm.expected_cash) == ([], 1000)


def test_a_session_open_past_midnight_is_flagged(engine):
    run(engine, lambda s: config.set_value(s, "store.timezone", "Europe/Paris"))
    # opened at 22:30 UTC = 23:30 in Paris (winter)
    opened = datetime(2026, 12, 1, 22, 30, tzinfo=timezone.utc)
    run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=0, now=opened))
    same_night = opened + timedelta(minutes=20)  # 23:50 Paris: the same local day
    after_midnight = opened + timedelta(minutes=40)  # 00:10 Paris: the next day
    assert read(engine, till_sessions.status, till="stall-1", now=same_night).past_midnight is False
    assert read(engine, till_sessions.status, till="stall-1", now=after_midnight).past_midnight is True


# ---------------------------------------------------------------- two connections (PostgreSQL)


def test_a_payment_during_a_close_waits_and_then_lands_in_no_session(pg_url):
    engine = db.get_engine(pg_url)
    product(engine)
    run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=1000))
    n = sale(engine)
    with db.write_session(engine) as closing:
        sm = till_sessions.close_session(closing, till="stall-1", counted=1000)  # the session row is locked, not committed
        assert sm.expected_cash == 1000

        def take_payment():
            tills.use("stall-1")
            return pay(engine, n, method="cash").payment.id

        b = Till(take_payment)
        b.assert_waiting()  # the payment waits for the close
        closing.commit()
    pid = b.value()
    with db.read_session(engine) as s:
        p = s.get(Payment, pid)
        ts = s.execute(sa.select(TillSession)).scalars().one()
    assert p.till_session_id is None  # not in the closed session: its expected cash stays true
    assert (ts.expected_cash, ts.counted_cash) == (1000, 1000)


def test_a_close_during_a_payment_waits_and_counts_it(pg_url):
    engine = db.get_engine(pg_url)
    product(engine)
    opened = run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=1000))
    n = sale(engine)
    with db.write_session(engine) as paying:
        res = payments.record_payment(paying, number=n, method="cash")  # reads the open session FOR SHARE
        assert res.payment.till_session_id == opened.id

        def close():
            return run(engine, till_sessions.close_session, till="stall-1", counted=2200)

        b = Till(close)
        b.assert_waiting()  # the close waits for the payment
        paying.commit()
    sm = b.value()
    assert sm.expected_cash == 1000 + 1200 and sm.difference == 0


def test_two_processes_opening_one_till_at_once_leave_one_session(pg_url):
    engine = db.get_engine(pg_url)
    with db.write_session(engine) as a:
        till_sessions.open_session(a, till="stall-1", float_amount=1000)
        b = Till(lambda: run(engine, lambda s: till_sessions.open_session(s, till="stall-1", float_amount=2000)))
        b.assert_waiting()  # the partial unique index holds B until A ends
        a.commit()
    b.finish()
    assert isinstance(b.error, RefusedError) and b.error.code == "till.already_open"
    with db.read_session(engine) as s:
        assert [t.float_amount for t in s.execute(sa.select(TillSession)).scalars()] == [1000]
