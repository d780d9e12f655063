"""``ordercli order …``: create (wizard, flags), list, show."""

from __future__ import annotations

from typing import List, Optional

import typer

from ordercli.cli._state import DIALECT_HELP, Dialect, Format, ShowFormat, can_prompt
from ordercli.errors import InputError
from ordercli.i18n import _

app = typer.Typer(
    help="Create and review orders.\n\nExample: ordercli order create --name 'Ana' --email ana@example.com --item MUG-01:2",
    no_args_is_help=True,
    rich_markup_mode=None,
)


# ------------------------------------------------------------------ create

CREATE_HELP = """Create an order on behalf of a customer.

Examples:

  ordercli order create                      (the wizard, on a terminal)

  ordercli order create --name "Ana Lima" --email ana@example.com --item MUG-01:2 --custom-item "Gift wrap=2.50" --payment-method Cash

  ordercli order create --walk-in --item MUG-01 --pay cash --tendered 20     (a paid sale to a passer-by; prints the change)

  ordercli order create --walk-in --item MUG-01:3 --pay card --pay-amount 10  (part paid by card, the rest due)

With --pay the order and its payment are saved together (one confirmation
email, showing the payment). --walk-in sells to a passer-by: no customer
record, no customer email; the order shows as "Walk-in".

The order is saved as Awaiting payment / Awaiting processing and the stock of
tracked items drops at once (never below zero). Without a terminal, or with
--no-input, a missing value is an error that names the flag.
"""


