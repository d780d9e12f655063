"""``ordercli product import FILE``: a catalog as ordercli, Shopify, WooCommerce, Square or Ecwid write it.

A plain function registered on the product app by ``cli/root.py``.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ordercli.cli._state import ShowFormat


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
                uow.commit(saved=f"The catalog import of {file.name}")
    if errors_file is not None:
        _write_errors(errors_file, report.skipped)
    if report.skipped and not report.imported:
        first = report.skipped[0].text(report.shown)
        more = f" (and {len(report.skipped) - 1} more skipped row(s))" if len(report.skipped) > 1 else ""
        raise InputError(f"Nothing imported: {first.rstrip('.')}{more}.", code="catalog.nothing_imported")
    if fmt == ShowFormat.json:
        output.print_json({**_as_dict(report, dry_run), "encoding": read_as})
    _messages(report, dry_run=dry_run, errors_file=errors_file, brief=fmt == ShowFormat.json)


def _checked_encoding(name: str) -> str:
    """``--encoding`` -> a codec name; one line naming what to use when Python has no such text
    encoding, or when it is not one a CSV can be read in line by line (UTF-16, UTF-32…)."""
    from ordercli.errors import InputError
    from ordercli.files import text

    use = "use utf-8, cp1252 (Windows-1252, French Excel) or latin-1"
    try:
        codec = text.check_encoding_name(name)
    except InputError:
        raise InputError(f"Unknown encoding {name.strip()!r}: {use}; nothing was written.", code="catalog.encoding") from None
    try:
        ascii_safe = "sku,name\n".encode(codec) == b"sku,name\n"
    except (LookupError, TypeError, ValueError, UnicodeError):
        ascii_safe = False
    if not ascii_safe:
        raise InputError(f"Encoding {name.strip()!r} cannot be read line by line: {use}; nothing was written.", code="catalog.encoding")
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


def _messages(report, *, dry_run: bool, errors_file, brief: bool) -> None:
    from ordercli import output

    e = output.escape
    would = "would be " if dry_run else ""
    fmt_name = {"ordercli": "ordercli CSV", "shopify": "Shopify products", "shopify-inventory": "Shopify inventory", "woocommerce": "WooCommerce", "square": "Square items", "ecwid": "Ecwid"}
    if not brief and report.ignored_columns:
        cols = ", ".join(report.ignored_columns[:12]) + (f" (and {len(report.ignored_columns) - 12} more)" if len(report.ignored_columns) > 12 else "")
        output.message(f"Ignored columns: {e(cols)}.")
    if not brief:
        shown = report.skipped[:SHOWN_ROWS]
        for s in shown:
            output.warn(f"skipped {e(output.shown(s.text(report.shown)))}.")
        if len(report.skipped) > len(shown):
            where = f"all of them are in {e(str(errors_file))}" if errors_file else "write them all with --errors FILE"
            output.warn(f"… and {len(report.skipped) - len(shown)} more skipped rows ({where}).")
    parts = [f"{report.created} created", f"{report.updated} updated", f"{report.unchanged} unchanged", f"{len(report.skipped)} skipped"]
    head = "Dry run, nothing written" if dry_run else "Catalog imported"
    line = f"{head} ({fmt_name.get(report.format, report.format)}): {', '.join(parts)}"
    extra = []
    if report.location:
        extra.append(f"stock of location {e(output.shown(report.location))}")
    if report.not_for_sale:
        extra.append(f"{report.not_for_sale} not for sale")
    if report.generated_skus:
        extra.append(f"{report.generated_skus} SKU(s) generated")
    if extra:
        line += " · " + ", ".join(extra)
    output.message(line + ".")
    if report.stock_differs and report.format != "shopify-inventory" and report.stock_changed == 0:
        output.message(
            f"The file's stock differs from the store's for {report.stock_differs} existing product(s); the store's stock was {'(would be) ' if dry_run else ''}kept "
            "(take the file's with --stock set, or add it with --stock add)."
        )
    elif report.stock_changed:
        output.message(f"Stock {would}changed for {report.stock_changed} product(s) (ledger reason: import).")


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
        output.warn(f"could not write {output.escape(repr(str(path)))}: {output.escape(err.strerror)}.")
