"""``ordercli order edit|status|cancel|pay|refund``: after the sale.

Plain functions with Typer parameters; ``cli/root.py`` registers them on
the ``order`` app. Like every CLI module this imports only Typer and light
modules at import time; the database layer, rich and questionary are imported
inside the commands. What they print is drawn by ``cli/render.py``; what they
ask, by ``wizard/``.

Each command: parse → one service call in one write transaction → commit →
deliver the outbox → render. Scripts may pass ``--expect-version N`` (the
``version`` of ``order show --format json``): if the order changed since, the
command is refused and nothing is written.
"""

from __future__ import annotations

from typing import List, Optional

import typer

from ordercli.cli._state import ShowFormat, can_prompt
from ordercli.errors import InputError
from ordercli.i18n import _

EXPECT_HELP = "Refuse (exit 1, nothing written) unless the order is still at this version (see `order show --format json`)."
NOTIFY_HELP = "Email the customer about this change when the store's settings call for it (--no-notify: staff only)."


# ------------------------------------------------------------------ helpers


def _settings(engine):
    from ordercli import db as dbmod
    from ordercli.services import common

    with dbmod.read_session(engine) as s:
        return common.load_settings(s)


def _currency_of(engine, number: str) -> str:
    from ordercli import db as dbmod
    from ordercli.services import common

    with dbmod.read_session(engine) as s:
        return common.get_order(s, number).currency


def _method_of(engine, text: str | None) -> tuple[str | None, str | None]:
    """``--method`` text -> (its label, its code) from the store's ``payment.methods``; unknown text is refused with the list."""
    if text is None or not text.strip():
        return None, None
    from ordercli import db as dbmod
    from ordercli import payment_methods
    from ordercli.services import common

    with dbmod.read_session(engine) as s:
        settings = common.load_settings(s)
    methods = payment_methods.of(settings)
    code = payment_methods.resolve(text, methods, settings.locale)
    return payment_methods.label(code, methods), code


# --------------------------------------------------------------------- edit

EDIT_HELP = """Change an order: items, customer, discounts, shipping, notes.

Examples:

  ordercli order edit FAIR-1042 --set-qty MUG-01=3 --add-item CARD:2

  ordercli order edit FAIR-1042 --remove-item CARD --discount 10% --note "Gift"

  ordercli order edit FAIR-1042          (interactive, on a terminal)

Totals are recomputed with the same pricing as `order create`; stock moves by
the difference only (raising 2 to 3 needs 1 more in stock). Cancelled and
refunded orders must be reopened first. An empty value clears a field
(--note ""); --discount 0 removes the discount.
"""


def _parse_pairs(values: list[str], flag: str, parse_value, example: str) -> list[tuple[str, object]]:
    out = []
    for raw in values:
        key, sep, val = str(raw).rpartition("=")
        if not sep or not key.strip() or not val.strip():
            raise InputError(_("Invalid %(flag)s %(value)s.") % {"flag": flag, "value": repr(raw)}, _("Write %(example)s.") % {"example": f"{flag} {example}"})
        try:
            out.append((key.strip(), parse_value(val.strip())))
        except InputError as e:
            raise InputError(
                _("Invalid %(flag)s %(value)s: %(problem)s") % {"flag": flag, "value": repr(raw), "problem": e.message},
                e.hint or _("Write %(example)s.") % {"example": f"{flag} {example}"},
            ) from None
    return out