@app.command("create", help=CREATE_HELP)
def create(
    walk_in: bool = typer.Option(False, "--walk-in", help="A sale to a passer-by: no name, email or phone (instead of --name/--email/--phone)."),
    name: Optional[str] = typer.Option(None, "--name", help="Customer name."),
    email: Optional[str] = typer.Option(None, "--email", help="Customer email (email and/or phone required)."),
    phone: Optional[str] = typer.Option(None, "--phone", help="Customer phone; national numbers use store.phone_region."),
    item: List[str] = typer.Option([], "--item", metavar="SKU[:QTY]", help="A catalog item (repeatable)."),
    custom_item: List[str] = typer.Option([], "--custom-item", metavar="NAME=PRICE[xQTY]", help="An item not in the catalog (repeatable)."),
    discount: Optional[str] = typer.Option(None, "--discount", metavar="10%|5.00", help="Order discount: a percent or an amount."),
    tip: Optional[str] = typer.Option(None, "--tip", metavar="AMOUNT", help="Tip, added last, not taxed."),
    surcharge: List[str] = typer.Option([], "--surcharge", metavar="LABEL=AMOUNT|PCT%", help="A surcharge (repeatable)."),
    shipping_method: Optional[str] = typer.Option(None, "--shipping-method", help="Shipping method name (e.g. 'Colissimo')."),
    shipping_cost: Optional[str] = typer.Option(None, "--shipping-cost", metavar="AMOUNT", help="Shipping cost."),
    pickup: bool = typer.Option(False, "--pickup", help="The customer picks the order up (no shipping address)."),
    ship_name: Optional[str] = typer.Option(None, "--ship-name", help="Shipping address: recipient name."),
    ship_street: Optional[str] = typer.Option(None, "--ship-street", help="Shipping address: street."),
    ship_city: Optional[str] = typer.Option(None, "--ship-city", help="Shipping address: city."),
    ship_postal_code: Optional[str] = typer.Option(None, "--ship-postal-code", help="Shipping address: postal code."),
    ship_country: Optional[str] = typer.Option(None, "--ship-country", metavar="CC", help="Shipping address: country code (FR, DE…)."),
    bill_name: Optional[str] = typer.Option(None, "--bill-name", help="Billing address: name."),
    bill_street: Optional[str] = typer.Option(None, "--bill-street", help="Billing address: street."),
    bill_city: Optional[str] = typer.Option(None, "--bill-city", help="Billing address: city."),
    bill_postal_code: Optional[str] = typer.Option(None, "--bill-postal-code", help="Billing address: postal code."),
    bill_country: Optional[str] = typer.Option(None, "--bill-country", metavar="CC", help="Billing address: country code."),
    payment_method: Optional[str] = typer.Option(None, "--payment-method", help="Free text: Cash, Card terminal, PayPal invoice…"),
    pay: Optional[str] = typer.Option(None, "--pay", metavar="METHOD", help="Take the payment now with this payment method (code or label: cash, card…)."),
    pay_amount: Optional[str] = typer.Option(None, "--pay-amount", metavar="AMOUNT", help="With --pay: the amount paid now (default: the whole total)."),
    tendered: Optional[str] = typer.Option(None, "--tendered", metavar="AMOUNT", help="With --pay cash: the cash handed over; the change is printed."),
    note: Optional[str] = typer.Option(None, "--note", help="Note visible to the customer."),
    staff_note: Optional[str] = typer.Option(None, "--staff-note", help="Private note for staff."),
    ref: Optional[str] = typer.Option(None, "--ref", help="Your own reference; re-running with the same --ref creates nothing new."),
    notify: bool = typer.Option(True, "--notify/--no-notify", help="Email the customer a confirmation (if an email is given)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and show totals and stock left; write nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation in the wizard."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="Output: table or json."),
) -> None:
    from ordercli import db as dbmod
    import ordercli.cli._state as _state
    from ordercli.domain import Address, CustomerIn, OrderDraft, ShippingIn, parse_adjustment, parse_custom_item, parse_item_spec, parse_surcharge
    from ordercli.money import parse_money
    from ordercli.services import common

    engine = _state.engine()
    with dbmod.read_session(engine) as s:
        settings = common.load_settings(s)
    cur = settings.currency

    if walk_in and any(v is not None for v in (name, email, phone)):
        given = ", ".join(f for f, v in (("--name", name), ("--email", email), ("--phone", phone)) if v is not None)
        raise InputError(_("--walk-in sells to a passer-by: leave out %(flags)s (or drop --walk-in for a customer's order).") % {"flags": given})
    if pay is None and (tendered is not None or pay_amount is not None):
        raise InputError(_("%(flag)s goes with --pay METHOD (e.g. --pay cash --tendered 20).") % {"flag": "--tendered" if tendered is not None else "--pay-amount"})
    sale = None
    if pay is not None:
        from ordercli.services.payments import PaymentIn

        sale = [
            PaymentIn(
                method=pay,
                amount=parse_money(pay_amount, cur, what="--pay-amount") if pay_amount is not None else None,
                tendered=parse_money(tendered, cur, what="--tendered") if tendered is not None else None,
            )
        ]
        _check_pay_method(settings, pay, tendered is not None)

    items = [parse_item_spec(x) for x in item] + [parse_custom_item(x, cur) for x in custom_item]
    shipping = None
    ship_addr = Address(ship_name, ship_street, ship_city, ship_postal_code, ship_country)
    if pickup or shipping_method or shipping_cost or not ship_addr.is_empty():
        shipping = ShippingIn(
            method=shipping_method,
            cost=parse_money(shipping_cost, cur, what="shipping cost") if shipping_cost else 0,
            pickup=pickup,
            address=None if ship_addr.is_empty() else ship_addr,
        )
    billing = Address(bill_name, bill_street, bill_city, bill_postal_code, bill_country)
    draft = OrderDraft(
        customer=CustomerIn(name=name or "", email=email, phone=phone),
        items=items,
        discount=parse_adjustment(discount, cur, "discount") if discount else None,
        surcharges=[parse_surcharge(x, cur) for x in surcharge],
        tip=parse_money(tip, cur, what="tip") if tip else 0,
        shipping=shipping,
        billing=None if billing.is_empty() else billing,
        payment_method=payment_method,
        note=note,
        staff_note=staff_note,
        door="flags",
        external_ref=ref,
        notify_customer=notify,
        walk_in=walk_in,
    )

    missing = []
    if not walk_in and not (name and name.strip()):
        missing.append("--name")
    if not walk_in and not (email and email.strip()) and not (phone and phone.strip()):
        missing.append(_("--email or --phone"))
    if not items:
        missing.append(_("--item or --custom-item"))

    if missing:
        if not can_prompt():
            raise InputError(
                _("Missing %(flags)s.") % {"flags": ", ".join(missing)},
                _("Give them as flags (--walk-in for a passer-by), or run `ordercli order create` on a terminal without --no-input to use the wizard."),
            )
        if sale is not None:
            raise InputError(_("Missing %(flags)s: --pay needs the whole order as flags (the wizard asks for the payment itself).") % {"flags": ", ".join(missing)})
        from ordercli.wizard.stall import run_wizard

        run_wizard(engine, draft, settings=settings, dry_run=dry_run, yes=yes, fmt=fmt.value)
        return

    from ordercli.cli.flag_names import naming_flags

    with naming_flags():  # the validation gate's field paths -> these flags
        if sale is not None:
            _sell_from_draft(engine, draft, sale, dry_run=dry_run, fmt=fmt.value)
        else:
            _create_from_draft(engine, draft, dry_run=dry_run, fmt=fmt.value)


