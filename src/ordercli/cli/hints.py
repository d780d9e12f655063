"""What to do next, in the command line's words: the hint for each error code a service raises.

Services state facts (``RefusedError("Nothing is due on order 1001 …", code="pay.nothing_due",
order="1001")``); this table turns the code and its facts into the commands and flags a
person types. The root error handler (``cli/root.py``) adds the hint to every error
that has none; the wizards word their own (they never print flags at a prompt).
"""

from __future__ import annotations

from typing import Callable


def _flag(status: str) -> str:
    return status.lower().replace("_", "-")


def _nothing_due(order: str, options: tuple = (), missing: str | None = None, **_) -> str:
    if not options:
        return f"See it with `ordercli order show {order}`."
    hint = "Move it to " + " or ".join(f"--payment {_flag(m)}" for m in options) + " instead."
    if missing:
        hint += f" (--payment paid records a payment of {missing})."
    return hint


def _reopen(order: str, reopen_to: str = "AWAITING_PAYMENT", **_) -> str:
    if reopen_to == "PAID":
        return f"Reopen it first with `ordercli order status {order} --payment paid` (this takes its payment and its stock again)."
    return f"Reopen it first with `ordercli order status {order} --payment awaiting-payment` (this takes its stock again)."


def _unknown_sku(close: tuple = (), **_) -> str:
    if close:
        return "Did you mean " + ", ".join(close) + "? See `ordercli product list --search TEXT`."
    return "See `ordercli product list --search TEXT`; in an order, sell it as --custom-item \"NAME=PRICE\"."


def _locations(locations: tuple = (), **_) -> str:
    if not locations:
        return "Leave out --location."
    return "Give one of " + ", ".join(repr(x) for x in locations) + " with --location NAME."


