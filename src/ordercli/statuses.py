"""Order statuses (Ecwid's names) and the friendly forms users may type.

Stored as these exact strings. This module is pure stdlib so the CLI can use
it without importing the database layer.
"""

from __future__ import annotations

import enum
import re

from ordercli import i18n
from ordercli.errors import InputError
from ordercli.i18n import N_


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


#: Status names for people, in English (the gettext source); ``words`` translates them.
WORDS = {
    "AWAITING_PAYMENT": N_("Awaiting payment"),
    "PAID": N_("Paid"),
    "CANCELLED": N_("Cancelled"),
    "REFUNDED": N_("Refunded"),
    "PARTIALLY_REFUNDED": N_("Partially refunded"),
    "INCOMPLETE": N_("Incomplete"),
    "AWAITING_PROCESSING": N_("Awaiting processing"),
    "PROCESSING": N_("Processing"),
    "SHIPPED": N_("Shipped"),
    "DELIVERED": N_("Delivered"),
    "WILL_NOT_DELIVER": N_("Will not deliver"),
    "RETURNED": N_("Returned"),
    "READY_FOR_PICKUP": N_("Ready for pickup"),
    "OUT_FOR_DELIVERY": N_("Out for delivery"),
}


def words(status: str, locale: str | None = None) -> str:
    """``AWAITING_PAYMENT`` -> ``Awaiting payment`` (``En attente de paiement`` in French).

    ``locale`` None: the screen's language (``i18n``); a customer's document passes its own.
    """
    key = str(status)
    english = WORDS.get(key)
    if english is None:
        text = key.replace("_", " ").lower()
        return text[:1].upper() + text[1:]
    return i18n.gettext_for(locale or i18n.screen_locale()).gettext(english)


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", " ").replace("_", " ").split())


def _translated_key(text: str) -> str | None:
    """A status typed in another language ("payé", "en attente de paiement") -> its key."""
    typed = _fold(text)
    for lang in i18n.available():
        t = i18n.gettext_for(lang)
        for key, english in WORDS.items():
            if _fold(t.gettext(english)) == typed:
                return key
    return None


def _key(text: str) -> str:
    plain = re.sub(r"[\s\-_]+", "_", text.strip()).upper()
    if plain in WORDS:
        return plain
    return _translated_key(text) or plain


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
            i18n._("Unknown payment status %(status)s.") % {"status": repr(text)},
            i18n._("Use one of: %(allowed)s (case-insensitive; 'paid' or 'awaiting payment' also work).") % {"allowed": allowed},
        ) from None


def parse_fulfillment_status(text: str) -> FulfillmentStatus:
    key = _key(text)
    key = _FULFILLMENT_ALIASES.get(key, key)
    try:
        return FulfillmentStatus(key)
    except ValueError:
        allowed = ", ".join(s.value for s in FulfillmentStatus)
        raise InputError(
            i18n._("Unknown fulfillment status %(status)s.") % {"status": repr(text)},
            i18n._("Use one of: %(allowed)s (case-insensitive; 'ready-for-pickup' also works).") % {"allowed": allowed},
        ) from None


# ------------------------------------------------------------- allowed moves
#
# The one table of status moves (README "After the sale" copies it). A move
# that is not listed is refused with the list of moves that are allowed.
# Some moves carry money or stock with them (see services/status_changes.py and payments.py):
#
# * -> CANCELLED gives the order's tracked stock back (once); refused while
#   the goods are shipped, out for delivery or delivered.
# * -> REFUNDED records a refund of all the money kept and gives the stock back
#   (``order refund --no-restock`` keeps it out).
# * -> PARTIALLY_REFUNDED only through ``order refund --amount X``, or when reopening a
#   cancelled order that was partly refunded before it was called off.
# * CANCELLED/REFUNDED -> AWAITING_PAYMENT/PAID reopens the order: its stock is
#   taken again (refused cleanly if it is no longer there).
# * -> PAID records a payment of what is missing (nothing if nothing is);
#   -> AWAITING_PAYMENT needs a balance due.
#
# The money model (ordercli/balance.py) narrows this table: a move is accepted only
# if the order's money is consistent with the new status once the move is done.
#
# Automatic moves (not typed by a person): a payment that covers the total
# moves AWAITING_PAYMENT/INCOMPLETE -> PAID; an edit that raises the total
# above what was paid moves PAID -> AWAITING_PAYMENT (and back when lowered).

