"""Helpers shared by the services: settings, counters, the stock ledger, lookups."""

from __future__ import annotations

import difflib

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli.db import fast
from ordercli.errors import NotFoundError, OutOfStockError
from ordercli.i18n import _
from ordercli.models import Counter, Order, Product, Setting, StockMovement, UTCDateTime, utcnow
from ordercli.settings import Settings
from ordercli.stock import short_lines


def load_settings(session: Session) -> Settings:
    rows = session.exec(select(Setting)).all()
    return Settings({r.key: r.value for r in rows})


# Hot statements run on the session's Connection (Core), not through Session.execute: the
# ORM layer adds ~20 µs a statement and these run a dozen times per order in batch imports.
_NEXT = sa.text("UPDATE counter SET value = value + 1 WHERE name = :n RETURNING value")


def next_in_sequence(session: Session, name: str) -> int:
    """Hand out the next number of a counter, inside the caller's transaction.

    One ``UPDATE … RETURNING``: the row stays locked until commit, so two tills
    can never receive the same number (and a rolled-back order gives its
    number back).
    """
    row = fast(session).execute(_NEXT, {"n": name}).first()
    if row is None:  # pragma: no cover - the migration seeds every counter
        session.add(Counter(name=name, value=2))
        session.flush()
        return 1
    return int(row[0]) - 1


# ------------------------------------------------------------------ lock order
#
# On PostgreSQL every write transaction takes its row locks in one global order,
# so two tills can wait for each other but never deadlock:
#
#   catalog lock (adding products)  ->  order counter  ->  order rows  ->  product rows by id
#
# SQLite needs none of this: a write transaction holds the whole store
# (BEGIN IMMEDIATE), so these helpers do nothing there.

_CATALOG_LOCK = sa.text("SELECT pg_advisory_xact_lock(727004, 0)")
_LOCK_COUNTER = sa.text("SELECT value FROM counter WHERE name = :n FOR UPDATE")
_LOCK_PRODUCTS = sa.text("SELECT id FROM product WHERE id = ANY(:ids) ORDER BY id FOR UPDATE")


