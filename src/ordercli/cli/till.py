"""``ordercli till …``: the cash drawer's session — open, cash in/out, status, close, history, show."""

from __future__ import annotations

from typing import Optional

import typer

from ordercli.cli._state import ShowFormat
from ordercli.i18n import _, ngettext

app = typer.Typer(
    help="Till sessions: the float, cash in and out, and the count at close.\n\nExample: ordercli till open --float 50",
    no_args_is_help=True,
    rich_markup_mode=None,
)

TILL_HELP = "This till's name (else ORDERCLI_TILL, else the host name)."


def _till(name: Optional[str]) -> str:
    from ordercli import tills

    if name is not None:
        tills.use(name)
    return tills.current()


def _currency(engine) -> str:
    from ordercli import db as dbmod
    from ordercli.services import common

    with dbmod.read_session(engine) as s:
        return common.load_settings(s).currency


def _money(text: str, currency: str, what: str) -> int:
    from ordercli.money import parse_money

    return parse_money(text, currency, what=what)


def summary_dict(sm) -> dict:
    """A session as JSON: money as decimal strings (``float``, ``expected_cash``, ``counted_cash``, ``difference``, ``by_method``)."""
    from ordercli import serialize
    from ordercli.money import to_decimal_str

    ts = sm.session
    cur = ts.currency

    def d(v):
        return None if v is None else to_decimal_str(v, cur)

    return {
        "id": ts.id,
        "till": ts.till,
        "currency": cur,
        "status": "open" if ts.closed_at is None else "closed",
        "opened_at": serialize.iso(ts.opened_at),
        "closed_at": serialize.iso(ts.closed_at),
        "open_past_midnight": sm.past_midnight,
        "float": d(ts.float_amount),
        "cash_payments": d(sm.cash_payments),
        "cash_refunds": d(sm.cash_refunds),
        "cash_in": d(sm.cash_in),
        "cash_out": d(sm.cash_out),
        "expected_cash": d(sm.expected_cash),
        "counted_cash": d(ts.counted_cash),
        "difference": d(sm.difference),
        "by_method": [{"method": m.method, "count": m.count, "amount": d(m.amount), "refunds": d(m.refunds)} for m in sm.by_method],
        "moves": [{"at": serialize.iso(m.at), "kind": m.kind, "amount": d(m.amount), "reason": m.reason} for m in sm.moves],
        "note": ts.note,
    }


def _methods():
    """The store's payment methods (labels for the tables)."""
    from ordercli import db as dbmod
    from ordercli import payment_methods
    import ordercli.cli._state as _state
    from ordercli.services import common

    with dbmod.read_session(_state.engine()) as s:
        return payment_methods.of(common.load_settings(s))


def render_summary(sm, *, stderr: bool = False, title: str | None = None) -> None:
    from ordercli import output
    from ordercli.cli.render import local_time
    from ordercli.money import format_money

    ts = sm.session
    cur = ts.currency

    def m(v):
        return format_money(v, cur)

    if ts.closed_at is None:
        state = _("open since %(time)s") % {"time": local_time(ts.opened_at)}
    else:
        state = f"{local_time(ts.opened_at)} → {local_time(ts.closed_at)}"
    rows = [
        (_("Float"), m(ts.float_amount)),
        (_("Cash payments"), m(sm.cash_payments)),
        (_("Cash refunds"), "−" + m(sm.cash_refunds) if sm.cash_refunds else m(0)),
        (_("Cash in"), m(sm.cash_in)),
        (_("Cash out"), "−" + m(sm.cash_out) if sm.cash_out else m(0)),
        (output.Markup("[bold]" + output.escape(_("Expected cash")) + "[/bold]"), m(sm.expected_cash)),
    ]
    if ts.counted_cash is not None:
        diff = sm.difference or 0
        rows.append((_("Counted cash"), m(ts.counted_cash)))
        rows.append((_("Difference"), ("+" if diff > 0 else "") + m(diff) + ((" " + _("(over)")) if diff > 0 else (" " + _("(short)")) if diff < 0 else "")))
    if title is None:
        title = _("Till %(till)s · session %(session)s · %(state)s") % {"till": ts.till, "session": ts.id, "state": state}
    output.table(["", ("", "right")], rows, title=title, show_header=False, stderr=stderr)
    if sm.by_method:
        from ordercli import payment_methods

        methods = _methods()
        output.table(
            [_("Method"), (_("Payments"), "right"), (_("Amount"), "right")],
            [(payment_methods.label(x.method, methods) if x.method else _("(none)"), x.count, m(x.amount)) for x in sm.by_method],
            title=_("Takings by method (payments − refunds)"),
            stderr=stderr,
        )
    if sm.moves:
        output.table(
            [_("When"), _("Move"), (_("Amount"), "right"), _("Reason")],
            [(local_time(x.at), _("cash in") if x.kind == "cash_in" else _("cash out"), m(x.amount), x.reason) for x in sm.moves],
            title=_("Cash moved"),
            stderr=stderr,
        )
    if sm.past_midnight:
        output.warn(
            _("this session has been open since %(time)s, past midnight: close it with `ordercli till close --counted AMOUNT`.") % {"time": local_time(ts.opened_at)}
        )