P = PaymentStatus
PAYMENT_MOVES: dict[PaymentStatus, tuple[PaymentStatus, ...]] = {
    P.AWAITING_PAYMENT: (P.PAID, P.INCOMPLETE, P.CANCELLED, P.PARTIALLY_REFUNDED, P.REFUNDED),
    P.INCOMPLETE: (P.AWAITING_PAYMENT, P.PAID, P.CANCELLED, P.PARTIALLY_REFUNDED, P.REFUNDED),
    P.PAID: (P.PARTIALLY_REFUNDED, P.REFUNDED, P.CANCELLED),
    P.PARTIALLY_REFUNDED: (P.PAID, P.REFUNDED, P.CANCELLED),
    P.CANCELLED: (P.AWAITING_PAYMENT, P.PAID, P.PARTIALLY_REFUNDED, P.REFUNDED),
    P.REFUNDED: (P.PAID,),
}

F = FulfillmentStatus
FULFILLMENT_MOVES: dict[FulfillmentStatus, tuple[FulfillmentStatus, ...]] = {
    F.AWAITING_PROCESSING: (F.PROCESSING, F.READY_FOR_PICKUP, F.OUT_FOR_DELIVERY, F.SHIPPED, F.DELIVERED, F.WILL_NOT_DELIVER),
    F.PROCESSING: (F.AWAITING_PROCESSING, F.READY_FOR_PICKUP, F.OUT_FOR_DELIVERY, F.SHIPPED, F.DELIVERED, F.WILL_NOT_DELIVER),
    F.READY_FOR_PICKUP: (F.AWAITING_PROCESSING, F.PROCESSING, F.DELIVERED, F.WILL_NOT_DELIVER),
    F.OUT_FOR_DELIVERY: (F.SHIPPED, F.DELIVERED, F.RETURNED),
    F.SHIPPED: (F.OUT_FOR_DELIVERY, F.DELIVERED, F.RETURNED),
    F.DELIVERED: (F.RETURNED,),
    F.RETURNED: (F.AWAITING_PROCESSING, F.PROCESSING, F.SHIPPED, F.WILL_NOT_DELIVER),
    F.WILL_NOT_DELIVER: (F.AWAITING_PROCESSING, F.PROCESSING),
}
del P, F

#: Payment statuses of a closed order: its stock is given back, it cannot be edited or paid.
CLOSED = frozenset({PaymentStatus.CANCELLED.value, PaymentStatus.REFUNDED.value})
#: Fulfillment statuses where the goods have left the shop.
GOODS_OUT = frozenset({FulfillmentStatus.SHIPPED.value, FulfillmentStatus.OUT_FOR_DELIVERY.value, FulfillmentStatus.DELIVERED.value})


def _refuse_move(kind: str, old: str, new: str, allowed: tuple) -> None:
    from ordercli.errors import RefusedError

    _ = i18n._
    facts = {"old": old, "new": new}
    if kind == "payment":
        if allowed:
            hint = _("From %(old)s the payment status can move to: %(allowed)s.") % {**facts, "allowed": ", ".join(a.value for a in allowed)}
        else:
            hint = _("%(old)s is final for the payment status.") % facts
        raise RefusedError(_("Cannot move the payment status from %(old)s to %(new)s.") % facts, hint)
    if allowed:
        hint = _("From %(old)s the fulfillment status can move to: %(allowed)s.") % {**facts, "allowed": ", ".join(a.value for a in allowed)}
    else:
        hint = _("%(old)s is final for the fulfillment status.") % facts
    raise RefusedError(_("Cannot move the fulfillment status from %(old)s to %(new)s.") % facts, hint)


def check_payment_move(old: str, new: str) -> None:
    """Raise RefusedError (exit 1) naming the allowed moves unless ``old -> new`` is in the table."""
    allowed = PAYMENT_MOVES.get(PaymentStatus(old), ())
    if PaymentStatus(new) not in allowed:
        _refuse_move("payment", old, new, allowed)


def check_fulfillment_move(old: str, new: str) -> None:
    allowed = FULFILLMENT_MOVES.get(FulfillmentStatus(old), ())
    if FulfillmentStatus(new) not in allowed:
        _refuse_move("fulfillment", old, new, allowed)


def moves_table_markdown() -> str:
    """The payment and fulfillment tables as Markdown (docs are checked against it)."""
    out = ["| payment status | may move to |", "|---|---|"]
    for old, news in PAYMENT_MOVES.items():
        out.append(f"| `{old.value}` | " + ", ".join(f"`{n.value}`" for n in news) + " |")
    out += ["", "| fulfillment status | may move to |", "|---|---|"]
    for old, news in FULFILLMENT_MOVES.items():
        out.append(f"| `{old.value}` | " + ", ".join(f"`{n.value}`" for n in news) + " |")
    return "\n".join(out)
