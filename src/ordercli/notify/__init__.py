"""Notifications: outbox rows written with the change that caused them, delivered after commit.

Contract used by the services:

``queue_order_messages(session, order, *, trigger, settings, notify_customer=True, extra=None) -> list[Outbox]``
    Called *inside* the transaction of the change. Writes the outbox rows the
    change calls for and returns them; never sends anything itself.
    ``trigger`` is one of:

    * ``"created"`` — a new order ("New order" to ``store.email``, "Order
      confirmation" to the customer).
    * ``"status"`` — ``extra={"payment": (old, new) | None, "fulfillment": (old, new) | None}``.
    * ``"cancelled"``, ``"refunded"`` — ``extra`` may carry ``{"amount": minor, "reason": str}``.
    * ``"payment"`` — a payment was recorded (``extra={"amount": minor}``).

    ``notify_customer=False`` (``--no-notify``) suppresses customer messages.
    Which statuses email the customer is decided by ``notify.on_status.<STATUS>``.

``deliver_due(engine, *, limit=50) -> DeliveryReport``
    Called by every writing command after its commit (``cli._state.after_write``).
    Never raises: a delivery problem is recorded on the message, not thrown at
    the command that just saved an order.

The machinery lives in :mod:`ordercli.notify.outbox` (queueing, claiming,
retries, the transport back-off marker), :mod:`ordercli.notify.compose`
(Jinja2 templates -> ``email.message.EmailMessage``) and
:mod:`ordercli.notify.transports` (SMTP and ``.eml`` files). This module stays
light: it imports them only when called.
"""

from __future__ import annotations


def queue_order_messages(session, order, *, trigger: str, settings, notify_customer: bool = True, extra: dict | None = None) -> list:
    """Write the outbox rows for ``trigger`` on ``order`` (same transaction). Returns the rows."""
    from ordercli.notify import outbox

    return outbox.queue_order_messages(session, order, trigger=trigger, settings=settings, notify_customer=notify_customer, extra=extra)


def deliver_due(engine, *, limit: int = 50):
    """Deliver queued messages that are due (after commit). Never raises; returns a report."""
    from ordercli.notify import outbox

    return outbox.deliver_due(engine, limit=limit)
