"""The day's close and sales over a period: figures computed by the database (GROUP BY), never by loading orders.

**Which rows a day holds.** A day is a calendar day in the store's time zone
(``store.timezone``, see ``store_time``), from local midnight to the next:

* **the day's orders** are the orders *created* that day, except cancelled ones (a
  cancelled order sold nothing). Their figures: ``orders`` (how many),
  ``gross_sales`` (what they sold before discounts: lines, surcharges, shipping and any
  tax added on top; not tips — ``total − tip + discount``), ``discounts``, ``tips``,
  ``balance_due`` (what is still owed on them now), ``by_rate`` (their lines' tax by
  rate), ``items`` (units and revenue after discount per product), ``by_hour``;
* **the day's payments** are the payment and refund rows *taken* that day, whatever
  day their order was created: ``refunds`` (money given back that day), ``by_method``
  (payments − refunds per ``payment.methods`` code, with the number of payments), and
  the payments taken while no till session was open on their till (``unsessioned``: flagged);
* ``net_sales`` = gross_sales − discounts − refunds (refunds count on the day they are
  given, as on a till's Z report);
* the till sessions that were open at some time that day, with each one's expected
  cash (``till_sessions``), and ``cash_expected`` their sum;
* ``to_reorder``: tracked products for sale whose stock now is at or under their own low-stock threshold
  (``product edit --low-stock``), else the store's ``stock.low_threshold``.

With a till (``--till``): the payments are those taken on that till, the orders are the
day's orders with a payment or refund taken on that till, and the sessions are that
till's.

Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from ordercli import store_time
from ordercli.errors import InputError
from ordercli.i18n import _
from ordercli.models import Order, OrderLine, Payment, Product, TillSession
from ordercli.services import common

_O = Order.__table__  # type: ignore[attr-defined]
_L = OrderLine.__table__  # type: ignore[attr-defined]
_P = Payment.__table__  # type: ignore[attr-defined]
_PR = Product.__table__  # type: ignore[attr-defined]
_TS = TillSession.__table__  # type: ignore[attr-defined]

CLOSED = ("CANCELLED", "REFUNDED")
BY_CHOICES = ("day", "product", "method", "till", "hour")
MAX_DAYS = 3660


@dataclass
class MethodRow:
    method: str
    count: int
    amount: int  # payments − refunds
    refunds: int = 0


@dataclass
class RateRow:
    rate: int  # hundredths of a percent
    net: int
    tax: int
    gross: int


@dataclass
class ItemRow:
    sku: str | None
    name: str
    quantity: int
    revenue: int


@dataclass
class DayReport:
    date: date
    currency: str
    timezone: str
    till: str | None
    start: datetime
    end: datetime
    orders: int = 0
    gross_sales: int = 0
    discounts: int = 0
    refunds: int = 0
    tips: int = 0
    balance_due: int = 0
    by_method: list[MethodRow] = field(default_factory=list)
    by_rate: list[RateRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    to_reorder: list[tuple[str, str, int]] = field(default_factory=list)  # sku, name, stock
    by_hour: list[tuple[int, int, int]] = field(default_factory=list)  # local hour, orders, sales (gross − discounts)
    sessions: list = field(default_factory=list)  # till_sessions.Summary
    unsessioned_count: int = 0
    unsessioned_amount: int = 0
    unsessioned_tills: list[str] = field(default_factory=list)
    low_threshold: int = 3

    @property
    def net_sales(self) -> int:
        return self.gross_sales - self.discounts - self.refunds

    @property
    def average_order(self) -> int:
        """(gross sales − discounts) / orders, rounded half-up to the minor unit."""
        sales = self.gross_sales - self.discounts
        return (2 * sales + self.orders) // (2 * self.orders) if self.orders else 0

    @property
    def cash_expected(self) -> int:
        return sum(s.expected_cash for s in self.sessions)


# ------------------------------------------------------------------ pieces


def _hour_key(session: Session, col):
    """``YYYY-MM-DD HH`` of a stored UTC time, in SQL (grouped on, then read in the store's zone)."""
    if session.connection().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", col), "YYYY-MM-DD HH24")
    return sa.func.strftime("%Y-%m-%d %H", col)


def _from_hour_key(key: str) -> datetime:
    from datetime import timezone

    return datetime.strptime(key, "%Y-%m-%d %H").replace(tzinfo=timezone.utc)


def _orders_where(start: datetime, end: datetime, till: str | None):
    conds = [_O.c.created_at >= start, _O.c.created_at < end, _O.c.payment_status != "CANCELLED"]
    if till:
        conds.append(sa.exists().where(_P.c.order_id == _O.c.id, _P.c.till == till))
    return sa.and_(*conds)


def _payments_where(start: datetime, end: datetime, till: str | None):
    conds = [_P.c.at >= start, _P.c.at < end]
    if till:
        conds.append(_P.c.till == till)
    return sa.and_(*conds)


def _due_expr():
    owed = _O.c.total - _O.c.paid + _O.c.credit_refunded
    return sa.case((_O.c.payment_status.in_(CLOSED), 0), (owed > 0, owed), else_=0)


def _methods(session: Session, where) -> list[MethodRow]:
    rows = session.execute(
        sa.select(_P.c.method_code, _P.c.kind, sa.func.count(), sa.func.sum(_P.c.amount)).where(where).group_by(_P.c.method_code, _P.c.kind)
    ).all()
    out: dict[str, MethodRow] = {}
    for code, kind, count, amount in rows:
        m = out.setdefault(code or "", MethodRow(code or "", 0, 0))
        if kind == "refund":
            m.amount -= int(amount or 0)
            m.refunds += int(amount or 0)
        else:
            m.count += int(count)
            m.amount += int(amount or 0)
    return sorted(out.values(), key=lambda m: (-m.amount, m.method))


def _lines(session: Session, owhere) -> tuple[list[ItemRow], list[RateRow]]:
    """Products and tax rates of the orders ``owhere`` selects: one pass over their lines.

    Grouped by product (SKU, or name for custom items) and rate in SQL (a few rows per
    product); folded into items and rates here.
    """
    custom_name = sa.case((_L.c.sku.is_(None), _L.c.name), else_="")
    rows = session.execute(
        sa.select(
            _L.c.sku, custom_name, sa.func.max(_L.c.name), _L.c.tax_rate, _O.c.prices_include_tax,
            sa.func.sum(_L.c.quantity), sa.func.sum(_L.c.total - _L.c.discount), sa.func.sum(_L.c.tax),
        )
        .select_from(_L.join(_O, _L.c.order_id == _O.c.id))
        .where(owhere)
        .group_by(_L.c.sku, custom_name, _L.c.tax_rate, _O.c.prices_include_tax)
    ).all()
    items: dict[tuple, ItemRow] = {}
    rates: dict[int, RateRow] = {}
    for sku, custom, name, rate, included, qty, amount, tax in rows:
        amount, tax = int(amount or 0), int(tax or 0)
        it = items.setdefault((sku, custom), ItemRow(sku, name, 0, 0))
        it.name = max(it.name, name)
        it.quantity += int(qty or 0)
        it.revenue += amount
        r = rates.setdefault(int(rate), RateRow(int(rate), 0, 0, 0))
        net, gross = (amount - tax, amount) if included else (amount, amount + tax)
        r.net += net
        r.tax += tax
        r.gross += gross
    ordered = sorted(items.values(), key=lambda i: (-i.revenue, -i.quantity, i.sku or "", i.name))
    return ordered, [rates[k] for k in sorted(rates)]


def _reorder(session: Session, threshold: int) -> list[tuple[str, str, int]]:
    rows = session.execute(
        sa.select(_PR.c.sku, _PR.c.name, _PR.c.stock)
        .where(_PR.c.stock.is_not(None), _PR.c.stock <= sa.func.coalesce(_PR.c.low_stock, threshold), _PR.c.for_sale.is_(sa.true()))
        .order_by(_PR.c.stock, _PR.c.sku)
    ).all()
    return [(sku, name, int(stock)) for sku, name, stock in rows]


def _order_hours(session: Session, owhere, tz) -> tuple[list[int], list[tuple[int, int, int]]]:
    """The day's order figures and sales per local hour: one pass over the day's orders.

    Returns ([orders, gross, discounts, tips, due], [(local hour, orders, sales)]).
    """
    key = _hour_key(session, _O.c.created_at)
    rows = session.execute(
        sa.select(
            key, sa.func.count(), sa.func.sum(_O.c.total - _O.c.tip + _O.c.discount), sa.func.sum(_O.c.discount),
            sa.func.sum(_O.c.tip), sa.func.sum(_due_expr()),
        ).where(owhere).group_by(key)
    ).all()
    totals = [0, 0, 0, 0, 0]
    hours: dict[int, list[int]] = {}
    for k, count, gross, disc, tips, due in rows:
        vals = [int(count), int(gross or 0), int(disc or 0), int(tips or 0), int(due or 0)]
        totals = [a + b for a, b in zip(totals, vals)]
        acc = hours.setdefault(store_time.local(_from_hour_key(k), tz).hour, [0, 0])
        acc[0] += vals[0]
        acc[1] += vals[1] - vals[2]  # sales: total − tip
    return totals, [(h, v[0], v[1]) for h, v in sorted(hours.items())]


# ------------------------------------------------------------------ the day


def day_report(session: Session, *, day: date, till: str | None = None, now: datetime | None = None) -> DayReport:
    """Every figure of one local day (see the module's doc for which rows each covers)."""
    from ordercli.services import till_sessions

    settings = common.load_settings(session)
    tz = store_time.of(settings)
    start, end = store_time.day_bounds(day, tz)
    threshold = int(settings.get("stock.low_threshold"))
    rep = DayReport(
        date=day, currency=settings.currency, timezone=settings.get("store.timezone") or "local", till=till, start=start, end=end, low_threshold=threshold
    )
    owhere = _orders_where(start, end, till)
    (rep.orders, rep.gross_sales, rep.discounts, rep.tips, rep.balance_due), rep.by_hour = _order_hours(session, owhere, tz)
    pwhere = _payments_where(start, end, till)
    rep.by_method = _methods(session, pwhere)
    rep.refunds = sum(m.refunds for m in rep.by_method)
    rep.items, rep.by_rate = _lines(session, owhere)
    rep.to_reorder = _reorder(session, threshold)
    # payments taken with no till session open on their till (flagged)
    loose = session.execute(
        sa.select(_P.c.till, sa.func.count(), sa.func.sum(_P.c.amount))
        # coalesce(): keeps the planner on the day's payments (ix_payment_at) rather than every payment without a session
        .where(pwhere, _P.c.kind == "payment", sa.func.coalesce(_P.c.till_session_id, 0) == 0)
        .group_by(_P.c.till)
    ).all()
    rep.unsessioned_count = sum(int(c) for _t, c, _a in loose)
    rep.unsessioned_amount = sum(int(a or 0) for _t, _c, a in loose)
    rep.unsessioned_tills = sorted(t or "" for t, _c, _a in loose)
    # the till sessions open at some moment of the day
    sq = sa.select(_TS.c.id).where(_TS.c.opened_at < end, sa.or_(_TS.c.closed_at.is_(None), _TS.c.closed_at >= start))
    if till:
        sq = sq.where(_TS.c.till == till)
    ids = [i for (i,) in session.execute(sq.order_by(_TS.c.till, _TS.c.opened_at)).all()]
    for sid in ids:
        ts = session.get(TillSession, sid)
        sm = till_sessions.summarize(session, ts, now=now, tz=tz)
        if ts.closed_at is not None and ts.expected_cash is not None:
            sm.expected_cash = ts.expected_cash  # the record made at close
        rep.sessions.append(sm)
    return rep


# ------------------------------------------------------------------ a period


@dataclass
class SalesRow:
    key: str  # the day (YYYY-MM-DD), the hour (HH:00), the SKU, the method code or the till
    count: int  # orders (day, hour), units (product), payments (method, till)
    amount: int  # sales: gross − discounts (day, hour), revenue (product), payments − refunds (method, till)
    name: str | None = None  # products
    refunds: int = 0  # method, till


@dataclass
class SalesReport:
    since: date
    until: date
    by: str
    currency: str
    till: str | None
    rows: list[SalesRow]

    @property
    def total(self) -> int:
        return sum(r.amount for r in self.rows)


def sales_report(session: Session, *, since: date, until: date, by: str, till: str | None = None) -> SalesReport:
    """Sales from local day ``since`` to ``until`` (both included), grouped ``by`` day, product, method, till or hour."""
    if by not in BY_CHOICES:
        raise InputError(_("Unknown grouping %(by)s.") % {"by": repr(by)}, _("Use one of: %(choices)s.") % {"choices": ", ".join(BY_CHOICES)}, code="report.by", choices=BY_CHOICES)
    if until < since:
        raise InputError(_("The last day (%(until)s) is before the first (%(since)s).") % {"until": until, "since": since}, code="report.range", most=MAX_DAYS)
    if (until - since).days > MAX_DAYS:
        raise InputError(_("The period is longer than %(most)s days.") % {"most": MAX_DAYS}, code="report.range", most=MAX_DAYS)
    settings = common.load_settings(session)
    tz = store_time.of(settings)
    start, _end = store_time.day_bounds(since, tz)
    _start, end = store_time.day_bounds(until, tz)
    owhere = _orders_where(start, end, till)
    rows: list[SalesRow] = []
    if by in ("day", "hour"):
        key = _hour_key(session, _O.c.created_at)
        got = session.execute(sa.select(key, sa.func.count(), sa.func.sum(_O.c.total - _O.c.tip)).where(owhere).group_by(key)).all()
        acc: dict[str, list[int]] = {}
        for k, count, sales in got:
            at = store_time.local(_from_hour_key(k), tz)
            label = at.date().isoformat() if by == "day" else f"{at.hour:02d}:00"
            a = acc.setdefault(label, [0, 0])
            a[0] += int(count)
            a[1] += int(sales or 0)
        if by == "day":  # every day of the period, even without sales
            d = since
            while d <= until:
                acc.setdefault(d.isoformat(), [0, 0])
                d += timedelta(days=1)
        rows = [SalesRow(k, v[0], v[1]) for k, v in sorted(acc.items())]
    elif by == "product":
        rows = [SalesRow(i.sku or "", i.quantity, i.revenue, name=i.name) for i in _lines(session, owhere)[0]]
    elif by == "method":
        rows = [SalesRow(m.method, m.count, m.amount, refunds=m.refunds) for m in _methods(session, _payments_where(start, end, till))]
    else:  # till
        got = session.execute(
            sa.select(_P.c.till, _P.c.kind, sa.func.count(), sa.func.sum(_P.c.amount)).where(_payments_where(start, end, till)).group_by(_P.c.till, _P.c.kind)
        ).all()
        by_till: dict[str, SalesRow] = {}
        for t, kind, count, amount in got:
            r = by_till.setdefault(t or "", SalesRow(t or "", 0, 0))
            if kind == "refund":
                r.amount -= int(amount or 0)
                r.refunds += int(amount or 0)
            else:
                r.count += int(count)
                r.amount += int(amount or 0)
        rows = sorted(by_till.values(), key=lambda r: r.key)
    return SalesReport(since=since, until=until, by=by, currency=settings.currency, till=till, rows=rows)
