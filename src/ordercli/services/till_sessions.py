"""Till sessions: open with a float, cash in and out, status, close with the cash counted.

A till (``ordercli.tills``) has at most one open session (a partial unique index on
``till_session``). While it is open, every payment and refund taken on that till records
the session (``order_rows.till_fields``). The cash the drawer should hold is

    expected cash = float + cash payments − cash refunds + cash in − cash out

where a cash payment records the amount kept (the change is already deducted) and
"cash" is the ``payment.methods`` code ``cash``. Closing keeps the session as a record
with the expected and counted cash.

Concurrency: closing locks the session row (``FOR UPDATE``) before it adds up the
payments; recording a payment reads the open session ``FOR SHARE``
(``tills.open_session_id``). On PostgreSQL a payment therefore lands either in the
session before the close counts it, or — if the close committed first — in no session;
never in a session after its expected cash was computed. SQLite serialises writers.

Nothing here commits: the command's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ordercli import store_time
from ordercli.domain import clean_text
from ordercli.errors import InputError, NotFoundError, RefusedError
from ordercli.i18n import _
from ordercli.models import Payment, TillMove, TillSession, utcnow
from ordercli.money import format_money
from ordercli.services import common

CASH = "cash"
_PAY = Payment.__table__  # type: ignore[attr-defined]
_MOVE = TillMove.__table__  # type: ignore[attr-defined]
_TS = TillSession.__table__  # type: ignore[attr-defined]


@dataclass
class MethodTotal:
    method: str  # payment.methods code ("" for payments recorded without a method)
    count: int  # payments (refunds not counted)
    amount: int  # payments − refunds
    refunds: int = 0


@dataclass
class Summary:
    """A session and its figures (what `till status`, `till close` and `till show` print)."""

    session: TillSession
    cash_payments: int
    cash_refunds: int
    cash_in: int
    cash_out: int
    expected_cash: int
    by_method: list[MethodTotal] = field(default_factory=list)
    moves: list[TillMove] = field(default_factory=list)
    past_midnight: bool = False  # still open, opened on an earlier local day than today

    @property
    def difference(self) -> int | None:
        c = self.session.counted_cash
        return None if c is None else c - self.expected_cash


# ---------------------------------------------------------------- reading


def _open_row(session: Session, till: str, *, lock: bool) -> TillSession | None:
    q = select(TillSession).where(TillSession.till == till, TillSession.closed_at.is_(None))  # type: ignore[union-attr]
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return session.exec(q).first()


def _not_open(till: str) -> RefusedError:
    return RefusedError(_("No session is open on till %(till)s.") % {"till": till}, code="till.not_open", till=till)


def summarize(session: Session, ts: TillSession, *, now: datetime | None = None, tz=None) -> Summary:
    """The session's figures: two aggregate queries (payments by method, cash moves)."""
    rows = session.execute(
        sa.select(_PAY.c.method_code, _PAY.c.kind, sa.func.count(), sa.func.coalesce(sa.func.sum(_PAY.c.amount), 0))
        .where(_PAY.c.till_session_id == ts.id)
        .group_by(_PAY.c.method_code, _PAY.c.kind)
    ).all()
    methods: dict[str, MethodTotal] = {}
    cash_pay = cash_ref = 0
    for code, kind, count, amount in rows:
        m = methods.setdefault(code or "", MethodTotal(code or "", 0, 0))
        if kind == "refund":
            m.amount -= int(amount)
            m.refunds += int(amount)
            if code == CASH:
                cash_ref += int(amount)
        else:
            m.count += int(count)
            m.amount += int(amount)
            if code == CASH:
                cash_pay += int(amount)
    moves = list(session.exec(select(TillMove).where(TillMove.session_id == ts.id).order_by(TillMove.at, TillMove.id)).all())  # type: ignore[arg-type]
    cash_in = sum(m.amount for m in moves if m.kind == "cash_in")
    cash_out = sum(m.amount for m in moves if m.kind == "cash_out")
    expected = ts.float_amount + cash_pay - cash_ref + cash_in - cash_out
    past = False
    if ts.closed_at is None:
        zone = tz if tz is not None else store_time.of(common.load_settings(session))
        past = store_time.local(ts.opened_at, zone).date() < store_time.today(zone, now)
    return Summary(
        session=ts, cash_payments=cash_pay, cash_refunds=cash_ref, cash_in=cash_in, cash_out=cash_out, expected_cash=expected,
        by_method=sorted(methods.values(), key=lambda m: (m.method != CASH, m.method)), moves=moves, past_midnight=past,
    )


