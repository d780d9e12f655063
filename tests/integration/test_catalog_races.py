"""Two tills changing the catalog at once (SQLite and PostgreSQL).

Each test holds till A's transaction open (its work done, not committed) in the
main thread, starts till B in a thread, checks that B waits for A, commits A and
then checks the final state. SQLite serialises write transactions (BEGIN
IMMEDIATE), so it passes there by construction; the PostgreSQL half checks the
catalog's locks: one product per SKU whatever the case, stock always equal to
the sum of its ledger movements, and no "deadlock detected" between an import
and a sale.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli import db
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.errors import RefusedError
from ordercli.models import Product, StockMovement
from ordercli.services import catalog, common, orders
from tests.tills import Till as TillB


def add(engine, sku, stock=50, price=1000):
    with db.write_session(engine) as s:
        result = catalog.add_product(s, sku=sku, name=sku, price=price, stock=stock)
        s.commit()
        return result


def ledger(engine) -> dict[str, tuple[int, int]]:
    """{sku: (stock, sum of its movements)} with untracked stock counted as 0."""
    with db.read_session(engine) as s:
        out = {}
        for p in s.exec(select(Product)).all():
            total = s.execute(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == p.id)).scalar()
            out[p.sku] = (p.stock or 0, int(total))
        return out


def assert_ledger(engine) -> None:
    drift = {sku: v for sku, v in ledger(engine).items() if v[0] != v[1]}
    assert not drift, f"stock != sum(movements): {drift}"


def rows(*specs):
    """ProductRow list from (sku, price, stock) tuples, in CSV order."""
    return [catalog.ProductRow(line=i + 2, sku=sku, name=sku, price=price, stock=stock, tax_rate=None) for i, (sku, price, stock) in enumerate(specs)]


def sale_draft(*items):
    return OrderDraft(customer=CustomerIn(name="Ann", email="ann@example.com"), items=[ItemIn(sku=sku, quantity=q) for sku, q in items])


@contextmanager
def till_a(engine):
    """Till A's write transaction; services called on it do their work but their commit only flushes.

    The test commits for real with ``Session.commit(a)`` once till B is waiting.
    """
    with db.write_session(engine) as a:
        a.commit = a.flush  # type: ignore[method-assign]
        a.commit()
        yield a


# ---------------------------------------------------------------- add_product


@pytest.mark.parametrize("sku_a, sku_b", [("CUP-1", "cup-1"), ("MUG-1", "MUG-1")], ids=["other-case", "same-case"])
def test_two_tills_adding_the_same_sku_make_one_product_and_refuse_the_other(engine, sku_a, sku_b):
    with till_a(engine) as a:
        catalog.add_product(a, sku=sku_a, name="Cup", price=1000, stock=5)
        b = TillB(lambda: add(engine, sku_b, stock=7))
        b.assert_waiting()
        Session.commit(a)
    b.finish()
    assert isinstance(b.error, RefusedError), repr(b.error)
    assert "already exists" in b.error.message
    with db.read_session(engine) as s:
        found = s.exec(select(Product).where(sa.func.upper(Product.sku) == sku_a.upper())).all()
    assert [(p.sku, p.stock) for p in found] == [(sku_a, 5)]
    assert_ledger(engine)


def test_an_import_waits_for_a_till_adding_a_product_and_updates_it(engine):
    with till_a(engine) as a:
        catalog.add_product(a, sku="CUP-1", name="Cup", price=1000, stock=5)
        b = TillB(lambda: import_rows(engine, rows(("cup-1", 1200, 9), ("NEW-1", 100, 1))))
        b.assert_waiting()
        Session.commit(a)
    b.finish()
    assert b.error is None, repr(b.error)
    assert (b.result.created, b.result.updated) == (1, 1)
    with db.read_session(engine) as s:
        found = s.exec(select(Product).where(sa.func.upper(Product.sku) == "CUP-1")).all()
    assert [(p.sku, p.price, p.stock) for p in found] == [("CUP-1", 1200, 9)]
    assert_ledger(engine)


# ---------------------------------------------------------------- import vs. sale


def import_rows(engine, product_rows):
    with db.write_session(engine) as s:
        result = catalog.import_catalog(s, rows=product_rows)
        s.commit()
        return result


def test_a_sale_committed_while_an_import_runs_keeps_the_ledger(engine):
    """The import must take its stock delta from the stock after the sale, not before."""
    add(engine, "MUG", stock=50)
    add(engine, "CUP", stock=50)
    with till_a(engine) as a:
        orders.place_order(a, sale_draft(("MUG", 1), ("CUP", 2)))
        b = TillB(lambda: import_rows(engine, rows(("NEW-1", 100, 3), ("MUG", 1000, 20), ("NEW-2", 100, 4), ("CUP", 1000, 30))))
        b.assert_waiting()
        Session.commit(a)
    b.finish()
    assert b.error is None, repr(b.error)
    assert ledger(engine) == {"MUG": (20, 20), "CUP": (30, 30), "NEW-1": (3, 3), "NEW-2": (4, 4)}


def test_an_import_and_a_sale_locking_products_in_other_orders_do_not_deadlock(engine):
    """The CSV updates MUG-2 before MUG-1; a sale takes MUG-1 then MUG-2 (id order).

    Till A is part-way through a sale: it has taken MUG-1 and has yet to take MUG-2.
    Till B imports meanwhile. Had the import locked MUG-2 first (CSV order), A taking
    MUG-2 would close a cycle and PostgreSQL would abort one of them.
    """
    add(engine, "MUG-1", stock=50)
    add(engine, "MUG-2", stock=50)
    with db.read_session(engine) as s:
        ids = {p.sku: p.id for p in s.exec(select(Product)).all()}
    assert ids["MUG-1"] < ids["MUG-2"]
    csv_rows = rows(("MUG-2", 1100, 40), *[(f"NEW-{i}", 100, 1) for i in range(3)], ("MUG-1", 1100, 40))
    with till_a(engine) as a:
        common.take_stock(a, {ids["MUG-1"]: 1}, reason="sale", order_number=None, skus={})
        b = TillB(lambda: import_rows(engine, csv_rows))
        b.assert_waiting()
        common.take_stock(a, {ids["MUG-2"]: 1}, reason="sale", order_number=None, skus={})
        Session.commit(a)
    b.finish()
    assert b.error is None, repr(b.error)
    assert (b.result.created, b.result.updated) == (3, 2)
    state = ledger(engine)
    assert state["MUG-1"] == (40, 40) and state["MUG-2"] == (40, 40)
    assert_ledger(engine)


# ---------------------------------------------------------------- edit / stock vs. sale


def test_untracking_while_a_sale_commits_writes_off_the_stock_left(engine):
    add(engine, "CUP", stock=50)
    with till_a(engine) as a:
        orders.place_order(a, sale_draft(("CUP", 3)))

        def untrack():
            with db.write_session(engine) as s:
                result = catalog.edit_product(s, sku="CUP", untracked=True).stock
                s.commit()
                return result

        b = TillB(untrack)
        b.assert_waiting()
        Session.commit(a)
    b.finish()
    assert b.error is None, repr(b.error)
    assert b.result is None
    assert ledger(engine) == {"CUP": (0, 0)}
    with db.read_session(engine) as s:
        cup = common.get_product(s, "CUP")
        moves = [(m.delta, m.reason) for m in s.exec(select(StockMovement).where(StockMovement.product_id == cup.id).order_by(StockMovement.id)).all()]
    assert cup.stock is None
    assert moves == [(50, "initial"), (-3, "sale"), (-47, "untrack")]


def test_starting_to_track_on_two_tills_at_once_counts_the_stock_once(engine):
    add(engine, "CUP", stock=None)
    with till_a(engine) as a:
        catalog.edit_product(a, sku="CUP", track_stock=10)

        def track():
            with db.write_session(engine) as s:
                result = catalog.edit_product(s, sku="CUP", track_stock=4)
                s.commit()
                return result

        b = TillB(track)
        b.assert_waiting()
        Session.commit(a)
    b.finish()
    assert b.error is not None and "already tracks stock" in b.error.message, repr(b.error)
    assert ledger(engine) == {"CUP": (10, 10)}


def test_setting_stock_while_a_sale_commits_keeps_the_ledger(engine):
    add(engine, "CUP", stock=50)
    with till_a(engine) as a:
        orders.place_order(a, sale_draft(("CUP", 3)))

        def set_stock():
            with db.write_session(engine) as s:
                result = catalog.change_stock(s, sku="CUP", set_to=20).stock
                s.commit()
                return result

        b = TillB(set_stock)
        b.assert_waiting()
        Session.commit(a)
    b.finish()
    assert b.error is None, repr(b.error)
    assert b.result == 20
    assert ledger(engine) == {"CUP": (20, 20)}


def test_stop_tracking_while_a_stock_change_waits_refuses_the_change(engine):
    """Till A stops tracking CUP; till B's `product stock --add` must see that, not revive the stock."""
    add(engine, "CUP", stock=50)
    with till_a(engine) as a:
        catalog.edit_product(a, sku="CUP", untracked=True)

        def add_stock():
            with db.write_session(engine) as s:
                result = catalog.change_stock(s, sku="CUP", add=5).stock
                s.commit()
                return result

        b = TillB(add_stock)
        b.assert_waiting()
        Session.commit(a)
    b.finish()
    assert isinstance(b.error, RefusedError) and "does not track stock" in b.error.message, repr(b.error)
    assert ledger(engine) == {"CUP": (0, 0)}
