"""The stock ledger across every kind of stock change, on SQLite and PostgreSQL.

Sale, edit, cancel, reopen, refund restock, ``product stock`` and catalog
import all write append-only movements; for every tracked product the stock
equals the sum of its movements and is never negative.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from ordercli import db
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.models import Product, StockMovement
from ordercli.services import edits, payments, status_changes, catalog, orders


def check_ledger(engine) -> dict[str, list[tuple[int, int, str, str | None]]]:
    out = {}
    with db.read_session(engine) as s:
        for p in s.exec(select(Product).order_by(Product.sku)).all():
            rows = s.exec(select(StockMovement).where(StockMovement.product_id == p.id).order_by(StockMovement.id)).all()
            if p.stock is not None:
                assert p.stock >= 0
                assert p.stock == sum(m.delta for m in rows), p.sku
                running = 0
                for m in rows:  # every movement records the stock right after it
                    running += m.delta
                    assert m.stock_after == running, (p.sku, m.reason)
                    assert m.at is not None and m.at.tzinfo is not None
            out[p.sku] = [(m.delta, m.stock_after, m.reason, m.order_number) for m in rows]
    return out


def test_every_stock_change_is_a_movement(engine):
    with db.read_session(engine) as s:
        from ordercli.services import common

        currency = common.load_settings(s).currency
    rows = catalog.parse_catalog_csv("sku,name,price,stock\nMUG,Blue mug,18.00,6\nTEA,Green tea,5.00,4\nZINE,Zine,3.00,\n", currency)
    with db.write_session(engine) as s:
        catalog.import_catalog(s, rows=rows)
        s.commit()
    with db.write_session(engine) as s:
        draft = OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(quantity=2, sku="MUG"), ItemIn(quantity=1, sku="TEA"), ItemIn(quantity=1, sku="ZINE")], notify_customer=False)
        number = orders.place_order(s, draft).order.number
        s.commit()
    with db.write_session(engine) as s:
        edits.edit_order(s, number=number, changes=edits.EditChanges(set_qty=[("MUG", 3), ("TEA", 1)]))
        s.commit()
    with db.write_session(engine) as s:
        payments.record_payment(s, number=number, notify_customer=False)
        s.commit()
    with db.write_session(engine) as s:
        payments.refund_order(s, number=number, amount=500, restock_items=[("TEA", 1)], notify_customer=False)
        s.commit()
    with db.write_session(engine) as s:
        status_changes.cancel_order(s, number=number, notify_customer=False)
        s.commit()
    with db.write_session(engine) as s:
        catalog.change_stock(s, sku="MUG", add=-1)
        s.commit()
    with db.write_session(engine) as s:
        status_changes.change_status(s, number=number, payment="PAID", notify_customer=False)
        s.commit()
    with db.write_session(engine) as s:
        catalog.change_stock(s, sku="TEA", set_to=9)
        s.commit()
    rows = catalog.parse_catalog_csv("sku,name,price,stock\nMUG,Blue mug,18.00,10\n", currency)
    with db.write_session(engine) as s:
        catalog.import_catalog(s, rows=rows)
        s.commit()

    ledger = check_ledger(engine)
    assert ledger["MUG"] == [
        (6, 6, "import", None),
        (-2, 4, "sale", number),
        (-1, 3, "edit", number),
        (3, 6, "cancel", number),
        (-1, 5, "adjust", None),
        (-3, 2, "reopen", number),
        (8, 10, "import", None),
    ]
    assert ledger["TEA"] == [
        (4, 4, "import", None),
        (-1, 3, "sale", number),
        (1, 4, "refund", number),
        (-1, 3, "reopen", number),
        (6, 9, "adjust", None),
    ]
    assert ledger["ZINE"] == []  # untracked: no movements
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT stock FROM product WHERE sku = 'ZINE'")).scalar() is None
