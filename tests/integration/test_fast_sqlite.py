"""The SQLite fast path (db.fast) writes exactly what SQLAlchemy would write and read back."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlmodel import select

from ordercli import db
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.models import Customer, Order, OrderEvent, OrderLine, Outbox, StockMovement
from ordercli.services import catalog, config, orders


def test_fast_path_is_the_raw_connection_on_sqlite_only(sqlite_engine):
    with db.write_session(sqlite_engine) as s:
        assert type(db.fast(s)).__name__ == "_SqliteFast"
        s.commit()


def test_values_round_trip_through_sqlalchemy(sqlite_engine):
    with db.write_session(sqlite_engine) as s:
        catalog.add_product(s, sku="MUG", name="Mug", price=1800, stock=5, tax_rate=2000)
        s.commit()
    with db.write_session(sqlite_engine) as s:
        config.set_value(s, "store.email", "owner@example.com")
        s.commit()
    with db.write_session(sqlite_engine) as s:
        placed = orders.place_order(
            s, OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(sku="MUG", quantity=2), ItemIn(name="Wrap", unit_price=250, quantity=1)])
        )
        created = placed.order.created_at
        number = placed.order.number
        s.commit()
    with db.read_session(sqlite_engine) as s:
        o = s.exec(select(Order).where(Order.number == number)).one()
        assert o.created_at == created and o.created_at.tzinfo is not None
        assert o.prices_include_tax is True and o.stock_held is True and o.pickup is False
        assert (o.subtotal, o.total, o.item_count) == (3850, 3850, 3)
        lines = s.exec(select(OrderLine).where(OrderLine.order_id == o.id).order_by(OrderLine.position)).all()
        assert [(ln.sku, ln.quantity, ln.tracked) for ln in lines] == [("MUG", 2, True), (None, 1, False)]
        move = s.exec(select(StockMovement)).all()[-1]
        assert (move.delta, move.stock_after, move.reason, move.order_number) == (-2, 3, "sale", number)
        assert move.at.tzinfo is not None and abs((move.at - created).total_seconds()) < 5
        event = s.exec(select(OrderEvent).where(OrderEvent.order_id == o.id)).one()
        assert event.at == created and event.kind == "created"
        kinds = sorted((m.kind, m.recipient) for m in s.exec(select(Outbox).where(Outbox.order_id == o.id)).all())
        assert kinds == [("confirmation", "ana@example.com"), ("new_order", "owner@example.com")]
        assert s.exec(select(Customer)).one().created_at.tzinfo is not None
    # The stored text is SQLAlchemy's own SQLite format, so range filters compare correctly.
    with sqlite_engine.connect() as c:
        raw = c.execute(sa.text("SELECT created_at FROM orders")).scalar()
    assert raw == created.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


def test_adapt():
    aware = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert db._adapt(aware) == "2026-01-02 03:04:05.000000"
    assert db._adapt(True) == 1 and db._adapt(False) == 0
    assert db._adapt(7) == 7 and db._adapt("x") == "x" and db._adapt(None) is None
