"""``order pay`` and ``order refund``: money in and out of an order.

The money model (``ordercli.balance``) says what is due and what can be refunded and
settles the status after; a retry with the same reference records nothing new.
Nothing here commits: the command's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from ordercli import balance as money
from ordercli.domain import clean_text
from ordercli.errors import InputError, RefusedError
from ordercli.history_text import stored_money, stored_status
from ordercli.i18n import _
from ordercli.models import Order, Payment, utcnow
from ordercli.money import to_decimal_str
from ordercli.services import common
from ordercli.statuses import (
    GOODS_OUT,
    FulfillmentStatus,
    PaymentStatus,
)

PS = PaymentStatus
FS = FulfillmentStatus


from ordercli.services.order_rows import (
    add_event,
    held_units,
    last_method,
    lines_of,
    lock_order,
    money_text,
    queue_notifications,
    release_stock,
    closed_refusal,
    skus_of,
    write_order,
    write_payment,
    write_refund,
)


@dataclass
class PaymentResult:
    order: Order
    payment: Payment
    change: int
    status_change: tuple[str, str] | None
    messages: list = field(default_factory=list)
    repeated: bool = False  # a retry with the same reference: nothing new was recorded


def _kind_word(kind: str) -> str:
    """``payment`` / ``refund`` in the screen's language (inside a sentence)."""
    return {"payment": _("payment"), "refund": _("refund")}.get(kind, kind)


def _same_request(session: Session, order: Order, kind: str, reference: str, amount: int | None) -> Payment | None:
    """The payment or refund already recorded on this order under ``reference`` (a retried command), if any.

    The order row is locked, so two tills retrying at once find each other's row.
    The same reference with another amount is a different request: refused.
    """
    earlier = session.exec(
        select(Payment).where(Payment.order_id == order.id, Payment.kind == kind, Payment.reference == reference).order_by(Payment.id)  # type: ignore[arg-type]
    ).first()
    if earlier is None:
        return None
    if amount is not None and amount != earlier.amount:
        raise RefusedError(
            _("Reference %(reference)s was already used on order %(order)s for a %(kind)s of %(earlier)s, not %(amount)s.")
            % {"reference": repr(reference), "order": order.number, "kind": _kind_word(kind), "earlier": money_text(earlier.amount, order), "amount": money_text(amount, order)},
            _("A retry must ask for the same %(kind)s; give a new %(kind)s its own reference.") % {"kind": _kind_word(kind)},
        )
    return earlier


