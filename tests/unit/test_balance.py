"""The money model (ordercli.balance) as pure functions: no store, no I/O."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercli import balance as m
from ordercli.statuses import PAYMENT_MOVES, PaymentStatus

STATUSES = [s.value for s in PaymentStatus]


@st.composite
def balances(draw):
    total = draw(st.integers(0, 10_000))
    paid = draw(st.integers(0, 15_000))
    refunded = draw(st.integers(0, paid))
    return m.Balance(total=total, paid=paid, refunded=refunded, closed=draw(st.booleans()), credit_refunded=draw(st.integers(0, refunded)))


def test_the_derived_amounts():
    b = m.Balance(total=2500, paid=1800, refunded=500)
    assert (b.kept, b.due, b.credit) == (1300, 700, 0)
    over = m.Balance(total=2000, paid=2500)  # an edit lowered the total after payment
    assert (over.kept, over.due, over.credit) == (2500, 0, 500)
    closed = m.Balance(total=2500, paid=1800, refunded=500, closed=True)
    assert (closed.due, closed.credit) == (0, 1300)  # nothing owed by the customer; what was kept is owed back


def test_an_impossible_balance_is_refused():
    with pytest.raises(ValueError):
        m.Balance(total=100, paid=10, refunded=20)
    with pytest.raises(ValueError):
        m.Balance(total=-1)


def test_an_order_of_zero_is_paid():
    assert m.settle(m.Balance(total=0), m.AWAITING_PAYMENT) == m.PAID


def test_a_refunded_overpayment_leaves_the_order_paid():
    # Paid 25.00, an item of 5.00 removed, the 5.00 given back: the customer paid exactly the new total.
    paid = m.Balance(total=2000, paid=2500)
    assert m.settle(paid, m.PAID) == m.PAID and paid.credit == 500
    assert m.settle(paid.with_refund(500), m.PAID) == m.PAID
    # a refund that goes below the total is a partial refund
    assert m.settle(paid.with_refund(600), m.PAID) == m.PARTIALLY_REFUNDED


def test_a_refunded_credit_is_owed_again_when_the_total_rises_again():
    # Paid 20.00; an edit lowers the total to 10.00 (credit 10.00), the credit is refunded; an edit
    # raises it back to 20.00: the customer owes 10.00 — `order pay` and "paid by hand" agree.
    b = m.Balance(total=2000, paid=2000).with_total(1000)
    assert b.credit == 1000
    b = b.with_refund(1000)
    assert (b.credit_refunded, b.conceded, m.settle(b, m.PAID)) == (1000, 0, m.PAID)
    b = b.with_total(2000)
    assert b.due == 1000 and m.settle(b, m.PAID) == m.AWAITING_PAYMENT
    move = m.plan_move(b, m.AWAITING_PAYMENT, m.PAID, PAYMENT_MOVES)
    assert move.payment == b.due == 1000
    assert m.settle(b.with_payment(1000), m.AWAITING_PAYMENT) == m.PAID


def test_part_of_a_refund_gives_back_the_credit_and_the_rest_is_a_concession():
    b = m.Balance(total=1100, paid=2000).with_refund(1200)  # credit 9.00, then 3.00 more
    assert (b.credit_refunded, b.conceded, b.kept) == (900, 300, 800)
    assert m.settle(b, m.PAID) == m.PARTIALLY_REFUNDED and b.due == 0
    up = b.with_total(2900)
    assert up.due == 2900 - (2000 - 900) == 1800


def test_partly_paid_refunded_cancelled_never_awaits_a_zero_balance():
    # The case: 18.00 paid on 25.00, 5.00 refunded, cancelled, then "awaiting payment".
    b = m.Balance(total=2500, paid=1800).with_refund(500)
    cancelled = m.Balance(total=2500, paid=1800, refunded=500, closed=True)
    assert m.AWAITING_PAYMENT in b.consistent() and b.due == 700
    move = m.plan_move(cancelled, m.CANCELLED, m.AWAITING_PAYMENT, PAYMENT_MOVES)
    assert isinstance(move, m.Move) and move.reopen and move.balance.due == 700
    # "paid" by hand records what is missing, never marks it paid without a payment
    move = m.plan_move(cancelled, m.CANCELLED, m.PAID, PAYMENT_MOVES)
    assert isinstance(move, m.Move) and move.payment == 1200 and move.balance.kept == 2500


def test_a_fully_paid_then_partly_refunded_and_cancelled_order_reopens_as_it_was():
    cancelled = m.Balance(total=1800, paid=1800, refunded=500, closed=True)
    refusal = m.plan_move(cancelled, m.CANCELLED, m.AWAITING_PAYMENT, PAYMENT_MOVES)
    assert isinstance(refusal, m.Refusal) and refusal.reason == "nothing_due"
    move = m.plan_move(cancelled, m.CANCELLED, m.PARTIALLY_REFUNDED, PAYMENT_MOVES)
    assert isinstance(move, m.Move) and move.reopen and move.payment == 0
    assert m.allowed_moves(cancelled, m.CANCELLED, PAYMENT_MOVES) == [m.PAID, m.PARTIALLY_REFUNDED, m.REFUNDED]


def test_refused_moves_say_why():
    open_unpaid = m.Balance(total=1000)
    assert m.plan_move(open_unpaid, m.AWAITING_PAYMENT, m.REFUNDED, PAYMENT_MOVES).reason == "nothing_paid"
    assert m.plan_move(open_unpaid, m.AWAITING_PAYMENT, m.PARTIALLY_REFUNDED, PAYMENT_MOVES).reason == "needs_amount"
    assert m.plan_move(m.Balance(total=1000, paid=1000), m.PAID, m.AWAITING_PAYMENT, PAYMENT_MOVES).reason == "not_in_table"
    assert m.plan_move(m.Balance(total=1000, paid=400), m.AWAITING_PAYMENT, m.INCOMPLETE, PAYMENT_MOVES).reason == "already_paid"


@given(balances())
def test_some_status_always_fits_and_each_fitting_status_keeps_the_rules(b):
    fits = b.consistent()
    assert fits
    for status in fits:
        if status == m.AWAITING_PAYMENT:
            assert b.due > 0
        if status == m.PAID:
            assert b.kept >= b.total and not b.closed
        if status == m.PARTIALLY_REFUNDED:
            assert b.refunded > 0 and b.conceded > 0 and 0 < b.kept < b.total
        if status == m.REFUNDED:
            assert b.refunded > 0 and b.kept == 0 and b.due == 0
        if status == m.CANCELLED:
            assert b.closed and b.due == 0


@given(balances(), st.sampled_from(STATUSES))
def test_settle_always_lands_on_a_fitting_status_and_keeps_one_that_fits(b, current):
    new = m.settle(b, current)
    assert new in b.consistent()
    if current in b.consistent() and not b.closed:
        assert new == current


@given(balances(), st.sampled_from(STATUSES), st.sampled_from(STATUSES))
def test_every_accepted_move_ends_consistent_and_listed_moves_are_exactly_the_accepted_ones(b, current, target):
    plan = m.plan_move(b, current, target, PAYMENT_MOVES)
    if isinstance(plan, m.Move):
        assert target in plan.balance.consistent()
        assert plan.balance.paid - b.paid == plan.payment and plan.balance.refunded - b.refunded == plan.refund
        if target == m.PAID:
            assert plan.balance.kept >= plan.balance.total and plan.balance.due == 0
        assert target in m.allowed_moves(b, current, PAYMENT_MOVES)
        if target == m.CANCELLED or (target == m.REFUNDED):
            assert plan.balance.closed
        if plan.reopen:
            assert b.closed and not plan.balance.closed
    else:
        assert target not in m.allowed_moves(b, current, PAYMENT_MOVES)
