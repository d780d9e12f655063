"""The order wizard in-process: prompt_toolkit pipe input, a real SQLite store.

Each test feeds keystrokes to the real questionary prompts and checks the
OrderDraft they produce (the wizard writes nothing) or, through run_wizard,
the order saved in the store.
"""

from __future__ import annotations

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from sqlmodel import select

from ordercli import db
from ordercli.domain import CustomerIn, OrderDraft
from ordercli.models import Order, Product, StockMovement
from ordercli.services import catalog, common, orders
from ordercli.wizard import order as wizard
from tests.wizard_keys import BACKSPACE, CTRL_C, DOWN, ENTER, NO, PAY_LATER, UP, YES


@pytest.fixture
def shop(sqlite_engine):
    with db.write_session(sqlite_engine) as s:
        catalog.add_product(s, sku="MUG-01", name="Blue mug", price=1800, stock=3, tax_rate=2000)
        s.commit()
    with db.write_session(sqlite_engine) as s:
        catalog.add_product(s, sku="CARD", name="Greeting card", price=350, stock=None, tax_rate=0)
        s.commit()
    return sqlite_engine


def settings_of(engine):
    with db.read_session(engine) as s:
        return common.load_settings(s)


def feed(text: str, fn, *args):
    with create_pipe_input() as inp:
        inp.send_text(text)
        inp.close()  # a prompt that wants more keys than given ends with EOFError, not a hang
        with create_app_session(input=inp, output=DummyOutput()):
            return fn(*args)


def run_at_stall(engine, draft: OrderDraft) -> None:
    """The whole `order create` wizard loop (review, confirm, place, next order?)."""
    from ordercli.wizard.stall import run_wizard

    run_wizard(engine, draft, settings=settings_of(engine), dry_run=False, yes=False, fmt="table")


def empty_draft() -> OrderDraft:
    return OrderDraft(customer=CustomerIn(name=""), items=[])


def test_new_customer_catalog_and_custom_items(shop):
    keys = (
        "Ana Lima" + ENTER  # customer name (new)
        + "ana@example.com" + ENTER  # email
        + ENTER  # phone skipped
        + "MUG-01" + ENTER + "2" + ENTER  # 2 mugs
        + "+" + ENTER + "Gift wrap" + ENTER + "2.50" + ENTER + ENTER  # custom item, qty default 1
        + ENTER  # finish items
        + DOWN + DOWN + ENTER + "10%" + ENTER  # Discount
        + ENTER  # Done
    )
    draft = feed(keys, wizard.collect_order, wizard.Queries(shop), settings_of(shop), empty_draft())
    assert draft.door == "wizard"
    assert draft.customer.name == "Ana Lima"
    assert draft.customer.email == "ana@example.com"
    assert draft.customer.phone is None
    assert [(i.sku, i.quantity) for i in draft.items] == [("MUG-01", 2), (None, 1)]
    assert draft.items[1].name == "Gift wrap" and draft.items[1].unit_price == 250
    assert draft.discount is not None and draft.discount.percent == 1000


def test_name_search_resolves_a_unique_product(shop):
    keys = "Bob" + ENTER + ENTER + "0612345678" + ENTER + "greeting" + ENTER + "4" + ENTER + ENTER + ENTER
    settings = settings_of(shop)
    with db.write_session(shop) as s:
        from ordercli.services import config

        config.set_value(s, "store.phone_region", "FR")
        s.commit()
    settings = settings_of(shop)
    draft = feed(keys, wizard.collect_order, wizard.Queries(shop), settings, empty_draft())
    assert draft.customer.phone == "+33612345678"
    assert [(i.sku, i.quantity) for i in draft.items] == [("CARD", 4)]


def test_quantity_above_stock_is_refused_live(shop):
    # 5 > 3 in stock: the prompt refuses and waits; erase and type 3.
    keys = "Ana" + ENTER + "ana@example.com" + ENTER + ENTER + "MUG-01" + ENTER + "5" + ENTER + BACKSPACE + "3" + ENTER + ENTER + ENTER
    draft = feed(keys, wizard.collect_order, wizard.Queries(shop), settings_of(shop), empty_draft())
    assert [(i.sku, i.quantity) for i in draft.items] == [("MUG-01", 3)]


