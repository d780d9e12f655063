"""``ordercli product …``: the catalog and its stock."""

from __future__ import annotations

from typing import Optional

import typer

from ordercli.cli._state import Format, ShowFormat
from ordercli.i18n import _, ngettext

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
            [_("SKU"), _("Name"), (_("Price"), "right"), (_("Stock"), "right"), (_("Tax"), "right")],
            [(p.sku, p.name, money(p.price, currency), _("untracked") if p.stock is None else p.stock, f"{percent_str(p.tax_rate)}%")],
        )


def _csv_row(p, currency: str):
    from ordercli.money import percent_str, to_decimal_str

    return (p.sku, p.name, to_decimal_str(p.price, currency), "" if p.stock is None else p.stock, percent_str(p.tax_rate))


@app.command(
    "add",
    help="Add a product.\n\nExample: ordercli product add MUG-01 --name 'Blue mug' --price 18.00 --stock 12 --tax-rate 20\n\n"
    "With options (one variant per combination, SKUs TEE-S-RED…, each with this price and stock):\n\n"
    "  ordercli product add TEE --name T-shirt --price 15 --stock 5 --option Size=S,M,L --option Colour=Red,Blue",
)
def add(
    sku: str = typer.Argument(..., help="Unique code, e.g. MUG-01."),
    name: str = typer.Option(..., "--name", help="Product name."),
    price: str = typer.Option(..., "--price", help="Unit price, e.g. 12.50."),
    stock: Optional[int] = typer.Option(None, "--stock", help="Units in stock (tracked)."),
    untracked: bool = typer.Option(False, "--untracked", help="Do not track stock (always sellable)."),
    tax_rate: Optional[str] = typer.Option(None, "--tax-rate", metavar="PCT", help="Tax rate in percent (default: tax.default_rate)."),
    option: Optional[list[str]] = typer.Option(None, "--option", metavar="NAME=V1,V2", help="An option and its values, e.g. Size=S,M,L (repeat for more options)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.errors import InputError
    from ordercli.money import parse_money, parse_percent
    from ordercli.services import catalog, variants

    if stock is not None and untracked:
        raise InputError(_("--stock and --untracked cannot be used together."), _("Give one of them."))
    if stock is None and not untracked:
        raise InputError(_("Say how stock is kept: --stock N or --untracked."), _("e.g. --stock 12, or --untracked for made-to-order items."))
    settings = _settings()
    p_minor = parse_money(price, settings.currency, what="price")
    rate = parse_percent(tax_rate, "tax rate") if tax_rate is not None else None
    if option:
        options = [variants.parse_option(o) for o in option]
        with _state.unit_of_work(_state.engine()) as uow:
            g = variants.add_with_options(uow.session, sku=sku, name=name, price=p_minor, stock=stock, options=options, tax_rate=rate)
            uow.commit(saved=_("Product %(sku)s and its variants") % {"sku": sku})
        _print_group(g, settings.currency, fmt.value)
        if fmt == ShowFormat.table:
            output.success(
                ngettext("Product %(sku)s added with %(count)s variant(s).", "Product %(sku)s added with %(count)s variant(s).", len(g.variants))
                % {"sku": output.escape(g.group.key), "count": len(g.variants)}
            )
        return
    with _state.unit_of_work(_state.engine()) as uow:
        p = catalog.add_product(uow.session, sku=sku, name=name, price=p_minor, stock=stock, tax_rate=rate)
        uow.commit(saved=_("Product %(sku)s") % {"sku": sku})
    _print_product(p, settings.currency, fmt.value)
    if fmt == ShowFormat.table:
        output.success(_("Product %(sku)s added.") % {"sku": output.escape(p.sku)})


@app.command("edit", help="Change a product.\n\nExample: ordercli product edit MUG-01 --price 19.50")
def edit(
    sku: str = typer.Argument(..., help="SKU of the product."),
    name: Optional[str] = typer.Option(None, "--name", help="New name."),
    price: Optional[str] = typer.Option(None, "--price", help="New price."),
    tax_rate: Optional[str] = typer.Option(None, "--tax-rate", metavar="PCT", help="New tax rate in percent."),
    untracked: bool = typer.Option(False, "--untracked", help="Stop tracking stock."),
    stock: Optional[int] = typer.Option(None, "--stock", help="Start tracking stock at N (for an untracked product)."),
    for_sale: Optional[bool] = typer.Option(None, "--for-sale/--not-for-sale", help="Sell it, or keep it in the catalog without selling it."),
    low_stock: Optional[int] = typer.Option(None, "--low-stock", metavar="N", help="Its low-stock threshold."),
    option: Optional[list[str]] = typer.Option(None, "--option", metavar="NAME=V1,V2", help="New values for an option of a product with options (adds the variants)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.errors import InputError
    from ordercli.money import parse_money, parse_percent
    from ordercli.services import catalog, variants

    if option:
        if any(v is not None for v in (name, price, tax_rate, stock, for_sale, low_stock)) or untracked:
            raise InputError(_("--option adds variants; change the variants themselves in another command."), _("e.g. ordercli product edit TEE-L-RED --price 16"))
        options = [variants.parse_option(o) for o in option]
        settings = _settings()
        with _state.unit_of_work(_state.engine()) as uow:
            g, added = variants.extend_options(uow.session, key=sku, options=options)
            uow.commit(saved=_("The variants of %(sku)s") % {"sku": sku})
        _print_group(g, settings.currency, fmt.value)
        if fmt == ShowFormat.table:
            output.success(
                ngettext("%(count)s variant(s) added to %(sku)s.", "%(count)s variant(s) added to %(sku)s.", len(added)) % {"count": len(added), "sku": output.escape(g.group.key)}
            )
        return
    if all(v is None for v in (name, price, tax_rate, stock, for_sale, low_stock)) and not untracked:
        raise InputError(_("Nothing to change."), _("Give --name, --price, --tax-rate, --stock, --untracked, --for-sale/--not-for-sale, --low-stock or --option."))
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
            for_sale=for_sale,
            low_stock=low_stock,
        )
        uow.commit(saved=_("Product %(sku)s") % {"sku": sku})
    _print_product(p, settings.currency, fmt.value)
    if fmt == ShowFormat.table:
        output.success(_("Product %(sku)s updated.") % {"sku": output.escape(p.sku)})


@app.command("show", help="Show one product, or a product with options and its variants.\n\nExample: ordercli product show MUG-01 --format json")
def show(sku: str = typer.Argument(..., help="SKU (of a product or a variant), or the SKU of a product with options."), fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv.")) -> None:
    from ordercli import db as dbmod
    import ordercli.cli._state as _state
    from ordercli.errors import NotFoundError
    from ordercli.services import common, variants

    with dbmod.read_session(_state.engine()) as s:
        settings = common.load_settings(s)
        try:
            p = common.get_product(s, sku)
        except NotFoundError:
            g = variants.find_group(s, sku)
            if g is None:
                raise
            _print_group(g, settings.currency, fmt.value)
            return
        g = variants.find_group(s, p.sku) if p.group_id is not None else None
        if g is None or fmt == Format.csv:
            _print_product(p, settings.currency, fmt.value)
            return
        if fmt == Format.json:
            from ordercli import output, serialize

            output.print_json({**serialize.product_dict(p, settings.currency), "group": _group_dict(g, settings.currency)})
            return
        _print_product(p, settings.currency, fmt.value)
        _print_group(g, settings.currency, fmt.value)


def _group_dict(g, currency: str) -> dict:
    from ordercli import serialize

    return {"sku": g.group.key, "name": g.group.name, "options": g.option_names, "variants": [serialize.product_dict(v, currency) for v in g.variants]}


def _print_group(g, currency: str, fmt: str) -> None:
    from ordercli import output, serialize
    from ordercli.cli.render import money

    if fmt == "json":
        output.print_json(_group_dict(g, currency))
        return
    if fmt == "csv":
        output.print_csv(["sku", "name", "price", "stock", "tax_rate"], [_csv_row(v, currency) for v in g.variants])
        return
    cols = [_("SKU"), *g.option_names, (_("Price"), "right"), (_("Stock"), "right"), _("Sale")]
    rows = []
    for v in g.variants:
        values = serialize.options_of(v.options) or {}
        rows.append(
            (v.sku, *[values.get(n, "") for n in g.option_names], money(v.price, currency), _("untracked") if v.stock is None else v.stock, _("yes") if v.for_sale else _("not for sale"))
        )
    title = ngettext("%(name)s (%(sku)s): %(count)s variant(s)", "%(name)s (%(sku)s): %(count)s variant(s)", len(g.variants)) % {
        "name": g.group.name,
        "sku": g.group.key,
        "count": len(g.variants),
    }
    output.table(cols, rows, title=title)


@app.command("list", help="List products.\n\nExample: ordercli product list --low-stock 3")
def list_(
    search: Optional[str] = typer.Option(None, "--search", help="SKU or name contains TEXT."),
    low_stock: Optional[int] = typer.Option(None, "--low-stock", metavar="N", help="Only tracked products with N or fewer in stock."),
    all_: bool = typer.Option(False, "--all", help="Also the products not for sale (drafts, archived)."),
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
        rows = catalog.list_products(s, search=search, low_stock=low_stock, include_not_for_sale=all_)
    cur = settings.currency
    if fmt == Format.json:
        output.print_json([serialize.product_dict(p, cur) for p in rows])
    elif fmt == Format.csv:
        output.print_csv(["sku", "name", "price", "stock", "tax_rate"], [_csv_row(p, cur) for p in rows])
    elif not rows:
        output.message(
            _("No products match.") if (search or low_stock is not None) else _("The catalog is empty. Add products with `ordercli product add` or `ordercli product import FILE.csv`.")
        )
    else:
        output.table(
            [_("SKU"), _("Name"), (_("Price"), "right"), (_("Stock"), "right"), (_("Tax"), "right")],
            [
                (
                    p.sku,
                    p.name if p.for_sale else _("%(name)s (not for sale)") % {"name": p.name},
                    money(p.price, cur),
                    _("untracked") if p.stock is None else p.stock,
                    f"{percent_str(p.tax_rate)}%",
                )
                for p in rows
            ],
            caption=ngettext("%(count)s product(s)", "%(count)s product(s)", len(rows)) % {"count": len(rows)},
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
        uow.commit(saved=_("The stock of %(sku)s") % {"sku": sku})
    _print_product(p, settings.currency, fmt.value)
    if fmt == ShowFormat.table:
        output.success(_("Stock of %(sku)s is now %(stock)s.") % {"sku": output.escape(p.sku), "stock": p.stock})
