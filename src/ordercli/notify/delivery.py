"""Deliver the outbox after commit: claim, send, mark sent / failed / dead, back off.

:func:`deliver` claims each due row with ONE conditional ``UPDATE``
(``pending``/``failed`` and due, or a ``sending`` claim whose
``claimed_until`` has passed) and only the till whose update changed the row
sends it, so two tills flushing at once never send the same message twice.
After sending, the row is marked ``sent``. A crash between the two leaves a
stale claim that is taken again later: at worst one duplicate, never a loss,
and the duplicate carries the same ``Message-ID``.

A failed attempt records the error, counts the attempt and waits
(:func:`ordercli.notify.policy.after_failure`); after ``outbox.max_attempts``
attempts, or when the server refuses the message for good (5xx), the row is
``dead``. When the transport itself fails (no network, server down, login
refused) the batch stops at once and a marker row ``_transport.backoff_until``
in the ``setting`` table tells every later command, on every till, to leave
the transport alone until then: a stall without network pays the
(≤ ``smtp.timeout``) wait once, not on every order. ``outbox flush`` and
``outbox retry`` are explicit requests and try at once, whatever the back-off.

The claim, each mark and the marker are this worker's own short units of
work: they commit themselves. :func:`retry_message` (``outbox retry``) is a
use case: it runs in the command's unit of work and does not commit.
:func:`deliver_due` is the after-commit hook (``UnitOfWork.commit``).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli.errors import OutboxMessageNotFoundError, OutboxMessageNotRetryableError
from ordercli.i18n import _
from ordercli.models import OrderEvent, Outbox, Setting, utcnow
import ordercli.notify.policy as policy
from ordercli.settings import Settings

MARKER_KEY = "_transport.backoff_until"
_OUTBOX_T = Outbox.__table__  # type: ignore[attr-defined]


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # still queued, with the error
    dead: list[tuple[int, str]] = field(default_factory=list)
    skipped: str | None = None  # why nothing was tried
    out_of_budget: bool = False  # the time budget ran out: what was not sent stays queued (pending)

    @property
    def tried(self) -> int:
        return len(self.sent) + len(self.failed) + len(self.dead)


def _worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _load(engine) -> tuple[Settings, dict | None]:
    from ordercli import db

    with db.read_session(engine) as s:
        rows = s.exec(select(Setting)).all()
    stored = {r.key: r.value for r in rows}
    marker = None
    raw = stored.pop(MARKER_KEY, None)
    if raw:
        try:
            marker = json.loads(raw)
            marker["until"] = datetime.fromisoformat(marker["until"])
        except (ValueError, KeyError, TypeError):
            marker = None
    return Settings(stored), marker


def transport_status(engine) -> tuple[Settings, str | None, dict | None]:
    """(settings, problem, active back-off marker or None) — for ``outbox list``."""
    settings, marker = _load(engine)
    problem = policy.transport_problem(settings)
    if not policy.marker_applies(marker, settings, utcnow()):
        marker = None
    return settings, problem, marker


def _set_marker(engine, settings: Settings, previous: dict | None, error: str) -> datetime:
    from ordercli import db

    fp = policy.transport_fingerprint(settings)
    failures = policy.next_transport_failures(previous, settings)
    until = utcnow() + policy.transport_backoff(failures)
    value = json.dumps({"until": until.isoformat(), "failures": failures, "transport": fp, "error": error[:300]})
    with db.write_session(engine) as s:
        s.execute(
            sa.text("INSERT INTO setting (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
            {"k": MARKER_KEY, "v": value},
        )
        s.commit()
    return until


def _clear_marker(engine) -> None:
    from ordercli import db

    with db.write_session(engine) as s:
        s.execute(sa.delete(Setting).where(Setting.key == MARKER_KEY))
        s.commit()


def _due_clause(now: datetime, force: bool):
    waiting = Outbox.status.in_(("pending", "failed"))  # type: ignore[attr-defined]
    if not force:
        waiting = sa.and_(waiting, Outbox.next_attempt_at <= now)
    stale = sa.and_(Outbox.status == "sending", Outbox.claimed_until < now)
    return sa.or_(waiting, stale)


def _candidates(engine, *, now: datetime, force: bool, limit: int, exclude: set[int], ids: list[int] | None) -> list[int]:
    from ordercli import db

    q = select(Outbox.id).where(_due_clause(now, force))
    if exclude:
        q = q.where(Outbox.id.not_in(sorted(exclude)))  # type: ignore[union-attr]
    if ids is not None:
        q = q.where(Outbox.id.in_(ids))  # type: ignore[union-attr]
    q = q.order_by(Outbox.id).limit(limit)
    with db.read_session(engine) as s:
        return [int(i) for i in s.exec(q).all()]


def claim(engine, row_id: int, *, me: str, force: bool = False, hold: timedelta = timedelta(minutes=2)) -> bool:
    """Take the row for this worker with one conditional UPDATE. True if we own it now."""
    from ordercli import db

    now = utcnow()
    stmt = (
        sa.update(Outbox)
        .where(Outbox.id == row_id, _due_clause(now, force))
        .values(status="sending", claimed_by=me, claimed_until=now + hold)
        .execution_options(synchronize_session=False)
    )
    with db.write_session(engine) as s:
        won = s.execute(stmt).rowcount == 1
        s.commit()
    return won


def _event(session: Session, row: Outbox, summary: str) -> None:
    if row.order_id is not None:
        session.add(OrderEvent(order_id=row.order_id, at=utcnow(), kind="notification", door=None, summary=summary[:1000]))


def _mark_sent(engine, row_id: int, me: str) -> None:
    from ordercli import db

    now = utcnow()
    with db.write_session(engine) as s:
        row = s.get(Outbox, row_id)
        if row is None or row.status in ("sent", "dead"):
            s.rollback()
            return
        row.status = "sent"
        row.sent_at = now
        row.attempts += 1
        row.claimed_by = None
        row.claimed_until = None
        row.last_error = None
        s.add(row)
        _event(s, row, f"{policy.stored_label(row.kind)} sent to {row.recipient}")  # stored: English
        s.commit()


def _release(engine, row_id: int, me: str) -> None:
    """Give our claim back untouched (the time budget ran out): pending again, due now, no attempt counted."""
    from ordercli import db

    stmt = (
        sa.update(Outbox)
        .where(Outbox.id == row_id, Outbox.status == "sending", Outbox.claimed_by == me)
        .values(status="pending", claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    with db.write_session(engine) as s:
        s.execute(stmt)
        s.commit()


def _mark_failed(engine, row_id: int, me: str, error: str, *, permanent: bool, max_attempts: int) -> str:
    """Record a failed attempt. Returns the new status (failed or dead)."""
    from ordercli import db

    now = utcnow()
    with db.write_session(engine) as s:
        row = s.get(Outbox, row_id)
        if row is None or row.status != "sending" or row.claimed_by != me:
            s.rollback()
            return row.status if row is not None else "gone"
        row.attempts += 1
        row.last_error = error[:1000]
        row.claimed_by = None
        row.claimed_until = None
        row.status, next_at = policy.after_failure(row.attempts, permanent=permanent, max_attempts=max_attempts, now=now)
        if row.status == "dead":
            why = policy.why_dead(row.attempts, permanent=permanent)
            _event(s, row, f"{policy.stored_label(row.kind)} to {row.recipient} could not be delivered ({why}): {error[:200]}")  # stored: English
        else:
            row.next_attempt_at = next_at
        s.add(row)
        status = row.status
        s.commit()
        return status


def deliver(
    engine,
    *,
    limit: int = 50,
    force: bool = False,
    ids: list[int] | None = None,
    drain: bool = False,
    inline: bool = False,
    stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Deliver due messages.

    ``force`` (``outbox flush`` / ``retry``): try waiting messages now, whatever
    their back-off and the transport's. ``drain``: keep going until nothing is
    left (else one batch of ``limit``). ``ids``: only these rows.
    ``inline`` (the delivery after a command's commit): everything, whatever the
    server does, ends within ``mail.inline_budget`` seconds; the message in
    flight then goes back to ``pending`` and the rest stays queued. ``stop``:
    asked between messages (``outbox watch`` on Ctrl-C).
    """
    import ordercli.notify.compose as compose
    import ordercli.notify.transports as transports

    started = time.monotonic()
    report = DeliveryReport()
    settings, marker = _load(engine)
    budget = started + policy.inline_budget(settings) if inline else None
    if inline and policy.inline_budget(settings) <= 0:
        report.skipped = _("mail.inline_budget is 0: commands leave delivery to the outbox worker")
        return report
    problem = policy.transport_problem(settings)
    if problem:
        report.skipped = problem
        return report
    if not force and policy.marker_applies(marker, settings, utcnow()):
        report.skipped = _("transport backing off until %(until)s: %(error)s") % {"until": marker["until"].isoformat(), "error": marker.get("error", "")}
        return report

    max_attempts = policy.max_attempts(settings)
    me = _worker_id()
    tried: set[int] = set()
    transport = None
    hold = policy.claim_hold(settings)
    try:
        while True:
            batch = _candidates(engine, now=utcnow(), force=force, limit=limit, exclude=tried, ids=ids)
            if not batch:
                break
            for row_id in batch:
                if budget is not None and time.monotonic() >= budget:
                    report.out_of_budget = True
                    return report
                if stop is not None and stop():
                    return report
                tried.add(row_id)
                if not claim(engine, row_id, me=me, force=force, hold=hold):
                    continue  # another till took it
                from ordercli import db

                with db.read_session(engine) as s:
                    row = s.get(Outbox, row_id)
                try:
                    msg = compose.build_message(row, settings)
                    to_addr = compose.envelope_address(row.recipient)
                    from_addr = compose.envelope_address(policy.sender_address(settings), "sender")
                except compose.ComposeError as e:
                    status = _mark_failed(engine, row_id, me, str(e), permanent=e.permanent, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, str(e)))
                    continue
                except Exception as e:  # noqa: BLE001 - never leave a claimed row behind
                    err = f"cannot build the message: {type(e).__name__}: {e}"
                    status = _mark_failed(engine, row_id, me, err, permanent=False, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, err))
                    continue
                try:
                    if transport is None:
                        transport = transports.open_transport(settings, budget=budget)
                    transport.send(msg, from_addr=from_addr, to_addr=to_addr, name_hint=transports.file_name(row))
                except transports.OutOfBudget:
                    # Not a failure of the message: it goes back to the queue as it was (at worst a
                    # duplicate if the server took it just before the budget ended), and the batch ends.
                    _release(engine, row_id, me)
                    report.out_of_budget = True
                    return report
                except transports.TransportDown as e:
                    status = _mark_failed(engine, row_id, me, str(e), permanent=False, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, str(e)))
                    _set_marker(engine, settings, marker, str(e))
                    return report
                except transports.MessageRejected as e:
                    status = _mark_failed(engine, row_id, me, str(e), permanent=e.permanent, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, str(e)))
                    continue
                except Exception as e:  # noqa: BLE001 - an unforeseen error: record it, retry later
                    err = f"{type(e).__name__}: {e}"
                    status = _mark_failed(engine, row_id, me, err, permanent=False, max_attempts=max_attempts)
                    (report.dead if status == "dead" else report.failed).append((row_id, err))
                    if transport is not None:
                        transport.close()
                        transport = None
                    continue
                _mark_sent(engine, row_id, me)
                report.sent.append(row_id)
            if not drain:
                break
    finally:
        if transport is not None:
            transport.close()
    if marker and report.sent:
        _clear_marker(engine)
    return report