def _check_pay_method(settings, text: str, tendered: bool) -> None:
    """``--pay`` names a method of the store (refused with the list otherwise); ``--tendered`` is cash only."""
    from ordercli import payment_methods

    methods = payment_methods.of(settings)
    try:
        code = payment_methods.resolve(text, methods, settings.locale)
    except InputError as e:
        raise InputError(f"--pay: {e.message} {e.hint}") from None
    if tendered and code != "cash":
        raise InputError(
            _("--tendered is for cash only (%(method)s takes the exact amount): drop --tendered, or use --pay cash.") % {"method": payment_methods.label(code, methods)}
        )


def _sale_facts(res) -> dict:
    """Plain values of a sale (they outlive a preview's rollback)."""
    o = res.order
    return {
        "number": o.number,
        "currency": o.currency,
        "total": o.total,
        "paid": o.paid,
        "due": o.balance_due,
        "payment_status": o.payment_status,
        "change": res.change,
        "payments": [
            {"method": r.payment.method, "method_code": r.payment.method_code, "amount": r.payment.amount, "tendered": r.payment.tendered, "change": r.payment.change}
            for r in res.payments
        ],
    }


def _sale_json(facts: dict) -> dict:
    from ordercli.money import to_decimal_str

    cur = facts["currency"]

    def m(v):
        return None if v is None else to_decimal_str(v, cur)

    return {
        "change": m(facts["change"]),
        "sale_payments": [
            {"method": p["method"], "method_code": p["method_code"], "amount": m(p["amount"]), "tendered": m(p["tendered"]), "change": m(p["change"])}
            for p in facts["payments"]
        ],
    }


def _say_sale(facts: dict, *, preview: bool = False) -> None:
    from ordercli import output
    from ordercli.money import format_money

    cur = facts["currency"]
    for p in facts["payments"]:
        values = {"amount": format_money(p["amount"], cur), "method": output.escape(p["method"] or "")}
        line = "  " + (_("Would take %(amount)s · %(method)s") if preview else _("Paid %(amount)s · %(method)s")) % values
        if p["tendered"] is not None:
            line += " · " + _("tendered %(amount)s") % {"amount": format_money(p["tendered"], cur)}
        output.message(line)
    if any(p["tendered"] is not None for p in facts["payments"]):
        output.message("  [bold]" + _("Change to give back: %(amount)s") % {"amount": format_money(facts["change"], cur)} + "[/bold]")


def _sell_from_draft(engine, draft, sale, *, dry_run: bool, fmt: str) -> None:
    """``order create … --pay``: the order and its payment in one unit of work (``services.payments.sell``)."""
    import copy

    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.errors import OrderCliError
    from ordercli.services import orders, payments
    from ordercli.uow import preview

    if dry_run:
        priced = preview_placed(engine, draft, fmt="none", title=_("Dry run — nothing saved"))
        try:
            facts = preview(engine, lambda s: _sale_facts(payments.sell(s, draft=copy.deepcopy(draft), payments=copy.deepcopy(sale))))
        except OrderCliError as e:
            _sale_hint(e)
            raise
        if fmt == "json":
            output.print_json({**render.preview_dict(priced), "payment_status": facts["payment_status"], "balance_due": _money(facts["due"], facts["currency"]), **_sale_json(facts)})
        else:
            render.render_priced(priced, stderr=False, title=_("Dry run — nothing saved"))
            _say_sale(facts, preview=True)
        return
    with _state.unit_of_work(engine) as uow:
        try:
            res = payments.sell(uow.session, draft=draft, payments=sale)
        except OrderCliError as e:
            _sale_hint(e)
            raise
        facts = _sale_facts(res)
        number = res.order.number
        uow.commit(saved=(_("Order %(number)s and its payment") if res.payments else _("Order %(number)s")) % {"number": number})
    with dbmod.read_session(engine) as s:
        d = orders.order_detail(s, number)
    if fmt == "json":
        output.print_json({**serialize.order_dict(d.order, d.lines, d.surcharges, events=d.events, payments=d.payments, notifications=d.notifications), **_sale_json(facts)})
        return
    render.render_order(d)
    render.announce(res.placed)
    _say_sale(facts)


