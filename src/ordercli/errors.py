"""Errors that reach the user.

Every error the user can cause is an :class:`OrderCliError` with a message that
says what is wrong and a hint that says what to do. The CLI prints both on
stderr and exits with ``exit_code``; it never shows a traceback unless
``ORDERCLI_DEBUG=1``.
"""

from __future__ import annotations

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
        from ordercli.i18n import _

        self.shortages = shortages
        parts = [_("%(sku)s: asked %(asked)s, available %(available)s") % {"sku": sku, "asked": asked, "available": avail} for sku, asked, avail in shortages]
        super().__init__(_("Not enough stock — %(shortages)s.") % {"shortages": "; ".join(parts)}, hint, code=code, **facts)


class ConflictError(RefusedError):
    """The order changed since it was read (optimistic concurrency)."""


class PriceChangedError(RefusedError):
    """The totals are no longer those the person reviewed (another till changed a price): nothing written."""

    def __init__(self, reviewed: str, now: str):
        from ordercli.i18n import _

        super().__init__(
            _("The total changed since the review (%(reviewed)s → %(now)s): another till changed a price. Nothing was saved.") % {"reviewed": reviewed, "now": now},
            _("Review the order again before saving it."),
        )


class StoreError(OrderCliError):
    """The store cannot be opened or used."""

    exit_code = EXIT_USAGE


class Cancelled(OrderCliError):
    exit_code = EXIT_CANCELLED

    def __init__(self, message: str = "Cancelled, nothing saved."):
        super().__init__(message)


# Notifications: facts only. The CLI adds the hint (which command or flag to use).


class NoCustomerEmailError(RefusedError):
    """The order has no customer email, so nothing can be sent to the customer."""

    def __init__(self, order_number: str, *, what: str | None = None):
        self.order_number = order_number
        self.what = what  # what could not be sent ("the invoice"), if the message names it
        tail = f": {what} cannot be sent." if what else "."
        super().__init__(f"Order {order_number} has no customer email{tail}")


class NoAdminAddressError(RefusedError):
    """``store.email`` is empty, so nothing can be sent to the shop."""

    def __init__(self):
        super().__init__("No admin address is set (store.email).")


class OutboxMessageNotFoundError(NotFoundError):
    def __init__(self, message_id: int):
        self.message_id = message_id
        super().__init__(f"No outbox message {message_id}.")


class OutboxMessageNotRetryableError(RefusedError):
    """The message is ``sent`` or ``sending`` (claimed by a till right now): it cannot be put back in the queue."""

    def __init__(self, message_id: int, status: str, *, has_order: bool):
        self.message_id = message_id
        self.status = status
        self.has_order = has_order
        if status == "sent":
            text = f"Message {message_id} was already sent."
        elif status == "sending":
            text = f"Message {message_id} is being sent right now."
        else:  # pragma: no cover - retry_message puts back every other status
            text = f"Message {message_id} is {status}: it cannot be retried."
        super().__init__(text)
