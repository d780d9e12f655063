"""What every change to an existing order shares: the locked row, the versioned write, timeline events, held stock, payment and refund rows.

* the order row is read first with ``FOR UPDATE`` (PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
  already serialises writers), so two tills acting on one order queue up;
* the order is written with a version check (``UPDATE … WHERE id AND version = :expected``),
  and a version that moved on is refused with :class:`ConflictError`, nothing written;
* stock moves only through :func:`common.take_stock` / :func:`common.give_stock`;
  which units an order holds is read from the stock ledger itself (the movements
  that carry its number), so giving stock back happens once, however often asked;
* payments and refunds are written only by :func:`write_payment` / :func:`write_refund`.

Nothing here commits: the command's unit of work does (``ordercli.uow``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli import balance as money
from ordercli.errors import ConflictError, OutOfStockError, RefusedError
from ordercli.i18n import _
from ordercli.models import Order, OrderEvent, OrderLine, OrderSurcharge, Payment, Product, StockMovement, utcnow
from ordercli.history_text import stored_money
from ordercli.money import format_money
from ordercli.services import common
from ordercli.settings import Settings
from ordercli.statuses import PAYMENT_MOVES, FulfillmentStatus, PaymentStatus, words

PS = PaymentStatus
FS = FulfillmentStatus




# ====================================================================== helpers


def conflict(number: str) -> ConflictError:
    return ConflictError(_("Order %(order)s changed since you opened it; run the command again") % {"order": number}, code="order.changed", order=number)


def lock_order(session: Session, number: str, expected_version: int | None = None) -> Order:
    """Find the order and lock its row for this transaction; check the version if one is expected."""
    order = common.lock_order(session, common.get_order(session, number))
    if expected_version is not None and order.version != expected_version:
        raise conflict(order.number)
    return order


def write_order(session: Session, order: Order, expected_version: int, values: dict) -> Order:
    """``UPDATE orders SET …, version = version + 1 WHERE id AND version = expected``; refuse if nothing matched."""
    table = Order.__table__  # type: ignore[attr-defined]
    values = dict(values)
    values.setdefault("updated_at", utcnow())
    res = session.execute(
        sa.update(table)
        .where(table.c.id == order.id, table.c.version == expected_version)
        .values(version=table.c.version + 1, **values)
    )
    if res.rowcount != 1:
        raise conflict(order.number)
    session.refresh(order)
    return order


def add_event(session: Session, order: Order, kind: str, summary: str, door: str | None, at=None) -> OrderEvent:
    ev = OrderEvent(order_id=order.id, at=at or utcnow(), kind=kind, door=door, summary=summary)  # type: ignore[arg-type]
    session.add(ev)
    return ev


def held_units(session: Session, order: Order) -> dict[int, int]:
    """Units of each product this order holds now, read from the stock ledger (−Σ deltas with its number)."""
    pids = [pid for pid in session.exec(select(OrderLine.product_id).where(OrderLine.order_id == order.id)).all() if pid is not None]
    if not pids:
        return {}
    rows = session.execute(
        sa.select(StockMovement.product_id, sa.func.sum(StockMovement.delta))
        .where(StockMovement.product_id.in_(sorted(set(pids))), StockMovement.order_number == order.number)  # type: ignore[union-attr]
        .group_by(StockMovement.product_id)
    ).all()
    return {int(pid): -int(total) for pid, total in rows if -int(total) > 0}


def lines_of(session: Session, order: Order) -> list[OrderLine]:
    return list(session.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)).all())


def surcharges_of(session: Session, order: Order) -> list[OrderSurcharge]:
    return list(session.exec(select(OrderSurcharge).where(OrderSurcharge.order_id == order.id).order_by(OrderSurcharge.position)).all())


def skus_of(session: Session, pids) -> dict[int, str]:
    pids = list(pids)
    if not pids:
        return {}
    return {p.id: p.sku for p in session.exec(select(Product).where(Product.id.in_(pids))).all()}  # type: ignore[union-attr, misc]


def units_text(moved: dict[int, int], skus: dict[int, str]) -> str:
    """``{product_id: qty}`` -> "MUG-01 ×2, CARD ×1" (timeline summaries and CLI messages)."""
    return ", ".join(f"{skus.get(pid, pid)} ×{q}" for pid, q in sorted(moved.items()) if q)


def release_stock(session: Session, order: Order, *, reason: str) -> dict[int, int]:
    """Give back every unit the order holds (per the ledger). Returns {product_id: qty} given."""
    held = held_units(session, order)
    if not held:
        return {}
    common.give_stock(session, held, reason=reason, order_number=order.number)
    return held


def retake_stock(session: Session, order: Order, *, reason: str = "reopen") -> dict[int, int]:
    """Take the order's tracked quantities again (reopening). Clean OutOfStockError if short."""
    wanted: dict[int, int] = {}
    for ln in lines_of(session, order):
        if ln.product_id is not None:
            wanted[ln.product_id] = wanted.get(ln.product_id, 0) + ln.quantity
    if not wanted:
        return {}
    tracked = {p.id: p for p in session.exec(select(Product).where(Product.id.in_(list(wanted)), Product.stock.is_not(None))).all()}  # type: ignore[union-attr]
    wanted = {pid: q for pid, q in wanted.items() if pid in tracked}
    try:
        common.take_stock(session, wanted, reason=reason, order_number=order.number, skus={pid: p.sku for pid, p in tracked.items()})
    except OutOfStockError as e:
        raise OutOfStockError(e.shortages, code="stock.short.reopen", order=order.number) from None
    return wanted