def record_payment(
    session: Session,
    *,
    number: str,
    amount: int | None = None,
    method: str | None = None,
    tendered: int | None = None,
    reference: str | None = None,
    expected_version: int | None = None,
    notify_customer: bool = True,
    door: str = "flags",
    method_code: str | None = None,
    settings=None,
    order: Order | None = None,
) -> PaymentResult:
    """Record a payment (default: the balance due). With ``tendered`` (cash) the change is computed.

    Payments that cover the total move AWAITING_PAYMENT/INCOMPLETE to PAID; a
    partial payment leaves the order awaiting payment. Paying more than is due
    is refused unless cash was tendered (the excess is then change).

    ``settings`` and ``order`` (:func:`sell`): already loaded, the order placed in this same transaction.
    """
    settings = settings if settings is not None else common.load_settings(session)
    order = order if order is not None else lock_order(session, number, expected_version)
    version = order.version
    reference = clean_text(reference, "reference")
    if reference:
        earlier = _same_request(session, order, "payment", reference, amount)
        if earlier is not None:  # a retry: nothing new is recorded
            return PaymentResult(order=order, payment=earlier, change=earlier.change or 0, status_change=None, repeated=True)
    b = order.balance
    if b.closed:
        raise closed_refusal(order, "take a payment")
    due = b.due
    if due <= 0:
        raise RefusedError(
            _("Nothing is due on order %(order)s (total %(total)s, paid %(paid)s).") % {"order": order.number, "total": money_text(b.total, order), "paid": money_text(b.paid, order)},
            code="pay.nothing_due",
            order=order.number,
        )
    if amount is not None and amount <= 0:
        raise InputError(_("The amount must be more than 0."), code="pay.amount", due=money_text(due, order))
    if tendered is not None and tendered <= 0:
        raise InputError(_("The amount tendered must be more than 0."), code="pay.tendered")
    change = 0
    if tendered is not None:
        applied = amount if amount is not None else min(due, tendered)
        applied = min(applied, due)  # with cash, anything above the balance is change
        if tendered < applied:
            raise InputError(
                _("Tendered %(tendered)s is less than the amount %(amount)s.") % {"tendered": money_text(tendered, order), "amount": money_text(applied, order)},
                code="pay.tendered_short",
                applied=money_text(applied, order),
            )
        change = tendered - applied
    else:
        applied = amount if amount is not None else due
        if applied > due:
            raise RefusedError(
                _("%(amount)s is more than the balance due on order %(order)s (%(due)s).") % {"amount": money_text(applied, order), "order": order.number, "due": money_text(due, order)},
                code="pay.too_much",
                due=money_text(due, order),
                asked=to_decimal_str(applied, order.currency),
            )
    method = clean_text(method, "payment method") or order.payment_method
    now = utcnow()
    after = b.with_payment(applied)
    old = order.payment_status
    new = money.settle(after, old)
    pay = write_payment(
        session, order, amount=applied, method=method, tendered=tendered, change=change if tendered is not None else None, reference=reference,
        note=f"balance due {stored_money(after.due, order.currency)}", door=door, at=now, method_code=method_code,
    )
    values: dict = {"paid": after.paid}
    if new != old:
        values["payment_status"] = new
    write_order(session, order, version, values)
    status_change = None
    if new != old:
        status_change = (old, new)
        add_event(session, order, "status", f"Payment: {stored_status(old)} → {stored_status(new)}", door, at=now)
    messages = queue_notifications(session, order, trigger="payment", settings=settings, notify_customer=notify_customer, extra={"amount": applied, "payment": status_change})
    session.flush()
    return PaymentResult(order=order, payment=pay, change=change, status_change=status_change, messages=messages)


@dataclass
class RefundResult:
    order: Order
    refund: Payment
    full: bool
    restocked: dict[int, int]
    skus: dict[int, str]
    status_change: tuple[str, str] | None
    messages: list = field(default_factory=list)
    from_version: int = 0
    repeated: bool = False  # a retry with the same reference: nothing new was recorded


