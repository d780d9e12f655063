"""Queue messages: outbox rows written inside the transaction of the change that caused them.

:func:`queue_order_messages` asks :mod:`ordercli.notify.policy` which
messages a change calls for and writes one ``outbox`` row each
(:func:`queue_message`). A row holds the recipient, the subject, a stable
``Message-ID`` and a JSON snapshot of what the templates need (the order as it
was at that moment), so a message sent hours later still tells what happened
then. Nothing is rendered or sent here: a broken template or a dead network
can never stop an order. The same message is queued once per transaction (a
payment and the status change it causes give one receipt).

:func:`queue_resend` writes the rows of an explicit ``order notify`` (no
dedupe, whatever ``notify.on_status`` says). Nothing here commits: the
caller's unit of work does, and its commit delivers (:mod:`ordercli.notify.delivery`).
"""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

import sqlalchemy as sa
from sqlmodel import Session

from ordercli.db import fast
from ordercli.errors import NoAdminAddressError, NoCustomerEmailError
from ordercli.models import Order, OrderLine, OrderSurcharge, Outbox, utcnow
from ordercli.notify.compose import subject_for
from ordercli.notify.policy import plan_messages, recipient_for, resend_audiences, resend_kind, sender_address
from ordercli.settings import Settings

_QUEUED_KEY = "ordercli_notify_queued"


def _dedupe_key(order: Order, kind: str, audience: str, recipient: str) -> tuple:
    # "payment" receipts and a status change to PAID tell the same thing.
    k = "paid" if kind == "payment" else kind
    return (order.id, k, audience, recipient.lower())


def _queued_in_this_transaction(session: Session) -> set:
    txn = session.get_transaction()
    stored = session.info.get(_QUEUED_KEY)
    # Keyed by the transaction object itself (held, so its identity cannot be reused).
    if not stored or stored[0] is not txn:
        stored = (txn, set())
        session.info[_QUEUED_KEY] = stored
    return stored[1]


def queue_order_messages(session: Session, order: Order, *, trigger: str, settings: Settings, notify_customer: bool = True, extra: dict | None = None) -> list[Outbox]:
    rows: list[Outbox] = []
    for kind, audience, change in plan_messages(order, trigger=trigger, settings=settings, notify_customer=notify_customer, extra=extra):
        if kind == "status" and change and change.get("payment") and change["payment"][1] == "PAID" and not change.get("fulfillment"):
            kind = "payment"  # same words as the receipt; deduplicated with it
        row = queue_message(session, order, kind=kind, audience=audience, settings=settings, change=change)
        if row is not None:
            rows.append(row)
    return rows


#: ``session.info`` key: the outbox rows this transaction queued (read by ``uow.UnitOfWork.commit``).
QUEUED = "ordercli.outbox_queued"


