"""``store check``: facts about a store that should always hold (no CLI words here).

* SQLite ``PRAGMA integrity_check`` (:func:`sqlite_integrity`, on the file,
  before anything else reads it; PostgreSQL has no equivalent worth running
  from a till);
* stock = sum of the ledger (``stock_movement``) for every tracked product;
* every order's totals, recomputed by :func:`ordercli.pricing.compute_totals`
  from its stored lines, discount, surcharges, shipping and tip, equal the
  stored ones;
* the money model: ``paid`` / ``refunded`` equal the sums of the payment rows,
  and the stored payment status is one of ``balance.of(order).consistent()``.

Each finding is a :class:`Problem` (kind, subject, facts); the CLI words it.
Reads only: nothing is ever written or committed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from ordercli import balance
from ordercli.models import Order, OrderLine, OrderSurcharge, Payment, Product, StockMovement
from ordercli.pricing import Adjustment, LineIn, PricingError, compute_totals

#: Stored order fields compared with what pricing computes.
TOTAL_FIELDS = ("item_count", "subtotal", "discount", "surcharge_total", "tax", "total")


@dataclass(frozen=True)
class Problem:
    """``kind``: integrity | unreadable | stock | totals | pricing | payments | status | balance.

    ``subject``: the product's SKU or the order's number (empty for the file).
    ``facts``: what was found (field -> (stored, expected)), or ``detail`` text from SQLite.
    """

    kind: str
    subject: str = ""
    facts: dict = field(default_factory=dict)


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    integrity_checked: bool = False
    products: int = 0
    orders: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def sqlite_integrity(path: str, *, max_errors: int = 20) -> list[Problem]:
    """``PRAGMA integrity_check`` on the file itself (stdlib sqlite3, read-only)."""
    import sqlite3
    from urllib.parse import quote

    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=15)  # never creates a file; reads only
    except sqlite3.Error as e:
        return [Problem("integrity", "", {"detail": str(e)})]
    try:
        rows = conn.execute(f"PRAGMA integrity_check({int(max_errors)})").fetchall()
    except sqlite3.DatabaseError as e:
        return [Problem("integrity", "", {"detail": str(e)})]
    finally:
        conn.close()
    return [Problem("integrity", "", {"detail": str(r[0])}) for r in rows if str(r[0]).lower() != "ok"]


def check_store(session: Session) -> CheckReport:
    """Every product's stock against its ledger, every order's totals and money. Reads only."""
    report = CheckReport()
    for name, part in (("products", _check_stock), ("orders", _check_orders)):
        try:
            part(session, report)
        except DatabaseError as e:  # a damaged file: say what could not be read, keep going
            session.rollback()
            text = str(getattr(e, "orig", e)).strip().splitlines()
            report.problems.append(Problem("unreadable", "", {"what": name, "detail": text[0] if text else type(e).__name__}))
    return report


def _check_stock(session: Session, report: CheckReport) -> None:
    ledger = dict(session.execute(sa.select(StockMovement.product_id, sa.func.sum(StockMovement.delta)).group_by(StockMovement.product_id)).all())  # type: ignore[call-overload]
    for sku, pid, stock in session.execute(sa.select(Product.sku, Product.id, Product.stock).order_by(Product.id)).all():  # type: ignore[call-overload]
        if stock is None:
            continue
        report.products += 1
        summed = int(ledger.get(pid) or 0)
        if summed != stock:
            report.problems.append(Problem("stock", sku, {"stock": (stock, summed)}))


def _check_orders(session: Session, report: CheckReport) -> None:
    lines: dict[int, list] = defaultdict(list)
    for ln in session.execute(sa.select(OrderLine.order_id, OrderLine.unit_price, OrderLine.quantity, OrderLine.tax_rate).order_by(OrderLine.order_id, OrderLine.position)).all():  # type: ignore[call-overload]
        lines[ln[0]].append(LineIn(unit_price=ln[1], quantity=ln[2], tax_rate=ln[3]))
    surcharges: dict[int, list] = defaultdict(list)
    for oid, percent, amount, label in session.execute(
        sa.select(OrderSurcharge.order_id, OrderSurcharge.percent, OrderSurcharge.amount, OrderSurcharge.label).order_by(OrderSurcharge.order_id, OrderSurcharge.position)  # type: ignore[call-overload]
    ).all():
        surcharges[oid].append(Adjustment(percent=percent, label=label) if percent is not None else Adjustment(amount=amount, label=label))
    sums: dict[tuple[int, str], int] = {
        (oid, kind): int(total or 0)
        for oid, kind, total in session.execute(sa.select(Payment.order_id, Payment.kind, sa.func.sum(Payment.amount)).group_by(Payment.order_id, Payment.kind)).all()  # type: ignore[call-overload]
    }
    for order in session.execute(sa.select(Order).order_by(Order.id)).scalars():
        report.orders += 1
        _check_totals(order, lines.get(order.id, []), surcharges.get(order.id, []), report)
        _check_money(order, sums.get((order.id, "payment"), 0), sums.get((order.id, "refund"), 0), report)


def _check_totals(order: Order, lines: list, surcharges: list, report: CheckReport) -> None:
    discount = Adjustment.stored(order.discount_percent, order.discount)
    try:
        t = compute_totals(lines, discount=discount, surcharges=surcharges, shipping=order.shipping, tip=order.tip, prices_include_tax=order.prices_include_tax)
    except PricingError as e:
        report.problems.append(Problem("pricing", order.number, {"detail": str(e)}))
        return
    expected = {
        "item_count": sum(ln.quantity for ln in lines),
        "subtotal": t.subtotal,
        "discount": t.discount,
        "surcharge_total": t.surcharge_total,
        "tax": t.tax,
        "total": t.total,
    }
    wrong = {f: (getattr(order, f), expected[f]) for f in TOTAL_FIELDS if getattr(order, f) != expected[f]}
    if wrong:
        report.problems.append(Problem("totals", order.number, {**wrong, "currency": order.currency}))


def _check_money(order: Order, paid: int, refunded: int, report: CheckReport) -> None:
    wrong = {f: (stored, summed) for f, stored, summed in (("paid", order.paid, paid), ("refunded", order.refunded, refunded)) if stored != summed}
    if wrong:
        report.problems.append(Problem("payments", order.number, {**wrong, "currency": order.currency}))
    try:
        fits = balance.of(order).consistent()
    except ValueError:  # refunded > paid, a negative amount…
        report.problems.append(
            Problem("balance", order.number, {"total": order.total, "paid": order.paid, "refunded": order.refunded, "credit_refunded": order.credit_refunded, "currency": order.currency})
        )
        return
    if order.payment_status not in fits:
        report.problems.append(
            Problem(
                "status",
                order.number,
                {"status": order.payment_status, "fits": sorted(fits), "total": order.total, "paid": order.paid, "refunded": order.refunded, "currency": order.currency},
            )
        )