def refund_order(
    session: Session,
    *,
    number: str,
    amount: int | None = None,
    restock: bool | None = None,
    restock_items: list[tuple[str, int | None]] | None = None,
    reason: str | None = None,
    method: str | None = None,
    reference: str | None = None,
    expected_version: int | None = None,
    notify_customer: bool = True,
    door: str = "flags",
    method_code: str | None = None,
) -> RefundResult:
    """Give money back (default: all of it).

    A full refund moves the order to REFUNDED and gives its stock back unless
    ``restock=False``; a partial one moves it to PARTIALLY_REFUNDED and gives
    back only the ``restock_items`` named ([(SKU, qty or None for all held)]).
    """
    settings = common.load_settings(session)
    order = lock_order(session, number, expected_version)
    version = order.version
    restock_items = list(restock_items or [])
    if restock_items and restock is False:
        raise InputError(_("Keeping all the stock out and returning some of it contradict each other."), code="refund.restock_conflict")
    reference = clean_text(reference, "reference")
    if reference:
        earlier = _same_request(session, order, "refund", reference, amount)
        if earlier is not None:  # a retry: nothing new is recorded
            return RefundResult(order=order, refund=earlier, full=False, restocked={}, skus={}, status_change=None, from_version=version, repeated=True)
    b = order.balance
    kept = b.kept
    if kept <= 0:
        if order.paid <= 0:
            raise RefusedError(_("Nothing was paid on order %(order)s, so there is nothing to refund.") % {"order": order.number}, code="refund.nothing_paid", order=order.number)
        raise RefusedError(_("Order %(order)s is already refunded in full (%(refunded)s).") % {"order": order.number, "refunded": money_text(order.refunded, order)}, code="refund.done", order=order.number)
    if amount is None:
        amount = kept
    if amount <= 0:
        raise InputError(_("The refund amount must be more than 0."), code="refund.amount", kept=money_text(kept, order))
    if amount > kept:
        raise RefusedError(
            _("%(amount)s is more than was paid on order %(order)s (%(kept)s can be refunded).") % {"amount": money_text(amount, order), "order": order.number, "kept": money_text(kept, order)},
            _("Refund at most %(kept)s.") % {"kept": money_text(kept, order)},
        )
    full = amount == kept
    old = order.payment_status
    if old == PS.CANCELLED.value and not full:
        raise RefusedError(
            _("Order %(order)s is cancelled: refund what was paid in full (%(kept)s).") % {"order": order.number, "kept": money_text(kept, order)},
            code="refund.cancelled_partial",
            order=order.number,
        )
    if not full and restock is True and not restock_items:
        raise InputError(_("A partial refund restocks only the lines you name."), code="refund.partial_restock")
    # A full refund calls the order off (Refunded); otherwise the money model settles the status
    # (a refunded overpayment leaves a paid order Paid).
    after = b.with_refund(amount, close=full)
    new = money.settle(after, old)
    reason = clean_text(reason, "reason", max_len=2000)
    method = clean_text(method, "payment method") or last_method(session, order)

    restocked: dict[int, int] = {}
    stock_held = order.stock_held
    if restock_items:
        held = held_units(session, order) if stock_held else {}
        lines = lines_of(session, order)
        wanted: dict[int, int] = {}
        for sku, qty in restock_items:
            ln = next((x for x in lines if x.sku and x.sku.upper() == sku.strip().upper()), None)
            if ln is None or ln.product_id is None:
                on_order = ", ".join(x.sku for x in lines if x.sku) or _("none")
                raise InputError(
                    _("No catalog line %(sku)s on this order to restock.") % {"sku": repr(sku)}, _("Catalog lines on the order: %(lines)s.") % {"lines": on_order}
                )
            have = held.get(ln.product_id, 0) - wanted.get(ln.product_id, 0)
            q = have if qty is None else qty
            if have <= 0 or q > have:
                raise RefusedError(
                    _("Cannot restock %(quantity)s of %(sku)s: the order holds %(held)s unit(s) of it in stock terms.") % {"quantity": q, "sku": ln.sku, "held": max(have, 0)},
                    _("Give a smaller quantity (units already returned or untracked cannot be returned again)."),
                )
            wanted[ln.product_id] = wanted.get(ln.product_id, 0) + q
        common.give_stock(session, wanted, reason="refund", order_number=order.number)
        restocked = wanted
        if full and not held_units(session, order):
            stock_held = False
    elif full and stock_held and (restock is True or (restock is None and order.fulfillment_status not in GOODS_OUT)):
        # By default a full refund takes the goods back into stock — unless they are with the
        # customer (shipped, out for delivery, delivered): then only `restock=True` does.
        restocked = release_stock(session, order, reason="refund")
        stock_held = False

    now = utcnow()
    skus = skus_of(session, restocked)
    ref = write_refund(
        session, order, amount=amount, method=method, reason=reason, restocked=restocked, skus=skus, not_restocked=full and not restocked and order.stock_held, reference=reference, door=door, at=now,
        method_code=method_code,
    )
    values: dict = {"refunded": after.refunded, "credit_refunded": after.credit_refunded}
    if new != old:
        values["payment_status"] = new
    if stock_held != order.stock_held:
        values["stock_held"] = stock_held
    write_order(session, order, version, values)
    status_change = None
    if new != old:
        status_change = (old, new)
        add_event(session, order, "status", f"Payment: {stored_status(old)} → {stored_status(new)}", door, at=now)
    messages = queue_notifications(
        session, order, trigger="refunded", settings=settings, notify_customer=notify_customer, extra={"amount": amount, "reason": reason, "payment": status_change}
    )
    session.flush()
    return RefundResult(order=order, refund=ref, full=full, restocked=restocked, skus=skus, status_change=status_change, messages=messages, from_version=version)


