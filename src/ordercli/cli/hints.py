"""What to do next, in the command line's words: the hint for each error code a service raises.

Services state facts (``RefusedError("Nothing is due on order 1001 …", code="pay.nothing_due",
order="1001")``); this table turns the code and its facts into the commands and flags a
person types. The root error handler (``cli/root.py``) adds the hint to every error
that has none; the wizards word their own (they never print flags at a prompt).
"""

from __future__ import annotations

from typing import Callable

from ordercli.i18n import _

# Every hint is worded in the screen's language when it is shown: the words translate, the
# commands, flags and values (`ordercli order show 1001`, --amount) stay as they are typed.


def _flag(status: str) -> str:
    return status.lower().replace("_", "-")


def _or(items) -> str:
    # Translators: joins two or more choices, as in "--payment paid or --payment cancelled"
    return _(" or ").join(items)


def _nothing_due(order: str, options: tuple = (), missing: str | None = None, **kw) -> str:
    if not options:
        return _("See it with `ordercli order show %(order)s`.") % {"order": order}
    flags = _or(f"--payment {_flag(m)}" for m in options)
    if missing:
        return _("Move it to %(flags)s instead. (--payment paid records a payment of %(missing)s).") % {"flags": flags, "missing": missing}
    return _("Move it to %(flags)s instead.") % {"flags": flags}


def _reopen(order: str, reopen_to: str = "AWAITING_PAYMENT", **kw) -> str:
    if reopen_to == "PAID":
        return _("Reopen it first with `ordercli order status %(order)s --payment paid` (this takes its payment and its stock again).") % {"order": order}
    return _("Reopen it first with `ordercli order status %(order)s --payment awaiting-payment` (this takes its stock again).") % {"order": order}


def _unknown_sku(close: tuple = (), **kw) -> str:
    if close:
        return _("Did you mean %(skus)s? See `ordercli product list --search TEXT`.") % {"skus": ", ".join(close)}
    return _('See `ordercli product list --search TEXT`; in an order, sell it as --custom-item "NAME=PRICE".')


def _locations(locations: tuple = (), **kw) -> str:
    if not locations:
        return _("Leave out --location.")
    return _("Give one of %(locations)s with --location NAME.") % {"locations": ", ".join(repr(x) for x in locations)}


def _till_reason(kind: str, **kw) -> str:
    command = kind.replace("_", "-")
    # Translators: the reason is an example of what a person types; it may be translated
    return _("Add --reason TEXT, e.g. `ordercli till %(command)s 20 --reason 'coins from the bank'`.") % {"command": command}


def _till_amount(what: str, **kw) -> str:
    return _("Give the %(what)s as an amount such as 50 or 50.00.") % {"what": _(what) if what else what}


def _report_range(most: int, **kw) -> str:
    from ordercli.money import grouped

    return _("Give an --until on or after --since, at most %(most)s days apart.") % {"most": grouped(most)}


