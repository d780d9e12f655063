"""``order status`` and ``order cancel``: move the statuses along the allowed moves, with their money and stock effects.

Which payment moves are allowed, and what each means (a payment or refund to record, the
order closed or reopened), is decided by the money model (``ordercli.balance.plan_move``);
this module carries it out. Nothing here commits: the command's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from ordercli import balance as money
from ordercli.domain import clean_text
from ordercli.errors import RefusedError
from ordercli.history_text import stored_money, stored_status
from ordercli.i18n import _
from ordercli.models import Order, Payment, utcnow
from ordercli.services import common
from ordercli.statuses import (
    CLOSED,
    FULFILLMENT_MOVES,
    GOODS_OUT,
    PAYMENT_MOVES,
    FulfillmentStatus,
    PaymentStatus,
    check_fulfillment_move,
    check_payment_move,
    parse_fulfillment_status,
    parse_payment_status,
    words,
)

PS = PaymentStatus
FS = FulfillmentStatus


from ordercli.services.order_rows import (
    add_event,
    last_method,
    lock_order,
    money_text,
    queue_notifications,
    release_stock,
    closed_refusal,
    retake_stock,
    skus_of,
    units_text,
    write_order,
    write_payment,
    write_refund,
)


def possible_moves(order: Order) -> tuple[list[str], list[str]]:
    """The status moves ``order status`` would accept for this order now.

    Payment moves come from the money model (:func:`ordercli.balance.allowed_moves`),
    narrowed by the goods: an order whose goods are out cannot be cancelled.
    A partial refund is never listed: it needs an amount (``order refund --amount``).
    """
    payment = [
        p for p in money.allowed_moves(order.balance, order.payment_status, PAYMENT_MOVES)
        if not (p == PS.CANCELLED.value and order.fulfillment_status in GOODS_OUT)
    ]
    closed = order.payment_status in CLOSED
    fulfillment = [
        f.value
        for f in FULFILLMENT_MOVES[FS(order.fulfillment_status)]
        if not closed or f in (FS.WILL_NOT_DELIVER, FS.RETURNED)
    ]
    return payment, fulfillment


def move_refused(order: Order, refusal: money.Refusal) -> RefusedError:
    """The words for a payment move the money model refuses."""
    old, new, b = order.payment_status, refusal.target, refusal.balance
    if refusal.reason == "not_in_table":
        try:
            check_payment_move(old, new)
        except RefusedError as e:
            return e
    if refusal.reason == "needs_amount":
        return RefusedError(_("A partial refund needs an amount."), code="move.needs_amount", order=order.number)
    if refusal.reason == "nothing_paid":
        return RefusedError(_("Nothing was paid on order %(order)s, so there is nothing to refund.") % {"order": order.number}, code="refund.nothing_paid", order=order.number)
    if refusal.reason == "already_paid":
        return RefusedError(_("Order %(order)s has payments (%(paid)s), so it cannot be Incomplete.") % {"order": order.number, "paid": money_text(b.paid, order)}, code="move.already_paid", order=order.number)
    # nothing_due
    if b.kept >= b.total > 0:
        return RefusedError(
            _("Order %(order)s is fully paid (%(kept)s of %(total)s), so it cannot await payment.") % {"order": order.number, "kept": money_text(b.kept, order), "total": money_text(b.total, order)},
            code="move.fully_paid",
            order=order.number,
        )
    options = tuple(m for m in money.allowed_moves(b, old, PAYMENT_MOVES) if m != PS.CANCELLED.value)
    to_paid = money.plan_move(b, old, PS.PAID.value, PAYMENT_MOVES)
    missing = to_paid.payment if isinstance(to_paid, money.Move) else 0
    return RefusedError(
        (
            _("Nothing is due on order %(order)s (total %(total)s, paid %(paid)s, refunded %(refunded)s: a refund is not owed back), so it cannot await payment.")
            if b.refunded
            else _("Nothing is due on order %(order)s (total %(total)s, paid %(paid)s), so it cannot await payment.")
        )
        % {"order": order.number, "total": money_text(b.total, order), "paid": money_text(b.paid, order), "refunded": money_text(b.refunded, order)},
        code="move.nothing_due",
        order=order.number,
        options=options,
        missing=money_text(missing, order) if missing else None,
    )


@dataclass
class StatusResult:
    order: Order
    changed: bool
    payment: tuple[str, str] | None = None
    fulfillment: tuple[str, str] | None = None
    tracking: tuple[str | None, str | None] | None = None
    stock_returned: dict[int, int] = field(default_factory=dict)
    stock_taken: dict[int, int] = field(default_factory=dict)
    skus: dict[int, str] = field(default_factory=dict)
    payment_recorded: Payment | None = None
    refund_recorded: Payment | None = None
    messages: list = field(default_factory=list)
    from_version: int = 0  # the version the change was made against


def change_status(
    session: Session,
    *,
    number: str,
    payment: str | PaymentStatus | None = None,
    fulfillment: str | FulfillmentStatus | None = None,
    tracking_number: str | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
    notify_customer: bool = True,
    door: str = "flags",
) -> StatusResult:
    """Move the payment and/or fulfillment status along the allowed moves, with their stock and money effects.

    * → CANCELLED gives the held stock back (fulfillment → WILL_NOT_DELIVER unless given);
    * → REFUNDED records a refund of the money kept and gives the stock back;
    * CANCELLED/REFUNDED → AWAITING_PAYMENT/PAID takes the stock again;
    * → PAID records a payment of what is still due.

    Setting a status the order already has changes nothing (and writes nothing).
    """
    settings = common.load_settings(session)
    order = lock_order(session, number, expected_version)
    version = order.version
    reason = clean_text(reason, "reason", max_len=2000)
    old_p, old_f = order.payment_status, order.fulfillment_status
    new_p = parse_payment_status(str(payment)).value if payment is not None else old_p
    new_f = parse_fulfillment_status(str(fulfillment)).value if fulfillment is not None else old_f
    new_tracking = order.tracking_number
    if tracking_number is not None:  # "" clears it
        new_tracking = clean_text(tracking_number, "tracking number") or None

    result = StatusResult(order=order, changed=False, from_version=version)
    values: dict = {}
    now = utcnow()
    notes: list[str] = []  # extra words for the status event
    paid, refunded, stock_held = order.paid, order.refunded, order.stock_held

    if new_p != old_p:
        plan = money.plan_move(order.balance, old_p, new_p, PAYMENT_MOVES)
        if isinstance(plan, money.Refusal):
            raise move_refused(order, plan)
        if plan.close:
            if new_p == PS.CANCELLED.value and old_f in GOODS_OUT and new_f in GOODS_OUT:
                raise RefusedError(
                    _("Order %(order)s is %(status)s: its goods are with the customer, so it cannot be cancelled.") % {"order": order.number, "status": words(old_f).lower()},
                    code="order.goods_out",
                    order=order.number,
                )
            if fulfillment is None and new_p == PS.CANCELLED.value:
                new_f = FS.WILL_NOT_DELIVER.value
        goods_with_customer = old_f in GOODS_OUT and new_f in GOODS_OUT  # refunded by hand: the goods stay out
        if plan.close and stock_held and not goods_with_customer:
            result.stock_returned = release_stock(session, order, reason="refund" if plan.refund else "cancel")
            stock_held = False
        if plan.refund:
            result.skus = skus_of(session, result.stock_returned)
            pay = write_refund(
                session, order, amount=plan.refund, method=last_method(session, order), reason=reason, restocked=result.stock_returned, skus=result.skus, door=door, at=now
            )
            result.refund_recorded = pay
            refunded += plan.refund
            values["refunded"] = refunded
            values["credit_refunded"] = plan.balance.credit_refunded
        if plan.reopen:
            if not stock_held:
                result.stock_taken = retake_stock(session, order, reason="reopen")
                stock_held = True
            if fulfillment is None and old_f == FS.WILL_NOT_DELIVER.value:
                new_f = FS.AWAITING_PROCESSING.value
        if plan.payment:
            pay = write_payment(session, order, amount=plan.payment, method=order.payment_method, note="recorded by a status change", door=door, at=now)
            result.payment_recorded = pay
            paid += plan.payment
            values["paid"] = paid
        if new_p == PS.CANCELLED.value and plan.balance.credit > 0:
            notes.append(f"{stored_money(plan.balance.credit, order.currency)} was paid and is owed back")
        values["payment_status"] = new_p
        result.payment = (old_p, new_p)
    if new_f != old_f:
        if fulfillment is not None:
            closed_after = new_p in CLOSED
            if closed_after and new_f not in (FS.WILL_NOT_DELIVER.value, FS.RETURNED.value):
                if new_p == old_p:
                    closed = closed_refusal(order, "be fulfilled")
                    closed.message = _("Order %(order)s is %(status)s: its fulfillment can only become WILL_NOT_DELIVER or RETURNED.") % {"order": order.number, "status": words(new_p).lower()}
                    raise closed
                raise RefusedError(
                    _("Order %(order)s would be %(status)s: its fulfillment can only become WILL_NOT_DELIVER or RETURNED.") % {"order": order.number, "status": words(new_p).lower()},
                    _("Set the payment status first."),
                )
            check_fulfillment_move(old_f, new_f)
        values["fulfillment_status"] = new_f
        result.fulfillment = (old_f, new_f)
    if (new_tracking or None) != (order.tracking_number or None):
        values["tracking_number"] = new_tracking
        result.tracking = (order.tracking_number, new_tracking)
    if stock_held != order.stock_held:
        values["stock_held"] = stock_held

    if not values:
        return result
    result.skus = skus_of(session, set(result.stock_returned) | set(result.stock_taken))
    write_order(session, order, version, values)
    parts = []
    if result.payment:
        parts.append(f"Payment: {stored_status(result.payment[0])} → {stored_status(result.payment[1])}")
    if result.fulfillment:
        parts.append(f"Fulfillment: {stored_status(result.fulfillment[0])} → {stored_status(result.fulfillment[1])}")
    if result.tracking:
        parts.append(f"Tracking number: {result.tracking[0] or '—'} → {result.tracking[1] or '—'}")
    if result.stock_returned:
        parts.append("stock returned " + units_text(result.stock_returned, result.skus))
    if result.stock_taken:
        parts.append("stock taken again " + units_text(result.stock_taken, result.skus))
    if reason and not result.refund_recorded:
        parts.append(f"reason: {reason}")
    parts += notes
    kind = "cancelled" if new_p == PS.CANCELLED.value and result.payment else ("reopened" if result.payment and old_p in CLOSED and new_p not in CLOSED else "status")
    add_event(session, order, kind, " · ".join(parts), door, at=now)

    if result.payment and new_p == PS.CANCELLED.value:
        trigger, extra = "cancelled", {"reason": reason, "payment": result.payment, "fulfillment": result.fulfillment}
    elif result.refund_recorded is not None:
        trigger, extra = "refunded", {"amount": result.refund_recorded.amount, "reason": reason, "payment": result.payment, "fulfillment": result.fulfillment}
    elif result.payment or result.fulfillment:
        trigger, extra = "status", {"payment": result.payment, "fulfillment": result.fulfillment}
    else:
        trigger, extra = None, None
    if trigger:
        result.messages = queue_notifications(session, order, trigger=trigger, settings=settings, notify_customer=notify_customer, extra=extra)
    session.flush()
    result.changed = True
    return result


def cancel_order(
    session: Session,
    *,
    number: str,
    reason: str | None = None,
    expected_version: int | None = None,
    notify_customer: bool = True,
    door: str = "flags",
) -> StatusResult:
    """Payment CANCELLED, fulfillment WILL_NOT_DELIVER, held stock returned (once).

    ``commit=False`` does everything but the commit (the CLI previews what a
    cancellation would do in a transaction it then rolls back).
    """
    return change_status(
        session,
        number=number,
        payment=PS.CANCELLED,
        fulfillment=None,
        reason=reason,
        expected_version=expected_version,
        notify_customer=notify_customer,
        door=door,
    )


# ==================================================================== payments