def test_unknown_sku_is_refused_until_fixed(shop):
    keys = "Ana" + ENTER + "ana@example.com" + ENTER + ENTER + "NOPE-9" + ENTER + BACKSPACE * 6 + "CARD" + ENTER + ENTER + ENTER + ENTER
    draft = feed(keys, wizard.collect_order, wizard.Queries(shop), settings_of(shop), empty_draft())
    assert [(i.sku, i.quantity) for i in draft.items] == [("CARD", 1)]


def test_email_or_phone_is_required_and_validated(shop):
    # A bad email is refused live; with no email the phone becomes required.
    keys = "Cy" + ENTER + "not-an-email" + ENTER + BACKSPACE * 12 + ENTER + ENTER + "+44 20 7946 0958" + ENTER + "CARD" + ENTER + ENTER + ENTER + ENTER
    draft = feed(keys, wizard.collect_order, wizard.Queries(shop), settings_of(shop), empty_draft())
    assert draft.customer.email is None
    assert draft.customer.phone == "+442079460958"


def test_existing_customer_is_found_by_search(shop):
    from ordercli.domain import ItemIn

    with db.write_session(shop) as s:
        orders.place_order(s, OrderDraft(customer=CustomerIn(name="Dora Diaz", email="dora@example.com"), items=[ItemIn(sku="CARD", quantity=1)]))
        s.commit()
    # Picking the completion puts its label in the answer; typing an email in full finds the customer too.
    for typed in ["Dora Diaz — dora@example.com", "dora@example.com"]:
        keys = typed + ENTER + "CARD" + ENTER + ENTER + ENTER + ENTER
        draft = feed(keys, wizard.collect_order, wizard.Queries(shop), settings_of(shop), empty_draft())
        assert draft.customer.name == "Dora Diaz"
        assert draft.customer.email == "dora@example.com"


def test_flags_given_are_not_asked_again(shop):
    # Name and email came from flags: the first prompt is the items one.
    draft = OrderDraft(customer=CustomerIn(name="Eve", email="eve@example.com"), items=[])
    keys = "CARD" + ENTER + "2" + ENTER + ENTER + ENTER
    out = feed(keys, wizard.collect_order, wizard.Queries(shop), settings_of(shop), draft)
    assert out.customer.name == "Eve"
    assert [(i.sku, i.quantity) for i in out.items] == [("CARD", 2)]


def test_ctrl_c_raises_keyboard_interrupt(shop):
    with pytest.raises(KeyboardInterrupt):
        feed("Ana" + ENTER + CTRL_C, wizard.collect_order, wizard.Queries(shop), settings_of(shop), empty_draft())


def test_run_wizard_creates_orders_then_stops(shop):
    keys = (
        "Ana" + ENTER + "ana@example.com" + ENTER + ENTER + "MUG-01" + ENTER + "2" + ENTER + ENTER + ENTER
        + ENTER  # email the confirmation? yes
        + ENTER  # create? yes
        + PAY_LATER
        + YES  # next order
        + "Bob" + ENTER + "bob@example.com" + ENTER + ENTER + "MUG-01" + ENTER + "1" + ENTER + ENTER + ENTER
        + NO  # no confirmation email
        + ENTER  # create
        + PAY_LATER
        + NO  # no next order
    )
    feed(keys, run_at_stall, shop, empty_draft())
    with db.read_session(shop) as s:
        placed = s.exec(select(Order).order_by(Order.id)).all()
        mug = s.exec(select(Product).where(Product.sku == "MUG-01")).one()
        moves = s.exec(select(StockMovement).where(StockMovement.product_id == mug.id)).all()
    assert [(o.customer_name, o.door, o.item_count, o.notify_customer) for o in placed] == [("Ana", "wizard", 2, True), ("Bob", "wizard", 1, False)]
    assert all(o.payment_status == "AWAITING_PAYMENT" and o.fulfillment_status == "AWAITING_PROCESSING" for o in placed)
    assert mug.stock == 0
    assert sum(m.delta for m in moves) == mug.stock


def test_run_wizard_declined_confirmation_writes_nothing(shop):
    keys = "Ana" + ENTER + "ana@example.com" + ENTER + ENTER + "MUG-01" + ENTER + "2" + ENTER + ENTER + ENTER + ENTER + NO
    keys += UP + ENTER  # Not created. What now? -> Drop this order (the last choice)
    keys += NO  # no next order
    feed(keys, run_at_stall, shop, empty_draft())
    with db.read_session(shop) as s:
        assert s.exec(select(Order)).all() == []
        assert s.exec(select(Product).where(Product.sku == "MUG-01")).one().stock == 3