def status(session: Session, *, till: str, now: datetime | None = None) -> Summary | None:
    """The till's open session and its figures so far, or None when no session is open."""
    ts = _open_row(session, till, lock=False)
    return None if ts is None else summarize(session, ts, now=now)


def get(session: Session, *, session_id: int) -> Summary:
    ts = session.get(TillSession, session_id)
    if ts is None:
        raise NotFoundError(_("No till session %(session)s.") % {"session": session_id}, code="till.unknown_session", session_id=session_id)
    return summarize(session, ts)


def history(session: Session, *, till: str | None = None, limit: int = 50) -> list[TillSession]:
    """Sessions newest first (all tills, or one)."""
    q = select(TillSession)
    if till:
        q = q.where(TillSession.till == till)
    return list(session.exec(q.order_by(TillSession.opened_at.desc(), TillSession.id.desc()).limit(limit)).all())  # type: ignore[union-attr]


# ---------------------------------------------------------------- changes


def _amount(amount: int, what: str, *, allow_zero: bool) -> int:
    if amount < 0 or (amount == 0 and not allow_zero):
        worded = {
            "float": _("The float must be 0 or more."),
            "amount": _("The amount must be more than 0."),
            "counted cash": _("The counted cash must be 0 or more."),
        }.get(what) or f"The {what} must be {'0 or more' if allow_zero else 'more than 0'}."
        raise InputError(worded, code="till.amount", what=what)
    return amount


def open_session(session: Session, *, till: str, float_amount: int, now: datetime | None = None) -> TillSession:
    """Open a session on ``till`` with ``float_amount`` in the drawer; refused if one is open."""
    _amount(float_amount, "float", allow_zero=True)
    existing = _open_row(session, till, lock=False)
    if existing is not None:
        raise RefusedError(
            _("Till %(till)s already has an open session (no. %(session)s, opened %(opened)s UTC).") % {"till": till, "session": existing.id, "opened": f"{existing.opened_at:%Y-%m-%d %H:%M}"},
            code="till.already_open", till=till, session_id=existing.id,
        )
    settings = common.load_settings(session)
    ts = TillSession(till=till, currency=settings.currency, opened_at=now or utcnow(), float_amount=float_amount)
    session.add(ts)
    try:
        with session.begin_nested():  # another till process opening the same till at the same moment
            session.flush()
    except IntegrityError:
        raise RefusedError(_("Till %(till)s already has an open session (opened a moment ago by another process).") % {"till": till}, code="till.already_open", till=till, session_id=None) from None
    return ts


def move_cash(session: Session, *, till: str, kind: str, amount: int, reason: str | None, now: datetime | None = None) -> TillMove:
    """Cash put in (``cash_in``) or taken out (``cash_out``) of the open session's drawer."""
    if kind not in ("cash_in", "cash_out"):
        raise ValueError(kind)
    _amount(amount, "amount", allow_zero=False)
    text = clean_text(reason, "reason", max_len=200)
    if not text:
        raise InputError(_("A reason is required for cash moved in or out."), code="till.reason", kind=kind)
    ts = _open_row(session, till, lock=True)
    if ts is None:
        raise _not_open(till)
    if kind == "cash_out":
        have = summarize(session, ts).expected_cash
        if amount > have:
            raise RefusedError(
                _("Cannot take %(amount)s out: the drawer should hold %(have)s.") % {"amount": format_money(amount, ts.currency), "have": format_money(have, ts.currency)},
                code="till.cash_out_too_much", till=till,
            )
    mv = TillMove(session_id=ts.id, kind=kind, amount=amount, reason=text, at=now or utcnow())  # type: ignore[arg-type]
    session.add(mv)
    session.flush()
    return mv


def close_session(session: Session, *, till: str, counted: int, note: str | None = None, now: datetime | None = None) -> Summary:
    """Close the till's open session with the cash counted; keeps it as a record."""
    _amount(counted, "counted cash", allow_zero=True)
    ts = _open_row(session, till, lock=True)  # payments recording now wait for us, or finished before
    if ts is None:
        raise _not_open(till)
    summary = summarize(session, ts, now=now)
    session.execute(
        sa.update(_TS).where(_TS.c.id == ts.id, _TS.c.closed_at.is_(None)).values(
            closed_at=now or utcnow(), expected_cash=summary.expected_cash, counted_cash=counted, note=clean_text(note, "note", max_len=2000)
        )
    )
    session.refresh(ts)
    summary.session = ts
    summary.past_midnight = False
    return summary
