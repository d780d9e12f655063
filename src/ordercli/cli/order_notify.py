"""``ordercli order notify`` (resend a message) and ``ordercli order invoice`` (PDF invoice)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ordercli.cli._state import ShowFormat
from ordercli.i18n import N_, _


class NotifyTo(str, Enum):
    customer = "customer"
    admin = "admin"
    both = "both"


class NotifyKind(str, Enum):
    confirmation = "confirmation"
    status = "status"
    invoice = "invoice"


NOTIFY_HELP = """Send an order's email again (through the outbox).

Examples:

  ordercli order notify FAIR-1042

  ordercli order notify FAIR-1042 --to both --kind status

  ordercli order notify FAIR-1042 --kind invoice

--kind confirmation: the order confirmation (to the shop: the "New order"
message); status: the order's current status (shipped, ready for pickup,
cancelled…); invoice: the PDF invoice as an attachment. This is an explicit
request: it is sent even if the order was created with --no-notify.
"""


def notify(
    number: str = typer.Argument(..., help="Order number (the bare number works too)."),
    to: NotifyTo = typer.Option(NotifyTo.customer, "--to", help="customer, admin (store.email) or both."),
    kind: NotifyKind = typer.Option(NotifyKind.confirmation, "--kind", help="confirmation, status or invoice."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    import ordercli.cli._state as _state
    from ordercli.errors import NoAdminAddressError, NoCustomerEmailError
    import ordercli.notify.policy as policy
    from ordercli.services import notifications

    engine = _state.engine()
    try:
        with _state.unit_of_work(engine) as uow:
            rows = notifications.resend(uow.session, number=number, to=to.value, kind=kind.value)
            ids = [r.id for r in rows]
            saved = "; ".join(_("%(kind)s to %(recipient)s (queued)") % {"kind": policy.label(r.kind), "recipient": r.recipient} for r in rows) or _("The resend")
            uow.commit(saved=saved)  # delivers what is due, under the usual back-off rule
    except NoCustomerEmailError as e:
        e.hint = _("Add one with %(command)s, or use --to admin.") % {"command": f"`ordercli order edit {e.order_number} --email ADDRESS`"}
        raise
    except NoAdminAddressError as e:
        e.hint = _(STORE_EMAIL_HINT)
        raise
    _report(engine, ids, fmt, uow.delivery)


STORE_EMAIL_HINT = N_("Set it with `ordercli config set store.email you@example.com`.")


def _report(engine, ids: list[int], fmt: ShowFormat, report) -> None:
    """How each queued message fared in the delivery that followed the commit (``report``)."""
    from ordercli import db as dbmod
    from ordercli import output
    from ordercli.models import Outbox
    import ordercli.notify.policy as policy
    from ordercli.serialize import iso

    with dbmod.read_session(engine) as s:
        rows = [s.get(Outbox, i) for i in ids]
    rows = [r for r in rows if r is not None]
    if fmt == ShowFormat.json:
        output.print_json(
            [
                {"id": r.id, "kind": r.kind, "to": r.recipient, "status": r.status, "attempts": r.attempts, "last_error": r.last_error, "sent_at": iso(r.sent_at)}
                for r in rows
            ]
        )
    for r in rows:
        what = {"message": _("%(kind)s to %(recipient)s") % {"kind": policy.label(r.kind), "recipient": output.escape(r.recipient)}}
        if r.status == "sent":
            output.success(_("%(message)s: sent.") % what)
        elif r.status == "dead":
            output.message("[red]" + _("%(message)s: dead") % what + "[/red] — " + output.escape(r.last_error or ""))
        elif r.last_error:
            output.warn(_("%(message)s: queued, not sent yet (%(error)s). It will be retried; see `ordercli outbox list`.") % {**what, "error": output.escape(r.last_error)})
        elif report is not None and report.skipped:
            output.message(_("%(message)s: queued (%(reason)s).") % {**what, "reason": output.escape(report.skipped)})
        else:
            output.message(_("%(message)s: queued.") % what)


INVOICE_HELP = """Make the order's PDF invoice (and email it with --send).

