"""``ordercli order import FILE`` and ``ordercli order export`` (plain functions, registered on the
``order`` app by ``cli/root.py``)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ordercli.cli._state import DIALECT_HELP, Dialect
from ordercli.errors import InputError
from ordercli.i18n import _, ngettext


class InputFormat(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


class OnError(str, Enum):
    reject_all = "reject-all"
    skip = "skip"
    stop = "stop"


class SummaryFormat(str, Enum):
    table = "table"
    json = "json"


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    ecwid = "ecwid"


#: Above this many customer emails, an import on a terminal asks first.
ASK_ABOVE_EMAILS = 20
#: Problems listed on the terminal (all of them go to --errors FILE and --format json).
SHOW_PROBLEMS = 30

IMPORT_HELP = """Enter many orders from a CSV, JSON or JSONL file.

Examples:

  ordercli order import examples/fair-day.csv

  ordercli order import orders.jsonl --on-error skip --errors problems.csv --format json

  ordercli order import fair.csv --dry-run

CSV: one row per line item, grouped into orders by order_ref (columns
order_ref,name,email,phone,sku,quantity and optional item_name,unit_price,
tax_rate,discount,tip,surcharges,payment_method,note,staff_note, shipping and
billing columns). JSON (an array) and JSONL use the order JSON's field names
plus order_ref.

Every order goes through the same rules as `order create`. Re-running the same
file is harmless: orders whose order_ref is already in the store are skipped.
By default (--on-error reject-all) the whole file is checked first, stock
included, and nothing is written if anything is wrong.
"""


def _progress_bar(label: str, total_bytes: int):
    """A rich progress bar on stderr (terminal only): orders done, rate, time left."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from ordercli import output

    p = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[orders]} " + _("orders")),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=output.err_console(),
        transient=True,
    )
    task = p.add_task(label, total=max(total_bytes, 1), orders=0, rate="")
    return p, task


