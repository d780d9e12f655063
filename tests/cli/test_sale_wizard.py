"""The Payment step and the shared keys, in-process (prompt_toolkit pipe input): fast checks of what the pty tests walk through."""

from __future__ import annotations

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ordercli.services.payments import PaymentIn
from ordercli.settings import Settings
from ordercli.wizard import confirm as keys
from ordercli.wizard.payment import ask_payment
from tests.wizard_keys import (
    CTRL_D,
    DOWN,
    ENTER,
    NO,
    PAY_BACK,
    PAY_CARD,
    PAY_CASH,
    PAY_LATER,
    YES,
)


def feed(text: str, fn, *args, **kwargs):
    with create_pipe_input() as inp:
        inp.send_text(text)
        inp.close()  # a prompt that wants more keys than given ends with EOFError, not a hang
        with create_app_session(input=inp, output=DummyOutput()):
            return fn(*args, **kwargs)


def settings(methods: str = "") -> Settings:
    return Settings({"payment.methods": methods, "store.currency": "EUR"})


def pay(text: str, total: int = 3600, s: Settings | None = None):
    return feed(text, ask_payment, s or settings(), total=total, currency="EUR")


def test_cash_exact_and_with_change():
    assert pay(PAY_CASH + ENTER) == [PaymentIn("cash", amount=3600, tendered=3600)]
    assert pay(PAY_CASH + "50" + ENTER) == [PaymentIn("cash", amount=3600, tendered=5000)]


def test_split_card_then_cash():
    assert pay(PAY_CARD + "30" + ENTER + PAY_CASH + "10" + ENTER) == [PaymentIn("card", amount=3000), PaymentIn("cash", amount=600, tendered=1000)]


def test_cash_short_then_the_rest_by_card():
    assert pay(PAY_CASH + "20" + ENTER + PAY_CARD + ENTER) == [PaymentIn("cash", amount=2000, tendered=2000), PaymentIn("card", amount=1600)]


def test_later_and_later_after_a_part():
    assert pay(PAY_LATER) == []
    assert pay(PAY_CARD + "10" + ENTER + PAY_LATER) == [PaymentIn("card", amount=1000)]


def test_back_from_the_first_menu_and_back_drops_the_last_part():
    assert pay(PAY_BACK) is keys.BACK
    assert pay(PAY_CARD + "10" + ENTER + PAY_BACK + PAY_CASH + ENTER) == [PaymentIn("cash", amount=3600, tendered=3600)]


def test_an_amount_above_what_is_due_is_refused_live():
    with pytest.raises(EOFError):  # 40 > 36 is refused; the prompt waits for another amount
        pay(PAY_CARD + "40" + ENTER)
    assert pay(PAY_CARD + "40" + ENTER + "\x7f" * 2 + "36" + ENTER) == [PaymentIn("card", amount=3600)]


def test_the_stores_own_methods_are_offered():
    s = settings("lydia=Lydia,cash=Cash")
    assert pay(ENTER + ENTER, s=s) == [PaymentIn("lydia", amount=3600)]
    assert pay(DOWN + ENTER + "40" + ENTER, s=s) == [PaymentIn("cash", amount=3600, tendered=4000)]


def test_ctrl_d_in_the_payment_menu_cancels():
    with pytest.raises(EOFError):
        pay(CTRL_D)


def test_a_yes_no_question_waits_for_enter():
    with pytest.raises(EOFError):  # "y" alone answers nothing: the question still waits
        feed("y", keys.confirm, "Create this order?")
    assert feed(YES, keys.confirm, "Create this order?") is True
    assert feed(NO, keys.confirm, "Create this order?") is False
    assert feed(ENTER, keys.confirm, "Create this order?", default=False) is False


def test_y_enter_answers_one_question_and_leaves_the_next_waiting():
    def two():
        return keys.confirm("Email the order confirmation?"), keys.confirm("Create this order?")

    with pytest.raises(EOFError):  # the second question got nothing from the first's keys
        feed(YES, two)
    assert feed(YES + NO, two) == (True, False)


def test_ctrl_d_cancels_an_arrow_menu():
    with pytest.raises(EOFError):
        feed(CTRL_D, lambda: keys.menu("What now?", ["A", "B"]).unsafe_ask())


def test_the_edit_wizard_gives_a_walk_in_sale_a_customer(sqlite_engine):
    from sqlmodel import select

    from ordercli import db
    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.models import Customer, Order
    from ordercli.services import catalog, orders
    from ordercli.uow import UnitOfWork
    from ordercli.wizard.edit import run_edit_wizard
    from tests.wizard_keys import UP

    with UnitOfWork(sqlite_engine, deliver=False) as uow:
        catalog.add_product(uow.session, sku="MUG-01", name="Blue mug", price=1800, stock=3, tax_rate=2000)
        uow.commit(saved="product")
    with UnitOfWork(sqlite_engine, deliver=False) as uow:
        orders.place_order(uow.session, OrderDraft(customer=CustomerIn(name=""), items=[ItemIn(sku="MUG-01", quantity=1)], walk_in=True))
        uow.commit(saved="order")
    keys = UP + ENTER + "Ana Lima" + ENTER + "ana@example.com" + ENTER + ENTER  # Customer: name, email, no phone
    keys += DOWN + DOWN + ENTER + YES  # review, save
    feed(keys, run_edit_wizard, sqlite_engine, "1001", yes=False, dry_run=False, fmt="table", expect_version=None)
    with db.read_session(sqlite_engine) as s:
        o = s.exec(select(Order)).one()
        assert (o.walk_in, o.customer_name, o.customer_email) == (False, "Ana Lima", "ana@example.com")
        assert [c.email for c in s.exec(select(Customer)).all()] == ["ana@example.com"]


def test_a_customer_name_typed_exactly_picks_that_customer(sqlite_engine):
    from ordercli.services import customers
    from ordercli.uow import UnitOfWork
    from ordercli.wizard import order as wizard

    with UnitOfWork(sqlite_engine, deliver=False) as uow:
        customers.find_or_create(uow.session, name="Ana Lima", email="ana@example.com", phone=None)
        uow.commit(saved="customer")
    got = feed("ana lima" + ENTER, wizard.ask_customer, wizard.Queries(sqlite_engine), settings(), None, walk_in_ok=True)
    assert (got.name, got.email) == ("Ana Lima", "ana@example.com")  # no email or phone asked: picked
    assert feed(ENTER, wizard.ask_customer, wizard.Queries(sqlite_engine), settings(), None, walk_in_ok=True) is wizard.WALK_IN