def _is_pg(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


def lock_catalog(session: Session) -> None:
    """Serialise the creation of products (SKU checks are case-insensitive, the unique index is not)."""
    if _is_pg(session):
        session.connection().execute(_CATALOG_LOCK)


def lock_counter(session: Session, name: str = "order") -> None:
    """Hold a counter's row until the transaction ends.

    Every order creation takes the order counter, so this also serialises the
    check for an existing external reference with the insert of the order.
    """
    if not _is_pg(session):
        return
    tx = session.get_transaction()
    held = session.info.setdefault("ordercli_counter_locks", {})
    if held.get(name) is tx:  # already ours in this transaction (a batch places many orders)
        return
    session.connection().execute(_LOCK_COUNTER, {"n": name})
    held[name] = tx


def lock_order(session: Session, order: Order) -> Order:
    """Lock the order's row for this transaction and read it again (same object, fresh values).

    ``FOR UPDATE`` is not emitted on SQLite, whose write transaction already holds the store.
    """
    return session.exec(select(Order).where(Order.id == order.id).with_for_update().execution_options(populate_existing=True)).one()


def lock_products(session: Session, ids) -> None:
    """Lock these product rows, in id order, before a transaction touches them in another order."""
    wanted = sorted({int(i) for i in ids if i is not None})
    if wanted and _is_pg(session):
        session.connection().execute(_LOCK_PRODUCTS, {"ids": wanted})


def peek_counter(session: Session, name: str) -> int:
    row = session.get(Counter, name)
    return row.value if row else 1


_TAKE = sa.text(
    "UPDATE product SET stock = stock - :q, updated_at = :now "
    "WHERE id = :id AND stock IS NOT NULL AND stock >= :q RETURNING stock"
).bindparams(sa.bindparam("now", type_=UTCDateTime))
_INSERT_MOVES = sa.insert(StockMovement.__table__)  # type: ignore[attr-defined]
_GIVE = sa.text(
    "UPDATE product SET stock = stock + :q, updated_at = :now WHERE id = :id AND stock IS NOT NULL RETURNING stock"
).bindparams(sa.bindparam("now", type_=UTCDateTime))


def take_stock(session: Session, wanted: dict[int, int], *, reason: str, order_number: str | None, skus: dict[int, str]) -> dict[int, int]:
    """Take ``wanted`` {product_id: qty} from stock, in product-id order.

    One conditional UPDATE per product (``stock >= :q``), so stock can never go
    negative whatever other tills do. If any product falls short, raises
    :class:`OutOfStockError` naming every short line; the caller's transaction
    must then be rolled back (the session context does it). Returns the stock
    left per product. Writes one ledger movement per product.
    """
    left: dict[int, int] = {}
    short: list[tuple[str, int, int]] = []
    moves: list[dict] = []
    now = utcnow()
    conn = fast(session)
    for pid in sorted(wanted):
        qty = wanted[pid]
        if qty == 0:
            continue
        row = conn.execute(
            _TAKE,
            {"q": qty, "id": pid, "now": now},
        ).first()
        if row is None:  # the conditional UPDATE found too little: say it as the one shortage rule says it
            avail = conn.execute(sa.text("SELECT stock FROM product WHERE id = :id"), {"id": pid}).scalar()
            short += [(skus.get(pid, str(pid)), asked, have) for _, asked, have in short_lines({pid: qty}, {pid: int(avail or 0)})]
            continue
        left[pid] = int(row[0])
        moves.append(dict(product_id=pid, delta=-qty, stock_after=left[pid], reason=reason, order_number=order_number, at=now))
    if short:
        raise OutOfStockError(short)
    if moves:  # one executemany, no ORM objects (fast for batch imports)
        conn.execute(_INSERT_MOVES, moves)
    return left


def give_stock(session: Session, given: dict[int, int], *, reason: str, order_number: str | None) -> dict[int, int]:
    """Return stock {product_id: qty} (untracked products are skipped)."""
    left: dict[int, int] = {}
    now = utcnow()
    conn = session.connection()
    for pid in sorted(given):
        qty = given[pid]
        if qty == 0:
            continue
        row = conn.execute(
            _GIVE,
            {"q": qty, "id": pid, "now": now},
        ).first()
        if row is None:
            continue
        left[pid] = int(row[0])
        session.add(StockMovement(product_id=pid, delta=qty, stock_after=left[pid], reason=reason, order_number=order_number, at=now))
    return left


def get_order(session: Session, number: str) -> Order:
    text = str(number).strip()
    order = session.exec(select(Order).where(Order.number == text)).first()
    if order is None and text:
        # Accept the bare sequence number ("1042" for "FAIR-1042") and any case. Try the exact
        # numbers these most likely mean first (unique index); the OR below scans every order.
        guesses = [Order.number == text.upper()] if text.upper() != text else []
        if text.isdigit():
            s = load_settings(session)
            guesses.append(sa.and_(Order.number == f"{s.get('order.prefix')}{int(text)}{s.get('order.suffix')}", Order.seq == int(text)))
        if guesses:
            order = session.exec(select(Order).where(sa.or_(*guesses)).order_by(Order.id.desc())).first()
    if order is None and text:
        # The order's external reference (``--ref``, an import's ``order_ref``): unique.
        order = session.exec(select(Order).where(Order.external_ref == text)).first()
    if order is None and text:
        cond = [sa.func.upper(Order.number) == text.upper()]
        if text.isdigit():
            cond.append(Order.seq == int(text))
        order = session.exec(select(Order).where(sa.or_(*cond)).order_by(Order.id.desc())).first()
    if order is None:
        raise NotFoundError(_("No order %(order)s.") % {"order": repr(text)}, code="order.unknown")
    return order


def get_product(session: Session, sku: str) -> Product:
    text = str(sku).strip()
    product = session.exec(select(Product).where(Product.sku == text)).first()
    if product is None:
        product = session.exec(select(Product).where(sa.func.upper(Product.sku) == text.upper())).first()
    if product is None:
        raise unknown_sku(session, text)
    return product


def unknown_sku(session: Session, sku: str) -> NotFoundError:
    all_skus = list(session.exec(select(Product.sku)).all())
    close = difflib.get_close_matches(sku.upper(), [s.upper() for s in all_skus], n=3, cutoff=0.5)
    by_upper = {s.upper(): s for s in all_skus}
    return NotFoundError(_("Unknown SKU %(sku)s.") % {"sku": repr(sku)}, code="product.unknown", close=tuple(by_upper[c] for c in close))