def queue_notifications(session: Session, order: Order, *, trigger: str, settings: Settings, notify_customer: bool, extra: dict | None = None) -> list:
    from ordercli import notify

    return list(notify.queue_order_messages(session, order, trigger=trigger, settings=settings, notify_customer=notify_customer, extra=extra) or [])


def money_text(v: int, order: Order) -> str:
    return format_money(v, order.currency)


def closed_refusal(order: Order, what: str) -> RefusedError:
    """``Order 1001 is cancelled: it cannot {what}.`` — with the move that reopens it, as a fact."""
    to = PS.AWAITING_PAYMENT.value
    if not isinstance(money.plan_move(order.balance, order.payment_status, to, PAYMENT_MOVES), money.Move):
        to = PS.PAID.value
    facts = {"order": order.number, "status": words(order.payment_status).lower()}
    worded = {
        "take a payment": _("Order %(order)s is %(status)s: it cannot take a payment."),
        "be edited": _("Order %(order)s is %(status)s: it cannot be edited."),
        "be fulfilled": _("Order %(order)s is %(status)s: it cannot be fulfilled."),
    }.get(what)
    text = worded % facts if worded else f"Order {facts['order']} is {facts['status']}: it cannot {what}."
    return RefusedError(text, code="order.closed", order=order.number, reopen_to=to)

def till_fields(session: Session, method: str | None, method_code: str | None) -> dict:
    """What every payment and refund row records besides its amount: the method code, the till and its open session."""
    from ordercli import payment_methods, tills

    till = tills.current()
    return {
        "method_code": method_code or payment_methods.code_for(method),
        "till": till,
        "till_session_id": tills.open_session_id(session, till),
    }


def write_payment(
    session: Session, order: Order, *, amount: int, method: str | None, door: str | None, at, tendered: int | None = None, change: int | None = None,
    reference: str | None = None, note: str | None = None, method_code: str | None = None,
) -> Payment:
    """One payment row and its timeline event (the only place payments are written).

    ``method_code``: the ``payment.methods`` code (doors resolve what was typed); when not
    given, the code the text names, else ``other``.
    """
    pay = Payment(
        order_id=order.id, kind="payment", amount=amount, method=method, tendered=tendered, change=change, reference=reference, reason=note, at=at,  # type: ignore[arg-type]
        **till_fields(session, method, method_code),
    )
    session.add(pay)
    cur = order.currency  # the event is stored in English (history_text shows it in the screen's language)
    parts = [f"Payment {stored_money(amount, cur)}"]
    if method:
        parts.append(method)
    if tendered is not None:
        parts.append(f"tendered {stored_money(tendered, cur)}, change {stored_money(change or 0, cur)}")
    if reference:
        parts.append(f"ref {reference}")
    if note:
        parts.append(note)
    add_event(session, order, "payment", " · ".join(parts), door, at=at)
    return pay


def write_refund(
    session: Session, order: Order, *, amount: int, method: str | None, reason: str | None, door: str | None, at,
    restocked: dict[int, int] | None = None, skus: dict[int, str] | None = None, not_restocked: bool = False, reference: str | None = None,
    method_code: str | None = None,
) -> Payment:
    """One refund row and its timeline event (the only place refunds are written)."""
    ref = Payment(
        order_id=order.id, kind="refund", amount=amount, method=method, reason=reason, reference=reference, at=at,  # type: ignore[arg-type]
        **till_fields(session, method, method_code),
    )
    session.add(ref)
    text = f"Refund {stored_money(amount, order.currency)}" + (f" · {method}" if method else "") + (f" · {reason}" if reason else "")
    if restocked:
        text += " · restocked " + units_text(restocked, skus or skus_of(session, restocked))
    elif not_restocked:
        text += " · not restocked"
    add_event(session, order, "refund", text, door, at=at)
    return ref


# ====================================================================== edits


def last_method(session: Session, order: Order) -> str | None:
    last = session.exec(
        select(Payment).where(Payment.order_id == order.id, Payment.kind == "payment").order_by(Payment.id.desc())  # type: ignore[union-attr]
    ).first()
    return (last.method if last else None) or order.payment_method