def _sale_hint(e) -> None:
    """The words of a refused payment for `order create --pay` (its flags are --pay-amount and --tendered)."""
    facts = getattr(e, "facts", None) or {}
    code = getattr(e, "code", None)
    if code == "pay.tendered_short":
        e.hint = _("Give --tendered of at least %(amount)s, or a smaller --pay-amount.") % {"amount": facts.get("applied", _("the amount"))}
    elif code == "pay.too_much":
        e.hint = _("Give --pay-amount up to %(amount)s, or leave it out to pay the whole total.") % {"amount": facts.get("due", _("the total"))}
    elif code == "pay.nothing_due":
        e.hint = _("Nothing is due on this order: leave out --pay.")


def _money(v: int, cur: str) -> str:
    from ordercli.money import to_decimal_str

    return to_decimal_str(v, cur)


def _create_from_draft(engine, draft, *, dry_run: bool, fmt: str) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.services import orders

    if dry_run:
        preview_placed(engine, draft, fmt=fmt, title=_("Dry run — nothing saved"))
        return
    with _state.unit_of_work(engine) as uow:
        placed = orders.place_order(uow.session, draft)
        number = placed.order.number
        uow.commit(saved=_("Order %(number)s") % {"number": number})
    with dbmod.read_session(engine) as s:
        d = orders.order_detail(s, number)
    from ordercli.cli.customer import contact_notice, say_contact_notice

    if fmt == "json":
        data = serialize.order_dict(d.order, d.lines, d.surcharges, events=d.events, payments=d.payments, notifications=d.notifications)
        data["customer_contact_kept"] = contact_notice(placed)
        output.print_json(data)
        say_contact_notice(placed)
        return
    render.render_order(d)
    render.announce(placed)
    say_contact_notice(placed)


def preview_placed(engine, draft, *, fmt: str, title: str):
    """Run ``place_order`` on a copy of the draft and roll it back: the order exactly as it would be saved.

    Shows it (json or a table on stdout) and returns the priced order; a
    shortage is shown with its short lines, then raised (exit 1, as the real
    order would be refused).
    """
    import copy

    from ordercli import output
    import ordercli.cli.render as render
    from ordercli.errors import OutOfStockError
    from ordercli.services import orders
    from ordercli.uow import preview

    short_error = None
    try:
        priced = preview(engine, lambda s: orders.place_order(s, copy.deepcopy(draft)).priced)
    except OutOfStockError as e:
        if getattr(e, "priced", None) is None:
            raise
        priced, short_error = e.priced, e
    if fmt == "json":
        output.print_json(render.preview_dict(priced))
    elif fmt != "none":  # "none": the caller shows it (a sale adds its payment)
        render.render_priced(priced, stderr=False, title=title)
    if short_error is not None:
        short_error.hint = _("Dry run: nothing saved. Lower the quantities or add stock with `ordercli product stock SKU --add N`.")
        raise short_error
    return priced


# -------------------------------------------------------------------- list


def parse_day(text: str, *, end: bool = False):
    """YYYY-MM-DD (local day), 'today', 'yesterday', or an ISO date-time -> aware UTC datetime."""
    from datetime import datetime, time, timedelta, timezone

    raw = text.strip().lower()
    today = datetime.now().astimezone().date()
    if raw == "today":
        day = today
    elif raw == "yesterday":
        day = today - timedelta(days=1)
    else:
        try:
            if len(raw) == 10:
                day = datetime.strptime(raw, "%Y-%m-%d").date()
            else:
                dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
                if dt.tzinfo is None:
                    dt = dt.astimezone()
                return dt.astimezone(timezone.utc)
        except ValueError:
            raise InputError(_("Invalid date %(value)s.") % {"value": repr(text)}, _("Use YYYY-MM-DD (e.g. 2026-11-26), 'today' or 'yesterday'.")) from None
    if end:
        day = day + timedelta(days=1)
    return datetime.combine(day, time.min).astimezone().astimezone(timezone.utc)


def build_filter(payment_status, fulfillment_status, customer, since, until, search, *, limit=50, offset=0):
    """The order filter of `order list` and `order export`, from their options (names checked here)."""
    from ordercli.services import orders
    from ordercli.statuses import parse_fulfillment_status, parse_payment_status

    return orders.OrderFilter(
        payment_status=parse_payment_status(payment_status).value if payment_status else None,
        fulfillment_status=parse_fulfillment_status(fulfillment_status).value if fulfillment_status else None,
        customer=customer,
        since=parse_day(since) if since else None,
        until=parse_day(until, end=True) if until else None,
        search=search,
        limit=limit,
        offset=offset,
    )