def test_typed_contact_of_an_existing_customer_finds_them(shop):
    from ordercli.domain import ItemIn
    from ordercli.services import config

    with db.write_session(shop) as s:
        config.set_value(s, "store.phone_region", "FR")
        s.commit()
    with db.write_session(shop) as s:
        orders.place_order(s, OrderDraft(customer=CustomerIn(name="Eve Stone", phone="+33612345678"), items=[ItemIn(sku="CARD", quantity=1)]))
        s.commit()
    keys = "06 12 34 56 78" + ENTER + "CARD" + ENTER + ENTER + ENTER + ENTER
    draft = feed(keys, wizard.collect_order, wizard.Queries(shop), settings_of(shop), empty_draft())
    assert (draft.customer.name, draft.customer.phone) == ("Eve Stone", "+33612345678")


def test_typed_email_of_a_new_customer_is_their_email_not_their_name(shop):
    keys = "new@example.com" + ENTER + "Nina New" + ENTER + ENTER + "CARD" + ENTER + ENTER + ENTER + ENTER
    draft = feed(keys, wizard.collect_order, wizard.Queries(shop), settings_of(shop), empty_draft())
    assert (draft.customer.name, draft.customer.email) == ("Nina New", "new@example.com")


def test_ref_applies_to_the_first_wizard_order_only(shop):
    one = "CARD" + ENTER + ENTER + ENTER + ENTER  # item, qty 1, finish, Done
    keys = (
        "Ana" + ENTER + "ana@example.com" + ENTER + ENTER + one + NO + ENTER + PAY_LATER + YES
        + "Bob" + ENTER + "bob@example.com" + ENTER + ENTER + one + NO + ENTER + PAY_LATER + NO
    )
    draft = empty_draft()
    draft.external_ref = "PAPER-1"
    feed(keys, run_at_stall, shop, draft)
    with db.read_session(shop) as s:
        placed = s.exec(select(Order).order_by(Order.id)).all()
    assert [(o.customer_name, o.external_ref) for o in placed] == [("Ana", "PAPER-1"), ("Bob", None)]


def test_shortage_at_review_keeps_the_customer_and_asks_the_items_again(shop):
    from ordercli.domain import ItemIn

    # The draft asks for 3 mugs (flags), but another till sold 2 meanwhile: the review shows the
    # shortage, the person re-enters the items, and the order is created with the same customer.
    draft = OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(sku="MUG-01", quantity=3)])
    with db.write_session(shop) as s:
        catalog.change_stock(s, sku="MUG-01", set_to=1)
        s.commit()
    keys = (
        ENTER  # extras: Done
        + ENTER  # What now? -> change the items
        + "MUG-01" + ENTER + "1" + ENTER + ENTER  # one mug, finish
        + NO  # no email
        + ENTER  # create
        + PAY_LATER
        + NO  # no next order
    )
    feed(keys, run_at_stall, shop, draft)
    with db.read_session(shop) as s:
        placed = s.exec(select(Order)).all()
        assert [(o.customer_name, o.item_count) for o in placed] == [("Ana", 1)]
        assert s.exec(select(Product).where(Product.sku == "MUG-01")).one().stock == 0


def test_a_phone_that_does_not_validate_at_the_customer_prompt_is_refused_not_taken_as_a_name(shop):
    # No store.phone_region: a national number cannot be read; it must not become the name.
    keys = "06 98 76 54 32" + ENTER + BACKSPACE * 14 + "+33698765432" + ENTER + "Dee" + ENTER + ENTER + "CARD" + ENTER + ENTER + ENTER + ENTER
    draft = feed(keys, wizard.collect_order, wizard.Queries(shop), settings_of(shop), empty_draft())
    assert (draft.customer.name, draft.customer.phone) == ("Dee", "+33698765432")


def test_wizard_validation_messages_carry_the_hint():
    from ordercli.domain import normalize_phone

    message = wizard._validator(lambda t: normalize_phone(t, None))("06 98 76 54 32")
    assert "Invalid phone number" in message and "phone_region" in message


def test_a_mistyped_sku_gets_a_did_you_mean(shop):
    q = wizard.Queries(shop)
    assert q.search_products("MUG-10") == []  # not a substring of anything…
    assert q.close_skus("MUG-10") == ["MUG-01"]  # …but close to MUG-01
    assert q.close_skus("zzzz") == []