class _Meter:
    def __init__(self, enabled: bool, label: str, total_bytes: int):
        import time

        self.enabled = enabled
        self.start = time.monotonic()
        self.progress = None
        if enabled:
            self.progress, self.task = _progress_bar(label, total_bytes)
            self.progress.start()

    def __call__(self, orders: int, pos: int) -> None:
        import time

        if self.progress is None:
            return
        elapsed = max(time.monotonic() - self.start, 1e-6)
        self.progress.update(self.task, completed=pos, orders=f"{orders:,}", rate=f"{orders / elapsed:,.0f}/s")

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def import_(
    file: Path = typer.Argument(..., help="CSV, JSON (array) or JSONL file.", show_default=False),
    input_format: Optional[InputFormat] = typer.Option(None, "--input-format", help="csv, json or jsonl (default: from the file's extension)."),
    on_error: OnError = typer.Option(OnError.reject_all, "--on-error", help="reject-all: write nothing if anything is wrong; skip: import the good orders; stop: stop at the first bad order."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything (stock included) and report; write nothing."),
    notify: Optional[bool] = typer.Option(None, "--notify/--no-notify", help="Queue order confirmations to customers (default: yes; on a terminal, asks above 20 emails)."),
    errors_file: Optional[Path] = typer.Option(None, "--errors", metavar="FILE", help="Also write the problems to this CSV file (line, order_ref, column, problem, hint)."),
    dialect: Dialect = typer.Option(Dialect.csv, "--dialect", help="Of the --errors CSV: " + DIALECT_HELP),
    encoding: Optional[str] = typer.Option(None, "--encoding", metavar="NAME", help="The file's encoding, e.g. cp1252 (default: detected: UTF-8, Windows-1252 or Latin-1)."),
    batch_size: int = typer.Option(100, "--batch-size", min=1, max=10000, help="Orders per transaction (a killed run loses at most one batch; a re-run completes it)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before queueing many customer emails."),
    fmt: SummaryFormat = typer.Option(SummaryFormat.table, "--format", help="Summary as text (stderr) or JSON (stdout)."),
) -> None:
    import sys

    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.errors import Cancelled
    from ordercli.services import order_file, order_import

    if errors_file is not None:
        from ordercli.files.safe_write import check_target

        check_target(errors_file, option="--errors", example="problems.csv")  # before anything is written
    src = order_file.open_source(file, input_format.value if input_format else None, encoding=encoding)
    engine = _state.engine()
    _state.auto_backup(engine)  # the import's chunks open their own units of work
    policy = on_error.value
    show_bar = output.is_terminal(sys.stderr)
    want_notify = True if notify is None else notify

    meter = _Meter(show_bar, _("Checking"), src.size)
    try:
        plan = order_import.check_file(engine, src, policy=policy, notify=want_notify, progress=meter)
    finally:
        meter.close()

    if dry_run:
        report = order_import.dry_run_report(src, plan)
        _finish(report, errors_file, fmt, dialect.value)
        return

    blocked = policy == "reject-all" and not plan.ok
    if not blocked and want_notify and notify is None and not yes and plan.emails > ASK_ABOVE_EMAILS and _state.can_prompt():
        from ordercli.wizard.confirm import choose

        send = _("Queue %(count)s order confirmation emails") % {"count": plan.emails}
        quiet = _("Import without emailing customers")
        cancel = _("Cancel (import nothing)")
        try:
            answer = choose(_("This import would email %(count)s customers. What now?") % {"count": plan.emails}, [send, quiet, cancel], default=send)
        except KeyboardInterrupt:
            raise Cancelled(_("Cancelled, nothing imported.")) from None
        if answer == cancel or answer is None:
            raise Cancelled(_("Cancelled, nothing imported."))
        want_notify = answer == send

    meter = _Meter(show_bar and not blocked, _("Importing"), src.size)
    try:
        with _ctrl_c_stops_between_commits() as stop:
            report = order_import.import_file(
                engine, src, plan, notify=want_notify, batch_size=batch_size, progress=meter, stop_requested=stop, on_commit=_remember_import(src.shown)
            )
    finally:
        meter.close()
    if report.queued and not report.interrupted:
        # Each chunk committed in its own unit of work (deliver=False): deliver the
        # outbox once, now that the import is over (as `order create` does after its commit).
        from ordercli import notify as notify_mod

        notify_mod.deliver_due(engine)
    _finish(report, errors_file, fmt, dialect.value)


def _finish(report, errors_file: Optional[Path], fmt: SummaryFormat, dialect: str = "csv") -> None:
    from ordercli import output
    from ordercli.cli.hints import hint_for

    for p in report.problems:  # the services give facts; the hints are worded here, for every output
        p.hint = p.hint or hint_for(p)
    if errors_file is not None:
        try:
            write_errors_csv(errors_file, report.problems, dialect)
        except OSError as e:
            output.warn(_("could not write %(path)s: %(problem)s.") % {"path": output.escape(repr(str(errors_file))), "problem": output.escape(e.strerror)})
    if fmt == SummaryFormat.json:
        output.print_json(report.as_dict())
        _messages(report, errors_file, brief=True)
    else:
        _messages(report, errors_file, brief=False)
    code = report.exit_code
    if code:
        raise typer.Exit(code)


def _messages(report, errors_file: Optional[Path], *, brief: bool) -> None:
    from ordercli import output
    from ordercli.cli.render import money

    e = output.escape
    probs = sorted(report.problems, key=lambda p: p.line)
    if report.ignored_columns:
        output.warn(
            ngettext("ignored unknown column: %(columns)s.", "ignored unknown columns: %(columns)s.", len(report.ignored_columns))
            % {"columns": ", ".join(e(c) for c in report.ignored_columns)}
        )
    if not brief:
        con = output.err_console()
        for p in probs[:SHOW_PROBLEMS]:
            con.print("[bold red]" + _("Error:") + f"[/bold red] {e(p.text(report.shown))}")
            if p.hint:
                con.print("  " + e(p.hint), style="dim" if con.is_terminal else None)
        more = report.problem_count - min(len(probs), SHOW_PROBLEMS)
        if more > 0:
            if errors_file:
                text = ngettext(
                    "… and %(count)s more problem (all of them are in %(path)s).", "… and %(count)s more problems (all of them are in %(path)s).", more
                )
            else:
                text = ngettext(
                    "… and %(count)s more problem (write them all with --errors FILE).", "… and %(count)s more problems (write them all with --errors FILE).", more
                )
            output.message(text % {"count": more, "path": e(str(errors_file)) if errors_file else ""})
    amount = money(report.total, report.currency)
    raw_name = Path(report.file).name
    name = output.escape(raw_name)
    if report.dry_run:
        if report.policy == "reject-all" and report.problem_count:
            output.message(
                _("Dry run — nothing saved. %(file)s: %(problems)s in %(orders)s; as it stands the import would write nothing.")
                % {"file": name, "problems": _problems(report.problem_count), "orders": _orders(report.failed)}
            )
        else:
            output.message(
                _("Dry run — nothing saved. %(file)s: %(orders)s would be created (%(amount)s) · %(already)s already imported · %(failed)s with problems · %(emails)s.")
                % {
                    "file": name,
                    "orders": _orders(report.created),
                    "amount": amount,
                    "already": report.already,
                    "failed": report.failed,
                    "emails": ngettext("%(count)s customer email", "%(count)s customer emails", report.emails) % {"count": report.emails},
                }
            )
        return
    if report.policy == "reject-all" and report.problem_count and not report.written:
        output.message(
            _("Nothing was imported: %(problems)s in %(orders)s of %(total)s. Fix them and run the same command again (or --on-error skip to import the good orders).")
            % {"problems": _problems(report.problem_count), "orders": _orders(report.failed), "total": report.orders}
        )
        return
    summary = _("%(file)s: %(created)s created · %(already)s already imported · %(failed)s failed") % {
        "file": raw_name,
        "created": report.created,
        "already": report.already,
        "failed": report.failed,
    }
    if report.not_processed:
        summary += " · " + _("%(count)s not processed") % {"count": report.not_processed}
    summary += " · " + _("total %(amount)s") % {"amount": amount}
    if report.problem_count:
        output.message(f"[yellow]![/yellow] {e(summary)}")
    else:
        output.success(e(summary))
    if report.interrupted:
        output.message(
            "  "
            + _(
                "Interrupted: the orders counted above are saved, the batch in progress was rolled back. "
                "Run the same command again to import the rest (imported orders are skipped)."
            )
        )
    elif report.stopped_at is not None:
        output.message(
            "  " + _("Stopped at line %(line)s; the orders before it are saved. Fix it and run the same command again: imported orders are skipped.") % {"line": report.stopped_at}
        )
    if report.created:
        span = report.first_number if report.first_number == report.last_number else f"{report.first_number} … {report.last_number}"
        output.message(
            "  "
            + ngettext("Orders %(span)s · %(count)s customer confirmation queued.", "Orders %(span)s · %(count)s customer confirmations queued.", report.emails)
            % {"span": e(span), "count": report.emails}
        )
        output.message("  " + _("Review them with: %(command)s") % {"command": "ordercli order list --since today"})


def _problems(n: int) -> str:
    return ngettext("%(count)s problem", "%(count)s problems", n) % {"count": n}


def _orders(n: int) -> str:
    return ngettext("%(count)s order", "%(count)s orders", n) % {"count": n}


# ------------------------------------------------------------------ export

EXPORT_HELP = """Export orders for spreadsheets, scripts or an online store.

Examples:

  ordercli order export --since 2026-11-28 --output fair.csv

  ordercli order export --payment-status paid --format ecwid --output ecwid-orders.json

  ordercli order export --format jsonl | jq .total

Takes the same filters as `order list`; all matching orders, oldest first.
csv: one row per line item in the import format (export -> import into an
empty store gives the same orders); formula-like cells are neutralised for
spreadsheets. json/jsonl: the order JSON plus order_ref. ecwid: a JSON array of
Ecwid REST API `POST /orders` bodies.
"""


def export(
    payment_status: Optional[str] = typer.Option(None, "--payment-status", help="e.g. paid, awaiting-payment."),
    fulfillment_status: Optional[str] = typer.Option(None, "--fulfillment-status", help="e.g. shipped, ready-for-pickup."),
    customer: Optional[str] = typer.Option(None, "--customer", help="Customer name, email or phone contains TEXT."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="From this day (YYYY-MM-DD, today, yesterday)."),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE", help="Up to and including this day."),
    search: Optional[str] = typer.Option(None, "--search", help="Number, customer or SKU contains TEXT."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most this many orders (default: all)."),
    fmt: ExportFormat = typer.Option(ExportFormat.csv, "--format", help="csv, json, jsonl or ecwid."),
    dialect: Dialect = typer.Option(Dialect.csv, "--dialect", help="With --format csv: " + DIALECT_HELP),
    output_file: Optional[Path] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write here instead of stdout."),
) -> None:
    import sys

    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.cli.order import build_filter
    from ordercli.files.safe_write import check_target, write_safely
    from ordercli.services import order_export

    f = build_filter(payment_status, fulfillment_status, customer, since, until, search)
    target = check_target(output_file, example="orders.csv") if output_file is not None else None
    engine = _state.engine()
    with dbmod.read_session(engine) as s:
        if target is None:
            count = order_export.export_orders(s, f, sys.stdout, fmt=fmt.value, limit=limit, dialect=dialect.value)
            sys.stdout.flush()
        else:
            try:
                with write_safely(target) as out:
                    count = order_export.export_orders(s, f, out, fmt=fmt.value, limit=limit, dialect=dialect.value)
            except OSError as e:
                raise InputError(_("Cannot write %(path)s: %(problem)s.") % {"path": repr(str(output_file)), "problem": e.strerror}, _("Choose an --output path you can write to.")) from None
    if target is not None or not output.is_terminal():
        where = {"path": output.escape(str(target)) if target is not None else "", "count": count}
        if count and target is not None:
            output.success(ngettext("Exported %(count)s order to %(path)s.", "Exported %(count)s orders to %(path)s.", count) % where)
        elif count:
            output.success(ngettext("Exported %(count)s order.", "Exported %(count)s orders.", count) % where)
        elif target is not None:
            output.message(_("No orders match; exported nothing to %(path)s. Widen the filters (see `ordercli order list`).") % where)
        else:
            output.message(_("No orders match; exported nothing. Widen the filters (see `ordercli order list`)."))


def write_errors_csv(path, problems, dialect: str = "csv") -> None:
    """The import's problems as a CSV a person can fix the file with (hints worded here, as on screen)."""
    from ordercli.files.safe_write import write_safely
    from ordercli.files.spreadsheet import SheetWriter

    with write_safely(path) as f:  # private (0600): the rows quote customers' orders
        w = SheetWriter(f, dialect)
        w.writerow(["line", "order_ref", "column", "problem", "hint"])
        for p in sorted(problems, key=lambda p: p.line):
            w.writerow((p.line, p.order_ref or "", p.column or "", p.message, p.hint or ""))


class _ctrl_c_stops_between_commits:
    """Ctrl-C during an import asks it to stop before its next order (what is committed stays).

    Python raises KeyboardInterrupt wherever the interpreter is, even inside a garbage
    collector's callback, where it is printed and lost ("Exception ignored in …") and the
    import would carry on. A flag read between orders cannot be lost. A second Ctrl-C
    interrupts at once, as usual.
    """

    def __enter__(self):
        import signal
        import threading

        self._flag = threading.Event()
        self._previous = None
        if threading.current_thread() is threading.main_thread():
            def on_ctrl_c(signum, frame):
                self._flag.set()
                signal.signal(signal.SIGINT, self._previous)

            self._previous = signal.signal(signal.SIGINT, on_ctrl_c)
        return self._flag.is_set

    def __exit__(self, *exc):
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def _remember_import(shown: str):
    """The import's chunks commit one by one: from the first, a failure says orders were saved (exit 3)."""
    import ordercli.cli._state as _state

    def remember(_what: str) -> None:
        _state.STATE.saved = _("The import of %(file)s") % {"file": shown}

    return remember
