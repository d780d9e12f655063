"""Notifications: outbox rows written with the change that caused them, delivered after commit.

Contract used by the services (the notifications issue fills in the bodies):

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

``deliver_due(engine, *, limit=50) -> None``
    Called by every writing command after its commit (``cli._state.after_write``).
"""

from __future__ import annotations


def queue_order_messages(session, order, *, trigger: str, settings, notify_customer: bool = True, extra: dict | None = None) -> list:
    """Write the outbox rows for ``trigger`` on ``order`` (same transaction). Returns the rows."""
    return []


def deliver_due(engine, *, limit: int = 50) -> None:
    """Deliver queued messages that are due (after commit)."""
    return None