def deliver_due(engine, *, limit: int = 50) -> DeliveryReport:
    """After-commit hook: deliver what is due within ``mail.inline_budget``; never raise into the command that saved."""
    try:
        return deliver(engine, limit=limit, inline=True)
    except Exception as e:  # noqa: BLE001 - the change is committed; delivery retries later
        if os.environ.get("ORDERCLI_DEBUG") == "1":
            raise
        detail = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        return DeliveryReport(skipped=_("delivery skipped: %(error)s") % {"error": detail})


# ------------------------------------------------------------- outbox retry


def retry_message(session: Session, *, message_id: int) -> Outbox:
    """Put a failed or dead message back in the queue, due now (``outbox retry``). Does not commit.

    Raises :class:`~ordercli.errors.OutboxMessageNotFoundError`, or
    :class:`~ordercli.errors.OutboxMessageNotRetryableError` with the row's
    status when it is sent or being sent right now.
    """
    now = utcnow()
    t = _OUTBOX_T
    # One conditional UPDATE: the state is checked where it is changed. A till that claimed
    # (or already sent) the message in the meantime makes it match nothing, instead of the
    # message being put back in the queue and sent twice. On PostgreSQL a concurrent claim
    # makes this wait, then re-check the condition against the committed row.
    stmt = (
        sa.update(t)
        .where(
            t.c.id == message_id,
            sa.or_(
                t.c.status.in_(("pending", "failed", "dead")),
                sa.and_(t.c.status == "sending", sa.or_(t.c.claimed_until.is_(None), t.c.claimed_until <= now)),  # a stale claim
            ),
        )
        .values(
            status="pending",
            attempts=sa.case((t.c.status == "dead", 0), else_=t.c.attempts),  # dead: a fresh set of attempts
            next_attempt_at=now,
            claimed_by=None,
            claimed_until=None,
        )
    )
    changed = session.execute(stmt).rowcount
    row = session.exec(select(Outbox).where(Outbox.id == message_id).execution_options(populate_existing=True)).first()
    if changed != 1:
        if row is None:
            raise OutboxMessageNotFoundError(message_id)
        raise OutboxMessageNotRetryableError(message_id, row.status, has_order=row.order_id is not None)
    return row
