"""Order statuses (Ecwid's names) and the friendly forms users may type.

Stored as these exact strings. This module is pure stdlib so the CLI can use
it without importing the database layer.
"""

from __future__ import annotations

import enum
import re

from ordercli.errors import InputError


class PaymentStatus(str, enum.Enum):
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    INCOMPLETE = "INCOMPLETE"

    def __str__(self) -> str:
        return self.value


class FulfillmentStatus(str, enum.Enum):
    AWAITING_PROCESSING = "AWAITING_PROCESSING"
    PROCESSING = "PROCESSING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    WILL_NOT_DELIVER = "WILL_NOT_DELIVER"
    RETURNED = "RETURNED"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"

    def __str__(self) -> str:
        return self.value


def words(status: str) -> str:
    """``AWAITING_PAYMENT`` -> ``Awaiting payment``."""
    text = str(status).replace("_", " ").lower()
    return text[:1].upper() + text[1:]


def _key(text: str) -> str:
    return re.sub(r"[\s\-_]+", "_", text.strip()).upper()


_PAYMENT_ALIASES = {"UNPAID": "AWAITING_PAYMENT", "CANCELED": "CANCELLED", "PARTIAL_REFUND": "PARTIALLY_REFUNDED"}
_FULFILLMENT_ALIASES = {
    "NEW": "AWAITING_PROCESSING",
    "PICKUP": "READY_FOR_PICKUP",
    "READY": "READY_FOR_PICKUP",
    "CANCELLED": "WILL_NOT_DELIVER",
    "CANCELED": "WILL_NOT_DELIVER",
}


def parse_payment_status(text: str) -> PaymentStatus:
    key = _key(text)
    key = _PAYMENT_ALIASES.get(key, key)
    try:
        return PaymentStatus(key)
    except ValueError:
        allowed = ", ".join(s.value for s in PaymentStatus)
        raise InputError(
            f"Unknown payment status {text!r}.",
            f"Use one of: {allowed} (case-insensitive; 'paid' or 'awaiting payment' also work).",
        ) from None


def parse_fulfillment_status(text: str) -> FulfillmentStatus:
    key = _key(text)
    key = _FULFILLMENT_ALIASES.get(key, key)
    try:
        return FulfillmentStatus(key)
    except ValueError:
        allowed = ", ".join(s.value for s in FulfillmentStatus)
        raise InputError(
            f"Unknown fulfillment status {text!r}.",
            f"Use one of: {allowed} (case-insensitive; 'ready-for-pickup' also works).",
        ) from None