# ====================================================================== a sale paid at once


@dataclass
class PaymentIn:
    """One payment taken with a sale: a method (code or label, mapped strictly), an amount, cash tendered."""

    method: str
    amount: int | None = None  # None: what is still due
    tendered: int | None = None  # cash only: what the customer handed over (the change is given back)


@dataclass
class SaleResult:
    placed: object  # services.orders.PlacedOrder
    payments: list[PaymentResult] = field(default_factory=list)
    messages: list = field(default_factory=list)

    @property
    def order(self) -> Order:
        return self.placed.order  # type: ignore[attr-defined]

    @property
    def change(self) -> int:
        return sum(p.change for p in self.payments)

    @property
    def paid(self) -> int:
        return sum(p.payment.amount for p in self.payments)


def sell(
    session: Session,
    *,
    draft,
    payments: list[PaymentIn] | None = None,
    expected_total: int | None = None,
    settings=None,
) -> SaleResult:
    """Place an order and take its payments in the caller's one transaction.

    The order, its stock, its payments (ledger rows and timeline events, exactly as
    :func:`record_payment`) and its settled status are written together; a payment
    that is refused leaves nothing (the caller's unit of work rolls back). The
    customer gets one confirmation, queued last, that shows the final state: paid,
    partly paid, or how to pay. Payments in turn: each defaults to what is still due;
    cash ``tendered`` must cover its amount and the rest is change.
    """
    from ordercli import payment_methods
    from ordercli.services import orders

    settings = settings if settings is not None else common.load_settings(session)
    methods = payment_methods.of(settings)
    wanted = []
    for p in payments or []:
        code = payment_methods.resolve(p.method, methods, settings.locale)
        if p.tendered is not None and code != "cash":
            raise InputError(
                _("Only cash is tendered: %(method)s takes the exact amount.") % {"method": payment_methods.label(code, methods)}, code="sale.tendered_not_cash", method=code
            )
        wanted.append((p, code))
    placed = orders.place_order(session, draft, settings=settings, expected_total=expected_total, queue_messages=False)
    result = SaleResult(placed=placed)
    if not placed.created:  # a retry of an order already taken (same reference): nothing new
        return result
    order = placed.order
    door = draft.door
    for p, code in wanted:
        due = order.balance.due
        if due <= 0:
            raise RefusedError(
                _("Nothing is left to pay on order %(order)s: the payments before already cover %(total)s.") % {"order": order.number, "total": money_text(order.total, order)},
                code="pay.nothing_due",
                order=order.number,
            )
        amount = due if p.amount is None else p.amount
        if amount > due:
            raise RefusedError(
                _("%(amount)s is more than the balance due on order %(order)s (%(due)s).") % {"amount": money_text(amount, order), "order": order.number, "due": money_text(due, order)},
                code="pay.too_much",
                due=money_text(due, order),
                asked=to_decimal_str(amount, order.currency),
            )
        result.payments.append(
            record_payment(
                session, number=order.number, amount=amount, method=payment_methods.label(code, methods), method_code=code,
                tendered=p.tendered, notify_customer=False, door=door, settings=settings, order=order,
            )
        )
    result.messages = orders.queue_created_messages(session, order, settings=settings, notify_customer=draft.notify_customer)
    placed.messages = result.messages  # type: ignore[attr-defined]
    session.flush()
    return result