HINTS: dict[str, Callable[..., str]] = {
    # the catalog (issue 13)
    "catalog.currency": lambda file_currency, currency, **_: (
        f"Export the catalog in {currency}, or sell in {file_currency} with `ordercli config set store.currency {file_currency}` first."
    ),
    "catalog.location": _locations,
    "catalog.inventory_stock": lambda **_: "An inventory file changes stock: give --stock set (the file's figures) or --stock add (a delivery).",
    "catalog.nothing_imported": lambda **_: "Fix the rows listed (or write them all with --errors FILE) and import again.",
    "catalog.strict": lambda **_: "Fix these rows, or leave out --strict to import the good rows and skip these.",
    "product.not_for_sale": lambda sku, **_: f"Put it on sale with `ordercli product edit {sku} --for-sale`, or sell another item.",
    # an order changed under a till
    "order.changed": lambda order, **_: f"See what changed with `ordercli order show {order}`. Nothing was saved.",
    "order.closed": _reopen,
    "order.goods_out": lambda order, **_: (
        f"When they come back: `ordercli order status {order} --fulfillment returned`, then cancel. "
        f"To give money back without restocking: `ordercli order refund {order} --no-restock`."
    ),
    # stock
    "stock.short": lambda **_: "Lower the quantities or add stock with `ordercli product stock SKU --add N`. Nothing was saved.",
    "stock.short.reopen": lambda order, **_: (
        f"Order {order} was not reopened: its items are no longer in stock. Add stock with `ordercli product stock SKU --add N`, "
        "or edit the order once stock is back. Nothing was saved."
    ),
    # status moves
    "move.needs_amount": lambda order, **_: f"Record it with `ordercli order refund {order} --amount X` (the status follows).",
    "move.already_paid": lambda **_: "Use --payment awaiting-payment instead.",
    "move.fully_paid": lambda **_: "Use --payment paid instead.",
    "move.nothing_due": _nothing_due,
    # payments
    "pay.nothing_due": lambda order, **_: f"See it with `ordercli order show {order}`.",
    "pay.amount": lambda due, **_: f"Give --amount up to {due}, or leave it out to pay the balance due.",
    "pay.tendered": lambda **_: "Give what the customer handed over, e.g. --tendered 50.00.",
    "pay.tendered_short": lambda applied, **_: f"Give --tendered of at least {applied}, or a smaller --amount.",
    "pay.too_much": lambda due, asked, **_: f"Pay at most {due}; for cash handed over, add --tendered {asked} and the change is worked out.",
    # refunds
    "refund.nothing_paid": lambda order, **_: f"To call the order off, cancel it: `ordercli order cancel {order}`.",
    "refund.done": lambda order, **_: f"See it with `ordercli order show {order}`.",
    "refund.amount": lambda kept, **_: f"Give --amount up to {kept}.",
    "refund.cancelled_partial": lambda order, **_: f"Run `ordercli order refund {order}` without --amount, or reopen the order first.",
    "refund.partial_restock": lambda **_: "Add --restock-item SKU[:QTY] for each line that came back (or leave out --restock).",
    "refund.restock_conflict": lambda **_: "Give one of --no-restock and --restock-item.",
    "import.stock_for_file": lambda sku, missing, **_: f"Lower the quantities, or add stock with `ordercli product stock {sku} --add {missing}`.",
    # edits
    "stock.short.edit": lambda order, **_: f"Lower the quantity, or add stock with `ordercli product stock SKU --add N`. Order {order} was not changed.",
    "edit.no_items": lambda order, **_: f"Keep at least one line, or cancel the order with `ordercli order cancel {order}`.",
    "edit.quantity": lambda **_: "Use a whole number of at least 1, or --remove-item.",
    # lookups
    "order.unknown": lambda **_: "List orders with `ordercli order list`.",
    "order.ref_taken": lambda order, **_: f"Give this order its own --ref (or none). See the other one with `ordercli order show {order}`.",
    "customer.unknown": lambda **_: "Find customers with `ordercli customer list --search TEXT`.",
    "product.unknown": _unknown_sku,
    # the catalog
    "product.exists": lambda sku, **_: f"Change it with `ordercli product edit {sku} …`.",
    "product.tracked": lambda sku, **_: f"Use `ordercli product stock {sku} --set N`.",
    "product.untracked": lambda sku, **_: f"Start tracking with `ordercli product edit {sku} --stock N`.",
    "product.stock_negative": lambda **_: "Give --stock 0 or more, or --untracked.",
    "product.stock_negative_edit": lambda **_: "Give --stock 0 or more.",
    "product.stock_set_negative": lambda **_: "Give --set 0 or more.",
    "product.stock_args": lambda **_: "Give exactly one of --set N or --add N, e.g. `ordercli product stock MUG-01 --add 5`.",
    "product.stock_change_too_big": lambda **_: "Give a smaller change, or --set N.",
    "product.stock_add_max": lambda most, **_: f"Use --add {most} at most.",
    "product.stock_below_zero": lambda least, **_: f"Use --add {least} at most, or --set 0.",
    # till sessions
    "till.already_open": lambda till, **_: f"See it with `ordercli till status --till {till}`; close it first with `ordercli till close --counted AMOUNT --till {till}`.",
    "till.not_open": lambda till, **_: f"Open one with `ordercli till open --float AMOUNT --till {till}`.",
    "till.unknown_session": lambda **_: "See the sessions with `ordercli till history`.",
    "till.reason": lambda kind, **_: f"Add --reason TEXT, e.g. `ordercli till {kind.replace('_', '-')} 20 --reason 'coins from the bank'`.",
    "till.amount": lambda what, **_: f"Give the {what} as an amount such as 50 or 50.00.",
    "report.range": lambda most, **_: f"Give an --until on or after --since, at most {most:,} days apart.",
    "till.cash_out_too_much": lambda till, **_: f"Check the drawer with `ordercli till status --till {till}`.",
}


def hint_for(error) -> str | None:
    """The hint for a service error (``None`` if it has no code this table knows)."""
    make = HINTS.get(getattr(error, "code", None) or "")
    if make is None:
        return None
    return make(**getattr(error, "facts", {}))


# At a wizard prompt the person is not typing flags: a few hints are worded for the prompt.
PROMPT_HINTS: dict[str, Callable[..., str]] = {
    "stock.short": lambda **_: "Lower the quantities (another till may have sold the last ones). Nothing was saved.",
    "stock.short.edit": lambda order, **_: f"Lower the quantity. Order {order} was not changed.",
}


def hint_at_prompt(error) -> str | None:
    """The hint for an error shown inside a wizard: the error's own, a prompt wording, or the CLI's."""
    if getattr(error, "hint", None):
        return error.hint
    make = PROMPT_HINTS.get(getattr(error, "code", None) or "")
    return make(**getattr(error, "facts", {})) if make else hint_for(error)