HINTS: dict[str, Callable[..., str]] = {
    # the catalog (issue 13)
    "catalog.currency": lambda file_currency, currency, **kw: (
        _("Export the catalog in %(currency)s, or sell in %(file_currency)s with `ordercli config set store.currency %(file_currency)s` first.")
        % {"currency": currency, "file_currency": file_currency}
    ),
    "catalog.location": _locations,
    "catalog.inventory_stock": lambda **kw: _("An inventory file changes stock: give --stock set (the file's figures) or --stock add (a delivery)."),
    "catalog.nothing_imported": lambda **kw: _("Fix the rows listed (or write them all with --errors FILE) and import again."),
    "catalog.strict": lambda **kw: _("Fix these rows, or leave out --strict to import the good rows and skip these."),
    "product.not_for_sale": lambda sku, **kw: _("Put it on sale with `ordercli product edit %(sku)s --for-sale`, or sell another item.") % {"sku": sku},
    # an order changed under a till
    "order.changed": lambda order, **kw: _("See what changed with `ordercli order show %(order)s`. Nothing was saved.") % {"order": order},
    "order.closed": _reopen,
    "order.goods_out": lambda order, **kw: (
        _(
            "When they come back: `ordercli order status %(order)s --fulfillment returned`, then cancel. "
            "To give money back without restocking: `ordercli order refund %(order)s --no-restock`."
        )
        % {"order": order}
    ),
    # stock
    "stock.short": lambda **kw: _("Lower the quantities or add stock with `ordercli product stock SKU --add N`. Nothing was saved."),
    "stock.short.reopen": lambda order, **kw: (
        _(
            "Order %(order)s was not reopened: its items are no longer in stock. Add stock with `ordercli product stock SKU --add N`, "
            "or edit the order once stock is back. Nothing was saved."
        )
        % {"order": order}
    ),
    # status moves
    "move.needs_amount": lambda order, **kw: _("Record it with `ordercli order refund %(order)s --amount X` (the status follows).") % {"order": order},
    "move.already_paid": lambda **kw: _("Use --payment awaiting-payment instead."),
    "move.fully_paid": lambda **kw: _("Use --payment paid instead."),
    "move.nothing_due": _nothing_due,
    # payments
    "pay.nothing_due": lambda order, **kw: _("See it with `ordercli order show %(order)s`.") % {"order": order},
    "pay.amount": lambda due, **kw: _("Give --amount up to %(due)s, or leave it out to pay the balance due.") % {"due": due},
    "pay.tendered": lambda **kw: _("Give what the customer handed over, e.g. --tendered 50.00."),
    "pay.tendered_short": lambda applied, **kw: _("Give --tendered of at least %(applied)s, or a smaller --amount.") % {"applied": applied},
    "pay.too_much": lambda due, asked, **kw: (
        _("Pay at most %(due)s; for cash handed over, add --tendered %(asked)s and the change is worked out.") % {"due": due, "asked": asked}
    ),
    # refunds
    "refund.nothing_paid": lambda order, **kw: _("To call the order off, cancel it: `ordercli order cancel %(order)s`.") % {"order": order},
    "refund.done": lambda order, **kw: _("See it with `ordercli order show %(order)s`.") % {"order": order},
    "refund.amount": lambda kept, **kw: _("Give --amount up to %(kept)s.") % {"kept": kept},
    "refund.cancelled_partial": lambda order, **kw: _("Run `ordercli order refund %(order)s` without --amount, or reopen the order first.") % {"order": order},
    "refund.partial_restock": lambda **kw: _("Add --restock-item SKU[:QTY] for each line that came back (or leave out --restock)."),
    "refund.restock_conflict": lambda **kw: _("Give one of --no-restock and --restock-item."),
    "import.stock_for_file": lambda sku, missing, **kw: (
        _("Lower the quantities, or add stock with `ordercli product stock %(sku)s --add %(missing)s`.") % {"sku": sku, "missing": missing}
    ),
    # edits
    "stock.short.edit": lambda order, **kw: (
        _("Lower the quantity, or add stock with `ordercli product stock SKU --add N`. Order %(order)s was not changed.") % {"order": order}
    ),
    "edit.no_items": lambda order, **kw: _("Keep at least one line, or cancel the order with `ordercli order cancel %(order)s`.") % {"order": order},
    "edit.quantity": lambda **kw: _("Use a whole number of at least 1, or --remove-item."),
    # lookups
    "order.unknown": lambda **kw: _("List orders with `ordercli order list`."),
    "order.ref_taken": lambda order, **kw: (
        _("Give this order its own --ref (or none). See the other one with `ordercli order show %(order)s`.") % {"order": order}
    ),
    "customer.unknown": lambda **kw: _("Find customers with `ordercli customer list --search TEXT`."),
    "product.unknown": _unknown_sku,
    # the catalog
    "product.exists": lambda sku, **kw: _("Change it with `ordercli product edit %(sku)s …`.") % {"sku": sku},
    "product.tracked": lambda sku, **kw: _("Use `ordercli product stock %(sku)s --set N`.") % {"sku": sku},
    "product.untracked": lambda sku, **kw: _("Start tracking with `ordercli product edit %(sku)s --stock N`.") % {"sku": sku},
    "product.stock_negative": lambda **kw: _("Give --stock 0 or more, or --untracked."),
    "product.stock_negative_edit": lambda **kw: _("Give --stock 0 or more."),
    "product.stock_set_negative": lambda **kw: _("Give --set 0 or more."),
    "product.stock_args": lambda **kw: _("Give exactly one of --set N or --add N, e.g. `ordercli product stock MUG-01 --add 5`."),
    "product.stock_change_too_big": lambda **kw: _("Give a smaller change, or --set N."),
    "product.stock_add_max": lambda most, **kw: _("Use --add %(most)s at most.") % {"most": most},
    "product.stock_below_zero": lambda least, **kw: _("Use --add %(least)s at most, or --set 0.") % {"least": least},
    # till sessions
    "till.already_open": lambda till, **kw: (
        _("See it with `ordercli till status --till %(till)s`; close it first with `ordercli till close --counted AMOUNT --till %(till)s`.") % {"till": till}
    ),
    "till.not_open": lambda till, **kw: _("Open one with `ordercli till open --float AMOUNT --till %(till)s`.") % {"till": till},
    "till.unknown_session": lambda **kw: _("See the sessions with `ordercli till history`."),
    "till.reason": _till_reason,
    "till.amount": _till_amount,
    "report.range": _report_range,
    "till.cash_out_too_much": lambda till, **kw: _("Check the drawer with `ordercli till status --till %(till)s`.") % {"till": till},
}


def hint_for(error) -> str | None:
    """The hint for a service error (``None`` if it has no code this table knows)."""
    make = HINTS.get(getattr(error, "code", None) or "")
    if make is None:
        return None
    return make(**getattr(error, "facts", {}))


# At a wizard prompt the person is not typing flags: a few hints are worded for the prompt.
PROMPT_HINTS: dict[str, Callable[..., str]] = {
    "stock.short": lambda **kw: _("Lower the quantities (another till may have sold the last ones). Nothing was saved."),
    "stock.short.edit": lambda order, **kw: _("Lower the quantity. Order %(order)s was not changed.") % {"order": order},
}


def hint_at_prompt(error) -> str | None:
    """The hint for an error shown inside a wizard: the error's own, a prompt wording, or the CLI's."""
    if getattr(error, "hint", None):
        return error.hint
    make = PROMPT_HINTS.get(getattr(error, "code", None) or "")
    return make(**getattr(error, "facts", {})) if make else hint_for(error)
