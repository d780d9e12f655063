"""``ordercli outbox …``: see, flush and retry the messages waiting to leave."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from ordercli.cli._state import ShowFormat

app = typer.Typer(
    help="Messages waiting to leave (emails to customers and to the shop).\n\nExample: ordercli outbox list --status failed",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class OutboxStatus(str, Enum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    dead = "dead"


LIST_HELP = """List outbox messages, newest first.

Examples:

  ordercli outbox list

  ordercli outbox list --status dead --format json

States: pending (waiting), sending (being sent right now; the table shows when
its claim ends: if that till died, another one takes the message then), sent,
failed (will be retried after its back-off), dead (gave up after outbox.max_attempts
attempts, or refused for good: shown in red; `ordercli outbox retry ID`).
"""


@app.command("list", help=LIST_HELP)
def list_(
    status: Optional[OutboxStatus] = typer.Option(None, "--status", help="Only messages in this state."),
    order: Optional[str] = typer.Option(None, "--order", metavar="NUMBER", help="Only messages of this order."),
    limit: int = typer.Option(50, "--limit", min=1, max=10000, help="At most this many messages."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.cli.render import local_time
    import ordercli.notify.delivery as delivery
    from ordercli.serialize import iso
    from ordercli.services import notifications

    engine = _state.engine()
    with dbmod.read_session(engine) as s:
        entries = notifications.list_messages(s, status=status.value if status else None, order_number=order, limit=limit)
    settings, problem, marker = delivery.transport_status(engine)
    if fmt == ShowFormat.json:
        output.print_json(
            [
                {
                    "id": e.row.id,
                    "order": e.order_number,
                    "kind": e.row.kind,
                    "audience": e.row.audience,
                    "to": e.row.recipient,
                    "subject": e.row.subject,
                    "status": e.row.status,
                    "attempts": e.row.attempts,
                    "next_attempt_at": iso(e.row.next_attempt_at) if e.row.status in ("pending", "failed") else None,
                    "claimed_until": iso(e.row.claimed_until) if e.row.status == "sending" else None,
                    "last_error": e.row.last_error,
                    "message_id": e.row.message_id,
                    "created_at": iso(e.row.created_at),
                    "sent_at": iso(e.row.sent_at),
                }
                for e in entries
            ]
        )
        return
    from rich.text import Text

    colour = {"sent": "green", "pending": "yellow", "failed": "yellow", "dead": "bold red", "sending": "cyan"}
    rows = []
    for e in entries:
        r = e.row
        if r.status == "sent" and r.sent_at:
            when = local_time(r.sent_at)
        elif r.status in ("pending", "failed"):
            when = local_time(r.next_attempt_at)
        elif r.status == "sending" and r.claimed_until:
            # If that till died mid-send, another one takes the message again after this.
            when = f"claim ends {local_time(r.claimed_until)}"
        else:
            when = ""
        rows.append((r.id, e.order_number or "", r.kind, r.recipient, Text(r.status, style=colour.get(r.status, "")), r.attempts, when, r.last_error or ""))
    if not rows:
        output.message("No messages" + (f" in state {status.value}" if status else "") + ".")
    else:
        output.table(["ID", "Order", "Kind", "To", "State", ("Tries", "right"), "Sent / next try", "Last error"], rows)
    if problem:
        output.message(f"Delivery is off: {output.escape(problem)}.")
    elif marker:
        output.message(f"Delivery is backing off until {local_time(marker['until'])} after: {output.escape(marker.get('error', ''))}")


FLUSH_HELP = """Deliver every waiting message now, whatever its back-off.

Example: ordercli outbox flush

Messages that fail again stay queued with their error (exit code 1). Two
tills flushing at once never send the same message twice.
"""


@app.command("flush", help=FLUSH_HELP)
def flush() -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.errors import RefusedError
    import ordercli.notify.delivery as delivery

    engine = _state.engine()
    report = delivery.deliver(engine, force=True, drain=True)
    if report.skipped:
        raise RefusedError(f"Nothing was sent: {report.skipped}.", config_hint(report.skipped))
    _summary(report)
    if report.failed or report.dead:
        raise RefusedError(f"{len(report.failed) + len(report.dead)} message(s) could not be delivered: {(report.failed + report.dead)[0][1]}", _undelivered_hint(report))
    if not report.sent:
        output.message("Nothing to send.")


def _undelivered_hint(report) -> str:
    """What happens next to what was not delivered: failed ones are retried, dead ones are not."""
    if not report.dead:
        return "Failed messages stay queued and are retried later; see `ordercli outbox list`."
    dead = ", ".join(str(row_id) for row_id, _ in report.dead)
    what = f"Dead message{'s' if len(report.dead) != 1 else ''} {dead} will not be retried: fix the cause, then `ordercli outbox retry ID`."
    if report.failed:
        what = "Failed messages stay queued and are retried later. " + what
    return what


WATCH_HELP = """Deliver messages continuously, in the foreground, until Ctrl-C.

Example: ordercli outbox watch --interval 5