def queue_message(
    session: Session,
    order: Order,
    *,
    kind: str,
    audience: str,
    settings: Settings,
    change: dict | None = None,
    invoice: dict | None = None,
    attachments: list[dict] | None = None,
    dedupe: bool = True,
    extra: dict | None = None,
    locale: str | None = None,
) -> Outbox | None:
    """Write one outbox row for ``order`` (inside the caller's transaction).

    Returns ``None`` when there is nobody to send it to (no customer email,
    no ``store.email``) or when the same message was already queued in this
    transaction. ``extra`` adds keys to the templates' context (``receipt``).
    """
    recipient = recipient_for(order, audience, settings)
    if not recipient:
        return None
    if dedupe:
        seen = _queued_in_this_transaction(session)
        key = _dedupe_key(order, kind, audience, recipient)
        if key in seen:
            return None
        seen.add(key)
    locale = locale or message_locale(session, order, audience, settings)  # asked for (an invoice's --language), else the reader's
    payload = {
        "v": 1,
        "kind": kind,
        "audience": audience,
        "locale": locale,
        "store": store_snapshot(settings),
        "order": order_snapshot(session, order, audience=audience),
        "change": change,
        "invoice": invoice,
        "attachments": attachments or [],
    }
    for key, value in (extra or {}).items():  # more for the templates (a receipt's text); never the keys above
        payload.setdefault(key, value)
    now = utcnow()
    values = dict(
        order_id=order.id,
        kind=kind,
        audience=audience,
        recipient=recipient,
        subject=subject_for(kind, order, settings, invoice=invoice, locale=locale),
        payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        message_id=new_message_id(settings, order),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    # A Core INSERT (no ORM unit of work): this runs once per order in batch imports.
    row_id = fast(session).execute(_INSERT_OUTBOX, values).scalar_one()
    session.info.setdefault(QUEUED, []).append(row_id)  # the unit of work delivers after its commit
    # A plain record of what was queued (building an ORM/pydantic object costs more than the INSERT).
    return SimpleNamespace(id=row_id, last_error=None, sent_at=None, claimed_by=None, claimed_until=None, **values)  # type: ignore[return-value]


_LANGUAGES = "ordercli.customer_languages"
_ANY_LANGUAGE = sa.text("SELECT 1 FROM customer WHERE language IS NOT NULL LIMIT 1")


def _some_customer_has_a_language(session: Session) -> bool:
    """Asked once per transaction: a batch import of a store where no customer has a language of
    their own pays one query, not one per message."""
    known = session.info.get(_LANGUAGES)
    if known is None:
        known = session.info[_LANGUAGES] = fast(session).execute(_ANY_LANGUAGE).first() is not None
    return known


def message_locale(session: Session, order: Order, audience: str, settings: Settings) -> str:
    """The language of a message: the customer's (``customer.language``) for the customer's copy,
    else the store's ``store.locale`` (a French store with an English customer: ``en``)."""
    if audience == "customer" and order.customer_id is not None and _some_customer_has_a_language(session):
        from ordercli.models import Customer

        customer = session.get(Customer, order.customer_id)
        language = getattr(customer, "language", None)
        if language:
            from ordercli import i18n

            store = settings.locale
            # "fr" for a French store keeps the store's region (fr_FR money and dates).
            return store if "_" not in language and i18n.language(store) == language else language
    return settings.locale


def new_message_id(settings: Settings, order: Order | None) -> str:
    """A globally unique Message-ID, fixed when the row is queued (same on every retry)."""
    sender = sender_address(settings)
    domain = sender.rsplit("@", 1)[1] if "@" in sender else "ordercli.invalid"
    domain = "".join(ch for ch in domain if ch.isalnum() or ch in ".-") or "ordercli.invalid"
    return f"<{uuid.uuid4().hex}.ordercli@{domain}>"


def store_snapshot(settings: Settings) -> dict:
    return {
        "name": settings.get("store.name"),
        "email": settings.get("store.email"),
        "phone": settings.get("store.phone"),
        "address": settings.get("store.address"),
        "vat_number": settings.get("store.vat_number"),
        "iban": settings.get("store.iban"),
        "bic": settings.get("store.bic"),
        "payment_instructions": settings.get("store.payment_instructions"),
    }


_OUTBOX_T = Outbox.__table__  # type: ignore[attr-defined]
_INSERT_OUTBOX = sa.insert(_OUTBOX_T).returning(_OUTBOX_T.c.id)
_LINE_T = OrderLine.__table__  # type: ignore[attr-defined]
_SUR_T = OrderSurcharge.__table__  # type: ignore[attr-defined]
_SNAPSHOT_LINES = (
    sa.select(_LINE_T.c.sku, _LINE_T.c.name, _LINE_T.c.quantity, _LINE_T.c.unit_price, _LINE_T.c.total, _LINE_T.c.tax_rate, _LINE_T.c.tax)
    .where(_LINE_T.c.order_id == sa.bindparam("oid"))
    .order_by(_LINE_T.c.position)
)
_SNAPSHOT_SURCHARGES = (
    sa.select(_SUR_T.c.label, _SUR_T.c.percent, _SUR_T.c.amount).where(_SUR_T.c.order_id == sa.bindparam("oid")).order_by(_SUR_T.c.position)
)


def order_snapshot(session: Session, order: Order, *, audience: str) -> dict:
    # Plain rows, not ORM objects: cheap enough to run once per imported order.
    conn = fast(session)
    lines = conn.execute(_SNAPSHOT_LINES, {"oid": order.id}).all()
    surcharges = conn.execute(_SNAPSHOT_SURCHARGES, {"oid": order.id}).all() if order.surcharge_total else []
    by_rate: dict[int, int] = {}
    for ln in lines:
        if ln.tax_rate:
            by_rate[ln.tax_rate] = by_rate.get(ln.tax_rate, 0) + ln.tax

    def addr(prefix: str) -> dict | None:
        vals = {k: getattr(order, f"{prefix}_{k}") for k in ("name", "street", "city", "postal_code", "country")}
        return vals if any(vals.values()) else None

    data = {
        "number": order.number,
        "created_at": (order.created_at or utcnow()).isoformat(),
        "payment_status": order.payment_status,
        "fulfillment_status": order.fulfillment_status,
        "currency": order.currency,
        "prices_include_tax": order.prices_include_tax,
        "customer": {"name": order.customer_name, "email": order.customer_email, "phone": order.customer_phone},
        "lines": [
            {"sku": ln.sku, "name": ln.name, "quantity": ln.quantity, "unit_price": ln.unit_price, "total": ln.total, "tax_rate": ln.tax_rate, "tax": ln.tax}
            for ln in lines
        ],
        "item_count": order.item_count,
        "subtotal": order.subtotal,
        "discount": order.discount,
        "discount_percent": order.discount_percent,
        "surcharges": [{"label": s.label, "percent": s.percent, "amount": s.amount} for s in surcharges],
        "shipping": order.shipping,
        "shipping_method": order.shipping_method,
        "pickup": order.pickup,
        "shipping_address": addr("ship"),
        "billing_address": addr("bill"),
        "tax": order.tax,
        "tax_by_rate": [{"rate": r, "tax": t} for r, t in sorted(by_rate.items())],
        "tip": order.tip,
        "total": order.total,
        "paid": order.paid,
        "refunded": order.refunded,
        "balance_due": order.balance_due,
        "payment_method": order.payment_method,
        "note": order.note,
        "tracking_number": order.tracking_number,
        "staff_note": order.staff_note if audience == "admin" else None,
    }
    return data


def reachable_audiences(order: Order, to: str, settings: Settings) -> list[str]:
    """The audiences of ``to`` that have an address; a typed refusal when none has."""
    audiences, missing = resend_audiences(order, to, settings)
    if missing == "customer":
        raise NoCustomerEmailError(order.number)
    if missing == "admin":
        raise NoAdminAddressError()
    return audiences


def queue_resend(
    session: Session, order: Order, *, to: str, kind: str, settings: Settings, invoice: dict | None = None, attachments: list[dict] | None = None
) -> list[Outbox]:
    """``order notify``: queue the message again for ``to`` (customer, admin, both); no dedupe.

    Raises :class:`~ordercli.errors.NoCustomerEmailError` /
    :class:`~ordercli.errors.NoAdminAddressError` when nobody asked for has an address.
    """
    rows: list[Outbox] = []
    for audience in reachable_audiences(order, to, settings):
        change = None
        if kind == "status":
            change = {"payment": [None, order.payment_status], "fulfillment": [None, order.fulfillment_status], "resend": True}
        row = queue_message(
            session, order, kind=resend_kind(order, kind, audience), audience=audience, settings=settings,
            change=change, invoice=invoice, attachments=attachments, dedupe=False,
        )
        if row is not None:
            rows.append(row)
    return rows
