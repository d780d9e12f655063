"""``ordercli order receipt``: a sale's receipt as text, a thermal-paper PDF or ESC/POS bytes; printed or emailed."""

from __future__ import annotations

from enum import Enum

import typer

from ordercli.i18n import N_, _


class ReceiptFormat(str, Enum):
    text = "text"
    pdf = "pdf"
    escpos = "escpos"


RECEIPT_HELP = """Show, print or email an order's receipt.

Examples:

  ordercli order receipt 1042

  ordercli order receipt 1042 --print

  ordercli order receipt 1042 --format pdf --output receipt.pdf --width 58

  ordercli order receipt 1042 --email

The receipt has the store's name and address (store.name, store.address), the
date and time, the lines, discount, surcharges, tip, tax by rate, the total,
each payment with its method (cash tendered and change), the balance due and
the footer (receipt.footer). --format text (the default) is for the screen or
any printer, pdf is sized for 58 or 80 mm thermal paper, escpos gives the bytes
an ESC/POS receipt printer takes (with a paper cut). Text goes to stdout; pdf
and escpos go to receipt-NUMBER.pdf / .escpos unless --output says where
('-' for stdout). --print sends the receipt (as ESC/POS, whatever --format
says) to the printer set in receipt.printer (none, file:PATH,
network:HOST[:PORT], usb:VENDOR:PRODUCT, serial:DEVICE); --email queues it to the customer's email (not for walk-in
sales). Paper width: --width, else receipt.width (80 by default).
"""

PRINTER_HINT = N_("Set one with `ordercli config set receipt.printer network:192.168.1.50` (or file:PATH, usb:VENDOR:PRODUCT, serial:DEVICE).")


def receipt(
    number: str = typer.Argument(..., help="Order number (the bare number works too)."),
    fmt: ReceiptFormat = typer.Option(ReceiptFormat.text, "--format", help="text, pdf or escpos."),
    output_path: str | None = typer.Option(None, "--output", "-o", metavar="PATH|-", help="Where to write the receipt ('-' for stdout)."),
    print_it: bool = typer.Option(False, "--print", help="Print it on the receipt printer (receipt.printer)."),
    email: bool = typer.Option(False, "--email", help="Email it to the customer, through the outbox."),
    width: str | None = typer.Option(None, "--width", metavar="58|80", help="Paper width in mm (default: receipt.width)."),
) -> None:
    import sys
    from pathlib import Path

    from ordercli import db as dbmod
    from ordercli import output
    from ordercli.cli import _state
    from ordercli.errors import (
        EXIT_REFUSED,
        EXIT_USAGE,
        InputError,
        NoCustomerEmailError,
    )
    from ordercli.files.safe_write import check_target, write_bytes_safely
    from ordercli.printers import PrinterError
    from ordercli.services import receipts
    from ordercli.services.common import load_settings

    paper: int | None = None
    if width is not None:
        if width.strip() not in ("58", "80"):
            raise InputError(_("Invalid --width %(value)s: receipts are 58 or 80 mm wide.") % {"value": repr(width)}, _("Use --width 58 or --width 80."))
        paper = int(width)
    target: Path | None = None
    if output_path:
        target = check_target(output_path, example=f"receipt.{'txt' if fmt == ReceiptFormat.text else fmt.value}")
    write_out = bool(output_path) or not (print_it or email)

    engine = _state.engine()
    with dbmod.read_session(engine) as s:
        settings = load_settings(s)
        if print_it and receipts.printer_of(settings) is None:
            output.error(_("No receipt printer is set (receipt.printer is none)."), _(PRINTER_HINT))
            raise typer.Exit(EXIT_REFUSED)
        order, data = receipts.make_receipt(s, number=number, fmt=fmt.value, width=paper)
        order_number = order.number

    if write_out:
        if output_path is None and fmt != ReceiptFormat.text:
            safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in order_number).strip("-.") or "receipt"
            target = Path(f"receipt-{safe}.{fmt.value}")
        if target is None:  # stdout: text as text, pdf / escpos as bytes
            if fmt == ReceiptFormat.text:
                sys.stdout.write(data.decode("utf-8"))
            else:
                sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            try:
                write_bytes_safely(target, data, mode=0o644)
            except OSError as e:
                output.error(_("Cannot write %(path)s: %(problem)s.") % {"path": repr(str(target)), "problem": e.strerror}, _("Choose another --output path."))
                raise typer.Exit(EXIT_USAGE) from None
            output.success(_("Receipt for order %(number)s written to %(path)s.") % {"number": output.escape(order_number), "path": output.escape(str(target))})

    if email:
        from ordercli.cli._state import ShowFormat
        from ordercli.cli.order_notify import _report

        try:
            with _state.unit_of_work(engine) as uow:
                _order, rows = receipts.queue_receipt_email(uow.session, number=order_number, width=paper)
                ids = [r.id for r in rows]
                uow.commit(saved=_("The receipt of order %(number)s (queued for the customer)") % {"number": order_number})
        except receipts.WalkInReceiptError as e:
            e.hint = _("Print it (--print) or hand over the PDF (--format pdf) instead.")
            raise
        except NoCustomerEmailError as e:
            e.hint = _("Add one with %(command)s, or print the receipt (--print).") % {"command": f"`ordercli order edit {e.order_number} --email ADDRESS`"}
            raise
        _report(engine, ids, ShowFormat.table, uow.delivery)

    if print_it:
        try:
            name = receipts.print_receipt(engine, order_number, settings=settings, width=paper)
        except PrinterError as e:
            output.error(
                e.message,
                _("The sale is saved. Check the printer (power, cable, paper), then print again with %(command)s.")
                % {"command": f"`ordercli order receipt {order_number} --print`"},
            )
            raise typer.Exit(EXIT_REFUSED) from None
        except receipts.NoPrinterError as e:  # receipt.printer was cleared meanwhile
            output.error(e.message, _(PRINTER_HINT))
            raise typer.Exit(EXIT_REFUSED) from None
        output.success(_("Receipt for order %(number)s printed on %(printer)s.") % {"number": output.escape(order_number), "printer": output.escape(name)})