For a back-office terminal or a service (see examples/ordercli-outbox.service
for a systemd user unit). Every --interval seconds it delivers what is due,
respecting each message's back-off and the transport's, like the delivery after
a command but with no time budget (each message still has smtp.timeout). Any
number of watchers and tills can run at once: a message is never sent twice by
them. With a watcher running, tills can set mail.inline_budget to 0 and never
wait on mail at all. Ctrl-C (or SIGTERM) finishes the message being sent, then
stops with exit code 0 and a one-line summary.
"""


@app.command("watch", help=WATCH_HELP)
def watch(
    interval: float = typer.Option(5.0, "--interval", min=0.1, max=3600, metavar="SECONDS", help="Seconds between two looks at the outbox."),
) -> None:
    import signal
    import threading
    import time

    from ordercli import output
    import ordercli.cli._state as _state
    import ordercli.notify.delivery as delivery

    engine = _state.engine()
    stopping = threading.Event()
    totals = {"sent": 0, "failed": 0, "dead": 0}
    started = time.monotonic()
    last_skip = None

    def on_signal(signum, frame):  # noqa: ARG001
        if stopping.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: stop now (a claimed message is taken again when its claim ends)
        stopping.set()

    old = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    output.message(f"Watching the outbox every {interval:g} s; Ctrl-C stops.")
    try:
        while not stopping.is_set():
            try:
                report = delivery.deliver(engine, drain=True, stop=stopping.is_set)
            except KeyboardInterrupt:
                raise
            except Exception as e:  # noqa: BLE001 - a store hiccup must not end a service: say it, try again
                first = str(e).splitlines()[0] if str(e) else ""
                output.warn(f"delivery failed, trying again: {output.escape(f'{type(e).__name__}: {first}')}")
                report = None
            if report is not None:
                totals["sent"] += len(report.sent)
                totals["failed"] += len(report.failed)
                totals["dead"] += len(report.dead)
                _summary(report)
                if report.skipped != last_skip and report.skipped:
                    output.message(f"Not sending: {output.escape(report.skipped)}.")
                last_skip = report.skipped
            wake = time.monotonic() + interval
            while not stopping.is_set() and time.monotonic() < wake:
                time.sleep(min(0.2, interval))
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    minutes = (time.monotonic() - started) / 60
    output.message(
        f"Stopped watching after {minutes:.1f} min: {totals['sent']} sent, {totals['failed']} failed (will retry), {totals['dead']} dead."
    )


def config_hint(problem: str) -> str:
    if "mail.transport" in problem:
        return "Choose a transport: `ordercli config set mail.transport smtp` (or file)."
    if "sender" in problem:
        return "Set it: `ordercli config set mail.from shop@example.com`."
    if "smtp.host" in problem:
        return "Set it: `ordercli config set smtp.host smtp.example.com`."
    return "See `ordercli config show`."


def _summary(report) -> None:
    from ordercli import output

    if report.sent:
        output.success(f"Sent {len(report.sent)} message{'s' if len(report.sent) != 1 else ''}.")
    for row_id, err in report.failed:
        output.warn(f"message {row_id} not sent (will retry): {output.escape(err)}")
    for row_id, err in report.dead:
        output.message(f"[red]Message {row_id} is dead:[/red] {output.escape(err)}")


@app.command("retry", help="Send a failed or dead message again now.\n\nExample: ordercli outbox retry 12")
def retry(message_id: int = typer.Argument(..., metavar="ID", help="The message ID (see `ordercli outbox list`).")) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.errors import OutboxMessageNotFoundError, OutboxMessageNotRetryableError
    import ordercli.notify.delivery as delivery
    import ordercli.notify.policy as policy

    engine = _state.engine()
    try:
        # No after-commit delivery here: the explicit, forced try of this one message follows.
        with _state.unit_of_work(engine, deliver=False) as uow:
            row = delivery.retry_message(uow.session, message_id=message_id)
            recipient, kind = row.recipient, row.kind
            uow.commit(saved=f"Message {message_id} (back in the queue)")
    except OutboxMessageNotFoundError as e:
        e.hint = "See the IDs with `ordercli outbox list`."
        raise
    except OutboxMessageNotRetryableError as e:
        e.hint = retry_refused_hint(e)
        raise
    report = delivery.deliver(engine, force=True, ids=[message_id])
    if report.sent:
        output.success(f"Message {message_id} ({policy.label(kind)} to {output.escape(recipient)}) sent.")
        return
    if report.skipped:
        output.message(f"Message {message_id} is queued again; not sent: {output.escape(report.skipped)}.")
        return
    _summary(report)


def retry_refused_hint(e) -> str:
    """What to do about a message ``outbox retry`` cannot put back (an ``OutboxMessageNotRetryableError``)."""
    if e.status == "sent":
        return "To send it again, use `ordercli order notify ORDER`." if e.has_order else "Nothing to do."
    if e.status == "sending":
        return "Check again in a minute with `ordercli outbox list`."
    return "Check it with `ordercli outbox list`."  # pragma: no cover - every status is handled above