OPEN_HELP = """Open this till's session with the cash in the drawer (the float).

Examples:

  ordercli till open --float 50

  ORDERCLI_TILL=stall-2 ordercli till open --float 80.00

One session at a time per till; payments and refunds taken on this till are
recorded in it until `ordercli till close`.
"""


@app.command("open", help=OPEN_HELP)
def open_(
    float_: str = typer.Option(..., "--float", metavar="AMOUNT", help="Cash in the drawer at opening."),
    till: Optional[str] = typer.Option(None, "--till", help=TILL_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.money import format_money
    from ordercli.services import till_sessions

    name = _till(till)
    engine = _state.engine()
    amount = _money(float_, _currency(engine), "float")
    with _state.unit_of_work(engine) as uow:
        ts = till_sessions.open_session(uow.session, till=name, float_amount=amount)
        uow.commit(saved=_("Till %(till)s session") % {"till": name})
        sm = till_sessions.summarize(uow.session, ts)
    if fmt == ShowFormat.json:
        output.print_json(summary_dict(sm))
        return
    output.success(
        _("Till %(till)s open · session %(session)s · float %(amount)s — close it with `ordercli till close --counted AMOUNT`")
        % {"till": f"[bold]{output.escape(name)}[/bold]", "session": ts.id, "amount": format_money(amount, ts.currency)}
    )


def _move(kind: str, amount_text: str, reason: Optional[str], till: Optional[str], fmt: ShowFormat) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.money import format_money
    from ordercli.services import till_sessions

    name = _till(till)
    engine = _state.engine()
    cur = _currency(engine)
    amount = _money(amount_text, cur, "amount")
    with _state.unit_of_work(engine) as uow:
        mv = till_sessions.move_cash(uow.session, till=name, kind=kind, amount=amount, reason=reason)
        ts = uow.session.get(till_sessions.TillSession, mv.session_id)
        uow.commit(saved=(_("Cash in on till %(till)s") if kind == "cash_in" else _("Cash out on till %(till)s")) % {"till": name})
        sm = till_sessions.summarize(uow.session, ts)
    if fmt == ShowFormat.json:
        output.print_json(summary_dict(sm))
        return
    values = {"amount": format_money(amount, cur), "till": f"[bold]{output.escape(name)}[/bold]", "expected": format_money(sm.expected_cash, cur)}
    if kind == "cash_in":
        output.success(_("Cash in %(amount)s on till %(till)s · expected cash now %(expected)s") % values)
    else:
        output.success(_("Cash out %(amount)s on till %(till)s · expected cash now %(expected)s") % values)


@app.command("cash-in", help="Put cash into the drawer (change from the bank…).\n\nExample: ordercli till cash-in 20 --reason 'coins from the bank'")
def cash_in(
    amount: str = typer.Argument(..., metavar="AMOUNT", help="Amount put in."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why (required)."),
    till: Optional[str] = typer.Option(None, "--till", help=TILL_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    _move("cash_in", amount, reason, till, fmt)


@app.command("cash-out", help="Take cash out of the drawer (a supplier paid, a bank deposit…).\n\nExample: ordercli till cash-out 100 --reason 'bank deposit'")
def cash_out(
    amount: str = typer.Argument(..., metavar="AMOUNT", help="Amount taken out."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why (required)."),
    till: Optional[str] = typer.Option(None, "--till", help=TILL_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    _move("cash_out", amount, reason, till, fmt)


@app.command("status", help="This till's open session: float, cash taken, expected cash.\n\nExample: ordercli till status --format json")
def status(
    till: Optional[str] = typer.Option(None, "--till", help=TILL_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.services import till_sessions

    name = _till(till)
    with dbmod.read_session(_state.engine()) as s:
        sm = till_sessions.status(s, till=name)
    if sm is None:
        if fmt == ShowFormat.json:
            output.print_json({"till": name, "status": "closed"})
        output.message(_("No session is open on till %(till)s. Open one with `ordercli till open --float AMOUNT`.") % {"till": output.escape(name)})
        return
    if fmt == ShowFormat.json:
        output.print_json(summary_dict(sm))
        if sm.past_midnight:
            output.warn(_("this session has been open past midnight: close it with `ordercli till close --counted AMOUNT`."))
        return
    render_summary(sm)


CLOSE_HELP = """Close this till's session with the cash you counted in the drawer.

Examples:

  ordercli till close --counted 412.30

  ordercli till close --counted 412.30 --yes --format json

Shows the expected cash (float + cash payments − cash refunds + cash in − cash
out), the cash counted, the difference and the takings by method. On a
terminal it asks to confirm; without one, give --yes. The closed session stays
on record: `ordercli till history`, `ordercli till show ID`.
"""


@app.command("close", help=CLOSE_HELP)
def close(
    counted: str = typer.Option(..., "--counted", metavar="AMOUNT", help="Cash counted in the drawer."),
    note: Optional[str] = typer.Option(None, "--note", help="A note kept with the session."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    till: Optional[str] = typer.Option(None, "--till", help=TILL_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.money import format_money
    from ordercli.services import till_sessions

    name = _till(till)
    engine = _state.engine()
    cur = _currency(engine)
    amount = _money(counted, cur, "counted cash")
    if not yes:
        from ordercli.uow import preview
        from ordercli.wizard.confirm import confirm_change

        if _state.can_prompt():

            def run(s):
                sm = till_sessions.close_session(s, till=name, counted=amount, note=note)
                render_summary(sm, stderr=True, title=_("Closing till %(till)s · session %(session)s") % {"till": sm.session.till, "session": sm.session.id})
                return True

            preview(engine, run)
        if not confirm_change(_("Close till %(till)s?") % {"till": name}, yes=yes, what=_("Closing a till"), flag_hint=_("close it")):
            output.message(_("Not closed; nothing saved."))
            raise typer.Exit(1)
    with _state.unit_of_work(engine) as uow:
        sm = till_sessions.close_session(uow.session, till=name, counted=amount, note=note)
        uow.commit(saved=_("Till %(till)s session %(session)s close") % {"till": name, "session": sm.session.id})
    if fmt == ShowFormat.json:
        output.print_json(summary_dict(sm))
        return
    render_summary(sm, title=_("Till %(till)s · session %(session)s closed") % {"till": sm.session.till, "session": sm.session.id})
    diff = sm.difference or 0
    output.success(
        _("Till %(till)s closed · expected %(expected)s · counted %(counted)s · difference %(difference)s — see it again with %(command)s")
        % {
            "till": f"[bold]{output.escape(name)}[/bold]",
            "expected": format_money(sm.expected_cash, cur),
            "counted": format_money(amount, cur),
            "difference": ("+" if diff > 0 else "") + format_money(diff, cur),
            "command": f"`ordercli till show {sm.session.id}`",
        }
    )


@app.command("history", help="Past and open sessions, newest first.\n\nExample: ordercli till history --till stall-1")
def history(
    till: Optional[str] = typer.Option(None, "--till", help="Only this till (default: every till)."),
    limit: int = typer.Option(50, "--limit", min=1, max=100000, help="At most this many sessions."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    from ordercli.cli.render import local_time
    from ordercli.money import format_money, to_decimal_str
    from ordercli.services import till_sessions

    name = None
    if till is not None:
        from ordercli import tills

        name = tills.check_name(till)
    with dbmod.read_session(_state.engine()) as s:
        rows = till_sessions.history(s, till=name, limit=limit)

    def diff(ts):
        return None if ts.counted_cash is None or ts.expected_cash is None else ts.counted_cash - ts.expected_cash

    if fmt == ShowFormat.json:

        def d(v, cur):
            return None if v is None else to_decimal_str(v, cur)

        output.print_json(
            [
                {
                    "id": ts.id, "till": ts.till, "currency": ts.currency, "status": "open" if ts.closed_at is None else "closed",
                    "opened_at": serialize.iso(ts.opened_at), "closed_at": serialize.iso(ts.closed_at),
                    "float": d(ts.float_amount, ts.currency), "expected_cash": d(ts.expected_cash, ts.currency),
                    "counted_cash": d(ts.counted_cash, ts.currency), "difference": d(diff(ts), ts.currency),
                }
                for ts in rows
            ]
        )
        return
    if not rows:
        output.message(_("No till sessions yet. Open one with `ordercli till open --float AMOUNT`."))
        return

    def m(v, cur):
        return "" if v is None else format_money(v, cur)

    output.table(
        [(_("ID"), "right"), _("Till"), _("Opened"), _("Closed"), (_("Float"), "right"), (_("Expected"), "right"), (_("Counted"), "right"), (_("Difference"), "right")],
        [
            (ts.id, ts.till, local_time(ts.opened_at), local_time(ts.closed_at) if ts.closed_at else _("open"), m(ts.float_amount, ts.currency),
             m(ts.expected_cash, ts.currency), m(ts.counted_cash, ts.currency), m(diff(ts), ts.currency))
            for ts in rows
        ],
        caption=ngettext("%(count)s session(s) · details: ordercli till show ID", "%(count)s session(s) · details: ordercli till show ID", len(rows)) % {"count": len(rows)},
    )


@app.command("show", help="One session with its figures.\n\nExample: ordercli till show 12 --format json")
def show(
    session_id: int = typer.Argument(..., metavar="ID", help="Session id (see `ordercli till history`)."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.services import till_sessions

    with dbmod.read_session(_state.engine()) as s:
        sm = till_sessions.get(s, session_id=session_id)
    if fmt == ShowFormat.json:
        output.print_json(summary_dict(sm))
        return
    render_summary(sm)
