"""``ordercli order …``: create (wizard, flags), list, show."""

from __future__ import annotations

from typing import List, Optional

import typer

from ordercli.cli._state import DIALECT_HELP, Dialect, Format, ShowFormat, can_prompt
from ordercli.errors import InputError

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

The order is saved as Awaiting payment / Awaiting processing and the stock of
tracked items drops at once (never below zero). Without a terminal, or with
--no-input, a missing value is an error that names the flag.
"""


@app.command("create", help=CREATE_HELP)
def create(
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
    )

    missing = []
    if not (name and name.strip()):
        missing.append("--name")
    if not (email and email.strip()) and not (phone and phone.strip()):
        missing.append("--email or --phone")
    if not items:
        missing.append("--item or --custom-item")

    if missing:
        if not can_prompt():
            raise InputError(
                f"Missing {', '.join(missing)}.",
                "Give them as flags, or run `ordercli order create` on a terminal without --no-input to use the wizard.",
            )
        from ordercli.wizard.stall import run_wizard

        run_wizard(engine, draft, settings=settings, dry_run=dry_run, yes=yes, fmt=fmt.value)
        return

    from ordercli.cli.flag_names import naming_flags

    with naming_flags():  # the validation gate's field paths -> these flags
        _create_from_draft(engine, draft, dry_run=dry_run, fmt=fmt.value)


def _create_from_draft(engine, draft, *, dry_run: bool, fmt: str) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.services import orders

    if dry_run:
        preview_placed(engine, draft, fmt=fmt, title="Dry run — nothing saved")
        return
    with _state.unit_of_work(engine) as uow:
        placed = orders.place_order(uow.session, draft)
        number = placed.order.number
        uow.commit(saved=f"Order {number}")
    with dbmod.read_session(engine) as s:
        d = orders.order_detail(s, number)
    if fmt == "json":
        output.print_json(serialize.order_dict(d.order, d.lines, d.surcharges, events=d.events, payments=d.payments, notifications=d.notifications))
        return
    render.render_order(d)
    render.announce(placed)


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
    else:
        render.render_priced(priced, stderr=False, title=title)
    if short_error is not None:
        short_error.hint = "Dry run: nothing saved. Lower the quantities or add stock with `ordercli product stock SKU --add N`."
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
            raise InputError(f"Invalid date {text!r}.", "Use YYYY-MM-DD (e.g. 2026-11-26), 'today' or 'yesterday'.") from None
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
        rows = orders.list_orders(s, f)
        ids = [o.id for o in rows]
        if fmt != Format.table:
            lines = orders.lines_for(s, ids)
            surs = orders.surcharges_for(s, ids)
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
    render.order_list(rows, limit=limit, offset=offset)


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
            output.message(f"Delivery is off ({output.escape(problem)}). {config_hint(problem)} Then `ordercli outbox flush`.")
