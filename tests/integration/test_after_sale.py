"""After the sale, through the services, on SQLite and PostgreSQL.

Edits (re-pricing with the create pricing, stock by the difference), status
moves with their stock effects, payments, refunds, the version check, the
stock ledger and the timeline.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ordercli.cli.hints import hint_for
from ordercli import db
from ordercli.domain import Address, CustomerIn, ItemIn, OrderDraft, ShippingIn
from ordercli.errors import ConflictError, InputError, OutOfStockError, RefusedError
from ordercli.models import Outbox, Product, StockMovement
from ordercli.pricing import Adjustment, LineIn, compute_totals
from ordercli.services import edits, order_rows, payments, status_changes
from ordercli.services import catalog, common, orders

# ----------------------------------------------------------------- helpers


def add_product(engine, sku: str, price: int, stock: int | None, tax: int = 0) -> None:
    with db.write_session(engine) as s:
        catalog.add_product(s, sku=sku, name=f"Product {sku}", price=price, stock=stock, tax_rate=tax)
        s.commit()


def place(engine, *items: ItemIn, **kw) -> str:
    draft = OrderDraft(customer=CustomerIn(name="Ana Lima", email="ana@example.com"), items=list(items), **kw)
    with db.write_session(engine) as s:
        result = orders.place_order(s, draft).order.number
        s.commit()
        return result


def cat(sku: str, qty: int) -> ItemIn:
    return ItemIn(quantity=qty, sku=sku)


def stock_of(engine, sku: str) -> int | None:
    with db.read_session(engine) as s:
        return common.get_product(s, sku).stock


def ledger_sum(engine, sku: str) -> int:
    with db.read_session(engine) as s:
        p = common.get_product(s, sku)
        return int(s.execute(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == p.id)).scalar())


def movements(engine, sku: str) -> list[tuple[int, str, str | None]]:
    with db.read_session(engine) as s:
        p = common.get_product(s, sku)
        rows = s.exec(select(StockMovement).where(StockMovement.product_id == p.id).order_by(StockMovement.id)).all()
        return [(m.delta, m.reason, m.order_number) for m in rows]


def detail(engine, number: str) -> orders.OrderDetail:
    with db.read_session(engine) as s:
        return orders.order_detail(s, number)


def edit(engine, number: str, expected_version: int | None = None, **changes) -> edits.EditResult:
    with db.write_session(engine) as s:
        result = edits.edit_order(s, number=number, changes=edits.EditChanges(**changes), expected_version=expected_version)
        s.commit()
        return result


def status(engine, number: str, **kw) -> status_changes.StatusResult:
    with db.write_session(engine) as s:
        result = status_changes.change_status(s, number=number, **kw)
        s.commit()
        return result


def pay(engine, number: str, **kw) -> payments.PaymentResult:
    with db.write_session(engine) as s:
        result = payments.record_payment(s, number=number, **kw)
        s.commit()
        return result


def refund(engine, number: str, **kw) -> payments.RefundResult:
    with db.write_session(engine) as s:
        result = payments.refund_order(s, number=number, **kw)
        s.commit()
        return result


def cancel(engine, number: str, **kw) -> status_changes.StatusResult:
    with db.write_session(engine) as s:
        result = status_changes.cancel_order(s, number=number, **kw)
        s.commit()
        return result


def snapshot(engine, number: str) -> tuple:
    """Everything an attempted change must leave untouched."""
    d = detail(engine, number)
    o = d.order
    with db.read_session(engine) as s:
        stock = tuple(s.execute(sa.text("SELECT sku, stock FROM product ORDER BY sku")).all())
        moves = s.execute(sa.text("SELECT COUNT(*) FROM stock_movement")).scalar()
        outbox = s.execute(sa.text("SELECT COUNT(*) FROM outbox")).scalar()
    return (
        o.version,
        o.total,
        o.paid,
        o.refunded,
        o.payment_status,
        o.fulfillment_status,
        o.stock_held,
        o.note,
        tuple((ln.sku, ln.name, ln.quantity, ln.unit_price) for ln in d.lines),
        len(d.events),
        len(d.payments),
        stock,
        moves,
        outbox,
    )


def assert_ledger_matches(engine) -> None:
    with db.read_session(engine) as s:
        for p in s.exec(select(Product)).all():
            if p.stock is None:
                continue
            total = s.execute(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == p.id)).scalar()
            assert p.stock == total, p.sku
            assert p.stock >= 0


@pytest.fixture
def shop(engine):
    add_product(engine, "MUG", 1800, 5, tax=2000)
    add_product(engine, "TEA", 500, 10)
    add_product(engine, "CARD", 350, None)
    return engine


# ------------------------------------------------------------------- edits


def test_raising_a_quantity_takes_only_the_difference_and_own_units_count(shop):
    number = place(shop, cat("MUG", 2))
    assert stock_of(shop, "MUG") == 3
    # 2 -> 5 needs 3 more: exactly what is left (5 would fail if own units did not count).
    res = edit(shop, number, set_qty=[("MUG", 5)])
    assert res.changed
    assert stock_of(shop, "MUG") == 0
    assert movements(shop, "MUG")[-1] == (-3, "edit", number)
    d = detail(shop, number)
    assert [(ln.sku, ln.quantity) for ln in d.lines] == [("MUG", 5)]
    assert d.order.total == 5 * 1800 and d.order.item_count == 5
    assert_ledger_matches(shop)


def test_lowering_and_removing_give_stock_back(shop):
    number = place(shop, cat("MUG", 3), cat("TEA", 4))
    edit(shop, number, set_qty=[("MUG", 1)], remove=["TEA"])
    assert stock_of(shop, "MUG") == 4
    assert stock_of(shop, "TEA") == 10
    assert movements(shop, "TEA")[-1] == (4, "edit", number)
    d = detail(shop, number)
    assert [(ln.sku, ln.quantity) for ln in d.lines] == [("MUG", 1)]
    assert_ledger_matches(shop)


def test_shortage_names_the_line_the_extra_and_what_is_available_and_changes_nothing(shop):
    number = place(shop, cat("MUG", 2), cat("TEA", 1))
    before = snapshot(shop, number)
    with pytest.raises(OutOfStockError) as exc:
        edit(shop, number, set_qty=[("MUG", 6), ("TEA", 2)])  # MUG: 4 more asked, 3 available
    msg = exc.value.message
    assert "MUG" in msg and "Product MUG" in msg
    assert "4 more asked" in msg and "3 available" in msg
    assert "TEA" not in msg  # TEA is fine
    assert exc.value.exit_code == 1
    assert snapshot(shop, number) == before


def test_totals_are_the_create_pricing_of_the_new_lines(shop):
    number = place(shop, cat("MUG", 1), ItemIn(quantity=2, name="Gift wrap", unit_price=250, tax_rate=1000), discount=Adjustment(percent=1000))
    res = edit(
        shop,
        number,
        add_items=[cat("TEA", 3), ItemIn(quantity=1, name="Ribbon", unit_price=120)],
        set_price=[("MUG", 1500)],
        tip=200,
        surcharges=[Adjustment(percent=150, label="Card fee")],
    )
    o = res.order
    d = detail(shop, number)
    lines = [(ln.unit_price, ln.quantity, ln.tax_rate) for ln in d.lines]
    # The custom line keeps its price and tax rate; MUG got the override.
    assert lines == [(1500, 1, 2000), (250, 2, 1000), (500, 3, 0), (120, 1, 0)]
    expected = compute_totals(
        [LineIn(*x) for x in lines], discount=Adjustment(percent=1000), surcharges=[Adjustment(percent=150, label="Card fee")], tip=200, prices_include_tax=True
    )
    assert (o.subtotal, o.discount, o.surcharge_total, o.tax, o.tip, o.total) == (
        expected.subtotal,
        expected.discount,
        expected.surcharge_total,
        expected.tax,
        expected.tip,
        expected.total,
    )
    assert [ln.tax for ln in d.lines] == [x.tax for x in expected.lines]
    assert [s.label for s in d.surcharges] == ["Card fee"]


def test_a_line_keeps_the_tax_rate_and_name_it_was_sold_at(shop):
    number = place(shop, cat("MUG", 1))
    total = detail(shop, number).order.tax
    with db.write_session(shop) as s:
        catalog.edit_product(s, sku="MUG", name="Renamed mug", tax_rate=550, price=9900)
        s.commit()
    edit(shop, number, note="Fragile")
    d = detail(shop, number)
    assert d.order.tax == total and d.lines[0].tax_rate == 2000
    assert d.lines[0].name == "Product MUG" and d.lines[0].unit_price == 1800
    # A unit of MUG added now is one more on the same line, at the line's price.
    edit(shop, number, add_items=[cat("MUG", 1)])
    d = detail(shop, number)
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in d.lines] == [("MUG", 2, 1800)]


def test_edit_event_reads_old_to_new(shop):
    number = place(shop, cat("MUG", 2))
    edit(shop, number, set_qty=[("MUG", 3)], email="ana.lima@example.com", note="Gift", add_items=[ItemIn(quantity=1, name="Wrap", unit_price=250)])
    d = detail(shop, number)
    ev = d.events[-1]
    assert ev.kind == "edited" and ev.door == "flags"
    assert "MUG qty 2 → 3" in ev.summary
    assert "Email: ana@example.com → ana.lima@example.com" in ev.summary
    assert "Note: — → Gift" in ev.summary
    assert "Added Wrap ×1" in ev.summary
    assert "total €36.00 → €56.50" in ev.summary
    assert "stock taken MUG ×1" in ev.summary
    assert d.order.customer_email == "ana.lima@example.com"


def test_shipping_billing_and_customer_fields(shop):
    number = place(shop, cat("TEA", 1), shipping=ShippingIn(method="Colissimo", cost=490, address=Address(street="1 rue A", city="Lyon", postal_code="69001", country="FR")))
    edit(shop, number, ship=Address(city="Paris"), bill=Address(name="ACME", country="de"), shipping_cost=590, payment_method="Cash")
    o = detail(shop, number).order
    assert (o.ship_street, o.ship_city, o.ship_country, o.shipping, o.shipping_method) == ("1 rue A", "Paris", "FR", 590, "Colissimo")
    assert (o.bill_name, o.bill_country) == ("ACME", "DE")
    assert o.total == 500 + 590 and o.payment_method == "Cash"
    edit(shop, number, pickup=True)
    o = detail(shop, number).order
    assert o.pickup and o.ship_street is None
    with pytest.raises(InputError):
        edit(shop, number, email="", phone="")  # nobody to reach


def test_edit_without_any_change_writes_nothing(shop):
    number = place(shop, cat("MUG", 2))
    before = snapshot(shop, number)
    res = edit(shop, number, set_qty=[("MUG", 2)])
    assert not res.changed
    assert snapshot(shop, number) == before


def test_bad_edits_are_refused_cleanly(shop):
    number = place(shop, cat("MUG", 2))
    before = snapshot(shop, number)
    with pytest.raises(InputError, match="no such line"):
        edit(shop, number, set_qty=[("NOPE", 1)])
    with pytest.raises(InputError, match="at least one item"):
        edit(shop, number, remove=["MUG"])
    with pytest.raises(RefusedError, match="Unknown SKU"):
        edit(shop, number, add_items=[cat("MUGG", 1)])
    with pytest.raises(InputError, match="discount"):
        edit(shop, number, discount=Adjustment(amount=10_000))
    assert snapshot(shop, number) == before


@pytest.mark.parametrize("close", ["cancel", "refund"])
def test_cancelled_and_refunded_orders_cannot_be_edited(shop, close):
    number = place(shop, cat("MUG", 1))
    if close == "cancel":
        cancel(shop, number)
    else:
        pay(shop, number)
        refund(shop, number)
    before = snapshot(shop, number)
    with pytest.raises(RefusedError) as exc:
        edit(shop, number, note="x")
    assert "cannot be edited" in exc.value.message
    assert "Reopen it first" in hint_for(exc.value)
    assert snapshot(shop, number) == before


def test_raising_the_total_of_a_paid_order_makes_it_await_payment_again(shop):
    number = place(shop, cat("TEA", 2))
    pay(shop, number)
    res = edit(shop, number, add_items=[cat("TEA", 1)])
    assert res.status_change == ("PAID", "AWAITING_PAYMENT")
    assert res.order.balance_due == 500
    pay(shop, number)
    assert detail(shop, number).order.payment_status == "PAID"


# ---------------------------------------------------------------- versions


def test_every_change_bumps_the_version(shop):
    number = place(shop, cat("TEA", 2))
    versions = [detail(shop, number).order.version]
    edit(shop, number, note="a")
    versions.append(detail(shop, number).order.version)
    pay(shop, number, amount=100)
    versions.append(detail(shop, number).order.version)
    status(shop, number, fulfillment="PROCESSING")
    versions.append(detail(shop, number).order.version)
    refund(shop, number, amount=50)
    versions.append(detail(shop, number).order.version)
    cancel(shop, number)
    versions.append(detail(shop, number).order.version)
    assert versions == list(range(versions[0], versions[0] + 6))


@pytest.mark.parametrize(
    "action",
    [
        lambda e, n, v: edit(e, n, expected_version=v, set_qty=[("MUG", 3)]),
        lambda e, n, v: status(e, n, fulfillment="SHIPPED", expected_version=v),
        lambda e, n, v: cancel(e, n, expected_version=v),
        lambda e, n, v: pay(e, n, amount=100, expected_version=v),
        lambda e, n, v: refund(e, n, amount=100, expected_version=v),
    ],
    ids=["edit", "status", "cancel", "pay", "refund"],
)
def test_a_stale_version_is_refused_and_nothing_is_written(shop, action):
    number = place(shop, cat("MUG", 2))
    pay(shop, number, amount=1000)
    seen = detail(shop, number).order.version
    edit(shop, number, note="changed by the other till")  # the other till
    before = snapshot(shop, number)
    with pytest.raises(ConflictError) as exc:
        action(shop, number, seen)
    assert exc.value.message == f"Order {number} changed since you opened it; run the command again"
    assert exc.value.exit_code == 1
    assert snapshot(shop, number) == before


def test_write_order_refuses_when_the_row_moved_on(shop):
    """The conditional UPDATE itself (not only the early check) refuses a stale version."""
    number = place(shop, cat("TEA", 1))
    with db.write_session(shop) as s:
        o = common.get_order(s, number)
        with pytest.raises(ConflictError):
            order_rows.write_order(s, o, o.version + 1, {"note": "x"})
        s.rollback()
    assert detail(shop, number).order.note is None


# ---------------------------------------------------------------- statuses


def test_cancel_returns_stock_once_and_reopen_takes_it_again(shop):
    number = place(shop, cat("MUG", 2), cat("TEA", 3), cat("CARD", 1))
    res = cancel(shop, number, reason="Customer called")
    assert res.changed
    o = res.order
    assert (o.payment_status, o.fulfillment_status, o.stock_held) == ("CANCELLED", "WILL_NOT_DELIVER", False)
    assert (stock_of(shop, "MUG"), stock_of(shop, "TEA"), stock_of(shop, "CARD")) == (5, 10, None)
    # however often it is set
    assert not cancel(shop, number).changed
    assert not status(shop, number, payment="CANCELLED").changed
    assert (stock_of(shop, "MUG"), stock_of(shop, "TEA")) == (5, 10)
    assert [m for m in movements(shop, "MUG") if m[1] == "cancel"] == [(2, "cancel", number)]
    ev = detail(shop, number).events[-1]
    assert ev.kind == "cancelled" and "Customer called" in ev.summary and "stock returned MUG ×2, TEA ×3" in ev.summary

    res = status(shop, number, payment="AWAITING_PAYMENT")
    assert res.stock_taken and res.order.stock_held
    assert res.order.fulfillment_status == "AWAITING_PROCESSING"
    assert (stock_of(shop, "MUG"), stock_of(shop, "TEA")) == (3, 7)
    assert movements(shop, "MUG")[-1] == (-2, "reopen", number)
    # and a second cancellation returns it again, once
    cancel(shop, number)
    assert (stock_of(shop, "MUG"), stock_of(shop, "TEA")) == (5, 10)
    assert_ledger_matches(shop)


def test_reopening_fails_cleanly_when_the_stock_is_gone(shop):
    number = place(shop, cat("MUG", 2))
    cancel(shop, number)
    with db.write_session(shop) as s:
        catalog.change_stock(s, sku="MUG", set_to=1)
        s.commit()
    before = snapshot(shop, number)
    with pytest.raises(OutOfStockError) as exc:
        status(shop, number, payment="awaiting_payment")
    assert "MUG: asked 2, available 1" in exc.value.message
    assert "not reopened" in hint_for(exc.value)
    assert snapshot(shop, number) == before


def test_cancelling_a_paid_order_keeps_the_money_until_refunded(shop):
    number = place(shop, cat("TEA", 2))
    pay(shop, number)
    cancel(shop, number)
    o = detail(shop, number).order
    assert o.balance_due == 0 and o.paid == 1000 and o.refunded == 0
    assert "was paid and is owed back" in detail(shop, number).events[-1].summary
    with pytest.raises(RefusedError, match="in full"):
        refund(shop, number, amount=100)
    r = refund(shop, number)
    assert r.order.payment_status == "REFUNDED" and r.restocked == {}
    assert stock_of(shop, "TEA") == 10  # given back once, by the cancellation


def test_forbidden_moves_name_the_allowed_ones(shop):
    number = place(shop, cat("TEA", 1))
    pay(shop, number)
    with pytest.raises(RefusedError) as exc:
        status(shop, number, payment="INCOMPLETE")
    assert "from PAID to INCOMPLETE" in exc.value.message
    assert "PARTIALLY_REFUNDED, REFUNDED, CANCELLED" in exc.value.hint
    status(shop, number, fulfillment="DELIVERED")
    with pytest.raises(RefusedError) as exc:
        status(shop, number, fulfillment="PROCESSING")
    assert "RETURNED" in exc.value.hint


def test_goods_with_the_customer_cannot_be_cancelled(shop):
    number = place(shop, cat("MUG", 1))
    status(shop, number, fulfillment="SHIPPED", tracking_number="6A123")
    before = snapshot(shop, number)
    with pytest.raises(RefusedError, match="cannot be cancelled"):
        cancel(shop, number)
    assert snapshot(shop, number) == before
    # once they come back it can
    status(shop, number, fulfillment="RETURNED")
    cancel(shop, number)
    assert stock_of(shop, "MUG") == 5


def test_status_to_paid_records_the_payment_due(shop):
    number = place(shop, cat("TEA", 3))
    pay(shop, number, amount=500)
    res = status(shop, number, payment="PAID")
    assert res.payment_recorded is not None and res.payment_recorded.amount == 1000
    o = res.order
    assert (o.paid, o.balance_due, o.payment_status) == (1500, 0, "PAID")


def test_status_to_refunded_refunds_the_money_and_restocks(shop):
    number = place(shop, cat("MUG", 2))
    pay(shop, number)
    res = status(shop, number, payment="refunded", reason="Broken")
    assert res.refund_recorded is not None and res.refund_recorded.amount == 3600
    assert res.order.refunded == 3600 and stock_of(shop, "MUG") == 5
    # REFUNDED can only be reopened by taking the payment again
    with pytest.raises(RefusedError) as exc:
        status(shop, number, payment="AWAITING_PAYMENT")
    assert exc.value.hint.endswith("can move to: PAID.")
    res = status(shop, number, payment="PAID")
    assert res.payment_recorded.amount == 3600 and stock_of(shop, "MUG") == 3
    assert res.order.balance_due == 0


def test_unpaid_order_cannot_be_refunded_or_partially_refunded_by_status(shop):
    number = place(shop, cat("TEA", 1))
    with pytest.raises(RefusedError, match="nothing to refund"):
        status(shop, number, payment="REFUNDED")
    with pytest.raises(RefusedError, match="needs an amount"):
        status(shop, number, payment="PARTIALLY_REFUNDED")
    with pytest.raises(RefusedError, match="nothing to refund"):
        refund(shop, number)


def test_awaiting_payment_needs_a_balance(shop):
    number = place(shop, cat("TEA", 1))
    pay(shop, number)
    cancel(shop, number)
    with pytest.raises(RefusedError, match="fully paid"):
        status(shop, number, payment="AWAITING_PAYMENT")
    res = status(shop, number, payment="PAID")
    assert res.payment_recorded is None and res.order.payment_status == "PAID" and stock_of(shop, "TEA") == 9


# ---------------------------------------------------------------- payments


def test_part_payment_then_the_rest(shop):
    number = place(shop, cat("TEA", 4))  # 20.00
    res = pay(shop, number, amount=800, method="Card terminal", reference="R-1")
    assert res.order.payment_status == "AWAITING_PAYMENT" and res.order.balance_due == 1200 and res.status_change is None
    res = pay(shop, number, method="Cash", tendered=5000)
    assert res.payment.amount == 1200 and res.change == 3800 and res.payment.tendered == 5000
    o = res.order
    assert (o.paid, o.balance_due, o.payment_status) == (2000, 0, "PAID")
    d = detail(shop, number)
    assert [(p.kind, p.amount, p.method, p.change) for p in d.payments] == [("payment", 800, "Card terminal", None), ("payment", 1200, "Cash", 3800)]
    kinds = [e.kind for e in d.events]
    assert kinds[-3:] == ["payment", "payment", "status"]
    assert "tendered €50.00, change €38.00" in d.events[-2].summary


def test_overpaying_without_tendered_is_refused(shop):
    number = place(shop, cat("TEA", 1))
    before = snapshot(shop, number)
    with pytest.raises(RefusedError, match="more than the balance due"):
        pay(shop, number, amount=501)
    with pytest.raises(InputError, match="less than the amount"):
        pay(shop, number, amount=500, tendered=400)
    assert snapshot(shop, number) == before
    res = pay(shop, number, amount=2000, tendered=2000)  # cash: the excess is change
    assert res.payment.amount == 500 and res.change == 1500


def test_nothing_due_and_closed_orders_take_no_payment(shop):
    number = place(shop, cat("TEA", 1))
    pay(shop, number)
    with pytest.raises(RefusedError, match="Nothing is due"):
        pay(shop, number)
    other = place(shop, cat("TEA", 1))
    cancel(shop, other)
    with pytest.raises(RefusedError, match="cannot take a payment"):
        pay(shop, other)


# ----------------------------------------------------------------- refunds


def test_full_refund_restocks_by_default(shop):
    number = place(shop, cat("MUG", 2), cat("TEA", 1))
    pay(shop, number)
    res = refund(shop, number, reason="Changed mind")
    assert res.full and res.order.payment_status == "REFUNDED" and res.order.balance_due == 0
    assert (stock_of(shop, "MUG"), stock_of(shop, "TEA")) == (5, 10)
    assert movements(shop, "MUG")[-1] == (2, "refund", number)
    assert not res.order.stock_held
    # cancelling a refunded order is not a move; setting REFUNDED again changes nothing
    assert not status(shop, number, payment="REFUNDED").changed
    assert (stock_of(shop, "MUG"), stock_of(shop, "TEA")) == (5, 10)


def test_full_refund_without_restock(shop):
    number = place(shop, cat("MUG", 2))
    pay(shop, number)
    res = refund(shop, number, restock=False)
    assert res.order.payment_status == "REFUNDED" and stock_of(shop, "MUG") == 3
    assert "not restocked" in detail(shop, number).events[-2].summary


def test_partial_refund_does_not_touch_stock_unless_lines_are_named(shop):
    number = place(shop, cat("MUG", 3), cat("TEA", 2))
    pay(shop, number)
    res = refund(shop, number, amount=1800)
    assert res.order.payment_status == "PARTIALLY_REFUNDED" and res.restocked == {}
    assert (stock_of(shop, "MUG"), stock_of(shop, "TEA")) == (2, 8)
    res = refund(shop, number, amount=1800, restock_items=[("mug", 1)])
    assert stock_of(shop, "MUG") == 3
    with pytest.raises(InputError, match="restocks only the lines you name"):
        refund(shop, number, amount=100, restock=True)
    with pytest.raises(RefusedError, match="holds 2"):
        refund(shop, number, amount=100, restock_items=[("MUG", 3)])
    with pytest.raises(InputError, match="No catalog line"):
        refund(shop, number, amount=100, restock_items=[("CARD", 1)])
    # the rest, in full: only what the order still holds comes back (2 mugs, 2 teas)
    res = refund(shop, number)
    assert res.full and res.order.payment_status == "REFUNDED"
    assert (stock_of(shop, "MUG"), stock_of(shop, "TEA")) == (5, 10)
    assert res.order.refunded == res.order.paid
    assert_ledger_matches(shop)


def test_refunding_more_than_was_paid_is_refused(shop):
    number = place(shop, cat("TEA", 2))
    pay(shop, number, amount=600)
    before = snapshot(shop, number)
    with pytest.raises(RefusedError, match="more than was paid"):
        refund(shop, number, amount=601)
    assert snapshot(shop, number) == before
    res = refund(shop, number, amount=600)
    assert res.full and res.order.payment_status == "REFUNDED" and res.order.balance_due == 0


def test_a_partly_refunded_order_can_still_be_cancelled_once(shop):
    number = place(shop, cat("MUG", 3))
    pay(shop, number)
    refund(shop, number, amount=1800, restock_items=[("MUG", 1)])
    cancel(shop, number)
    assert stock_of(shop, "MUG") == 5  # 1 by the refund + 2 by the cancellation
    assert_ledger_matches(shop)


# ----------------------------------------------------------- notifications


def test_changes_queue_notifications_and_no_notify_keeps_the_customer_out(shop):
    number = place(shop, cat("TEA", 1))
    pay(shop, number)

    def customer_rows():
        with db.read_session(shop) as s:
            o = common.get_order(s, number)
            return [r.kind for r in s.exec(select(Outbox).where(Outbox.order_id == o.id, Outbox.audience == "customer").order_by(Outbox.id)).all()]

    before = customer_rows()
    with db.write_session(shop) as s:
        res = status_changes.cancel_order(s, number=number, reason="Sold out", notify_customer=False)
        s.commit()
    assert customer_rows() == before and all(m.audience != "customer" for m in res.messages)
    status(shop, number, payment="PAID")
    refund(shop, number, notify_customer=True)
    assert "refunded" in customer_rows()[len(before):]


# ------------------------------------------------------------------- reads


def test_timeline_and_json_carry_events_payments_and_refunds(shop):
    from ordercli import serialize

    number = place(shop, cat("TEA", 2))
    pay(shop, number, amount=400, method="Cash", tendered=500, reference="T1")
    pay(shop, number)
    refund(shop, number, amount=100, reason="Late")
    status(shop, number, fulfillment="READY_FOR_PICKUP")
    d = detail(shop, number)
    data = serialize.order_dict(d.order, d.lines, d.surcharges, events=d.events, payments=d.payments)
    assert [e["kind"] for e in data["events"]] == ["created", "payment", "payment", "status", "refund", "status", "status"]
    assert data["payments"][0] == {"amount": "4.00", "method": "Cash", "tendered": "5.00", "change": "1.00", "reference": "T1", "at": data["payments"][0]["at"]}
    assert data["refunds"][0]["amount"] == "1.00" and data["refunds"][0]["reason"] == "Late"
    assert data["balance_due"] == "0.00" and data["paid"] == "10.00" and data["refunded"] == "1.00"
    assert data["payment_status"] == "PARTIALLY_REFUNDED"


def test_held_units_follow_the_ledger(shop):
    number = place(shop, cat("MUG", 2), cat("TEA", 1))
    with db.read_session(shop) as s:
        o = common.get_order(s, number)
        held = order_rows.held_units(s, o)
        ids = {p.sku: p.id for p in s.exec(select(Product)).all()}
    assert held == {ids["MUG"]: 2, ids["TEA"]: 1}


# ------------------------------------------------- custom lines sharing a name


def wraps(engine) -> str:
    return place(engine, cat("MUG", 1), ItemIn(quantity=1, name="Wrap", unit_price=100), ItemIn(quantity=1, name="Wrap", unit_price=200))


def test_a_name_two_custom_lines_share_is_refused_until_the_line_is_named(shop):
    number = wraps(shop)
    before = snapshot(shop, number)
    for flags in ({"set_qty": [("Wrap", 3)]}, {"set_price": [("wrap", 900)]}, {"remove": ["Wrap"]}):
        with pytest.raises(InputError) as ei:
            edit(shop, number, **flags)
        assert "2 lines are called 'Wrap'" in ei.value.message
        assert "Wrap#1 (×1 at €1.00)" in ei.value.hint and "Wrap#2 (×1 at €2.00)" in ei.value.hint
    assert snapshot(shop, number) == before
    with pytest.raises(InputError, match="no such line"):
        edit(shop, number, set_qty=[("Wrap#3", 1)])


def test_the_named_line_changes_and_the_timeline_says_so(shop):
    number = wraps(shop)
    r = edit(shop, number, set_qty=[("Wrap#2", 3)])
    assert r.changed and "Wrap qty 1 → 3" in r.summary
    lines = [(ln.name, ln.quantity, ln.unit_price) for ln in detail(shop, number).lines if ln.sku is None]
    assert lines == [("Wrap", 1, 100), ("Wrap", 3, 200)]
    # alongside another change, the custom line's change is in the record too
    r = edit(shop, number, set_price=[("WRAP#1", 150)], set_qty=[("MUG", 2)])
    assert any("Wrap price €1.00 → €1.50" in piece for piece in r.summary), r.summary
    assert any("MUG qty 1 → 2" in piece for piece in r.summary)
    assert detail(shop, number).events[-1].summary.count("Wrap") == 1
    # removing one of two: only that one is reported, the other is not "changed"
    r = edit(shop, number, remove=["Wrap#1"])
    assert [p for p in r.summary if not p.startswith("total")] == ["Removed Wrap ×1"]
    assert [(ln.name, ln.quantity, ln.unit_price) for ln in detail(shop, number).lines if ln.sku is None] == [("Wrap", 3, 200)]


# ------------------------------------------- the moves listed are the moves taken


def _states(engine) -> dict[str, str]:
    """Orders in the states a shop meets, by name."""
    mk = lambda: place(engine, cat("TEA", 1))  # noqa: E731
    made = {"new": mk()}
    made["paid"] = mk()
    pay(engine, made["paid"])
    made["part-paid"] = mk()
    pay(engine, made["part-paid"], amount=200)
    made["cancelled"] = mk()
    cancel(engine, made["cancelled"])
    made["cancelled-paid"] = mk()
    pay(engine, made["cancelled-paid"])
    cancel(engine, made["cancelled-paid"])
    made["refunded"] = mk()
    pay(engine, made["refunded"])
    refund(engine, made["refunded"])
    made["part-refunded"] = mk()
    pay(engine, made["part-refunded"])
    refund(engine, made["part-refunded"], amount=100)
    made["shipped"] = mk()
    pay(engine, made["shipped"])
    status(engine, made["shipped"], fulfillment="shipped")
    made["delivered"] = mk()
    status(engine, made["delivered"], fulfillment="delivered")
    return made


def test_the_moves_order_status_lists_are_exactly_the_ones_it_accepts(shop):
    from ordercli.errors import OrderCliError
    from ordercli.statuses import FulfillmentStatus, PaymentStatus

    for state, number in _states(shop).items():
        with db.read_session(shop) as s:
            listed_p, listed_f = status_changes.possible_moves(common.get_order(s, number))
        for kind, targets, listed in (("payment", PaymentStatus, listed_p), ("fulfillment", FulfillmentStatus, listed_f)):
            current = getattr(detail(shop, number).order, f"{kind}_status")
            for target in targets:
                if target.value == current or (kind == "payment" and target == PaymentStatus.PARTIALLY_REFUNDED):
                    continue  # no move / needs an amount (`order refund --amount`), never listed
                with db.write_session(shop) as s:  # tried, never committed
                    try:
                        status_changes.change_status(s, number=number, **{kind: target.value})
                        accepted = True
                    except OrderCliError:
                        accepted = False
                    s.rollback()
                assert accepted == (target.value in listed), f"{state}: {kind} -> {target.value} accepted={accepted}, listed={listed}"


def test_an_empty_tracking_number_clears_it(shop):
    number = place(shop, cat("TEA", 1))
    status(shop, number, tracking_number="1Z999")
    assert detail(shop, number).order.tracking_number == "1Z999"
    r = status(shop, number, tracking_number="")
    assert r.changed and detail(shop, number).order.tracking_number is None


def test_several_named_lines_in_one_edit_mean_the_lines_as_shown_before_it(shop):
    number = place(shop, *(ItemIn(quantity=1, name="Gift", unit_price=p) for p in (100, 200, 300)))
    edit(shop, number, remove=["Gift#1", "Gift#2"])
    assert [ln.unit_price for ln in detail(shop, number).lines] == [300]
    number = place(shop, *(ItemIn(quantity=1, name="Gift", unit_price=p) for p in (100, 200, 300)))
    edit(shop, number, remove=["Gift#1"], set_qty=[("Gift#2", 5)])
    assert [(ln.unit_price, ln.quantity) for ln in detail(shop, number).lines] == [(200, 5), (300, 1)]


def test_a_custom_name_with_a_hash_and_digits_is_found_by_its_name(shop):
    number = place(shop, ItemIn(quantity=1, name="Poster #2", unit_price=1000), ItemIn(quantity=1, name="Card", unit_price=100))
    edit(shop, number, remove=["Poster #2"])
    assert [ln.name for ln in detail(shop, number).lines] == ["Card"]
    number = place(shop, ItemIn(quantity=1, name="Print", unit_price=500), ItemIn(quantity=1, name="Print #1", unit_price=2000))
    edit(shop, number, remove=["Print #1"])
    assert [(ln.name, ln.unit_price) for ln in detail(shop, number).lines] == [("Print", 500)]


def test_a_total_that_changed_since_the_review_is_refused_by_create_and_edit(shop):
    from ordercli.errors import PriceChangedError

    number = place(shop, cat("MUG", 1))
    before = snapshot(shop, number)
    with db.write_session(shop) as s:  # the edit wizard reviewed MUG x1 + TEA x1 at 18.00 + 5.00
        draft = edits.draft_from_order(s, common.get_order(s, number))
        s.commit()
    draft.items.append(cat("TEA", 1))
    with db.write_session(shop) as s:
        catalog.edit_product(s, sku="TEA", price=700)  # another till, meanwhile
        s.commit()
    with pytest.raises(PriceChangedError, match="€23.00 → €25.00"):
        with db.write_session(shop) as s:
            edits.edit_order(s, number=number, draft=draft, expected_total=2300)
            s.commit()
    assert snapshot(shop, number) == before  # nothing written: lines, stock, events, outbox
    with db.write_session(shop) as s:  # reviewed again: saved
        edits.edit_order(s, number=number, draft=draft, expected_total=2500)
        s.commit()
    assert detail(shop, number).order.total == 2500

    new = OrderDraft(customer=CustomerIn(name="Bo", email="bo@example.com"), items=[cat("TEA", 2)])
    with pytest.raises(PriceChangedError):
        with db.write_session(shop) as s:
            orders.place_order(s, new, expected_total=1000)  # reviewed at 2 x 5.00
            s.commit()
    assert stock_of(shop, "TEA") == 9  # nothing taken for the refused order
    with db.write_session(shop) as s:
        assert orders.place_order(s, new, expected_total=1400).order.total == 1400
        s.commit()
