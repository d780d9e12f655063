"""The notification use cases: ``order notify`` (send again) and ``outbox list``.

They sit above both :mod:`ordercli.notify` (outbox rows) and
:mod:`ordercli.services.invoices` (an invoice to attach), so that neither of
those needs the other's use cases: services import notify, never the other
way round. Nothing here commits: the command's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from ordercli.models import Order, Outbox
from ordercli.notify import policy, queue
from ordercli.services import common, invoices


def resend(session: Session, *, number: str, to: str = "customer", kind: str = "confirmation") -> list[Outbox]:
    """``order notify``: queue the message again (ignores --no-notify and notify.on_status). Does not commit.

    ``to``: customer, admin or both; ``kind``: confirmation, status or invoice
    (the order's invoice — issued now if it has none, or if its total changed —
    attached as a PDF). Raises :class:`~ordercli.errors.NoCustomerEmailError` /
    :class:`~ordercli.errors.NoAdminAddressError` when nobody asked for has an address.
    """
    if to not in ("customer", "admin", "both"):
        raise ValueError(f"unknown audience {to!r}: customer, admin or both")
    if kind not in policy.RESEND_KINDS:
        raise ValueError(f"unknown message kind {kind!r}: {', '.join(policy.RESEND_KINDS)}")
    settings = common.load_settings(session)
    order = common.get_order(session, number)
    queue.reachable_audiences(order, to, settings)  # refuse before an invoice number is taken
    invoice = attachments = None
    if kind == "invoice":
        inv = invoices.issue_invoice(session, order=order, settings=settings)
        pdf = invoices.render_pdf(session, order=order, invoice=inv, settings=settings)
        invoice, attachments = invoices.mail_parts(inv, pdf)
    return queue.queue_resend(session, order, to=to, kind=kind, settings=settings, invoice=invoice, attachments=attachments)


@dataclass
class OutboxEntry:
    row: Outbox
    order_number: str | None


def list_messages(session: Session, *, status: str | None = None, order_number: str | None = None, limit: int = 50) -> list[OutboxEntry]:
    """``outbox list``: messages, newest first, optionally of one state or one order."""
    q = select(Outbox, Order.number).join(Order, Order.id == Outbox.order_id, isouter=True)  # type: ignore[arg-type]
    if status:
        q = q.where(Outbox.status == status)
    if order_number:
        order = common.get_order(session, order_number)
        q = q.where(Outbox.order_id == order.id)
    q = q.order_by(Outbox.id.desc()).limit(limit)  # type: ignore[union-attr]
    return [OutboxEntry(row=r, order_number=n) for r, n in session.exec(q).all()]