def edit(
    number: str = typer.Argument(..., help="Order number (the bare number works too)."),
    add_item: List[str] = typer.Option([], "--add-item", metavar="SKU[:QTY]", help="Add a catalog item (repeatable; the same SKU adds to its line)."),
    add_custom_item: List[str] = typer.Option([], "--add-custom-item", metavar="NAME=PRICE[xQTY]", help="Add an item not in the catalog (repeatable)."),
    remove_item: List[str] = typer.Option([], "--remove-item", metavar="SKU", help="Remove a line (SKU, or the name of a custom line; NAME#2 for the second line of that name)."),
    set_qty: List[str] = typer.Option([], "--set-qty", metavar="SKU=QTY", help="Change a line's quantity (custom lines by name, as --remove-item)."),
    set_price: List[str] = typer.Option([], "--set-price", metavar="SKU=PRICE", help="Change a line's unit price (custom lines by name, as --remove-item)."),
    name: Optional[str] = typer.Option(None, "--name", help="Customer name."),
    email: Optional[str] = typer.Option(None, "--email", help="Customer email (\"\" removes it)."),
    phone: Optional[str] = typer.Option(None, "--phone", help="Customer phone (\"\" removes it)."),
    discount: Optional[str] = typer.Option(None, "--discount", metavar="10%|5.00", help="Order discount (0 removes it)."),
    tip: Optional[str] = typer.Option(None, "--tip", metavar="AMOUNT", help="Tip (0 removes it)."),
    surcharge: List[str] = typer.Option([], "--surcharge", metavar="LABEL=AMOUNT|PCT%", help="Add a surcharge (repeatable)."),
    clear_surcharges: bool = typer.Option(False, "--clear-surcharges", help="Remove all surcharges (before adding any --surcharge)."),
    payment_method: Optional[str] = typer.Option(None, "--payment-method", help="Free text: Cash, Card terminal…"),
    note: Optional[str] = typer.Option(None, "--note", help="Note visible to the customer."),
    staff_note: Optional[str] = typer.Option(None, "--staff-note", help="Private note for staff."),
    shipping_method: Optional[str] = typer.Option(None, "--shipping-method", help="Shipping method name."),
    shipping_cost: Optional[str] = typer.Option(None, "--shipping-cost", metavar="AMOUNT", help="Shipping cost."),
    pickup: Optional[bool] = typer.Option(None, "--pickup/--no-pickup", help="The customer picks the order up / it is shipped."),
    ship_name: Optional[str] = typer.Option(None, "--ship-name", help="Shipping address: recipient name."),
    ship_street: Optional[str] = typer.Option(None, "--ship-street", help="Shipping address: street."),
    ship_city: Optional[str] = typer.Option(None, "--ship-city", help="Shipping address: city."),
    ship_postal_code: Optional[str] = typer.Option(None, "--ship-postal-code", help="Shipping address: postal code."),
    ship_country: Optional[str] = typer.Option(None, "--ship-country", metavar="CC", help="Shipping address: country code."),
    bill_name: Optional[str] = typer.Option(None, "--bill-name", help="Billing address: name."),
    bill_street: Optional[str] = typer.Option(None, "--bill-street", help="Billing address: street."),
    bill_city: Optional[str] = typer.Option(None, "--bill-city", help="Billing address: city."),
    bill_postal_code: Optional[str] = typer.Option(None, "--bill-postal-code", help="Billing address: postal code."),
    bill_country: Optional[str] = typer.Option(None, "--bill-country", metavar="CC", help="Billing address: country code."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Interactive edit: save without the final confirmation."),
    expect_version: Optional[int] = typer.Option(None, "--expect-version", metavar="N", help=EXPECT_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="Output: table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.domain import Address, parse_adjustment, parse_custom_item, parse_item_spec, parse_quantity, parse_surcharge
    from ordercli.money import parse_money
    from ordercli.services import edits, orders

    engine = _state.engine()
    cur = _currency_of(engine, number)

    def money_or_zero(text: str, what: str) -> int:
        return parse_money(text, cur, what=what) if text.strip() else 0

    disc = None
    clear_disc = False
    if discount is not None:
        t = discount.strip().lower()
        if t in ("", "0", "0%", "none", "0.00"):
            clear_disc = True
        else:
            disc = parse_adjustment(discount, cur, "discount")
    ch = edits.EditChanges(
        add_items=[parse_item_spec(x) for x in add_item] + [parse_custom_item(x, cur) for x in add_custom_item],
        remove=[x.strip() for x in remove_item],
        set_qty=_parse_pairs(set_qty, "--set-qty", parse_quantity, "SKU=QTY, e.g. --set-qty MUG-01=3"),  # type: ignore[arg-type]
        set_price=_parse_pairs(set_price, "--set-price", lambda v: parse_money(v, cur), "SKU=PRICE, e.g. --set-price MUG-01=15.00"),  # type: ignore[arg-type]
        name=name,
        email=email,
        phone=phone,
        discount=disc,
        clear_discount=clear_disc,
        tip=money_or_zero(tip, "tip") if tip is not None else None,
        surcharges=[parse_surcharge(x, cur) for x in surcharge],
        clear_surcharges=clear_surcharges,
        payment_method=payment_method,
        note=note,
        staff_note=staff_note,
        shipping_method=shipping_method,
        shipping_cost=money_or_zero(shipping_cost, "shipping cost") if shipping_cost is not None else None,
        pickup=pickup,
        ship=Address(ship_name, ship_street, ship_city, ship_postal_code, ship_country),
        bill=Address(bill_name, bill_street, bill_city, bill_postal_code, bill_country),
    )
    if name is not None and not name.strip():
        raise InputError(_("The customer name cannot be empty."), _("Give --name with the new name, or leave --name out."))

    if ch.is_empty():
        if not can_prompt():
            raise InputError(
                _("Nothing to change."),
                _("Give what to change, e.g. %(command)s, or run it on a terminal for the interactive edit.") % {"command": f"`ordercli order edit {number} --set-qty SKU=QTY`"},
            )
        from ordercli.wizard.edit import run_edit_wizard

        run_edit_wizard(engine, number, yes=yes, dry_run=dry_run, fmt=fmt.value, expect_version=expect_version)
        return

    from ordercli.cli.flag_names import naming_flags

    if dry_run:
        # plan_edit is the first half of edit_order itself (everything but the writes).
        with dbmod.read_session(engine) as s, naming_flags():
            plan = edits.preview_edit(s, number=number, changes=ch, expected_version=expect_version)
            render.show_plan(plan, fmt=fmt.value)
        return

    with _state.unit_of_work(engine) as uow, naming_flags():  # the gate's field paths -> these flags
        res = edits.edit_order(uow.session, number=number, changes=ch, expected_version=expect_version, door="flags")
        o = res.order
        number = o.number
        if res.changed:
            uow.commit(saved=_("The edit of order %(number)s") % {"number": number})
    if not res.changed:
        output.message(_("Nothing changed on order %(number)s.") % {"number": output.escape(number)})
        if fmt == ShowFormat.json:
            output.print_json(render.detail_json(engine, number, changed=False))
        return
    if fmt == ShowFormat.json:
        output.print_json(render.detail_json(engine, number, changed=True, changes=res.summary))
    else:
        with dbmod.read_session(engine) as s:
            render.render_order(orders.order_detail(s, number))
    render.announce_edit(res)


# ------------------------------------------------------------------- status

STATUS_HELP = """Change an order's payment and/or fulfillment status.

Examples:

  ordercli order status FAIR-1042 --fulfillment shipped --tracking-number 6A123

  ordercli order status FAIR-1042 --payment paid

  ordercli order status FAIR-1042          (shows the statuses and the allowed moves)

Names are Ecwid's (AWAITING_PAYMENT, PAID, CANCELLED, REFUNDED, PARTIALLY_REFUNDED,
INCOMPLETE; AWAITING_PROCESSING, PROCESSING, SHIPPED, DELIVERED, WILL_NOT_DELIVER,
RETURNED, READY_FOR_PICKUP, OUT_FOR_DELIVERY), any case, with spaces or dashes.
CANCELLED and REFUNDED give the stock back once; moving back to AWAITING_PAYMENT
or PAID takes it again. PAID records a payment of what is due.
"""


def status(
    number: str = typer.Argument(..., help="Order number."),
    payment: Optional[str] = typer.Option(None, "--payment", metavar="STATUS", help="New payment status, e.g. paid, cancelled."),
    fulfillment: Optional[str] = typer.Option(None, "--fulfillment", metavar="STATUS", help="New fulfillment status, e.g. shipped, ready-for-pickup."),
    tracking_number: Optional[str] = typer.Option(None, "--tracking-number", help="Carrier tracking number (\"\" removes it)."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why (kept in the timeline)."),
    notify: bool = typer.Option(True, "--notify/--no-notify", help=NOTIFY_HELP),
    expect_version: Optional[int] = typer.Option(None, "--expect-version", metavar="N", help=EXPECT_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="Output: table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.services import common, status_changes
    from ordercli.statuses import parse_fulfillment_status, parse_payment_status

    p = parse_payment_status(payment) if payment is not None else None
    f = parse_fulfillment_status(fulfillment) if fulfillment is not None else None
    engine = _state.engine()
    if p is None and f is None and tracking_number is None:
        with dbmod.read_session(engine) as s:
            o = common.get_order(s, number)
        pay_moves, ful_moves = status_changes.possible_moves(o)
        if fmt == ShowFormat.json:
            output.print_json(
                {
                    "number": o.number,
                    "payment_status": o.payment_status,
                    "fulfillment_status": o.fulfillment_status,
                    "version": o.version,
                    "payment_moves": pay_moves,
                    "fulfillment_moves": ful_moves,
                }
            )
            return
        render.status_moves(o, pay_moves, ful_moves)
        return
    with _state.unit_of_work(engine) as uow:
        res = status_changes.change_status(
            uow.session, number=number, payment=p, fulfillment=f, tracking_number=tracking_number, reason=reason, expected_version=expect_version, notify_customer=notify, door="flags"
        )
        o = res.order
        if res.changed:
            uow.commit(saved=_("The status change of order %(number)s") % {"number": o.number})
    _report_status(engine, res, fmt=fmt.value)


def _report_status(engine, res, *, fmt: str) -> None:
    from ordercli import output
    import ordercli.cli.render as render

    if fmt == "json":
        output.print_json(render.detail_json(engine, res.order.number, changed=res.changed))
    else:
        render.status_line(res.order)
    render.status_change(res)


# ------------------------------------------------------------------- cancel

CANCEL_HELP = (
    "Cancel an order: payment Cancelled, fulfillment Will not deliver, its stock returned.\n\n"
    "Example: ordercli order cancel FAIR-1042 --reason 'Customer called' --yes\n\n"
    "Asks for confirmation on a terminal; elsewhere --yes is required. Reopen with "
    "`ordercli order status NUMBER --payment awaiting-payment` (takes the stock again)."
)


def cancel(
    number: str = typer.Argument(..., help="Order number."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why (kept in the timeline, may be emailed)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    notify: bool = typer.Option(True, "--notify/--no-notify", help=NOTIFY_HELP),
    expect_version: Optional[int] = typer.Option(None, "--expect-version", metavar="N", help=EXPECT_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="Output: table or json."),
) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.cli.render import money
    from ordercli.services import status_changes

    engine = _state.engine()
    expected = expect_version
    if not yes:
        if not can_prompt():
            raise InputError(_("Cancelling order %(number)s needs confirmation.") % {"number": number}, _("Add --yes to cancel without a terminal."))
        # Preview in a transaction that is rolled back: exactly what would happen, or the refusal.
        from ordercli.uow import preview
        from ordercli.wizard.confirm import confirm_change

        def _run(s):
            pre = status_changes.cancel_order(s, number=number, reason=reason, expected_version=expect_version)
            o = pre.order
            return (o.number, pre.from_version, o.total, o.currency, dict(pre.stock_returned), dict(pre.skus), pre.changed, o.payment_status)

        num, shown_version, total, cur, back, skus, changed, st = preview(engine, _run)
        if not changed:
            output.message(_("Order %(number)s is already cancelled. Nothing changed.") % {"number": output.escape(num)})
            return
        if back:
            what = _("Cancel order %(number)s (%(total)s) and return %(units)s to stock?") % {"number": num, "total": money(total, cur), "units": render.units(back, skus)}
        else:
            what = _("Cancel order %(number)s (%(total)s)?") % {"number": num, "total": money(total, cur)}
        if not confirm_change(what, yes=False, what=_("Cancelling"), flag_hint=_("cancel")):
            output.message(_("Not cancelled. Nothing changed."))
            return
        expected = shown_version if expect_version is None else expect_version
    with _state.unit_of_work(engine) as uow:
        res = status_changes.cancel_order(uow.session, number=number, reason=reason, expected_version=expected, notify_customer=notify, door="flags")
        if res.changed:
            uow.commit(saved=_("The cancellation of order %(number)s") % {"number": res.order.number})
    _report_status(engine, res, fmt=fmt.value)


# ---------------------------------------------------------------------- pay

PAY_HELP = """Record a payment (default: the balance due).

Examples:

  ordercli order pay FAIR-1042 --method Cash --tendered 50.00      (prints the change)

  ordercli order pay FAIR-1042 --amount 20.00 --method "Card terminal"

When payments cover the total the order becomes Paid; a part payment leaves it
Awaiting payment with the balance due shown. Paying more than is due is
refused unless cash was tendered (the rest is change).
"""


def pay(
    number: str = typer.Argument(..., help="Order number."),
    amount: Optional[str] = typer.Option(None, "--amount", metavar="AMOUNT", help="Amount paid (default: the balance due)."),
    method: Optional[str] = typer.Option(None, "--method", help="A payment method of the store (code or label: cash, card…; default: the order's payment method)."),
    tendered: Optional[str] = typer.Option(None, "--tendered", metavar="AMOUNT", help="Cash handed over; the change is printed."),
    reference: Optional[str] = typer.Option(
        None, "--ref", "--reference", metavar="TEXT", help="Receipt or transaction reference. A retry with the same reference records nothing new and prints the earlier payment."
    ),
    notify: bool = typer.Option(True, "--notify/--no-notify", help=NOTIFY_HELP),
    expect_version: Optional[int] = typer.Option(None, "--expect-version", metavar="N", help=EXPECT_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="Output: table or json."),
) -> None:
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.cli.render import money
    from ordercli.money import parse_money
    from ordercli.services import payments

    engine = _state.engine()
    cur = _currency_of(engine, number)
    amt = parse_money(amount, cur, what="amount") if amount is not None else None
    tend = parse_money(tendered, cur, what="amount tendered") if tendered is not None else None
    method, code = _method_of(engine, method)
    with _state.unit_of_work(engine) as uow:
        res = payments.record_payment(
            uow.session, number=number, amount=amt, method=method, tendered=tend, reference=reference, expected_version=expect_version, notify_customer=notify, door="flags",
            method_code=code,
        )
        if not res.repeated:
            uow.commit(saved=_("Payment of %(amount)s on order %(number)s") % {"amount": money(res.payment.amount, cur), "number": res.order.number})
    render.payment_recorded(engine, res, currency=cur, fmt=fmt.value)

# ------------------------------------------------------------------- refund

REFUND_HELP = """Give money back (default: all that was paid).

Examples:

  ordercli order refund FAIR-1042 --reason "Damaged" --yes          (full: Refunded, stock returned)

  ordercli order refund FAIR-1042 --amount 18.00 --restock-item MUG-01:1 --yes

A full refund makes the order Refunded and returns its stock (--no-restock keeps
it out); a partial refund makes it Partially refunded and returns only the
lines named with --restock-item. Asks for confirmation on a terminal; elsewhere
--yes is required.
"""


def _parse_restock_items(values: list[str]) -> list[tuple[str, int | None]]:
    from ordercli.domain import parse_quantity

    out: list[tuple[str, int | None]] = []
    for raw in values:
        text = str(raw).strip()
        sku, sep, qty = text.rpartition(":")
        if not sep:
            sku, qty = text, ""
        if not sku.strip():
            raise InputError(_("Invalid --restock-item %(value)s.") % {"value": repr(raw)}, _("Write --restock-item SKU or SKU:QTY, e.g. --restock-item MUG-01:1."))
        try:
            out.append((sku.strip(), parse_quantity(qty) if qty.strip() else None))
        except InputError as e:
            raise InputError(
                _("Invalid --restock-item %(value)s: %(problem)s") % {"value": repr(raw), "problem": e.message}, _("Write --restock-item SKU:QTY, e.g. --restock-item MUG-01:1.")
            ) from None
    return out


def refund(
    number: str = typer.Argument(..., help="Order number."),
    amount: Optional[str] = typer.Option(None, "--amount", metavar="AMOUNT", help="Amount to give back (default: everything paid)."),
    restock: Optional[bool] = typer.Option(None, "--restock/--no-restock", help="Return the order's stock (default: yes for a full refund, unless the goods are shipped or delivered)."),
    restock_item: List[str] = typer.Option([], "--restock-item", metavar="SKU[:QTY]", help="Return these units to stock (repeatable; default QTY: all)."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why (kept in the timeline)."),
    method: Optional[str] = typer.Option(None, "--method", help="How the money goes back: a payment method of the store (default: as it was paid)."),
    reference: Optional[str] = typer.Option(
        None, "--ref", "--reference", metavar="TEXT", help="Refund reference. A retry with the same reference records nothing new and prints the earlier refund."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    notify: bool = typer.Option(True, "--notify/--no-notify", help=NOTIFY_HELP),
    expect_version: Optional[int] = typer.Option(None, "--expect-version", metavar="N", help=EXPECT_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="Output: table or json."),
) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.cli.render import money
    from ordercli.money import parse_money
    from ordercli.services import payments

    engine = _state.engine()
    cur = _currency_of(engine, number)
    amt = parse_money(amount, cur, what="amount") if amount is not None else None
    items = _parse_restock_items(restock_item)
    method, code = _method_of(engine, method)
    kwargs = dict(number=number, amount=amt, restock=restock, restock_items=items, reason=reason, method=method, method_code=code, reference=reference)
    expected = expect_version
    if not yes:
        if not can_prompt():
            raise InputError(_("Refunding order %(number)s needs confirmation.") % {"number": number}, _("Add --yes to refund without a terminal."))
        from ordercli.uow import preview
        from ordercli.wizard.confirm import confirm_change

        def _run(s):
            pre = payments.refund_order(s, expected_version=expect_version, **kwargs)  # type: ignore[arg-type]
            return (pre.order.number, pre.from_version, pre.refund.amount, dict(pre.restocked), dict(pre.skus), pre.full, pre.repeated)

        num, shown_version, a, back, skus, full, repeated = preview(engine, _run)
        values = {"amount": money(a, cur), "number": num, "units": render.units(back, skus) if back else ""}
        if full and back:
            what = _("Refund %(amount)s on order %(number)s (in full) and return %(units)s to stock?") % values
        elif full:
            what = _("Refund %(amount)s on order %(number)s (in full)?") % values
        elif back:
            what = _("Refund %(amount)s on order %(number)s and return %(units)s to stock?") % values
        else:
            what = _("Refund %(amount)s on order %(number)s?") % values
        if not repeated and not confirm_change(what, yes=False, what=_("Refunding"), flag_hint=_("refund")):  # a retry records nothing: nothing to confirm
            output.message(_("Not refunded. Nothing changed."))
            return
        expected = shown_version if expect_version is None else expect_version
    with _state.unit_of_work(engine) as uow:
        res = payments.refund_order(uow.session, expected_version=expected, notify_customer=notify, door="flags", **kwargs)  # type: ignore[arg-type]
        if not res.repeated:
            uow.commit(saved=_("Refund of %(amount)s on order %(number)s") % {"amount": money(res.refund.amount, cur), "number": res.order.number})
    render.refund_recorded(engine, res, currency=cur, fmt=fmt.value, restock=restock)
