"""``ordercli product import FILE``: a catalog as ordercli, Shopify, WooCommerce, Square or Ecwid write it.

A plain function registered on the product app by ``cli/root.py``.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ordercli.cli._state import ShowFormat
from ordercli.i18n import N_, _, ngettext


class StockMode(str, Enum):
    keep = "keep"
    set = "set"
    add = "add"


IMPORT_HELP = """Import or update products from a catalog file (by SKU).

Example: ordercli product import products_export.csv --dry-run

Reads ordercli's CSV (sku,name,price[,stock][,tax_rate][,options]) and the exports of Shopify
(products, and inventory with --location), WooCommerce, Square (item library) and Ecwid.
Every good row is imported; each skipped row is reported with its line and reason
(--errors FILE writes them all; --strict imports nothing if any row is skipped).
Existing products keep the store's stock (sales are never undone) unless --stock set
(the file's figures) or --stock add (a delivery)."""

#: skipped rows listed on the terminal (all of them go to --errors FILE and --format json)
SHOWN_ROWS = 20


def import_(
    file: Path = typer.Argument(..., help="CSV file.", dir_okay=False),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and check everything, report what would change; write nothing."),
    strict: bool = typer.Option(False, "--strict", help="Import nothing if any row cannot be imported."),
    stock: StockMode = typer.Option(StockMode.keep, "--stock", help="keep: existing products keep the store's stock; set: take the file's figures; add: add them (a delivery)."),
    location: Optional[str] = typer.Option(None, "--location", metavar="NAME", help="The location whose stock to read (Shopify inventory, Square); default: the first."),
    errors_file: Optional[Path] = typer.Option(None, "--errors", metavar="FILE", help="Also write the skipped rows to this CSV file (line, sku, column, code, reason)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", metavar="NAME", help="The file's encoding, e.g. cp1252 (default: detected: UTF-8, Windows-1252 or Latin-1)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="Summary as text (stderr) or JSON (stdout)."),
) -> None:
    import ordercli.cli._state as _state
    from ordercli import db as dbmod
    from ordercli import output
    from ordercli.errors import InputError
    from ordercli.services import catalog_import, common
    from ordercli.uow import preview

    if encoding is not None:
        encoding = _checked_encoding(encoding)  # before anything is read or written
    if errors_file is not None:
        from ordercli.files.safe_write import check_target

        check_target(errors_file, option="--errors", example="skipped.csv")
    engine = _state.engine()
    with dbmod.read_session(engine) as s:
        currency = common.load_settings(s).currency
    parsed = catalog_import.read_file(file, currency=currency, location=location, encoding=encoding)
    read_as = _encoding_read(file)

    def run(session):
        return catalog_import.import_parsed(session, parsed=parsed, stock=stock.value, strict=strict)

    if dry_run:
        report = preview(engine, run)
    else:
        with _state.unit_of_work(engine) as uow:
            report = run(uow.session)
            if report.created or report.updated:
                uow.commit(saved=_("The catalog import of %(file)s") % {"file": file.name})
    if errors_file is not None:
        _write_errors(errors_file, report.skipped)
    if report.skipped and not report.imported:
        first = report.skipped[0].text(report.shown).rstrip(".")
        more = len(report.skipped) - 1
        if more:
            text = ngettext("Nothing imported: %(problem)s (and %(count)s more skipped row(s)).", "Nothing imported: %(problem)s (and %(count)s more skipped row(s)).", more)
        else:
            text = _("Nothing imported: %(problem)s.")
        raise InputError(text % {"problem": first, "count": more}, code="catalog.nothing_imported")
    if fmt == ShowFormat.json:
        output.print_json({**_as_dict(report, dry_run), "encoding": read_as})
    _messages(report, dry_run=dry_run, errors_file=errors_file, brief=fmt == ShowFormat.json)


def _checked_encoding(name: str) -> str:
    """``--encoding`` -> a codec name; one line naming what to use when Python has no such text
    encoding, or when it is not one a CSV can be read in line by line (UTF-16, UTF-32…)."""
    from ordercli.errors import InputError
    from ordercli.files import text

    facts = {"name": repr(name.strip())}
    try:
        codec = text.check_encoding_name(name)
    except InputError as e:
        if e.code != "file.encoding_not_line":
            raise InputError(
                _("Unknown encoding %(name)s: use utf-8, cp1252 (Windows-1252, French Excel) or latin-1; nothing was written.") % facts, code="catalog.encoding"
            ) from None
        raise InputError(
            _("Encoding %(name)s cannot be read line by line: use utf-8, cp1252 (Windows-1252, French Excel) or latin-1; nothing was written.") % facts,
            code="catalog.encoding",
        ) from None
    return codec


def _encoding_read(file: Path) -> str:
    """The encoding the file was read in (given or detected), as a codec name: utf-8, cp1252, latin-1…"""
    from ordercli.files import text

    try:
        with open(file, "rb") as f:
            return text.encoding_of(f)
    except OSError:
        return "utf-8"


def _as_dict(report, dry_run: bool) -> dict:
    return {
        "format": report.format,
        "dry_run": dry_run,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": len(report.skipped),
        "not_for_sale": report.not_for_sale,
        "generated_skus": report.generated_skus,
        "stock_differs": report.stock_differs,
        "stock_changed": report.stock_changed,
        "image_rows": report.image_rows,
        "location": report.location,
        "ignored_columns": report.ignored_columns,
        "skipped_rows": [{"line": s.line, "sku": s.sku, "column": s.column, "code": s.code, "reason": s.reason} for s in report.skipped],
    }


#: The catalog formats on screen (the JSON keeps the codes).
FORMAT_NAMES = {
    "ordercli": N_("ordercli CSV"),
    "shopify": N_("Shopify products"),
    "shopify-inventory": N_("Shopify inventory"),
    "woocommerce": "WooCommerce",
    "square": N_("Square items"),
    "ecwid": "Ecwid",
}


def _messages(report, *, dry_run: bool, errors_file, brief: bool) -> None:
    from ordercli import output

    e = output.escape
    if not brief and report.ignored_columns:
        cols = e(", ".join(report.ignored_columns[:12]))
        more = len(report.ignored_columns) - 12
        if more > 0:
            output.message(_("Ignored columns: %(columns)s (and %(count)s more).") % {"columns": cols, "count": more})
        else:
            output.message(_("Ignored columns: %(columns)s.") % {"columns": cols})
    if not brief:
        shown = report.skipped[:SHOWN_ROWS]
        for s in shown:
            output.warn(_("skipped %(row)s.") % {"row": e(output.shown(s.text(report.shown)))})
        more = len(report.skipped) - len(shown)
        if more > 0:
            if errors_file:
                text = _("… and %(count)s more skipped rows (all of them are in %(path)s).")
            else:
                text = _("… and %(count)s more skipped rows (write them all with --errors FILE).")
            output.warn(text % {"count": more, "path": e(str(errors_file)) if errors_file else ""})
    parts = [
        ngettext("%(count)s created", "%(count)s created", report.created) % {"count": report.created},
        ngettext("%(count)s updated", "%(count)s updated", report.updated) % {"count": report.updated},
        ngettext("%(count)s unchanged", "%(count)s unchanged", report.unchanged) % {"count": report.unchanged},
        ngettext("%(count)s skipped", "%(count)s skipped", len(report.skipped)) % {"count": len(report.skipped)},
    ]
    fmt_name = FORMAT_NAMES.get(report.format)
    head = _("Dry run, nothing written (%(format)s): %(counts)s") if dry_run else _("Catalog imported (%(format)s): %(counts)s")
    line = head % {"format": _(fmt_name) if fmt_name else e(report.format), "counts": ", ".join(parts)}
    extra = []
    if report.location:
        extra.append(_("stock of location %(location)s") % {"location": e(output.shown(report.location))})
    if report.not_for_sale:
        extra.append(ngettext("%(count)s not for sale", "%(count)s not for sale", report.not_for_sale) % {"count": report.not_for_sale})
    if report.generated_skus:
        extra.append(ngettext("%(count)s SKU(s) generated", "%(count)s SKU(s) generated", report.generated_skus) % {"count": report.generated_skus})
    if extra:
        line += " · " + ", ".join(extra)
    output.message(line + ".")
    if report.stock_differs and report.format != "shopify-inventory" and report.stock_changed == 0:
        if dry_run:
            text = ngettext(
                "The file's stock differs from the store's for %(count)s existing product(s); the store's stock was (would be) kept (take the file's with --stock set, or add it with --stock add).",
                "The file's stock differs from the store's for %(count)s existing product(s); the store's stock was (would be) kept (take the file's with --stock set, or add it with --stock add).",
                report.stock_differs,
            )
        else:
            text = ngettext(
                "The file's stock differs from the store's for %(count)s existing product(s); the store's stock was kept (take the file's with --stock set, or add it with --stock add).",
                "The file's stock differs from the store's for %(count)s existing product(s); the store's stock was kept (take the file's with --stock set, or add it with --stock add).",
                report.stock_differs,
            )
        output.message(text % {"count": report.stock_differs})
    elif report.stock_changed:
        if dry_run:
            text = ngettext(
                "Stock would be changed for %(count)s product(s) (ledger reason: import).", "Stock would be changed for %(count)s product(s) (ledger reason: import).", report.stock_changed
            )
        else:
            text = ngettext("Stock changed for %(count)s product(s) (ledger reason: import).", "Stock changed for %(count)s product(s) (ledger reason: import).", report.stock_changed)
        output.message(text % {"count": report.stock_changed})


def _write_errors(path, skipped) -> None:
    import csv

    from ordercli import output
    from ordercli.files.safe_write import write_safely
    from ordercli.output import safe_cell

    try:
        with write_safely(path) as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["line", "sku", "column", "code", "reason"])
            for s in sorted(skipped, key=lambda s: s.line):
                w.writerow([safe_cell(v) for v in (s.line, s.sku or "", s.column or "", s.code, s.reason)])
    except OSError as err:
        output.warn(_("could not write %(path)s: %(reason)s.") % {"path": output.escape(repr(str(path))), "reason": output.escape(err.strerror)})
