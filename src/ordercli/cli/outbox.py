"""``ordercli outbox …``: see, flush and retry the messages waiting to leave."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from ordercli.cli._state import ShowFormat
from ordercli.i18n import _, ngettext

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
            when = _("claim ends %(time)s") % {"time": local_time(r.claimed_until)}
        else:
            when = ""
        rows.append((r.id, e.order_number or "", r.kind, r.recipient, Text(state_shown(r.status), style=colour.get(r.status, "")), r.attempts, when, r.last_error or ""))
    if not rows:
        output.message(_("No messages in state %(state)s.") % {"state": status.value} if status else _("No messages."))
    else:
        output.table([_("ID"), _("Order"), _("Kind"), _("To"), _("State"), (_("Tries"), "right"), _("Sent / next try"), _("Last error")], rows)
    if problem:
        output.message(_("Delivery is off: %(problem)s.") % {"problem": output.escape(problem)})
    elif marker:
        output.message(
            _("Delivery is backing off until %(time)s after: %(error)s") % {"time": local_time(marker["until"]), "error": output.escape(marker.get("error", ""))}
        )


def state_shown(status: str) -> str:
    """An outbox message's state (pending, sending, sent, failed, dead: codes in JSON) in the screen's language."""
    from ordercli.cli.render import notification_state

    return notification_state(status)


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
        raise RefusedError(_("Nothing was sent: %(reason)s.") % {"reason": report.skipped}, config_hint(report.skipped))
    _summary(report)
    if report.failed or report.dead:
        count = len(report.failed) + len(report.dead)
        raise RefusedError(
            ngettext("%(count)s message(s) could not be delivered: %(error)s", "%(count)s message(s) could not be delivered: %(error)s", count)
            % {"count": count, "error": (report.failed + report.dead)[0][1]},
            _undelivered_hint(report),
        )
    if not report.sent:
        output.message(_("Nothing to send."))


def _undelivered_hint(report) -> str:
    """What happens next to what was not delivered: failed ones are retried, dead ones are not."""
    if not report.dead:
        return _("Failed messages stay queued and are retried later; see `ordercli outbox list`.")
    dead = ", ".join(str(row_id) for row_id, _err in report.dead)
    what = ngettext(
        "Dead message %(ids)s will not be retried: fix the cause, then `ordercli outbox retry ID`.",
        "Dead messages %(ids)s will not be retried: fix the cause, then `ordercli outbox retry ID`.",
        len(report.dead),
    ) % {"ids": dead}
    if report.failed:
        what = _("Failed messages stay queued and are retried later.") + " " + what
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
    output.message(_("Watching the outbox every %(seconds)s s; Ctrl-C stops.") % {"seconds": f"{interval:g}"})
    try:
        while not stopping.is_set():
            try:
                report = delivery.deliver(engine, drain=True, stop=stopping.is_set)
            except KeyboardInterrupt:
                raise
            except Exception as e:  # noqa: BLE001 - a store hiccup must not end a service: say it, try again
                first = str(e).splitlines()[0] if str(e) else ""
                output.warn(_("delivery failed, trying again: %(error)s") % {"error": output.escape(f"{type(e).__name__}: {first}")})
                report = None
            if report is not None:
                totals["sent"] += len(report.sent)
                totals["failed"] += len(report.failed)
                totals["dead"] += len(report.dead)
                _summary(report)
                if report.skipped != last_skip and report.skipped:
                    output.message(_("Not sending: %(reason)s.") % {"reason": output.escape(report.skipped)})
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
        _("Stopped watching after %(minutes)s min: %(sent)s sent, %(failed)s failed (will retry), %(dead)s dead.")
        % {"minutes": _decimal(minutes), "sent": totals["sent"], "failed": totals["failed"], "dead": totals["dead"]}
    )


def config_hint(problem: str) -> str:
    if "mail.transport" in problem:
        return _("Choose a transport: `ordercli config set mail.transport smtp` (or file).")
    if "mail.from" in problem:  # the words change with the language, the key does not
        return _("Set it: `ordercli config set mail.from shop@example.com`.")
    if "smtp.host" in problem:
        return _("Set it: `ordercli config set smtp.host smtp.example.com`.")
    return _("See `ordercli config show`.")


def _decimal(value: float) -> str:
    """``1.5`` with one decimal in the screen's way (``1,5`` in French)."""
    from ordercli import i18n

    loc = i18n.screen_locale()
    if i18n.is_english(loc):
        return f"{value:.1f}"
    try:
        from babel.numbers import format_decimal

        return format_decimal(round(value, 1), format="0.0", locale=loc)
    except Exception:  # noqa: BLE001 - unknown locale: the English form
        return f"{value:.1f}"


def _summary(report) -> None:
    from ordercli import output

    if report.sent:
        output.success(ngettext("Sent %(count)s message.", "Sent %(count)s messages.", len(report.sent)) % {"count": len(report.sent)})
    for row_id, err in report.failed:
        output.warn(_("message %(id)s not sent (will retry): %(error)s") % {"id": row_id, "error": output.escape(err)})
    for row_id, err in report.dead:
        output.message("[red]" + _("Message %(id)s is dead:") % {"id": row_id} + "[/red] " + output.escape(err))


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
            uow.commit(saved=_("Message %(id)s (back in the queue)") % {"id": message_id})
    except OutboxMessageNotFoundError as e:
        e.hint = _("See the IDs with `ordercli outbox list`.")
        raise
    except OutboxMessageNotRetryableError as e:
        e.hint = retry_refused_hint(e)
        raise
    report = delivery.deliver(engine, force=True, ids=[message_id])
    if report.sent:
        output.success(_("Message %(id)s (%(kind)s to %(recipient)s) sent.") % {"id": message_id, "kind": policy.label(kind), "recipient": output.escape(recipient)})
        return
    if report.skipped:
        output.message(_("Message %(id)s is queued again; not sent: %(reason)s.") % {"id": message_id, "reason": output.escape(report.skipped)})
        return
    _summary(report)


def retry_refused_hint(e) -> str:
    """What to do about a message ``outbox retry`` cannot put back (an ``OutboxMessageNotRetryableError``)."""
    if e.status == "sent":
        return _("To send it again, use `ordercli order notify ORDER`.") if e.has_order else _("Nothing to do.")
    if e.status == "sending":
        return _("Check again in a minute with `ordercli outbox list`.")
    return _("Check it with `ordercli outbox list`.")  # pragma: no cover - every status is handled above
