"""Two tills (two processes) flushing the same outbox at once: every message arrives exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest

from ordercli import db
from tests.smtp_server import SmtpServer, add_product, outbox_rows, place, set_settings, use_smtp

pytestmark = pytest.mark.slow

ORDERS = 12  # × 2 messages (shop + customer)


def _flush(url: str) -> subprocess.Popen:
    env = dict(os.environ, ORDERCLI_DB=url, NO_COLOR="1")
    return subprocess.Popen([sys.executable, "-m", "ordercli", "outbox", "flush"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_flushing_at_once_send_each_message_once(store_url):
    engine = db.get_engine(store_url)
    add_product(engine)
    set_settings(engine, **{"store.email": "admin@shop.example"})
    for i in range(ORDERS):
        place(engine, name=f"Customer {i}", email=f"c{i}@example.com", deliver=False)  # mail off: all queued
    rows = outbox_rows(engine)
    assert len(rows) == 2 * ORDERS and {r.status for r in rows} == {"pending"}

    with SmtpServer() as server:
        # Hold the first message until both tills are connected, then go slowly so they overlap.
        server.gate_sessions = 2
        server.delay = 0.02
        use_smtp(engine, server)
        db.dispose_all()
        procs = [_flush(store_url), _flush(store_url)]
        outs = [p.communicate(timeout=120) for p in procs]
        for p, (out, err) in zip(procs, outs):
            assert p.returncode == 0, err
        received = server.wait_for(2 * ORDERS)
        peers = Counter(m.peer for m in received)

    ids = Counter(m.parsed()["Message-ID"] for m in received)
    engine = db.get_engine(store_url)
    rows = outbox_rows(engine)
    assert len(received) == 2 * ORDERS
    assert set(ids) == {r.message_id for r in rows}
    assert max(ids.values()) == 1  # nothing sent twice
    assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)
    # Both tills really took part (the gate made them overlap).
    assert len(peers) == 2, peers
    sent_by = sorted(int(err.split("Sent ")[1].split(" ")[0]) if "Sent " in err else 0 for _, err in outs)
    assert sum(sent_by) == 2 * ORDERS and sent_by[0] >= 1


def test_orders_created_by_two_processes_with_mail_on_are_each_mailed_once(store_url):
    engine = db.get_engine(store_url)
    add_product(engine)
    with SmtpServer() as server:
        server.delay = 0.01
        use_smtp(engine, server)
        db.dispose_all()
        env = dict(os.environ, ORDERCLI_DB=store_url, NO_COLOR="1")

        def create(i: int) -> subprocess.Popen:
            script = (
                "import sys\n"
                "from ordercli.cli import app\n"
                "for j in range(4):\n"
                f"    try:\n        app(['order','create','--name','Till {i}','--email','t{i}-'+str(j)+'@example.com','--item','MUG-01'], standalone_mode=False)\n"
                "    except SystemExit as e:\n        assert not e.code, e.code\n"
            )
            return subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        procs = [create(1), create(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        received = server.wait_for(16)
    engine = db.get_engine(store_url)
    rows = outbox_rows(engine)
    assert len(rows) == 16
    ids = Counter(m.parsed()["Message-ID"] for m in received)
    assert len(received) == 16 and max(ids.values()) == 1
    assert {r.status for r in rows} == {"sent"}
