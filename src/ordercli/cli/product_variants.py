"""``ordercli product variant add|edit``: one variant of a product with options."""

from __future__ import annotations

from typing import Optional

import typer

from ordercli.cli._state import ShowFormat
from ordercli.i18n import _

app = typer.Typer(
    help="Variants of a product with options.\n\nExample: ordercli product variant add TEE TEE-XL-RED --option Size=XL --option Colour=Red --stock 4",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("add", help="Add a variant.\n\nExample: ordercli product variant add TEE TEE-XL-RED --option Size=XL --option Colour=Red --price 16 --stock 4")
def add(
    product: str = typer.Argument(..., help="The product with options (its SKU, or a variant's)."),
    sku: str = typer.Argument(..., help="The new variant's SKU."),
    option: list[str] = typer.Option(..., "--option", metavar="NAME=VALUE", help="The variant's value for each option (repeat)."),
    price: Optional[str] = typer.Option(None, "--price", help="Its price (default: the first variant's)."),
    stock: Optional[int] = typer.Option(None, "--stock", help="Units in stock (tracked)."),
    untracked: bool = typer.Option(False, "--untracked", help="Do not track its stock."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    import ordercli.cli._state as _state
    from ordercli import db as dbmod
    from ordercli import output
    from ordercli.cli.product import _print_product
    from ordercli.errors import InputError
    from ordercli.money import parse_money
    from ordercli.services import common, variants

    if (stock is None) == (not untracked):
        raise InputError(_("Say how its stock is kept: --stock N or --untracked."), _("e.g. --stock 4"))
    engine = _state.engine()
    with dbmod.read_session(engine) as s:
        currency = common.load_settings(s).currency
    minor = parse_money(price, currency, what="price") if price is not None else None
    with _state.unit_of_work(engine) as uow:
        p = variants.add_variant(uow.session, group_key=product, sku=sku, options=option, price=minor, stock=stock)
        uow.commit(saved=_("Variant %(sku)s") % {"sku": sku})
    _print_product(p, currency, fmt.value)
    if fmt == ShowFormat.table:
        output.success(_("Variant %(sku)s added: %(name)s.") % {"sku": output.escape(p.sku), "name": output.escape(p.name)})


@app.command("edit", help="Change a variant's option values (its price and stock: product edit / product stock).\n\nExample: ordercli product variant edit TEE-L-RED --option Colour=Crimson")
def edit(
    sku: str = typer.Argument(..., help="The variant's SKU."),
    option: list[str] = typer.Option(..., "--option", metavar="NAME=VALUE", help="A new value for one of its options (repeat)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    import ordercli.cli._state as _state
    from ordercli import db as dbmod
    from ordercli import output
    from ordercli.cli.product import _print_product
    from ordercli.services import common, variants

    engine = _state.engine()
    with dbmod.read_session(engine) as s:
        currency = common.load_settings(s).currency
    with _state.unit_of_work(engine) as uow:
        p = variants.set_variant_options(uow.session, sku=sku, options=option)
        uow.commit(saved=_("Variant %(sku)s") % {"sku": sku})
    _print_product(p, currency, fmt.value)
    if fmt == ShowFormat.table:
        output.success(_("Variant %(sku)s is now %(name)s.") % {"sku": output.escape(p.sku), "name": output.escape(p.name)})
