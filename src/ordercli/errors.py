"""Errors that reach the user.

Every error the user can cause is an :class:`OrderCliError` with a message that
says what is wrong and a hint that says what to do. The CLI prints both on
stderr and exits with ``exit_code``; it never shows a traceback unless
``ORDERCLI_DEBUG=1``.
"""

from __future__ import annotations

from ordercli.i18n import N_, _

EXIT_OK = 0
EXIT_REFUSED = 1  # refused by a business rule
EXIT_USAGE = 2  # bad input or usage
EXIT_SAVED_BUT_FAILED = 3  # the change was committed, then something failed (output, read-back): do not retry
EXIT_CANCELLED = 130  # Ctrl-C / cancelled by the user


class OrderCliError(Exception):
    """``message`` states the fact; ``hint`` says what to do.

    Services speak in facts: they give a ``code`` and the ``facts`` it needs
    (order number, amounts…) and no hint; the CLI words the hint for that code,
    with the commands and flags to use (``cli/hints.py``). Code outside the
    services (the CLI's own parsing) may still pass a ``hint`` directly.
    """

    exit_code = EXIT_REFUSED

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None, *, code: str | None = None, **facts):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code
        self.facts = facts
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InputError(OrderCliError):
    """Bad input or usage (exit 2)."""

    exit_code = EXIT_USAGE


class RefusedError(OrderCliError):
    """A business rule refused the request (exit 1)."""

    exit_code = EXIT_REFUSED


class NotFoundError(RefusedError):
    """An order, product or customer that does not exist (exit 1)."""


class OutOfStockError(RefusedError):
    """Not enough stock. ``code`` says for what (``stock.short``: a sale; ``stock.short.reopen``…)."""

    def __init__(self, shortages: list[tuple[str, int, int]], hint: str | None = None, *, code: str = "stock.short", **facts):
        # shortages: (sku, asked, available)
        self.shortages = shortages
        parts = [_("%(sku)s: asked %(asked)s, available %(available)s") % {"sku": sku, "asked": asked, "available": avail} for sku, asked, avail in shortages]
        # Translators: separates the products short of stock, as in "MUG-01: asked 3, available 1; CUP: …"
        super().__init__(_("Not enough stock — %(shortages)s.") % {"shortages": _("; ").join(parts)}, hint, code=code, **facts)


class ConflictError(RefusedError):
    """The order changed since it was read (optimistic concurrency)."""


class PriceChangedError(RefusedError):
    """The totals are no longer those the person reviewed (another till changed a price): nothing written."""

    def __init__(self, reviewed: str, now: str):
        super().__init__(
            _("The total changed since the review (%(reviewed)s → %(now)s): another till changed a price. Nothing was saved.") % {"reviewed": reviewed, "now": now},
            _("Review the order again before saving it."),
        )


class StoreError(OrderCliError):
    """The store cannot be opened or used."""

    exit_code = EXIT_USAGE


class Cancelled(OrderCliError):
    exit_code = EXIT_CANCELLED

    def __init__(self, message: str | None = None):
        super().__init__(_("Cancelled, nothing saved.") if message is None else message)


# Notifications: facts only. The CLI adds the hint (which command or flag to use).


#: what ``NoCustomerEmailError(what=...)`` may name, translated in its message
WHAT_CANNOT_BE_SENT = (N_("the invoice"), N_("the receipt"))


class NoCustomerEmailError(RefusedError):
    """The order has no customer email, so nothing can be sent to the customer."""

    def __init__(self, order_number: str, *, what: str | None = None):
        self.order_number = order_number
        self.what = what  # what could not be sent ("the invoice"), if the message names it
        if what:  # "the invoice", "the receipt": marked where they are given, translated here
            text = _("Order %(order)s has no customer email: %(what)s cannot be sent.") % {"order": order_number, "what": _(what)}
        else:
            text = _("Order %(order)s has no customer email.") % {"order": order_number}
        super().__init__(text)


class NoAdminAddressError(RefusedError):
    """``store.email`` is empty, so nothing can be sent to the shop."""

    def __init__(self):
        super().__init__(_("No admin address is set (store.email)."))


class OutboxMessageNotFoundError(NotFoundError):
    def __init__(self, message_id: int):
        self.message_id = message_id
        super().__init__(_("No outbox message %(id)s.") % {"id": message_id})


class OutboxMessageNotRetryableError(RefusedError):
    """The message is ``sent`` or ``sending`` (claimed by a till right now): it cannot be put back in the queue."""

    def __init__(self, message_id: int, status: str, *, has_order: bool):
        self.message_id = message_id
        self.status = status
        self.has_order = has_order
        if status == "sent":
            text = _("Message %(id)s was already sent.") % {"id": message_id}
        elif status == "sending":
            text = _("Message %(id)s is being sent right now.") % {"id": message_id}
        else:  # pragma: no cover - retry_message puts back every other status
            text = _("Message %(id)s is %(status)s: it cannot be retried.") % {"id": message_id, "status": status}
        super().__init__(text)