def test_fixing_a_shortage_keeps_the_lines_that_were_fine(shop):
    from ordercli.domain import ItemIn

    draft = OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(sku="CARD", quantity=4), ItemIn(sku="MUG-01", quantity=3)])
    with db.write_session(shop) as s:
        catalog.change_stock(s, sku="MUG-01", set_to=1)
        s.commit()
    keys = (
        ENTER  # extras: Done
        + ENTER  # What now? -> change the short items
        + "MUG-01" + ENTER + "1" + ENTER + ENTER  # the mug again, with what is left; finish
        + NO + ENTER + PAY_LATER + NO  # no email; create; pay later; no next order
    )
    feed(keys, run_at_stall, shop, draft)
    with db.read_session(shop) as s:
        (order,) = s.exec(select(Order)).all()
        assert orders.order_detail(s, order.number).lines and sorted(
            (ln.sku, ln.quantity) for ln in orders.order_detail(s, order.number).lines
        ) == [("CARD", 4), ("MUG-01", 1)]  # the cards were not dropped


def test_add_items_in_an_edit_can_be_left_without_adding_anything(shop):
    items = feed(ENTER, wizard.ask_items, wizard.Queries(shop), settings_of(shop), [], True)
    assert items == []


def test_declining_at_the_review_lets_the_person_fix_the_items_and_create(shop):
    keys = "Ana" + ENTER + "ana@example.com" + ENTER + ENTER + "MUG-01" + ENTER + "3" + ENTER + ENTER + ENTER  # 3 mugs, no extras
    keys += ENTER + NO  # email yes; "Create this order?" no: the customer wanted 1
    keys += ENTER  # Not created. What now? -> Change the items
    keys += ENTER + ENTER + BACKSPACE * 3 + "1" + ENTER  # Which line? MUG-01 -> Change quantity -> 1
    keys += DOWN + DOWN + ENTER  # Which line? -> Back: the review again
    keys += ENTER + ENTER + PAY_LATER + NO  # email yes; create; pay later; no next order
    feed(keys, run_at_stall, shop, empty_draft())
    with db.read_session(shop) as s:
        (order,) = s.exec(select(Order)).all()
        assert (order.customer_name, order.item_count, order.total) == ("Ana", 1, 1800)
        assert s.exec(select(Product).where(Product.sku == "MUG-01")).one().stock == 2


def test_units_an_edited_order_holds_but_no_longer_uses_can_be_added_again(shop):
    # MUG-01: 3 in stock; the order being edited holds 2 more on a line removed in this edit.
    keys = "MUG-01" + ENTER + "5" + ENTER + ENTER
    items = feed(keys, wizard.ask_items, wizard.Queries(shop), settings_of(shop), [], True, {"MUG-01": 2})
    assert [(i.sku, i.quantity) for i in items] == [("MUG-01", 5)]
    with pytest.raises(EOFError):  # without them, 5 is refused (only 3) and the prompt waits for more
        feed(keys, wizard.ask_items, wizard.Queries(shop), settings_of(shop), [], True)


def test_edit_line_labels_put_quantity_and_price_before_the_name():
    from ordercli.wizard.edit import _label
    from ordercli.domain import ItemIn

    label = _label(ItemIn(sku="PRINT-HARBOUR", name="Harbour at dawn printable download, A3", quantity=2, unit_price=1250), "EUR")
    assert label.startswith("PRINT-HARBOUR × 2 at €12.50 — Harbour")


@pytest.mark.parametrize("columns,meta_in_entry", [("60", True), ("120", False)])
def test_the_item_menu_keeps_price_and_stock_on_a_narrow_terminal(shop, monkeypatch, columns, meta_in_entry):
    from prompt_toolkit.document import Document

    monkeypatch.setenv("COLUMNS", columns)
    completer = wizard.ProductCompleter(wizard.Queries(shop), "EUR", {})
    (c,) = list(completer.get_completions(Document("mug"), None))
    shown = "".join(text for _, text in c.display) + " " + "".join(text for _, text in c.display_meta)
    assert "€18.00 · 3 left" in shown  # always there…
    assert ("3 left" in "".join(text for _, text in c.display)) == meta_in_entry  # …in the entry itself when narrow
