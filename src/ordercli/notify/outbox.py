"""The outbox: queue messages with the change that caused them, deliver them after commit.

Queueing (inside the caller's transaction)
    :func:`queue_order_messages` decides, per trigger and settings, which
    messages a change calls for and writes one ``outbox`` row each. A row holds
    the recipient, the subject, a stable ``Message-ID`` and a JSON snapshot of
    what the templates need (the order as it was at that moment), so a message
    sent hours later still tells what happened then. Nothing is rendered or
    sent here: a broken template or a dead network can never stop an order.

Delivery (after commit)
    :func:`deliver` claims each due row with ONE conditional ``UPDATE``
    (``pending``/``failed`` and due, or a ``sending`` claim whose
    ``claimed_until`` has passed) and only the till whose update changed the
    row sends it, so two tills flushing at once never send the same message
    twice. After sending, the row is marked ``sent``. A crash between the two
    leaves a stale claim that is taken again later: at worst one duplicate,
    never a loss, and the duplicate carries the same ``Message-ID``.

    A failed attempt records the error, counts the attempt and backs off
    exponentially (1, 2, 4 … minutes, at most an hour); after
    ``outbox.max_attempts`` attempts, or when the server refuses the message
    for good (5xx), the row is ``dead``. When the transport itself fails
    (no network, server down, login refused) the batch stops at once and a
    marker row ``_transport.backoff_until`` in the ``setting`` table tells every
    later command, on every till, to leave the transport alone until then: a
    stall without network pays the (≤ ``smtp.timeout``) wait once, not on
    every order. ``outbox flush`` and ``outbox retry`` are explicit requests
    and try at once, whatever the back-off.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from types import SimpleNamespace
from sqlmodel import Session, select

from ordercli.db import fast
from ordercli.models import Order, OrderEvent, OrderLine, OrderSurcharge, Outbox, Setting, utcnow
from ordercli.settings import Settings

# --------------------------------------------------------------------- kinds

KIND_LABELS = {
    "new_order": "New order",
    "confirmation": "Order confirmation",
    "status": "Order status changed",
    "shipped": "Order shipped",
    "pickup": "Ready for pickup",
    "cancelled": "Order cancelled",
    "refunded": "Order refunded",
    "payment": "Payment received",
    "invoice": "Invoice",
}

STATUSES = ("pending", "sending", "sent", "failed", "dead")

MARKER_KEY = "_transport.backoff_until"
_QUEUED_KEY = "ordercli_notify_queued"

#: Message back-off: 1, 2, 4 … minutes after the 1st, 2nd, 3rd … failed attempt, capped.
BACKOFF_BASE_S = 60
BACKOFF_MAX_S = 3600
#: Transport back-off after consecutive transport failures: 30 s, 1, 2, 4 … min, capped.
TRANSPORT_BACKOFF_BASE_S = 30
TRANSPORT_BACKOFF_MAX_S = 900


def label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def message_backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed attempts (≥ 1)."""
    return timedelta(seconds=min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


def transport_backoff(failures: int) -> timedelta:
    return timedelta(seconds=min(TRANSPORT_BACKOFF_BASE_S * 2 ** max(failures - 1, 0), TRANSPORT_BACKOFF_MAX_S))


# ------------------------------------------------------------------ queueing


def _customer_may_hear(order: Order, notify_customer: bool) -> bool:
    return bool(notify_customer and order.customer_email)


def _status_kind(payment: tuple | None, fulfillment: tuple | None) -> str:
    if fulfillment and fulfillment[1] == "SHIPPED":
        return "shipped"
    if fulfillment and fulfillment[1] == "READY_FOR_PICKUP":
        return "pickup"
    if payment and payment[1] == "CANCELLED":
        return "cancelled"
    if payment and payment[1] in ("REFUNDED", "PARTIALLY_REFUNDED"):
        return "refunded"
    return "status"


def plan_messages(order: Order, *, trigger: str, settings: Settings, notify_customer: bool, extra: dict | None) -> list[tuple[str, str, dict | None]]:
    """What a change calls for: a list of (kind, audience, change)."""
    extra = dict(extra or {})
    on = lambda status: settings.flag(f"notify.on_status.{status}") if f"notify.on_status.{status}" in _status_keys() else False  # noqa: E731
    out: list[tuple[str, str, dict | None]] = []
    if trigger == "created":
        # A batch import is staff's own typing: no "New order" email to the shop per imported order.
        if settings.get("store.email") and order.door != "import":
            out.append(("new_order", "admin", None))
        if _customer_may_hear(order, notify_customer):
            out.append(("confirmation", "customer", None))
        return out
    if trigger == "status":
        pay = _pair(extra.get("payment"))
        ful = _pair(extra.get("fulfillment"))
        pay = pay if pay and pay[0] != pay[1] and on(pay[1]) else None
        ful = ful if ful and ful[0] != ful[1] and on(ful[1]) else None
        if (pay or ful) and _customer_may_hear(order, notify_customer):
            change = {"payment": list(pay) if pay else None, "fulfillment": list(ful) if ful else None}
            change.update({k: v for k, v in extra.items() if k not in ("payment", "fulfillment")})
            out.append((_status_kind(pay, ful), "customer", change))
        return out
    if trigger == "cancelled":
        if on("CANCELLED") and _customer_may_hear(order, notify_customer):
            out.append(("cancelled", "customer", _change(extra, order)))
        return out
    if trigger == "refunded":
        status = order.payment_status if order.payment_status in ("REFUNDED", "PARTIALLY_REFUNDED") else "REFUNDED"
        if on(status) and _customer_may_hear(order, notify_customer):
            out.append(("refunded", "customer", _change(extra, order)))
        return out
    if trigger == "payment":
        # A receipt when the order becomes fully paid (notify.on_status.PAID).
        if order.payment_status == "PAID" and on("PAID") and _customer_may_hear(order, notify_customer):
            out.append(("payment", "customer", _change(extra, order)))
        return out
    raise ValueError(f"unknown notification trigger {trigger!r}")


def _status_keys() -> set[str]:
    from ordercli.settings import KEYS

    return {k for k in KEYS if k.startswith("notify.on_status.")}


def _pair(value) -> tuple[str, str] | None:
    if not value:
        return None
    old, new = value
    return (str(old) if old is not None else None, str(new))  # type: ignore[return-value]


def _change(extra: dict, order: Order) -> dict:
    change = {"payment": None, "fulfillment": None}
    change.update(extra)
    return change


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


def recipient_for(order: Order, audience: str, settings: Settings) -> str | None:
    if audience == "customer":
        return order.customer_email or None
    if audience == "admin":
        return settings.get("store.email") or None
    raise ValueError(f"unknown audience {audience!r}")


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
) -> Outbox | None:
    """Write one outbox row for ``order`` (inside the caller's transaction).

    Returns ``None`` when there is nobody to send it to (no customer email,
    no ``store.email``) or when the same message was already queued in this
    transaction.
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
    payload = {
        "v": 1,
        "kind": kind,
        "audience": audience,
        "locale": settings.locale,
        "store": store_snapshot(settings),
        "order": order_snapshot(session, order, audience=audience),
        "change": change,
        "invoice": invoice,
        "attachments": attachments or [],
    }
    now = utcnow()
    values = dict(
        order_id=order.id,
        kind=kind,
        audience=audience,
        recipient=recipient,
        subject=subject_for(kind, order, settings, invoice=invoice),
        payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        message_id=new_message_id(settings, order),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    # A Core INSERT (no ORM unit of work): this runs once per order in batch imports.
    row_id = fast(session).execute(_INSERT_OUTBOX, values).scalar_one()
    # A plain record of what was queued (building an ORM/pydantic object costs more than the INSERT).
    return SimpleNamespace(id=row_id, last_error=None, sent_at=None, claimed_by=None, claimed_until=None, **values)  # type: ignore[return-value]


def one_line(text: str | None) -> str:
    """Collapse every run of whitespace and control characters into one space."""
    if not text:
        return ""
    out = []
    for ch in str(text):
        out.append(" " if (ch.isspace() or ord(ch) < 32 or ord(ch) == 127) else ch)
    return " ".join("".join(out).split())


def subject_for(kind: str, order: Order, settings: Settings, *, invoice: dict | None = None) -> str:
    store = one_line(settings.get("store.name"))
    n = one_line(order.number)
    subjects = {
        "new_order": f"New order {n} from {one_line(order.customer_name)}",
        "confirmation": f"Order confirmation {n} — {store}",
        "status": f"Order {n}: status changed — {store}",
        "shipped": f"Your order {n} has shipped — {store}",
        "pickup": f"Your order {n} is ready for pickup — {store}",
        "cancelled": f"Order {n} cancelled — {store}",
        "refunded": f"Refund for order {n} — {store}",
        "payment": f"Payment received for order {n} — {store}",
        "invoice": f"Invoice {one_line((invoice or {}).get('number'))} for order {n} — {store}",
    }
    return subjects.get(kind, f"{label(kind)} {n} — {store}")[:500]


def sender_address(settings: Settings) -> str:
    return settings.get("mail.from") or settings.get("store.email") or ""


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


# ------------------------------------------------------------------ delivery


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # still queued, with the error
    dead: list[tuple[int, str]] = field(default_factory=list)
    skipped: str | None = None  # why nothing was tried
    transport_error: str | None = None
    down_until: datetime | None = None

    @property
    def tried(self) -> int:
        return len(self.sent) + len(self.failed) + len(self.dead)


def _worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _load(engine) -> tuple[Settings, dict | None]:
    from ordercli import db

    with db.read_session(engine) as s:
        rows = s.exec(select(Setting)).all()
    stored = {r.key: r.value for r in rows}
    marker = None
    raw = stored.pop(MARKER_KEY, None)
    if raw:
        try:
            marker = json.loads(raw)
            marker["until"] = datetime.fromisoformat(marker["until"])
        except (ValueError, KeyError, TypeError):
            marker = None
    return Settings(stored), marker


def transport_problem(settings: Settings) -> str | None:
    """Why messages cannot leave with these settings (None when they can)."""
    t = settings.get("mail.transport")
    if t == "none":
        return "mail.transport is none: messages stay queued"
    if not sender_address(settings):
        return "no sender address: set mail.from (or store.email)"
    if t == "smtp" and not settings.get("smtp.host"):
        return "smtp.host is not set"
    return None


def transport_fingerprint(settings: Settings) -> str:
    t = settings.get("mail.transport")
    if t == "smtp":
        return f"smtp|{settings.get('smtp.host')}|{settings.get('smtp.port')}|{settings.get('smtp.security')}|{settings.get('smtp.username')}"
    if t == "file":
        return f"file|{settings.get('mail.dir')}"
    return t


def transport_status(engine) -> tuple[Settings, str | None, dict | None]:
    """(settings, problem, active back-off marker or None) — for ``outbox list``."""
    settings, marker = _load(engine)
    problem = transport_problem(settings)
    if marker and (marker.get("transport") != transport_fingerprint(settings) or marker["until"] <= utcnow()):
        marker = None
    return settings, problem, marker


def _set_marker(engine, settings: Settings, previous: dict | None, error: str) -> datetime:
    from ordercli import db

    fp = transport_fingerprint(settings)
    failures = (int(previous.get("failures", 0)) + 1) if previous and previous.get("transport") == fp else 1
    until = utcnow() + transport_backoff(failures)
    value = json.dumps({"until": until.isoformat(), "failures": failures, "transport": fp, "error": error[:300]})
    with db.write_session(engine) as s:
        s.execute(
            sa.text("INSERT INTO setting (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
            {"k": MARKER_KEY, "v": value},
        )
        s.commit()
    return until


def _clear_marker(engine) -> None:
    from ordercli import db

    with db.write_session(engine) as s:
        s.execute(sa.delete(Setting).where(Setting.key == MARKER_KEY))
        s.commit()


def _due_clause(now: datetime, force: bool):
    waiting = Outbox.status.in_(("pending", "failed"))  # type: ignore[attr-defined]
    if not force:
        waiting = sa.and_(waiting, Outbox.next_attempt_at <= now)
    stale = sa.and_(Outbox.status == "sending", Outbox.claimed_until < now)
    return sa.or_(waiting, stale)


def _candidates(engine, *, now: datetime, force: bool, limit: int, exclude: set[int], ids: list[int] | None) -> list[int]:
    from ordercli import db

    q = select(Outbox.id).where(_due_clause(now, force))
    if exclude:
        q = q.where(Outbox.id.not_in(sorted(exclude)))  # type: ignore[union-attr]
    if ids is not None:
        q = q.where(Outbox.id.in_(ids))  # type: ignore[union-attr]
    q = q.order_by(Outbox.id).limit(limit)
    with db.read_session(engine) as s:
        return [int(i) for i in s.exec(q).all()]


def claim(engine, row_id: int, *, me: str, force: bool = False, hold: timedelta = timedelta(minutes=2)) -> bool:
    """Take the row for this worker with one conditional UPDATE. True if we own it now."""
    from ordercli import db

    now = utcnow()
    stmt = (
        sa.update(Outbox)
        .where(Outbox.id == row_id, _due_clause(now, force))
        .values(status="sending", claimed_by=me, claimed_until=now + hold)
        .execution_options(synchronize_session=False)
    )
    with db.write_session(engine) as s:
        won = s.execute(stmt).rowcount == 1
        s.commit()
    return won


def _event(session: Session, row: Outbox, summary: str) -> None:
    if row.order_id is not None:
        session.add(OrderEvent(order_id=row.order_id, at=utcnow(), kind="notification", door=None, summary=summary[:1000]))


def _mark_sent(engine, row_id: int, me: str) -> None:
    from ordercli import db

    now = utcnow()
    with db.write_session(engine) as s:
        row = s.get(Outbox, row_id)
        if row is None or row.status in ("sent", "dead"):
            s.rollback()
            return
        row.status = "sent"
        row.sent_at = now
        row.attempts += 1
        row.claimed_by = None
        row.claimed_until = None
        row.last_error = None
        s.add(row)
        _event(s, row, f"{label(row.kind)} sent to {row.recipient}")
        s.commit()


def _mark_failed(engine, row_id: int, me: str, error: str, *, permanent: bool, max_attempts: int) -> str:
    """Record a failed attempt. Returns the new status (failed or dead)."""
    from ordercli import db

    now = utcnow()
    with db.write_session(engine) as s:
        row = s.get(Outbox, row_id)
        if row is None or row.status != "sending" or row.claimed_by != me:
            s.rollback()
            return row.status if row is not None else "gone"
        row.attempts += 1
        row.last_error = error[:1000]
        row.claimed_by = None
        row.claimed_until = None
        if permanent or row.attempts >= max_attempts:
            row.status = "dead"
            why = "refused for good" if permanent else f"after {row.attempts} attempt{'s' if row.attempts != 1 else ''}"
            _event(s, row, f"{label(row.kind)} to {row.recipient} could not be delivered ({why}): {error[:200]}")
        else:
            row.status = "failed"
            row.next_attempt_at = now + message_backoff(row.attempts)
        s.add(row)
        status = row.status
        s.commit()
        return status


def deliver(engine, *, limit: int = 50, force: bool = False, ids: list[int] | None = None, drain: bool = False) -> DeliveryReport:
    """Deliver due messages.

    ``force`` (``outbox flush`` / ``retry``): try waiting messages now, whatever
    their back-off and the transport's. ``drain``: keep going until nothing is
    left (else one batch of ``limit``). ``ids``: only these rows.
    """
    from ordercli.notify import compose, transports

    report = DeliveryReport()
    settings, marker = _load(engine)
    problem = transport_problem(settings)
    if problem:
        report.skipped = problem
        return report
    fp = transport_fingerprint(settings)
    now = utcnow()
    if not force and marker and marker.get("transport") == fp and marker["until"] > now:
        report.skipped = f"transport backing off until {marker['until'].isoformat()}: {marker.get('error', '')}"
        report.down_until = marker["until"]
        return report

    max_attempts = int(settings.get("outbox.max_attempts"))
    me = _worker_id()
    tried: set[int] = set()
    transport = None
    hold = timedelta(seconds=max(120, 20 * int(settings.get("smtp.timeout"))))
    try:
        while True:
            batch = _candidates(engine, now=utcnow(), force=force, limit=limit, exclude=tried, ids=ids)
            if not batch:
                break
            for row_id in batch:
                tried.add(row_id)
                if not claim(engine, row_id, me=me, force=force, hold=hold):
                    continue  # another till took it
                from ordercli import db

                with db.read_session(engine) as s:
                    row = s.get(Outbox, row_id)
                try:
                    msg = compose.build_message(row, settings)
                    to_addr = compose.envelope_address(row.recipient)
                    from_addr = compose.envelope_address(sender_address(settings), "sender")
                except compose.ComposeError as e:
                    status = _mark_failed(engine, row_id, me, str(e), permanent=e.permanent, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, str(e)))
                    continue
                except Exception as e:  # noqa: BLE001 - never leave a claimed row behind
                    err = f"cannot build the message: {type(e).__name__}: {e}"
                    status = _mark_failed(engine, row_id, me, err, permanent=False, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, err))
                    continue
                try:
                    if transport is None:
                        transport = transports.open_transport(settings)
                    transport.send(msg, from_addr=from_addr, to_addr=to_addr, name_hint=transports.file_name(row))
                except transports.TransportDown as e:
                    status = _mark_failed(engine, row_id, me, str(e), permanent=False, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, str(e)))
                    report.transport_error = str(e)
                    report.down_until = _set_marker(engine, settings, marker, str(e))
                    return report
                except transports.MessageRejected as e:
                    status = _mark_failed(engine, row_id, me, str(e), permanent=e.permanent, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, str(e)))
                    continue
                except Exception as e:  # noqa: BLE001 - an unforeseen error: record it, retry later
                    err = f"{type(e).__name__}: {e}"
                    status = _mark_failed(engine, row_id, me, err, permanent=False, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, err))
                    if transport is not None:
                        transport.close()
                        transport = None
                    continue
                _mark_sent(engine, row_id, me)
                report.sent.append(row_id)
            if not drain:
                break
    finally:
        if transport is not None:
            transport.close()
    if marker and report.sent:
        _clear_marker(engine)
    return report


def deliver_due(engine, *, limit: int = 50) -> DeliveryReport:
    """After-commit hook: deliver what is due; never raise into the command that saved."""
    try:
        return deliver(engine, limit=limit)
    except Exception as e:  # noqa: BLE001 - the change is committed; delivery retries later
        if os.environ.get("ORDERCLI_DEBUG") == "1":
            raise
        return DeliveryReport(skipped=f"delivery skipped: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")


# ------------------------------------------------------------- use cases


@dataclass
class OutboxEntry:
    row: Outbox
    order_number: str | None


def list_messages(session: Session, *, status: str | None = None, order_number: str | None = None, limit: int = 50) -> list[OutboxEntry]:
    q = select(Outbox, Order.number).join(Order, Order.id == Outbox.order_id, isouter=True)  # type: ignore[arg-type]
    if status:
        q = q.where(Outbox.status == status)
    if order_number:
        from ordercli.services import common

        order = common.get_order(session, order_number)
        q = q.where(Outbox.order_id == order.id)
    q = q.order_by(Outbox.id.desc()).limit(limit)  # type: ignore[union-attr]
    return [OutboxEntry(row=r, order_number=n) for r, n in session.exec(q).all()]


def retry_message(session: Session, *, message_id: int) -> Outbox:
    """Put a failed or dead message back in the queue, due now. Commits."""
    from ordercli.errors import NotFoundError, RefusedError

    now = utcnow()
    t = _OUTBOX_T
    # One conditional UPDATE: the state is checked where it is changed. A till that claimed
    # (or already sent) the message in the meantime makes it match nothing, instead of the
    # message being put back in the queue and sent twice. On PostgreSQL a concurrent claim
    # makes this wait, then re-check the condition against the committed row.
    stmt = (
        sa.update(t)
        .where(
            t.c.id == message_id,
            sa.or_(
                t.c.status.in_(("pending", "failed", "dead")),
                sa.and_(t.c.status == "sending", sa.or_(t.c.claimed_until.is_(None), t.c.claimed_until <= now)),  # a stale claim
            ),
        )
        .values(
            status="pending",
            attempts=sa.case((t.c.status == "dead", 0), else_=t.c.attempts),  # dead: a fresh set of attempts
            next_attempt_at=now,
            claimed_by=None,
            claimed_until=None,
        )
    )
    changed = session.execute(stmt).rowcount
    row = session.exec(select(Outbox).where(Outbox.id == message_id).execution_options(populate_existing=True)).first()
    if changed != 1:
        session.rollback()
        if row is None:
            raise NotFoundError(f"No outbox message {message_id}.", "See the IDs with `ordercli outbox list`.")
        if row.status == "sent":
            hint = "To send it again, use `ordercli order notify ORDER`." if row.order_id else "Nothing to do."
            raise RefusedError(f"Message {message_id} was already sent.", hint)
        if row.status == "sending":
            raise RefusedError(f"Message {message_id} is being sent right now.", "Check again in a minute with `ordercli outbox list`.")
        raise RefusedError(  # pragma: no cover - every status is handled above
            f"Message {message_id} is {row.status}: it cannot be retried.", "Check it with `ordercli outbox list`."
        )
    session.commit()
    return row


RESEND_KINDS = ("confirmation", "status", "invoice")


def resend_kind(order: Order, kind: str, audience: str) -> str:
    """The outbox kind for ``order notify --kind``."""
    if kind == "confirmation":
        return "new_order" if audience == "admin" else "confirmation"
    if kind == "status":
        if order.payment_status == "CANCELLED":
            return "cancelled"
        if order.payment_status in ("REFUNDED", "PARTIALLY_REFUNDED"):
            return "refunded"
        if order.fulfillment_status == "SHIPPED":
            return "shipped"
        if order.fulfillment_status == "READY_FOR_PICKUP":
            return "pickup"
        return "status"
    if kind == "invoice":
        return "invoice"
    raise ValueError(kind)


def audiences_for(to: str) -> list[str]:
    return {"customer": ["customer"], "admin": ["admin"], "both": ["customer", "admin"]}[to]


def resend(session: Session, *, number: str, to: str = "customer", kind: str = "confirmation") -> list[Outbox]:
    """``order notify``: queue the message again (ignores --no-notify and notify.on_status). Commits."""
    from ordercli.errors import InputError, RefusedError
    from ordercli.services import common

    if to not in ("customer", "admin", "both"):
        raise InputError(f"Invalid --to {to!r}.", "Use customer, admin or both.")
    if kind not in RESEND_KINDS:
        raise InputError(f"Invalid --kind {kind!r}.", "Use confirmation, status or invoice.")
    settings = common.load_settings(session)
    order = common.get_order(session, number)
    audiences = audiences_for(to)
    missing = [a for a in audiences if not recipient_for(order, a, settings)]
    if len(missing) == len(audiences):
        if "customer" in missing and to == "customer":
            raise RefusedError(
                f"Order {order.number} has no customer email.", f"Add one with `ordercli order edit {order.number} --email ADDRESS`, or use --to admin."
            )
        raise RefusedError("No admin address is set (store.email).", "Set it with `ordercli config set store.email you@example.com`.")
    invoice = attachments = None
    if kind == "invoice":
        from ordercli.services import invoices

        inv = invoices.issue_invoice(session, order=order, settings=settings)
        pdf = invoices.render_pdf(session, order=order, invoice=inv, settings=settings)
        invoice, attachments = invoices.mail_parts(inv, pdf)
    rows: list[Outbox] = []
    for audience in audiences:
        if audience in missing:
            continue
        change = None
        if kind == "status":
            change = {"payment": [None, order.payment_status], "fulfillment": [None, order.fulfillment_status], "resend": True}
        row = queue_message(
            session, order, kind=resend_kind(order, kind, audience), audience=audience, settings=settings,
            change=change, invoice=invoice, attachments=attachments, dedupe=False,
        )
        if row is not None:
            rows.append(row)
    session.commit()
    return rows
