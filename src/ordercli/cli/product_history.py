"""``ordercli product history SKU``: the stock ledger of one product."""

from __future__ import annotations

import typer

from ordercli.cli._state import ShowFormat
from ordercli.i18n import _, ngettext, pgettext


def reason_shown(code: str) -> str:
    """The stored reason of a stock movement (a code, English in JSON) as a word on screen."""
    words = {
        "initial": pgettext("stock movement", "initial"),
        "sale": pgettext("stock movement", "sale"),
        "edit": pgettext("stock movement", "edit"),
        "cancel": pgettext("stock movement", "cancel"),
        "reopen": pgettext("stock movement", "reopen"),
        "restock": pgettext("stock movement", "restock"),
        "refund": pgettext("stock movement", "refund"),
        "adjust": pgettext("stock movement", "adjust"),
        "import": pgettext("stock movement", "import"),
    }
    return words.get(code, code)


HISTORY_HELP = """Show a product's stock movements, newest first.

Examples:

  ordercli product history MUG-01

  ordercli product history MUG-01 --limit 200 --format json

Every change of stock is written here (sale, edit, cancel, reopen, refund,
manual change, import): the change, the stock after it, the reason and the
order number if any. Stock always equals the sum of the changes.
"""


def history(
    sku: str = typer.Argument(..., help="SKU."),
    limit: int = typer.Option(50, "--limit", min=1, max=100000, help="At most this many movements (newest first)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    from ordercli.cli.render import local_time
    from ordercli.services import catalog

    with dbmod.read_session(_state.engine()) as s:
        product, rows = catalog.history(s, sku=sku, limit=limit)
    if fmt == ShowFormat.json:
        output.print_json(
            {
                "sku": product.sku,
                "name": product.name,
                "stock": product.stock,
                "movements": [
                    {"at": serialize.iso(m.at), "delta": m.delta, "stock_after": m.stock_after, "reason": m.reason, "order_number": m.order_number}
                    for m in rows
                ],
            }
        )
        return
    stock = _("untracked") if product.stock is None else str(product.stock)
    if not rows:
        output.message(_("No stock movements for %(sku)s (stock: %(stock)s).") % {"sku": output.escape(product.sku), "stock": stock})
        return
    caption = ngettext("%(count)s movement(s), newest first", "%(count)s movement(s), newest first", len(rows)) % {"count": len(rows)}
    if len(rows) == limit:
        caption += " · " + _("more may exist: --limit %(limit)s") % {"limit": limit * 2}
    output.table(
        [_("When"), (pgettext("stock movement", "Change"), "right"), (_("Stock after"), "right"), _("Reason"), _("Order")],
        [(local_time(m.at), f"{m.delta:+d}", m.stock_after, reason_shown(m.reason), m.order_number or "") for m in rows],
        title=_("%(sku)s — %(name)s · stock %(stock)s") % {"sku": product.sku, "name": product.name, "stock": stock},
        caption=caption,
    )
