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
    Called after every writing command's commit (``UnitOfWork.commit``).
    Spends at most ``mail.inline_budget`` seconds in total; what is left stays
    queued (``pending``) for the next command, ``outbox flush`` or ``outbox watch``.
    Never raises: a delivery problem is recorded on the message, not thrown at
    the command that just saved an order.

The machinery, one module per job:

* :mod:`ordercli.notify.policy` — which messages a change calls for, to whom,
  back-off durations, attempts (pure decisions, no I/O);
* :mod:`ordercli.notify.queue` — outbox rows written in the change's transaction;
* :mod:`ordercli.notify.delivery` — claiming, sending, marking sent / failed /
  dead, the transport back-off marker, ``outbox retry``;
* :mod:`ordercli.notify.compose` — subject lines and Jinja2 templates ->
  ``email.message.EmailMessage``;
* :mod:`ordercli.notify.transports` — SMTP and ``.eml`` files.

Imports go one way: delivery -> compose, transports, policy; queue -> compose,
policy; compose -> policy. Nothing in ``notify`` imports ``services`` (the
use cases that need both, ``order notify`` and ``order invoice``, live in
``services``). This module stays light: it imports them only when called.
"""

from __future__ import annotations


def queue_order_messages(session, order, *, trigger: str, settings, notify_customer: bool = True, extra: dict | None = None) -> list:
    """Write the outbox rows for ``trigger`` on ``order`` (same transaction). Returns the rows."""
    import ordercli.notify.queue as queue

    return queue.queue_order_messages(session, order, trigger=trigger, settings=settings, notify_customer=notify_customer, extra=extra)


def deliver_due(engine, *, limit: int = 50):
    """Deliver queued messages that are due (after commit). Never raises; returns a report."""
    import ordercli.notify.delivery as delivery

    return delivery.deliver_due(engine, limit=limit)
