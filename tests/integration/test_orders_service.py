"""``services.orders.place_order`` and friends, on SQLite and PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ordercli import db
from ordercli.domain import Address, CustomerIn, ItemIn, OrderDraft, ShippingIn
from ordercli.errors import InputError, NotFoundError, OutOfStockError, RefusedError
from ordercli.models import Customer, Order, OrderEvent, OrderLine, Product, StockMovement
from ordercli.pricing import Adjustment
from ordercli.services import catalog, common, config, orders


# ----------------------------------------------------------------- helpers


def add_product(engine, sku, price, stock=None, tax_rate=None, name=None):
    with db.write_session(engine) as s:
        result = catalog.add_product(s, sku=sku, name=name or f"Product {sku}", price=price, stock=stock, tax_rate=tax_rate)
        s.commit()
        return result


def set_config(engine, key, value):
    with db.write_session(engine) as s:
        config.set_value(s, key, value)
        s.commit()


def make_draft(*items, name="Ana Lima", email="ana@example.com", phone=None, **kw) -> OrderDraft:
    built = []
    for it in items:
        if isinstance(it, ItemIn):
            built.append(it)
        else:
            sku, qty = it
            built.append(ItemIn(sku=sku, quantity=qty))
    return OrderDraft(customer=CustomerIn(name=name, email=email, phone=phone), items=built, **kw)


def place(engine, draft):
    with db.write_session(engine) as s:
        result = orders.place_order(s, draft)
        s.commit()
        return result


def stock_of(engine, sku):
    with db.read_session(engine) as s:
        return common.get_product(s, sku).stock


def ledger(engine, sku):
    with db.read_session(engine) as s:
        p = common.get_product(s, sku)
        return list(s.exec(select(StockMovement).where(StockMovement.product_id == p.id).order_by(StockMovement.id)).all())


def count(engine, model):
    with db.read_session(engine) as s:
        return s.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def next_number(engine):
    with db.read_session(engine) as s:
        return common.peek_counter(s, "order")


def assert_ledger_matches_stock(engine):
    with db.read_session(engine) as s:
        for p in s.exec(select(Product)).all():
            total = s.execute(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == p.id)).scalar()
            assert (p.stock or 0) == total, f"{p.sku}: stock {p.stock} != ledger {total}"
            last = s.exec(select(StockMovement).where(StockMovement.product_id == p.id).order_by(StockMovement.id.desc())).first()
            if last is not None:
                assert last.stock_after == (p.stock or 0), p.sku


@pytest.fixture
def shop(engine):
    add_product(engine, "MUG-01", 1800, stock=12, tax_rate=2000, name="Blue mug")
    add_product(engine, "BOWL-02", 3400, stock=5, tax_rate=2000, name="Ramen bowl")
    add_product(engine, "VASE-03", 4500, stock=1, tax_rate=2000, name="Tall vase")
    add_product(engine, "ZINE-04", 500, stock=None, tax_rate=0, name="Craft zine")  # untracked
    return engine


# ----------------------------------------------------------------- placing


def test_a_new_order_awaits_payment_and_processing(shop):
    placed = place(shop, make_draft(("MUG-01", 2)))
    o = placed.order
    assert placed.created
    assert o.payment_status == "AWAITING_PAYMENT"
    assert o.fulfillment_status == "AWAITING_PROCESSING"
    assert o.number == "1001"
    assert o.item_count == 2
    assert o.total == 3600
    assert o.currency == "EUR"
    assert o.version == 1
    assert o.stock_held is True
    assert o.created_at.tzinfo is not None


def test_stored_totals_equal_the_preview_totals(shop):
    def full_draft():
        return make_draft(
            ("MUG-01", 3),
            ("BOWL-02", 1),
            ItemIn(name="Gift wrap", unit_price=250, quantity=2),
            ("ZINE-04", 1),
            discount=Adjustment(percent=1250),
            surcharges=[Adjustment(percent=150, label="Card fee"), Adjustment(amount=300, label="Rush")],
            tip=175,
            shipping=ShippingIn(method="Colissimo", cost=690, address=Address("Ana", "1 rue X", "Lyon", "69001", "fr")),
            billing=Address(name="Ana SARL", city="Lyon", country="FR"),
            payment_method="Cash",
            note="Leave at the door",
            staff_note="Regular",
        )

    from ordercli.uow import preview as run_and_roll_back

    preview = run_and_roll_back(shop, lambda s: orders.place_order(s, full_draft()).priced)
    assert count(shop, Order) == 0  # previewing writes nothing
    assert stock_of(shop, "MUG-01") == 12
    assert [ln.stock_after for ln in preview.lines] == [9, 4, None, None]

    placed = place(shop, full_draft())
    t = preview.totals
    o = placed.order
    assert (o.subtotal, o.discount, o.surcharge_total, o.shipping, o.tax, o.tip, o.total) == (
        t.subtotal,
        t.discount,
        t.surcharge_total,
        t.shipping,
        t.tax,
        t.tip,
        t.total,
    )
    assert o.discount_percent == 1250
    assert o.ship_country == "FR" and o.ship_city == "Lyon" and o.shipping_method == "Colissimo"
    assert o.bill_name == "Ana SARL"
    assert (o.payment_method, o.note, o.staff_note) == ("Cash", "Leave at the door", "Regular")
    with db.read_session(shop) as s:
        d = orders.order_detail(s, o.number)
    assert [(ln.sku, ln.name, ln.quantity, ln.unit_price, ln.total, ln.discount, ln.tax) for ln in d.lines] == [
        (pl.sku, pl.name, pl.quantity, pl.unit_price, pl.total, pl.discount, pl.tax) for pl in preview.lines
    ]
    assert [ln.position for ln in d.lines] == [1, 2, 3, 4]
    assert [(x.label, x.percent, x.amount) for x in d.surcharges] == [(lbl, pct, amt) for lbl, pct, amt in preview.surcharges]
    assert sum(ln.discount for ln in d.lines) == o.discount
    assert sum(ln.tax for ln in d.lines) == o.tax


def test_catalog_price_and_tax_are_copied_onto_the_line(shop):
    placed = place(shop, make_draft(("BOWL-02", 1)))
    with db.write_session(shop) as s:  # a later price change does not touch the order
        catalog.edit_product(s, sku="BOWL-02", price=9900, tax_rate=550)
        s.commit()
    with db.read_session(shop) as s:
        d = orders.order_detail(s, placed.order.number)
    assert (d.lines[0].unit_price, d.lines[0].tax_rate, d.lines[0].tax) == (3400, 2000, 567)
    assert d.order.total == 3400


def test_custom_items_use_the_default_tax_rate(shop):
    set_config(shop, "tax.default_rate", "10")
    placed = place(shop, make_draft(ItemIn(name="Repair", unit_price=1100, quantity=1)))
    with db.read_session(shop) as s:
        line = orders.order_detail(s, placed.order.number).lines[0]
    assert line.sku is None and line.product_id is None and not line.tracked
    assert line.tax_rate == 1000 and line.tax == 100


def test_prices_excluding_tax_add_the_tax(shop):
    set_config(shop, "tax.prices_include_tax", "false")
    o = place(shop, make_draft(("MUG-01", 1))).order
    assert o.prices_include_tax is False
    assert (o.subtotal, o.tax, o.total) == (1800, 360, 2160)


def test_the_store_currency_is_used(engine):
    set_config(engine, "store.currency", "JPY")
    add_product(engine, "TEA", 1500, stock=3)
    o = place(engine, make_draft(("TEA", 2))).order
    assert o.currency == "JPY" and o.total == 3000


def test_stock_is_taken_and_written_to_the_ledger(shop):
    o = place(shop, make_draft(("MUG-01", 3), ("BOWL-02", 5))).order
    assert stock_of(shop, "MUG-01") == 9
    assert stock_of(shop, "BOWL-02") == 0
    mv = ledger(shop, "MUG-01")[-1]
    assert (mv.delta, mv.stock_after, mv.reason, mv.order_number) == (-3, 9, "sale", o.number)
    mv = ledger(shop, "BOWL-02")[-1]
    assert (mv.delta, mv.stock_after, mv.reason, mv.order_number) == (-5, 0, "sale", o.number)
    with db.read_session(shop) as s:
        lines = orders.order_detail(s, o.number).lines
    assert all(ln.tracked for ln in lines)
    assert_ledger_matches_stock(shop)


def test_the_same_sku_twice_is_one_line_and_counts_against_stock_once(shop):
    o = place(shop, make_draft(("MUG-01", 2), ("mug-01", 3))).order
    with db.read_session(shop) as s:
        lines = orders.order_detail(s, o.number).lines
    assert [(ln.sku, ln.quantity) for ln in lines] == [("MUG-01", 5)]
    assert stock_of(shop, "MUG-01") == 7
    with pytest.raises(OutOfStockError) as ei:
        place(shop, make_draft(("BOWL-02", 3), ("BOWL-02", 3)))
    assert ei.value.shortages == [("BOWL-02", 6, 5)]


def test_a_shortage_names_every_short_line_and_writes_nothing(shop):
    place(shop, make_draft(("MUG-01", 1)))  # order 1001
    before = {sku: stock_of(shop, sku) for sku in ("MUG-01", "BOWL-02", "VASE-03")}
    movements = count(shop, StockMovement)
    customers = count(shop, Customer)
    assert next_number(shop) == 1002

    draft = make_draft(("MUG-01", 2), ("BOWL-02", 6), ("VASE-03", 4), ("ZINE-04", 1), email="new@example.com")
    with pytest.raises(OutOfStockError) as ei:
        place(shop, draft)
    e = ei.value
    assert sorted(e.shortages) == [("BOWL-02", 6, 5), ("VASE-03", 4, 1)]
    assert "BOWL-02: asked 6, available 5" in e.message
    assert "VASE-03: asked 4, available 1" in e.message
    assert "MUG-01" not in e.message
    assert e.exit_code == 1
    assert e.hint is None and e.code == "stock.short"  # a fact; the CLI words the hint
    from ordercli.cli.hints import hint_for

    assert "Nothing was saved" in hint_for(e)

    assert count(shop, Order) == 1
    assert count(shop, OrderLine) == 1
    assert count(shop, OrderEvent) == 1
    assert count(shop, StockMovement) == movements
    assert count(shop, Customer) == customers
    assert {sku: stock_of(shop, sku) for sku in before} == before  # MUG-01 too: it was taken, then rolled back
    assert next_number(shop) == 1002  # the number was not consumed
    assert place(shop, make_draft(("MUG-01", 1))).order.number == "1002"
    assert_ledger_matches_stock(shop)


def test_a_product_with_no_stock_left_is_short_by_everything(shop):
    place(shop, make_draft(("VASE-03", 1)))
    with pytest.raises(OutOfStockError) as ei:
        place(shop, make_draft(("VASE-03", 1)))
    assert ei.value.shortages == [("VASE-03", 1, 0)]
    assert stock_of(shop, "VASE-03") == 0


def test_untracked_products_are_always_sellable(shop):
    o = place(shop, make_draft(("ZINE-04", 5000))).order
    assert o.total == 5000 * 500
    assert stock_of(shop, "ZINE-04") is None
    assert ledger(shop, "ZINE-04") == []
    with db.read_session(shop) as s:
        assert orders.order_detail(s, o.number).lines[0].tracked is False


def test_unknown_sku_is_refused_with_a_suggestion_and_writes_nothing(shop):
    with pytest.raises(NotFoundError) as ei:
        place(shop, make_draft(("MUG-10", 1)))
    assert "'MUG-10'" in ei.value.message
    from ordercli.cli.hints import hint_for

    assert "MUG-01" in hint_for(ei.value)
    assert count(shop, Order) == 0 and next_number(shop) == 1001


@pytest.mark.parametrize(
    "draft",
    [
        make_draft(("MUG-01", 1), email=None, phone=None),
        make_draft(("MUG-01", 1), name="   "),
        make_draft(),
        make_draft(("MUG-01", 1), discount=Adjustment(amount=1801)),
        make_draft(("MUG-01", 1), name="Ana\nLima"),
        make_draft(("MUG-01", 1), email="not-an-email"),
    ],
    ids=["no-contact", "blank-name", "no-items", "discount-too-big", "newline-name", "bad-email"],
)
def test_invalid_drafts_are_refused_and_write_nothing(shop, draft):
    with pytest.raises(InputError):
        place(shop, draft)
    assert count(shop, Order) == 0
    assert count(shop, Customer) == 0
    assert stock_of(shop, "MUG-01") == 12
    assert next_number(shop) == 1001


def test_sql_looking_text_is_stored_verbatim(shop):
    evil = "Robert'); DROP TABLE orders;--"
    o = place(shop, make_draft(("MUG-01", 1), name=evil, note="50% off_ \\ ' \" ;", payment_method="x' OR '1'='1")).order
    with db.read_session(shop) as s:
        d = orders.order_detail(s, o.number)
        assert d.order.customer_name == evil
        assert d.order.note == "50% off_ \\ ' \" ;"
        assert d.order.payment_method == "x' OR '1'='1"
        assert orders.list_orders(s, orders.OrderFilter(search="'); DROP"))[0].number == o.number
        assert orders.list_orders(s, orders.OrderFilter(search="%")) == []  # LIKE wildcards are literal
    assert count(shop, Order) == 1


# --------------------------------------------------------------- customers


def customer_id(engine, number):
    with db.read_session(engine) as s:
        return common.get_order(s, number).customer_id


def test_customers_are_found_by_email_then_by_phone(shop):
    set_config(shop, "store.phone_region", "FR")
    ana = customer_id(shop, place(shop, make_draft(("MUG-01", 1), email="ana@example.com", phone="06 12 34 56 78")).order.number)
    bea = customer_id(shop, place(shop, make_draft(("MUG-01", 1), name="Bea", email="bea@example.com", phone="+33 6 98 76 54 32")).order.number)
    assert ana != bea

    # same email (typed differently), another phone: Ana
    o = place(shop, make_draft(("MUG-01", 1), name="Ana L.", email=" ANA@Example.com ", phone="+33 7 81 23 45 67")).order
    assert customer_id(shop, o.number) == ana
    assert o.customer_name == "Ana L."  # the order keeps the name as typed
    # no email, Ana's phone in another format: Ana
    assert customer_id(shop, place(shop, make_draft(("MUG-01", 1), email=None, phone="+33612345678")).order.number) == ana
    # email wins over phone: Ana's email with Bea's phone is Ana
    assert customer_id(shop, place(shop, make_draft(("MUG-01", 1), email="ana@example.com", phone="+33698765432")).order.number) == ana
    # an unknown email with Bea's phone (Bea has another email): never merged into Bea, a new customer
    placed = place(shop, make_draft(("MUG-01", 1), email="bea.work@example.com", phone="06 98 76 54 32"))
    other = customer_id(shop, placed.order.number)
    assert other not in (ana, bea)
    assert placed.identity.reason == "phone_other_email" and [m.id for m in placed.identity.ambiguous] == [bea]
    # nobody known: a new customer
    new = customer_id(shop, place(shop, make_draft(("MUG-01", 1), name="Cy", email="cy@example.com")).order.number)
    assert new not in (ana, bea, other)
    assert count(shop, Customer) == 4
    with db.read_session(shop) as s:
        a = s.get(Customer, ana)
        assert (a.name, a.email, a.phone) == ("Ana Lima", "ana@example.com", "+33612345678")  # not overwritten


def test_an_order_never_fills_in_or_changes_the_stored_contact(shop):
    cid = customer_id(shop, place(shop, make_draft(("MUG-01", 1), email=None, phone="+33612345678")).order.number)
    placed = place(shop, make_draft(("MUG-01", 1), email="ana@example.com", phone="+33612345678"))
    assert customer_id(shop, placed.order.number) == cid  # her phone, same name, an email nobody has: her
    assert placed.identity.differs == {"email": (None, "ana@example.com")}  # said, not written
    assert placed.order.customer_email == "ana@example.com"  # the order keeps what was given
    with db.read_session(shop) as s:
        c = s.get(Customer, cid)
        assert (c.email, c.phone) == (None, "+33612345678")


def test_an_edit_giving_an_order_a_new_customer_waits_for_an_order_creating_her(shop):
    """Till A is placing an order for a new customer, Dee (not committed yet); till B edits
    another order to Dee's email meanwhile. B must wait for A and then find A's Dee, not
    create a second Dee (customers are created under the order counter)."""
    from ordercli.services import edits
    from tests.tills import Till

    other = place(shop, make_draft(("ZINE-04", 1), name="Bo", email="bo@example.com")).order.number

    def till_b():
        with db.write_session(shop) as b:
            changes = edits.EditChanges(name="Dee B.", email="dee@example.com", phone="+33612345678")
            result = edits.edit_order(b, number=other, changes=changes).order
            b.commit()
            return result

    with db.write_session(shop) as a:
        mine = orders.place_order(a, make_draft(("ZINE-04", 1), name="Dee", email="dee@example.com")).order
        b = Till(till_b)
        b.assert_waiting()
        a.commit()
    assert b.value().customer_id == mine.customer_id
    with db.read_session(shop) as s:
        dees = s.exec(select(Customer).where(Customer.email == "dee@example.com")).all()
        assert [(c.id, c.phone) for c in dees] == [(mine.customer_id, None)]  # an edit of an order never writes onto the customer


# ------------------------------------------------------------ order numbers


def test_order_numbers_are_sequential_with_prefix_and_suffix(shop):
    assert [place(shop, make_draft(("ZINE-04", 1))).order.number for _ in range(3)] == ["1001", "1002", "1003"]
    set_config(shop, "order.prefix", "FAIR-")
    set_config(shop, "order.suffix", "-B")
    o = place(shop, make_draft(("ZINE-04", 1))).order
    assert (o.number, o.seq) == ("FAIR-1004-B", 1004)
    with db.read_session(shop) as s:  # the bare number and any case find it
        assert common.get_order(s, "1004").number == "FAIR-1004-B"
        assert common.get_order(s, "fair-1004-b").number == "FAIR-1004-B"
        with pytest.raises(NotFoundError):
            common.get_order(s, "FAIR-9999")


def test_order_next_number_setting(shop):
    place(shop, make_draft(("ZINE-04", 1)))
    set_config(shop, "order.next_number", "5000")
    assert place(shop, make_draft(("ZINE-04", 1))).order.number == "5000"
    with pytest.raises(InputError, match="5000"):
        set_config(shop, "order.next_number", "4000")  # would reuse numbers
    assert place(shop, make_draft(("ZINE-04", 1))).order.number == "5001"


# ------------------------------------------------------------------ events


@pytest.mark.parametrize("door", ["flags", "wizard", "import"])
def test_a_created_event_records_the_door(shop, door):
    o = place(shop, make_draft(("MUG-01", 2), door=door)).order
    assert o.door == door
    with db.read_session(shop) as s:
        events = orders.order_detail(s, o.number).events
    assert [(e.kind, e.door) for e in events] == [("created", door)]
    assert f"({door})" in events[0].summary and "2 items" in events[0].summary and "€36.00" in events[0].summary


# ------------------------------------------------------------- idempotence


def test_the_same_external_ref_never_creates_a_second_order(shop):
    first = place(shop, make_draft(("MUG-01", 2), external_ref="form-77"))
    assert first.created
    again = place(shop, make_draft(("MUG-01", 2), external_ref="form-77"))
    assert again.created is False
    assert again.order.number == first.order.number
    assert count(shop, Order) == 1
    assert stock_of(shop, "MUG-01") == 10  # taken once
    assert len([m for m in ledger(shop, "MUG-01") if m.reason == "sale"]) == 1
    assert next_number(shop) == 1002
    other = place(shop, make_draft(("MUG-01", 1), external_ref="form-78"))
    assert other.created and other.order.number == "1002"


def test_another_order_under_a_used_reference_is_refused_not_swallowed(shop):
    first = place(shop, make_draft(("MUG-01", 2), external_ref="form-77")).order
    before = (count(shop, Order), stock_of(shop, "MUG-01"), next_number(shop))
    for other, what in [
        (make_draft(("MUG-01", 2), name="Bo", email="bo@example.com", external_ref="form-77"), "customer"),
        (make_draft(("MUG-01", 3), external_ref="form-77"), "items"),
        (make_draft(("BOWL-02", 2), external_ref="form-77"), "items"),
        (make_draft(("MUG-01", 2), ItemIn(name="Gift wrap", unit_price=200, quantity=1), external_ref="form-77"), "items"),
    ]:
        with pytest.raises(RefusedError) as ei:
            place(shop, other)
        assert f"already belongs to order {first.number}" in ei.value.message and what in ei.value.message
        assert (count(shop, Order), stock_of(shop, "MUG-01"), next_number(shop)) == before
    # a retry typed differently (case, spacing) is still the same order
    again = place(shop, make_draft(("mug-01", 2), email=" ANA@example.com", external_ref="form-77"))
    assert again.created is False and again.order.number == first.number


def test_after_an_edit_a_retry_as_first_sent_is_still_the_same_order(shop):
    from ordercli.services import edits

    first = place(shop, make_draft(("MUG-01", 2), external_ref="form-77")).order
    with db.write_session(shop) as s:
        edits.edit_order(s, number=first.number, changes=edits.EditChanges(set_qty=[("MUG-01", 1)], email="ana.lima@example.com"))
        s.commit()
    again = place(shop, make_draft(("MUG-01", 2), external_ref="form-77"))  # the script's retry, as first sent
    assert again.created is False and again.order.number == first.number


# ----------------------------------------------------------------- ledger


def test_stock_always_equals_the_sum_of_its_movements(shop):
    with db.write_session(shop) as s:
        catalog.change_stock(s, sku="MUG-01", add=5)
        s.commit()
    with db.write_session(shop) as s:
        catalog.change_stock(s, sku="BOWL-02", set_to=2)
        s.commit()
    place(shop, make_draft(("MUG-01", 4), ("BOWL-02", 2), ("ZINE-04", 3)))
    with pytest.raises(OutOfStockError):
        place(shop, make_draft(("MUG-01", 1), ("BOWL-02", 1)))
    with db.write_session(shop) as s:
        catalog.change_stock(s, sku="BOWL-02", add=7)
        s.commit()
    with db.write_session(shop) as s:
        catalog.edit_product(s, sku="VASE-03", untracked=True)
        s.commit()
    with db.write_session(shop) as s:
        catalog.edit_product(s, sku="ZINE-04", track_stock=9)
        s.commit()
    place(shop, make_draft(("ZINE-04", 2), ("BOWL-02", 7)))
    assert stock_of(shop, "MUG-01") == 13
    assert stock_of(shop, "BOWL-02") == 0
    assert stock_of(shop, "VASE-03") is None
    assert stock_of(shop, "ZINE-04") == 7
    assert_ledger_matches_stock(shop)


# ----------------------------------------------------------------- listing


def _set_created(engine, number, when):
    with db.write_session(engine) as s:
        o = common.get_order(s, number)
        o.created_at = when
        s.add(o)
        s.commit()


def test_list_filters(shop):
    set_config(shop, "store.phone_region", "FR")
    a = place(shop, make_draft(("MUG-01", 1), name="Ana Lima", email="ana@example.com")).order.number
    b = place(shop, make_draft(("BOWL-02", 1), name="Bea Costa", email="bea@example.com", phone="06 55 44 33 22")).order.number
    c = place(shop, make_draft(("ZINE-04", 1), ItemIn(name="Gift wrap", unit_price=200, quantity=1), name="Cy", email="cy@example.com")).order.number
    now = datetime.now(timezone.utc)
    _set_created(shop, a, now - timedelta(days=10))
    _set_created(shop, b, now - timedelta(days=2))
    with db.write_session(shop) as s:  # another issue owns status changes; set one directly for the filter
        s.execute(sa.update(Order).where(Order.number == b).values(payment_status="PAID", fulfillment_status="SHIPPED"))
        s.commit()

    def numbers(**kw):
        with db.read_session(shop) as s:
            return [o.number for o in orders.list_orders(s, orders.OrderFilter(**kw))]

    assert numbers() == [c, b, a]  # newest first
    assert numbers(payment_status="PAID") == [b]
    assert numbers(payment_status="AWAITING_PAYMENT") == [c, a]
    assert numbers(fulfillment_status="SHIPPED") == [b]
    assert numbers(customer="lima") == [a]
    assert numbers(customer="BEA@") == [b]
    assert numbers(customer="55 44") == [b]  # phone digits
    assert numbers(search="bowl-02") == [b]  # by SKU, any case
    assert numbers(search="zine") == [c]
    assert numbers(search=a) == [a]  # by number
    assert numbers(search="nobody") == []
    assert numbers(since=now - timedelta(days=3)) == [c, b]
    assert numbers(until=now - timedelta(days=1)) == [b, a]
    assert numbers(since=now - timedelta(days=3), until=now - timedelta(days=1)) == [b]
    assert numbers(limit=2) == [c, b]
    assert numbers(limit=2, offset=2) == [a]
    assert numbers(offset=3) == []
