"""``ordercli product …``: the catalog and its stock."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ordercli.cli._state import Format, ShowFormat

app = typer.Typer(help="The catalog and its stock.\n\nExample: ordercli product add MUG-01 --name 'Blue mug' --price 18 --stock 12", no_args_is_help=True, rich_markup_mode=None)


def _settings():
    from ordercli import db as dbmod
    import ordercli.cli._state as _state
    from ordercli.services import common

    with dbmod.read_session(_state.engine()) as s:
        return common.load_settings(s)


def _print_product(p, currency: str, fmt: str) -> None:
    from ordercli import output, serialize
    from ordercli.cli.render import money
    from ordercli.money import percent_str

    if fmt == "json":
        output.print_json(serialize.product_dict(p, currency))
    elif fmt == "csv":
        output.print_csv(["sku", "name", "price", "stock", "tax_rate"], [_csv_row(p, currency)])
    else:
        output.table(
            ["SKU", "Name", ("Price", "right"), ("Stock", "right"), ("Tax", "right")],
            [(p.sku, p.name, money(p.price, currency), "untracked" if p.stock is None else p.stock, f"{percent_str(p.tax_rate)}%")],
        )


def _csv_row(p, currency: str):
    from ordercli.money import percent_str, to_decimal_str

    return (p.sku, p.name, to_decimal_str(p.price, currency), "" if p.stock is None else p.stock, percent_str(p.tax_rate))


@app.command("add", help="Add a product.\n\nExample: ordercli product add MUG-01 --name 'Blue mug' --price 18.00 --stock 12 --tax-rate 20")
def add(
    sku: str = typer.Argument(..., help="Unique code, e.g. MUG-01."),
    name: str = typer.Option(..., "--name", help="Product name."),
    price: str = typer.Option(..., "--price", help="Unit price, e.g. 12.50."),
    stock: Optional[int] = typer.Option(None, "--stock", help="Units in stock (tracked)."),
    untracked: bool = typer.Option(False, "--untracked", help="Do not track stock (always sellable)."),
    tax_rate: Optional[str] = typer.Option(None, "--tax-rate", metavar="PCT", help="Tax rate in percent (default: tax.default_rate)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.errors import InputError
    from ordercli.money import parse_money, parse_percent
    from ordercli.services import catalog

    if stock is not None and untracked:
        raise InputError("--stock and --untracked cannot be used together.", "Give one of them.")
    if stock is None and not untracked:
        raise InputError("Say how stock is kept: --stock N or --untracked.", "e.g. --stock 12, or --untracked for made-to-order items.")
    settings = _settings()
    p_minor = parse_money(price, settings.currency, what="price")
    rate = parse_percent(tax_rate, "tax rate") if tax_rate is not None else None
    with _state.unit_of_work(_state.engine()) as uow:
        p = catalog.add_product(uow.session, sku=sku, name=name, price=p_minor, stock=stock, tax_rate=rate)
        uow.commit(saved=f"Product {sku}")
    _print_product(p, settings.currency, fmt.value)
    if fmt == ShowFormat.table:
        output.success(f"Product {output.escape(p.sku)} added.")


@app.command("edit", help="Change a product.\n\nExample: ordercli product edit MUG-01 --price 19.50")
def edit(
    sku: str = typer.Argument(..., help="SKU of the product."),
    name: Optional[str] = typer.Option(None, "--name", help="New name."),
    price: Optional[str] = typer.Option(None, "--price", help="New price."),
    tax_rate: Optional[str] = typer.Option(None, "--tax-rate", metavar="PCT", help="New tax rate in percent."),
    untracked: bool = typer.Option(False, "--untracked", help="Stop tracking stock."),
    stock: Optional[int] = typer.Option(None, "--stock", help="Start tracking stock at N (for an untracked product)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.errors import InputError
    from ordercli.money import parse_money, parse_percent
    from ordercli.services import catalog

    if all(v is None for v in (name, price, tax_rate, stock)) and not untracked:
        raise InputError("Nothing to change.", "Give --name, --price, --tax-rate, --stock or --untracked.")
    settings = _settings()
    with _state.unit_of_work(_state.engine()) as uow:
        p = catalog.edit_product(
            uow.session,
            sku=sku,
            name=name,
            price=parse_money(price, settings.currency) if price is not None else None,
            tax_rate=parse_percent(tax_rate, "tax rate") if tax_rate is not None else None,
            untracked=untracked,
            track_stock=stock,
        )
        uow.commit(saved=f"Product {sku}")
    _print_product(p, settings.currency, fmt.value)
    if fmt == ShowFormat.table:
        output.success(f"Product {output.escape(p.sku)} updated.")


@app.command("show", help="Show one product.\n\nExample: ordercli product show MUG-01 --format json")
def show(sku: str = typer.Argument(..., help="SKU."), fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv.")) -> None:
    from ordercli import db as dbmod
    import ordercli.cli._state as _state
    from ordercli.services import common

    with dbmod.read_session(_state.engine()) as s:
        settings = common.load_settings(s)
        p = common.get_product(s, sku)
    _print_product(p, settings.currency, fmt.value)


@app.command("list", help="List products.\n\nExample: ordercli product list --low-stock 3")
def list_(
    search: Optional[str] = typer.Option(None, "--search", help="SKU or name contains TEXT."),
    low_stock: Optional[int] = typer.Option(None, "--low-stock", metavar="N", help="Only tracked products with N or fewer in stock."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    from ordercli.cli.render import money
    from ordercli.money import percent_str
    from ordercli.services import catalog, common

    with dbmod.read_session(_state.engine()) as s:
        settings = common.load_settings(s)
        rows = catalog.list_products(s, search=search, low_stock=low_stock)
    cur = settings.currency
    if fmt == Format.json:
        output.print_json([serialize.product_dict(p, cur) for p in rows])
    elif fmt == Format.csv:
        output.print_csv(["sku", "name", "price", "stock", "tax_rate"], [_csv_row(p, cur) for p in rows])
    elif not rows:
        output.message("No products match." if (search or low_stock is not None) else "The catalog is empty. Add products with `ordercli product add` or `ordercli product import FILE.csv`.")
    else:
        output.table(
            ["SKU", "Name", ("Price", "right"), ("Stock", "right"), ("Tax", "right")],
            [(p.sku, p.name, money(p.price, cur), "untracked" if p.stock is None else p.stock, f"{percent_str(p.tax_rate)}%") for p in rows],
            caption=f"{len(rows)} product(s)",
        )


@app.command("stock", help="Set or change stock (never below 0).\n\nExamples:\n\n  ordercli product stock MUG-01 --add 6\n\n  ordercli product stock MUG-01 --set 0")
def stock(
    sku: str = typer.Argument(..., help="SKU."),
    set_to: Optional[int] = typer.Option(None, "--set", metavar="N", help="Stock becomes N."),
    add: Optional[int] = typer.Option(None, "--add", metavar="N", help="Add N (negative to remove)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.services import catalog

    settings = _settings()
    with _state.unit_of_work(_state.engine()) as uow:
        p = catalog.change_stock(uow.session, sku=sku, set_to=set_to, add=add)
        uow.commit(saved=f"The stock of {sku}")
    _print_product(p, settings.currency, fmt.value)
    if fmt == ShowFormat.table:
        output.success(f"Stock of {output.escape(p.sku)} is now {p.stock}.")
