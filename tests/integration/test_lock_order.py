"""Two tills on one store: they may wait for each other, never deadlock or corrupt.

On PostgreSQL every write transaction takes its locks in one order (services.common:
order counter, then order rows, then products by id). Each test holds till A's
transaction open in this thread, runs till B in another, checks that B waits, and
then lets A finish. SQLite serialises writers (BEGIN IMMEDIATE), so tests that only
exercise row locks run on PostgreSQL.
"""

from __future__ import annotations

import psycopg
import sqlalchemy as sa
from sqlmodel import select

from ordercli import db
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.errors import InputError
from ordercli.models import Order, Product, StockMovement
from ordercli.services import edits, status_changes, catalog, common, config, orders
from ordercli.services import order_import
from ordercli.services.order_file import open_source
from tests.tills import Till


def add(engine, sku, stock):
    with db.write_session(engine) as s:
        result = catalog.add_product(s, sku=sku, name=f"Product {sku}", price=1000, stock=stock).id
        s.commit()
        return result


def draft(*items, ref=None, email="ana@example.com"):
    return OrderDraft(customer=CustomerIn(name="Ana", email=email), items=[ItemIn(sku=k, quantity=q) for k, q in items], external_ref=ref)


def place(engine, *items, ref=None):
    with db.write_session(engine) as s:
        result = orders.place_order(s, draft(*items, ref=ref)).order.number
        s.commit()
        return result


def row_is_free(pg_url: str, sql: str) -> bool:
    """Whether a third connection can lock these rows without waiting."""
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        try:
            conn.execute(sql + " FOR UPDATE NOWAIT")
            return True
        except psycopg.errors.LockNotAvailable:
            return False
        finally:
            conn.rollback()


def assert_ledger_matches_stock(engine):
    with db.read_session(engine) as s:
        for p in s.exec(select(Product)).all():
            total = s.execute(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == p.id)).scalar()
            assert (p.stock or 0) == total, p.sku


# ------------------------------------------------------------------ next number


def test_next_number_cannot_be_set_to_the_number_an_order_is_taking_right_now(engine):
    add(engine, "MUG", None)
    place(engine, ("MUG", 1))  # 1001
    with db.write_session(engine) as a:
        taking = orders.place_order(a, draft(("MUG", 1))).order.seq  # 1002, not yet committed

        def set_next():  # till B: `ordercli config set order.next_number <that number>`
            with db.write_session(engine) as s:
                result = config.set_value(s, "order.next_number", str(taking))
                s.commit()
                return result

        b = Till(set_next)
        assert b.waiting()  # B must not read the highest number while A is taking one
        a.commit()
    b.finish()
    assert isinstance(b.error, InputError) and f"above {taking}" in b.error.message
    # …so the numbering is not sent back: the next order still gets a fresh number
    assert place(engine, ("MUG", 1)).endswith(str(taking + 1))


# ------------------------------------------------------------------ references


def test_create_with_a_reference_waits_behind_an_import_holding_the_counter(pg_url):
    engine = db.get_engine(pg_url)
    add(engine, "MUG", None)
    with db.write_session(engine) as a:  # till A: an import, first order placed, counter held
        orders.place_order(a, draft(("MUG", 1), ref="FAIR-1"))
        b = Till(lambda: place(engine, ("MUG", 1), ref="FAIR-2"))  # till B retries FAIR-2 by hand
        assert b.waiting()
        # A reaches FAIR-2 in its file. With a lock per reference taken before the counter,
        # B would hold FAIR-2 while waiting for the counter: a deadlock.
        mine = orders.place_order(a, draft(("MUG", 1), ref="FAIR-2")).order.number
        a.commit()
    b.finish()
    assert b.error is None, b.error
    assert b.result == mine  # B found A's order: one order for FAIR-2
    with db.read_session(engine) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Order).where(Order.external_ref == "FAIR-2")).scalar() == 1


# ------------------------------------------------------------------ products


def test_an_import_waiting_for_a_product_holds_no_product_with_a_higher_id(pg_url, tmp_path):
    """The file sells MUG-2 first, then MUG-1; a cancel on another till holds MUG-1.

    Locking in file order, the import would hold MUG-2 while it waits for MUG-1,
    and the cancel, which needs MUG-2 next, would deadlock with it.
    """
    engine = db.get_engine(pg_url)
    one, two = add(engine, "MUG-1", 100), add(engine, "MUG-2", 100)
    victim = place(engine, ("MUG-1", 1), ("MUG-2", 1))
    path = tmp_path / "fair.csv"
    path.write_text("order_ref,name,email,sku,quantity\nF-1,Bo,bo@example.com,MUG-2,1\nF-2,Cy,cy@example.com,MUG-1,1\n")
    plan = order_import.check_file(engine, open_source(path), policy="reject-all")
    assert plan.problems == [] and plan.to_create == 2

    with db.write_session(engine) as a:  # till A cancels: gives MUG-1 back first…
        common.give_stock(a, {one: 1}, reason="test", order_number=None)
        b = Till(lambda: order_import.import_file(engine, open_source(path), plan))
        assert b.waiting()
        assert row_is_free(pg_url, f"SELECT id FROM product WHERE id = {two}")  # the import waits holding nothing of ours
        a.rollback()
    b.finish()
    assert b.error is None, b.error
    assert b.result.created == 2
    with db.write_session(engine) as s:  # and a real cancel afterwards still works
        status_changes.cancel_order(s, number=victim)
        s.commit()
    assert_ledger_matches_stock(engine)


def test_an_edit_that_gives_back_one_product_and_takes_another_locks_them_in_id_order(pg_url):
    engine = db.get_engine(pg_url)
    one, two = add(engine, "MUG-1", 100), add(engine, "MUG-2", 100)
    number = place(engine, ("MUG-2", 2))
    with db.write_session(engine) as a:  # till A sells MUG-1 (row locked, not committed)
        common.take_stock(a, {one: 1}, reason="sale", order_number=None, skus={one: "MUG-1"})

        def edit():  # till B: MUG-2 2 -> 1 (gives product 2 back) and adds MUG-1 (takes product 1)
            with db.write_session(engine) as s:
                changes = edits.EditChanges(set_qty=[("MUG-2", 1)], add_items=[ItemIn(sku="MUG-1", quantity=1)])
                result = edits.edit_order(s, number=number, changes=changes)
                s.commit()
                return result

        b = Till(edit)
        assert b.waiting()
        # giving 2 back before locking 1 would hold product 2 now, and A, selling MUG-2
        # next, would deadlock with B
        assert row_is_free(pg_url, f"SELECT id FROM product WHERE id = {two}")
        common.take_stock(a, {two: 1}, reason="sale", order_number=None, skus={two: "MUG-2"})
        a.commit()
    b.finish()
    assert b.error is None, b.error
    with db.read_session(engine) as s:
        assert {p.sku: p.stock for p in s.exec(select(Product)).all()} == {"MUG-1": 98, "MUG-2": 98}
