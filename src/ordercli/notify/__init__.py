"""Notifications: outbox rows written with the change that caused them, delivered after commit.

:func:`queue_order_messages` is called inside the create/status/payment
transactions. The outbox, templates and transports arrive with the
notifications issue; until then no message is queued.
"""

from __future__ import annotations


def queue_order_messages(session, order, *, trigger: str, settings, notify_customer: bool = True, extra: dict | None = None) -> list:
    """Write the outbox rows for ``trigger`` on ``order`` (same transaction). Returns the rows."""
    return []


def deliver_due(engine, *, limit: int = 50) -> None:
    """Deliver queued messages that are due (after commit). Nothing to deliver yet."""
    return None
