"""Which messages a change calls for, to whom, and how long to wait: pure decisions, no I/O.

* :func:`plan_messages` — per trigger (``created``, ``status``, ``cancelled``,
  ``refunded``, ``payment``) and the ``notify.on_status.<STATUS>`` settings,
  the list of (kind, audience, change) a change calls for.
* :func:`recipient_for` / :func:`sender_address` — who a message goes to and
  comes from (the order's customer email, ``store.email``, ``mail.from``).
* :func:`resend_kind` / :func:`audiences_for` — what ``order notify`` sends.
* Back-off: :func:`message_backoff` (1, 2, 4 … minutes, at most an hour),
  :func:`transport_backoff` (30 s, 1, 2 … minutes, at most 15),
  :func:`after_failure` (failed or dead after ``outbox.max_attempts``),
  :func:`marker_applies` (is the transport back-off marker still in force?).
* :func:`transport_problem` / :func:`transport_fingerprint` — can messages
  leave with these settings, and which transport a marker was written for.

Everything here is a function of its arguments (an order, settings, counts,
times): :mod:`ordercli.notify.queue` and :mod:`ordercli.notify.delivery`
do the reading and writing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ordercli.i18n import N_, _
from ordercli.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from ordercli.models import Order

# --------------------------------------------------------------------- kinds

#: English, as stored in an order's history; :func:`label` shows them in the screen's language.
KIND_LABELS = {
    "new_order": N_("New order"),
    "confirmation": N_("Order confirmation"),
    "status": N_("Order status changed"),
    "shipped": N_("Order shipped"),
    "pickup": N_("Ready for pickup"),
    "cancelled": N_("Order cancelled"),
    "refunded": N_("Order refunded"),
    "payment": N_("Payment received"),
    "invoice": N_("Invoice"),
    "receipt": N_("Receipt"),
}

STATUSES = ("pending", "sending", "sent", "failed", "dead")


#: Message back-off: 1, 2, 4 … minutes after the 1st, 2nd, 3rd … failed attempt, capped.
BACKOFF_BASE_S = 60
BACKOFF_MAX_S = 3600
#: Transport back-off after consecutive transport failures: 30 s, 1, 2, 4 … min, capped.
TRANSPORT_BACKOFF_BASE_S = 30
TRANSPORT_BACKOFF_MAX_S = 900


def stored_label(kind: str) -> str:
    """The kind in English, for the order's history (stored text, read by tills in any language)."""
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def label(kind: str) -> str:
    """The kind on the screen, in its language."""
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else stored_label(kind)


def message_backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed attempts (≥ 1)."""
    return timedelta(seconds=min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


def transport_backoff(failures: int) -> timedelta:
    return timedelta(seconds=min(TRANSPORT_BACKOFF_BASE_S * 2 ** max(failures - 1, 0), TRANSPORT_BACKOFF_MAX_S))


# ------------------------------------------------------------- what to send


def _customer_may_hear(order: Order, notify_customer: bool) -> bool:
    return bool(notify_customer and order.customer_email and not getattr(order, "walk_in", False))


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


def recipient_for(order: Order, audience: str, settings: Settings) -> str | None:
    if audience == "customer":
        return order.customer_email or None
    if audience == "admin":
        return settings.get("store.email") or None
    raise ValueError(f"unknown audience {audience!r}")


def sender_address(settings: Settings) -> str:
    return settings.get("mail.from") or settings.get("store.email") or ""


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


def resend_audiences(order: Order, to: str, settings: Settings) -> tuple[list[str], str | None]:
    """(the audiences of ``to`` that have an address, and — when none has — who is missing).

    Who is missing is ``"customer"`` (the order has no email) when only the
    customer was asked for, else ``"admin"`` (``store.email`` is empty).
    """
    wanted = audiences_for(to)
    reachable = [a for a in wanted if recipient_for(order, a, settings)]
    if reachable:
        return reachable, None
    return [], ("customer" if to == "customer" else "admin")



# ----------------------------------------------------------------- retrying


def max_attempts(settings: Settings) -> int:
    return int(settings.get("outbox.max_attempts"))


def inline_budget(settings: Settings) -> float:
    """Seconds a command may spend delivering mail after its commit, in total (``mail.inline_budget``)."""
    return float(settings.get("mail.inline_budget"))


def claim_hold(settings: Settings) -> timedelta:
    """How long a claim stays ours: long enough for one send at ``smtp.timeout``, with room to spare."""
    return timedelta(seconds=max(120, 20 * int(settings.get("smtp.timeout"))))


def after_failure(attempts: int, *, permanent: bool, max_attempts: int, now: datetime) -> tuple[str, datetime | None]:
    """(new status, next try) after ``attempts`` failed attempts: ``dead`` when refused for good or out of attempts."""
    if permanent or attempts >= max_attempts:
        return "dead", None
    return "failed", now + message_backoff(attempts)


def why_dead(attempts: int, *, permanent: bool) -> str:
    return "refused for good" if permanent else f"after {attempts} attempt{'s' if attempts != 1 else ''}"


# ---------------------------------------------------------------- transport


def transport_problem(settings: Settings) -> str | None:
    """Why messages cannot leave with these settings (None when they can), in the screen's language."""
    t = settings.get("mail.transport")
    if t == "none":
        return _("mail.transport is none: messages stay queued")
    if not sender_address(settings):
        return _("no sender address: set mail.from (or store.email)")
    if t == "smtp" and not settings.get("smtp.host"):
        return _("smtp.host is not set")
    return None


def transport_fingerprint(settings: Settings) -> str:
    t = settings.get("mail.transport")
    if t == "smtp":
        return f"smtp|{settings.get('smtp.host')}|{settings.get('smtp.port')}|{settings.get('smtp.security')}|{settings.get('smtp.username')}"
    if t == "file":
        return f"file|{settings.get('mail.dir')}"
    return t


def marker_applies(marker: dict | None, settings: Settings, now: datetime) -> bool:
    """The back-off marker holds for these transport settings until its time has passed."""
    return bool(marker) and marker.get("transport") == transport_fingerprint(settings) and marker["until"] > now  # type: ignore[union-attr]


def next_transport_failures(previous: dict | None, settings: Settings) -> int:
    """Consecutive transport failures, counting this one (a changed transport starts again at 1)."""
    if previous and previous.get("transport") == transport_fingerprint(settings):
        return int(previous.get("failures", 0)) + 1
    return 1