LIST_HELP = """List orders, newest first.

Examples:

  ordercli order list --since today

  ordercli order list --payment-status awaiting-payment --format json
"""


@app.command("list", help=LIST_HELP)
def list_(
    payment_status: Optional[str] = typer.Option(None, "--payment-status", help="e.g. paid, awaiting-payment."),
    fulfillment_status: Optional[str] = typer.Option(None, "--fulfillment-status", help="e.g. shipped, ready-for-pickup."),
    customer: Optional[str] = typer.Option(None, "--customer", help="Customer name, email or phone contains TEXT."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="From this day (YYYY-MM-DD, today, yesterday)."),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE", help="Up to and including this day."),
    search: Optional[str] = typer.Option(None, "--search", help="Number, customer or SKU contains TEXT."),
    payment_method: Optional[str] = typer.Option(None, "--payment-method", metavar="CODE", help="Orders with a payment by this method (code or label: cash, card…)."),
    paid_since: Optional[str] = typer.Option(None, "--paid-since", metavar="DATE", help="Orders with a payment taken from this day (store time zone)."),
    paid_until: Optional[str] = typer.Option(None, "--paid-until", metavar="DATE", help="Orders with a payment taken up to and including this day."),
    limit: int = typer.Option(50, "--limit", min=1, max=100000, help="At most this many orders."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many (for paging)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
    dialect: Dialect = typer.Option(Dialect.csv, "--dialect", help=DIALECT_HELP),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.services import orders

    f = build_filter(payment_status, fulfillment_status, customer, since, until, search, limit=limit, offset=offset)
    engine = _state.engine()
    with dbmod.read_session(engine) as s:
        if payment_method is not None or paid_since is not None or paid_until is not None:
            _payment_filters(s, f, payment_method, paid_since, paid_until)
        rows = orders.list_orders(s, f)
        ids = [o.id for o in rows]
        if fmt != Format.table:
            lines = orders.lines_for(s, ids)
            surs = orders.surcharges_for(s, ids)
        else:
            totals = orders.list_totals(s, f) if rows else []
    if fmt == Format.json:
        output.print_json([serialize.order_dict(o, lines[o.id], surs[o.id]) for o in rows])
        return
    if fmt == Format.csv:
        from ordercli.files.spreadsheet import Number
        from ordercli.money import to_decimal_str

        output.print_csv(
            ["number", "created_at", "customer", "email", "phone", "items", "total", "currency", "payment_status", "fulfillment_status"],
            [
                (o.number, serialize.iso(o.created_at), o.customer_name, o.customer_email, o.customer_phone, o.item_count, Number(to_decimal_str(o.total, o.currency)), o.currency, o.payment_status, o.fulfillment_status)
                for o in rows
            ],
            dialect=dialect.value,
        )
        return
    render.order_list(rows, limit=limit, offset=offset, totals=totals)


def _payment_filters(s, f, method, since, until) -> None:
    """--payment-method (a code or label of payment.methods) and --paid-since/--paid-until (store days) into the filter."""
    from ordercli import payment_methods, store_time
    from ordercli.services import common

    settings = common.load_settings(s)
    if method is not None:
        f.payment_method = payment_methods.resolve(method, payment_methods.of(settings), settings.locale)
    tz = store_time.of(settings)
    if since is not None:
        f.paid_since = store_time.start_of(store_time.parse_day(since, tz), tz)
    if until is not None:
        f.paid_until = store_time.day_bounds(store_time.parse_day(until, tz), tz)[1]


# -------------------------------------------------------------------- show


@app.command("show", help="Show everything about one order.\n\nExample: ordercli order show FAIR-1042 --format json")
def show(
    number: str = typer.Argument(..., help="Order number (the bare number works too)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.services import orders

    engine = _state.engine()
    with dbmod.read_session(engine) as s:
        d = orders.order_detail(s, number)
    if fmt == ShowFormat.json:
        output.print_json(serialize.order_dict(d.order, d.lines, d.surcharges, events=d.events, payments=d.payments, notifications=d.notifications))
        return
    render.render_order(d)
    if any(n.status in ("pending", "failed") for n in d.notifications or []):
        from ordercli.cli.outbox import config_hint
        import ordercli.notify.delivery as delivery

        _settings, problem, _marker = delivery.transport_status(engine)
        if problem:  # say why the message is still waiting, and how to send it
            output.message(_("Delivery is off (%(problem)s). %(hint)s Then `ordercli outbox flush`.") % {"problem": output.escape(problem), "hint": config_hint(problem)})
