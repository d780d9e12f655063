"""``ordercli report …``: the day's close (``report day``) and sales over a period (``report sales``)."""

from __future__ import annotations

from typing import Optional

import typer

from ordercli.cli._state import DIALECT_HELP, Dialect, Format
from ordercli.i18n import N_, _, ngettext

app = typer.Typer(
    help="Reports: the day's close and sales over a period.\n\nExample: ordercli report day",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _day_dict(rep) -> dict:
    from ordercli import serialize
    from ordercli.money import percent_str, to_decimal_str

    cur = rep.currency

    def d(v):
        return None if v is None else to_decimal_str(v, cur)

    return {
        "date": rep.date.isoformat(),
        "currency": cur,
        "timezone": rep.timezone,
        "till": rep.till,
        "from": serialize.iso(rep.start),
        "to": serialize.iso(rep.end),
        "orders": rep.orders,
        "gross_sales": d(rep.gross_sales),
        "discounts": d(rep.discounts),
        "refunds": d(rep.refunds),
        "net_sales": d(rep.net_sales),
        "tips": d(rep.tips),
        "average_order": d(rep.average_order),
        "balance_due": d(rep.balance_due),
        "cash_expected": d(rep.cash_expected),
        "by_method": [{"method": m.method, "count": m.count, "amount": d(m.amount), "refunds": d(m.refunds)} for m in rep.by_method],
        "by_rate": [{"rate": percent_str(r.rate), "net": d(r.net), "tax": d(r.tax), "gross": d(r.gross)} for r in rep.by_rate],
        "items": [{"sku": i.sku, "name": i.name, "quantity": i.quantity, "revenue": d(i.revenue)} for i in rep.items],
        "to_reorder": [{"sku": sku, "name": name, "stock": stock} for sku, name, stock in rep.to_reorder],
        "low_stock_threshold": rep.low_threshold,
        "by_hour": [{"hour": h, "orders": n, "sales": d(v)} for h, n, v in rep.by_hour],
        "till_sessions": [
            {
                "id": s.session.id, "till": s.session.till, "status": "open" if s.session.closed_at is None else "closed",
                "float": d(s.session.float_amount), "expected_cash": d(s.expected_cash), "counted_cash": d(s.session.counted_cash), "difference": d(s.difference),
            }
            for s in rep.sessions
        ],
        "payments_without_session": {"count": rep.unsessioned_count, "amount": d(rep.unsessioned_amount), "tills": rep.unsessioned_tills},
    }


def _day_csv_rows(rep) -> list[tuple]:
    """One row per figure: (section, key, value, currency)."""
    from ordercli.files.spreadsheet import Number
    from ordercli.money import percent_str, to_decimal_str

    cur = rep.currency

    def d(v):
        return Number(to_decimal_str(v, cur))  # excel-fr writes it with a decimal comma

    rows: list[tuple] = [("day", "date", rep.date.isoformat(), ""), ("day", "orders", rep.orders, "")]
    for k in ("gross_sales", "discounts", "refunds", "net_sales", "tips", "average_order", "balance_due", "cash_expected"):
        rows.append(("day", k, d(getattr(rep, k)), cur))
    rows.append(("day", "payments_without_session", d(rep.unsessioned_amount), cur))
    for m in rep.by_method:
        rows.append(("by_method", m.method, d(m.amount), cur))
        rows.append(("by_method_count", m.method, m.count, ""))
    for r in rep.by_rate:
        for k in ("net", "tax", "gross"):
            rows.append((f"by_rate_{k}", Number(percent_str(r.rate)), d(getattr(r, k)), cur))
    for i in rep.items:
        rows.append(("item_quantity", i.sku or i.name, i.quantity, ""))
        rows.append(("item_revenue", i.sku or i.name, d(i.revenue), cur))
    for sku, _name, stock in rep.to_reorder:
        rows.append(("to_reorder", sku, stock, ""))
    for s in rep.sessions:
        rows.append(("till_expected_cash", f"{s.session.till}#{s.session.id}", d(s.expected_cash), cur))
    return rows


def _csv_for_dialect(fmt, dialect):
    """``--dialect excel|excel-fr`` is a CSV: it implies ``--format csv``; with ``--format json`` it is refused."""
    if dialect == Dialect.csv or fmt == Format.csv:
        return fmt
    if fmt == Format.json:
        from ordercli.errors import InputError

        raise InputError(_("--dialect %(dialect)s is for CSV, not JSON.") % {"dialect": dialect.value}, _("Use --format csv with --dialect, or drop --dialect."))
    return Format.csv


def _bars(title: str, rows: list[tuple[str, int, str]], *, width: int = 30):
    """A bar chart as a rich table: label, bar (proportional to the value), value text."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ordercli import output

    top = max((v for _l, v, _t in rows), default=0)
    t = Table(title=title, box=box.SIMPLE, show_header=False, pad_edge=False, title_justify="left")
    t.add_column("", justify="right")
    t.add_column("")
    t.add_column("", justify="right")
    for label, value, text in rows:
        n = 0 if top <= 0 else max(1, round(width * value / top)) if value > 0 else 0
        t.add_row(output.literal(label), Text("█" * n, style="cyan"), output.literal(text))
    return t


def _render_day(rep, methods) -> None:
    from ordercli import output, payment_methods
    from ordercli.money import format_money, percent_str

    cur = rep.currency

    def m(v):
        return format_money(v, cur)

    title = _("Day report · %(date)s") % {"date": output.local_date(rep.date)} + ((" · " + _("till %(till)s") % {"till": rep.till}) if rep.till else "")
    output.table(
        ["", ("", "right")],
        [
            (_("Orders"), rep.orders),
            (_("Gross sales"), m(rep.gross_sales)),
            (_("Discounts"), m(-rep.discounts) if rep.discounts else m(0)),
            (_("Refunds"), m(-rep.refunds) if rep.refunds else m(0)),
            (output.Markup("[bold]" + output.escape(_("Net sales")) + "[/bold]"), m(rep.net_sales)),
            (_("Tips"), m(rep.tips)),
            (_("Average order"), m(rep.average_order)),
            (_("Balance still due"), m(rep.balance_due)),
            (_("Cash expected in the tills"), m(rep.cash_expected)),
        ],
        title=title,
        show_header=False,
    )
    if rep.by_method:
        output.table(
            [_("Method"), (_("Payments"), "right"), (_("Refunds"), "right"), (_("Amount"), "right")],
            [(payment_methods.label(x.method, methods) if x.method else _("(none)"), x.count, m(x.refunds) if x.refunds else "", m(x.amount)) for x in rep.by_method],
            title=_("Payments by method (taken this day)"),
        )
    if rep.by_rate:
        output.table(
            [(_("Tax rate"), "right"), (_("Net"), "right"), (_("Tax"), "right"), (_("Gross"), "right")],
            [(percent_str(r.rate) + "%", m(r.net), m(r.tax), m(r.gross)) for r in rep.by_rate],
            title=_("Tax by rate (the day's order lines)"),
        )
    if rep.sessions:
        output.table(
            [_("Till"), (_("Session"), "right"), _("State"), (_("Expected cash"), "right"), (_("Counted"), "right"), (_("Difference"), "right")],
            [
                (s.session.till, s.session.id, session_state(s.session.closed_at is None), m(s.expected_cash),
                 "" if s.session.counted_cash is None else m(s.session.counted_cash), "" if s.difference is None else m(s.difference))
                for s in rep.sessions
            ],
            title=_("Till sessions"),
        )
    con = output.out_console()
    if con.is_terminal and rep.by_hour:
        con.print(_bars(_("Sales by hour"), [(f"{h:02d}:00", v, m(v)) for h, _n, v in rep.by_hour]))
    if rep.items:
        if con.is_terminal:
            con.print(_bars(_("Top products"), [((i.sku or i.name), i.revenue, f"{i.quantity} × · {m(i.revenue)}") for i in rep.items[:10]]))
        output.table(
            [_("SKU"), _("Name"), (_("Units"), "right"), (_("Revenue"), "right")],
            [(i.sku or _("(custom)"), i.name, i.quantity, m(i.revenue)) for i in rep.items],
            title=_("Products sold"),
        )
    if rep.to_reorder:
        output.table(
            [_("SKU"), _("Name"), (_("Stock"), "right")],
            [(sku, name, stock) for sku, name, stock in rep.to_reorder],
            title=_("To reorder (stock at or under %(threshold)s)") % {"threshold": rep.low_threshold},
        )
    if rep.unsessioned_count:
        tills = ", ".join(output.shown(t) for t in rep.unsessioned_tills)
        output.warn(
            ngettext(
                "%(count)s payment(s) of %(amount)s were taken with no till session open (till %(tills)s): "
                "they are in no till's expected cash. Open a session with `ordercli till open --float AMOUNT` before selling.",
                "%(count)s payment(s) of %(amount)s were taken with no till session open (till %(tills)s): "
                "they are in no till's expected cash. Open a session with `ordercli till open --float AMOUNT` before selling.",
                rep.unsessioned_count,
            )
            % {"count": rep.unsessioned_count, "amount": m(rep.unsessioned_amount), "tills": output.escape(tills)}
        )
    for s in rep.sessions:
        if s.past_midnight:
            output.warn(
                _("till %(till)s has had session %(session)s open since before midnight: close it with `ordercli till close --counted AMOUNT`.")
                % {"till": output.escape(s.session.till), "session": s.session.id}
            )


def session_state(is_open: bool) -> str:
    """A till session's state on screen (``open`` / ``closed`` stay the codes of JSON)."""
    return _("open") if is_open else _("closed")


DAY_HELP = """The day's close: orders, sales, refunds, tips, tax by rate, payments by method, cash expected, what sold, what to reorder.

Examples:

  ordercli report day

  ordercli report day --date yesterday --format json

  ordercli report day --date 2026-11-26 --till stall-1 --format csv

A day runs from midnight to midnight in the store's time zone (store.timezone).
The day's orders are the orders created that day (not cancelled ones); the
day's payments and refunds are those taken that day, whatever day their order
was created. Net sales = gross sales − discounts − refunds. With --till, the
payments are that till's and the orders are those with a payment on it.
"""


@app.command("day", help=DAY_HELP)
def day(
    date: str = typer.Option("today", "--date", metavar="YYYY-MM-DD|today|yesterday", help="The day (store time zone)."),
    till: Optional[str] = typer.Option(None, "--till", help="Only this till's payments and sessions."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
    dialect: Dialect = typer.Option(Dialect.csv, "--dialect", help="With --format csv: " + DIALECT_HELP),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, store_time, tills
    import ordercli.cli._state as _state
    from ordercli.services import common, reports

    fmt = _csv_for_dialect(fmt, dialect)
    name = tills.check_name(till) if till is not None else None
    from ordercli import payment_methods

    with dbmod.read_session(_state.engine()) as s:
        settings = common.load_settings(s)
        tz = store_time.of(settings)
        the_day = store_time.parse_day(date, tz)
        rep = reports.day_report(s, day=the_day, till=name)
        methods = payment_methods.of(settings)
    if fmt == Format.json:
        output.print_json(_day_dict(rep))
        return
    if fmt == Format.csv:
        output.print_csv(["section", "key", "value", "currency"], _day_csv_rows(rep), dialect=dialect.value)
        return
    _render_day(rep, methods)


SALES_HELP = """Sales over a period, grouped by day, product, payment method, till or hour of the day.

Examples:

  ordercli report sales --since 2026-11-01 --until 2026-11-30

  ordercli report sales --since 2026-11-01 --until today --by product --format csv

Both days are included (store time zone). count is the number of orders (day,
hour), units (product) or payments (method, till); amount is sales after
discounts without tips (day, hour), revenue (product) or payments − refunds
(method, till).
"""


@app.command("sales", help=SALES_HELP)
def sales(
    since: str = typer.Option(..., "--since", metavar="DATE", help="First day (YYYY-MM-DD, today, yesterday)."),
    until: str = typer.Option("today", "--until", metavar="DATE", help="Last day, included."),
    by: str = typer.Option("day", "--by", metavar="day|product|method|till|hour", help="How to group."),
    till: Optional[str] = typer.Option(None, "--till", help="Only this till's payments (and orders paid on it)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
    dialect: Dialect = typer.Option(Dialect.csv, "--dialect", help="With --format csv: " + DIALECT_HELP),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, store_time, tills
    import ordercli.cli._state as _state
    from ordercli.errors import InputError
    from ordercli.files.spreadsheet import Number

    fmt = _csv_for_dialect(fmt, dialect)
    from ordercli.money import format_money, to_decimal_str
    from ordercli.services import common, reports

    grouping = by.strip().lower()
    if grouping not in reports.BY_CHOICES:
        raise InputError(_("Unknown --by %(value)s.") % {"value": repr(by)}, _("Use one of: %(choices)s.") % {"choices": ", ".join(reports.BY_CHOICES)})
    name = tills.check_name(till) if till is not None else None
    with dbmod.read_session(_state.engine()) as s:
        tz = store_time.of(common.load_settings(s))
        rep = reports.sales_report(s, since=store_time.parse_day(since, tz), until=store_time.parse_day(until, tz), by=grouping, till=name)
    cur = rep.currency
    if fmt == Format.json:
        output.print_json(
            {
                "since": rep.since.isoformat(), "until": rep.until.isoformat(), "by": rep.by, "currency": cur, "till": rep.till,
                "total": to_decimal_str(rep.total, cur),
                "rows": [
                    {"key": r.key, **({"name": r.name} if rep.by == "product" else {}), "count": r.count, "amount": to_decimal_str(r.amount, cur),
                     **({"refunds": to_decimal_str(r.refunds, cur)} if rep.by in ("method", "till") else {})}
                    for r in rep.rows
                ],
            }
        )
        return
    if fmt == Format.csv:
        output.print_csv(
            [rep.by, "name", "count", "amount", "currency"],
            [(r.key, r.name or "", r.count, Number(to_decimal_str(r.amount, cur)), cur) for r in rep.rows],
            dialect=dialect.value,
        )
        return
    if not rep.rows:
        output.message(_("No sales from %(since)s to %(until)s.") % {"since": output.local_date(rep.since), "until": output.local_date(rep.until)})
        return
    count_word = {"day": _("Orders"), "hour": _("Orders"), "product": _("Units"), "method": _("Payments"), "till": _("Payments")}[rep.by]
    cols = [_(BY_WORDS[rep.by])] + ([_("Name")] if rep.by == "product" else []) + [(count_word, "right"), (_("Amount"), "right")]
    by_word = _(BY_LOWER[rep.by])
    output.table(
        cols,
        [(_day_key(r.key) if rep.by == "day" else r.key,) + ((r.name,) if rep.by == "product" else ()) + (r.count, format_money(r.amount, cur)) for r in rep.rows],
        title=_("Sales %(since)s → %(until)s by %(by)s") % {"since": output.local_date(rep.since), "until": output.local_date(rep.until), "by": by_word}
        + ((" · " + _("till %(till)s") % {"till": rep.till}) if rep.till else ""),
        caption=_("Total %(amount)s") % {"amount": format_money(rep.total, cur)},
    )
    con = output.out_console()
    if con.is_terminal and rep.by in ("day", "hour", "product"):
        con.print(_bars(_("Sales by %(by)s") % {"by": by_word}, [(r.key or (r.name or ""), r.amount, format_money(r.amount, cur)) for r in rep.rows[:40]]))


# `report sales --by`: the column's header and the word in the title (the codes stay English).
BY_WORDS = {"day": N_("Day"), "hour": N_("Hour"), "product": N_("Product"), "method": N_("Method"), "till": N_("Till")}
BY_LOWER = {"day": N_("day"), "hour": N_("hour"), "product": N_("product"), "method": N_("method"), "till": N_("till")}


def _day_key(key: str) -> str:
    """A ``report sales --by day`` key (YYYY-MM-DD) as a day of the screen's locale."""
    from datetime import date

    from ordercli import output

    try:
        return output.local_date(date.fromisoformat(key))
    except (TypeError, ValueError):
        return key