Examples:

  ordercli order invoice FAIR-1042

  ordercli order invoice FAIR-1042 --output ~/invoices/FAIR-1042.pdf --send

The invoice gets the next invoice number (invoice.prefix + a sequence that is
never reused); running it again for the same order reuses that number unless
the order's total changed. With store.iban set, the PDF carries a SEPA (EPC)
QR code for the balance due. Without --output the file is INVOICE-NUMBER.pdf
in the current folder (with --send alone, no file is written); --output -
writes the PDF to stdout.
"""


def invoice(
    number: str = typer.Argument(..., help="Order number (the bare number works too)."),
    output_path: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE.pdf", help="Where to write the PDF ('-' for stdout)."),
    send: bool = typer.Option(False, "--send", help="Email the invoice to the customer (PDF attached), through the outbox."),
    language: Optional[str] = typer.Option(None, "--language", metavar="fr|en", help="Language of the invoice (default: the customer's, else the store's)."),
    buyer_vat: Optional[str] = typer.Option(None, "--buyer-vat", metavar="NUMBER", help="The buyer's VAT number: a business invoice (late-payment penalties, the 40 € recovery indemnity)."),
) -> None:
    import sys

    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.errors import EXIT_USAGE, NoCustomerEmailError
    from ordercli.files.safe_write import check_target, is_stdout, write_bytes_safely
    from ordercli.services import invoices

    lang = _language(language)  # a bad --language is refused before anything is issued
    target: Path | None = None
    if output_path:
        # Refused before the invoice is issued: a folder, a device (/dev/full), a pipe.
        target = check_target(output_path, example="invoice.pdf")
    engine = _state.engine()
    try:
        with _state.unit_of_work(engine) as uow:
            result = invoices.make_invoice(uow.session, number=number, send=send, language=lang, buyer_vat=buyer_vat)
            inv_number, order_number = result.invoice.number, result.order.number
            ids = [m.id for m in result.messages]
            uow.commit(saved=_("Invoice %(invoice)s for order %(number)s") % {"invoice": inv_number, "number": order_number})  # delivers the email with what is due
    except NoCustomerEmailError as e:
        e.hint = _("Add one with %(command)s, or drop --send and hand the PDF over.") % {"command": f"`ordercli order edit {e.order_number} --email ADDRESS`"}
        raise
    if output_path and is_stdout(output_path):
        sys.stdout.buffer.write(result.pdf)
        sys.stdout.flush()
    elif target is not None or not send:
        target = target or Path(f"{invoices.safe_file_name(inv_number)}.pdf")
        try:
            write_bytes_safely(target, result.pdf)  # on a full disk the old file stays whole
        except OSError as e:
            # The invoice is committed, but running the command again is what the user should do
            # (the same number is reused), so this is not the "saved, do not retry" exit 3.
            output.error(
                _("Cannot write %(path)s: %(problem)s. Invoice %(invoice)s is issued.") % {"path": repr(str(target)), "problem": e.strerror, "invoice": inv_number},
                _("Choose another --output path and run the command again without --send (the email is queued) (the same number is reused).")
                if send
                else _("Choose another --output path and run the command again (the same number is reused)."),
            )
            raise typer.Exit(EXIT_USAGE) from None
        output.success(
            _("Invoice %(invoice)s for order %(number)s written to %(path)s.")
            % {"invoice": output.escape(inv_number), "number": output.escape(order_number), "path": output.escape(str(target))}
        )
    else:
        output.success(_("Invoice %(invoice)s for order %(number)s issued.") % {"invoice": output.escape(inv_number), "number": output.escape(order_number)})
    if send:
        _report(engine, ids, ShowFormat.table, uow.delivery)


def _language(value: str | None) -> str | None:
    """``--language`` as typed: a language with a catalog (or English), else a usage error."""
    if value is None:
        return None
    from ordercli import i18n
    from ordercli.errors import InputError

    found = i18n.normalize(value)
    if found is None or (found.split("_")[0] != "en" and found.split("_")[0] not in i18n.available()):
        choices = ", ".join(["en", *i18n.available()])
        raise InputError(_("Unknown language %(value)s.") % {"value": repr(value)}, _("Use one of: %(choices)s.") % {"choices": choices})
    return found
