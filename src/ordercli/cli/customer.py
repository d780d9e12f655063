"""``ordercli customer …``: customers are created by orders; find and review them here."""

from __future__ import annotations

from typing import Optional

import typer

from ordercli.cli._state import Format, ShowFormat

app = typer.Typer(help="Find customers and their orders.\n\nExample: ordercli customer list --search ana", no_args_is_help=True, rich_markup_mode=None)


@app.command("list", help="List customers.\n\nExample: ordercli customer list --search lima")
def list_(
    search: Optional[str] = typer.Option(None, "--search", help="Name, email or phone contains TEXT."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    from ordercli.services import customers

    with dbmod.read_session(_state.engine()) as s:
        rows = customers.search_customers(s, text=search, limit=limit, offset=offset)
    if fmt == Format.json:
        output.print_json([serialize.customer_dict(c) for c in rows])
    elif fmt == Format.csv:
        output.print_csv(["id", "name", "email", "phone"], [(c.id, c.name, c.email, c.phone) for c in rows])
    elif not rows:
        output.message("No customers match." if search else "No customers yet: they are created with their first order.")
    else:
        output.table([("ID", "right"), "Name", "Email", "Phone"], [(c.id, c.name, c.email or "", c.phone or "") for c in rows], caption=f"{len(rows)} customer(s)")


@app.command("show", help="Show a customer and their orders.\n\nExample: ordercli customer show ana@example.com")
def show(
    key: str = typer.Argument(..., metavar="EMAIL|PHONE|ID", help="Email, phone or id."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    from ordercli.cli.render import local_time, money
    from ordercli.money import to_decimal_str
    from ordercli.services import common, customers

    with dbmod.read_session(_state.engine()) as s:
        settings = common.load_settings(s)
        c = customers.get_customer(s, key, phone_region=settings.get("store.phone_region"))
        orders = customers.customer_orders(s, c.id)  # type: ignore[arg-type]
    if fmt == ShowFormat.json:
        data = serialize.customer_dict(c)
        data["orders"] = [
            {"number": o.number, "created_at": serialize.iso(o.created_at), "total": to_decimal_str(o.total, o.currency), "currency": o.currency, "payment_status": o.payment_status, "fulfillment_status": o.fulfillment_status}
            for o in orders
        ]
        output.print_json(data)
        return
    e = output.escape
    con = output.out_console()
    con.print(f"[bold]{e(c.name)}[/bold]  (customer {c.id})")
    if c.email:
        con.print(f"Email: {e(c.email)}")
    if c.phone:
        con.print(f"Phone: {e(c.phone)}")
    if not orders:
        con.print("No orders yet.")
        return
    output.table(
        ["Number", "Date", ("Total", "right"), "Payment", "Fulfillment"],
        [(o.number, local_time(o.created_at), money(o.total, o.currency), output.status_text(o.payment_status), output.status_text(o.fulfillment_status)) for o in orders],
        caption=f"{len(orders)} order(s)",
    )
