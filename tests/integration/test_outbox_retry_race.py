"""`outbox retry ID` racing another till's delivery of the same message: it is sent once.

Till A is the delivery: it claims the failed message (the same conditional
UPDATE as :func:`delivery.claim`) in a transaction the main thread keeps open.
Till B runs ``outbox retry`` in a thread and must wait for it (PostgreSQL: on
the row; SQLite: on the store's write lock). When A commits, B must see what A
did — the message sent, or being sent — and refuse, instead of putting the
message back in the queue for a second send. Messages go through a real SMTP
server that records what it receives.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ordercli import db
from ordercli.errors import RefusedError
from ordercli.models import Outbox, utcnow
from ordercli.notify import compose, delivery, policy, transports
from ordercli.services import common
from tests.smtp_server import SmtpServer, add_product, outbox_rows, place, use_smtp
from tests.tills import Till


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def failed_message(engine, smtp):
    """A store with one customer confirmation that failed once and is due again now; its id."""
    add_product(engine)
    use_smtp(engine, smtp, **{"store.email": ""})
    number = place(engine, deliver=False)
    (row,) = outbox_rows(engine, number)
    with db.write_session(engine) as s:
        s.execute(
            sa.update(Outbox)
            .where(Outbox.id == row.id)
            .values(status="failed", attempts=1, last_error="timeout", next_attempt_at=utcnow() - timedelta(minutes=1))
        )
        s.commit()
    return row.id


def _claim_in(session, row_id: int, me: str) -> None:
    """What :func:`delivery.claim` runs, in the caller's (still open) transaction."""
    now = utcnow()
    won = session.execute(
        sa.update(Outbox)
        .where(Outbox.id == row_id, delivery._due_clause(now, False))
        .values(status="sending", claimed_by=me, claimed_until=now + timedelta(minutes=2))
    ).rowcount
    assert won == 1


def _send(session, row_id: int) -> None:
    """Send the row through the configured transport (what :func:`delivery.deliver` does after claiming)."""
    settings = common.load_settings(session)
    row = session.get(Outbox, row_id)
    msg = compose.build_message(row, settings)
    transport = transports.open_transport(settings)
    try:
        transport.send(
            msg,
            from_addr=compose.envelope_address(policy.sender_address(settings), "sender"),
            to_addr=compose.envelope_address(row.recipient),
            name_hint=transports.file_name(row),
        )
    finally:
        transport.close()


def _retry_command(engine, row_id: int) -> dict:
    """``ordercli outbox retry ID``: retry, then deliver that message at once."""
    out: dict = {}
    try:
        with db.write_session(engine) as s:
            delivery.retry_message(s, message_id=row_id)
            s.commit()
    except RefusedError as e:
        out["refused"] = str(e)
        return out
    out["sent"] = delivery.deliver(engine, force=True, ids=[row_id]).sent
    return out


def test_a_retry_racing_a_delivery_that_sent_the_message_does_not_queue_it_again(engine, smtp, failed_message):
    mid = failed_message
    with db.write_session(engine) as a:  # till A: claim, send, mark sent
        _claim_in(a, mid, "till-A")
        b = Till(_retry_command, engine, mid)
        b.assert_waiting()  # the retry waits for the delivery's open transaction
        _send(a, mid)
        a.execute(
            sa.update(Outbox)
            .where(Outbox.id == mid)
            .values(status="sent", sent_at=utcnow(), attempts=Outbox.attempts + 1, claimed_by=None, claimed_until=None, last_error=None)
        )
        a.commit()
    result = b.value()
    assert "already sent" in result.get("refused", ""), result
    (row,) = outbox_rows(engine)
    assert row.status == "sent" and row.attempts == 2
    # Nothing is left for any till to send.
    assert delivery.deliver(engine, force=True, drain=True).sent == []
    assert len(smtp.wait_for(2, timeout=0.5)) == 1


def test_a_retry_racing_a_delivery_in_progress_leaves_the_message_to_it(engine, smtp, failed_message):
    mid = failed_message
    with db.write_session(engine) as a:  # till A has claimed the message; it sends after committing the claim
        _claim_in(a, mid, "till-A")
        b = Till(_retry_command, engine, mid)
        b.assert_waiting()  # the retry waits for the claim's open transaction
        a.commit()
    result = b.value()
    assert "being sent right now" in result.get("refused", ""), result
    (row,) = outbox_rows(engine)
    assert row.status == "sending" and row.claimed_by == "till-A"
    # Till A goes on: sends and marks the message sent, as delivery.deliver does.
    with db.read_session(engine) as s:
        _send(s, mid)
    delivery._mark_sent(engine, mid, "till-A")
    assert delivery.deliver(engine, force=True, drain=True).sent == []
    assert len(smtp.wait_for(2, timeout=0.5)) == 1
    (row,) = outbox_rows(engine)
    assert row.status == "sent"

