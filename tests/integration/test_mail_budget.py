"""Issue 10 §2, a till never waits on mail: ``mail.inline_budget``, ``outbox watch``, and the outbox screens.

The slow and the dripping servers are real TCP servers on 127.0.0.1 (raw sockets
speaking just enough SMTP), not mocks: the client's deadline is tested against
real sockets. Every server here has a lifetime, so that code without a deadline
fails the timing assertion in seconds instead of hanging the suite.
"""

from __future__ import annotations

import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import policy

import pytest

from ordercli import db
from tests import seed
from tests.smtp_server import HOST, SmtpServer, outbox_rows, place

BUDGET = 2  # mail.inline_budget in these tests
MARGIN = 1.5  # a loaded machine: start-up of the command, the order's own transaction
QUEUED = 10  # messages waiting when the till saves (8 already queued + the 2 of its order)


class FakeSmtp:
    """A raw-socket SMTP server on 127.0.0.1 that is slow or drips its answers.

    ``data_delay``: seconds before it answers the end of a message (a slow relay).
    ``drip``: seconds between two bytes of an answer; ``drip_from`` is ``"all"``
    (from the greeting on) or ``"data"`` (only the answer to a message's content).
    ``lifetime``: seconds after which a connection is dropped (so a client without a
    deadline fails in bounded time). Records the messages it read (``messages``).
    """

    def __init__(self, *, data_delay: float = 0.0, drip: float = 0.0, drip_from: str = "all", lifetime: float = 8.0):
        self.data_delay, self.drip, self.drip_from, self.lifetime = data_delay, drip, drip_from, lifetime
        self.messages: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _alive(self, born: float) -> bool:
        return not self._stop.is_set() and time.monotonic() - born < self.lifetime

    def _say(self, conn, born: float, text: str, drip: bool) -> None:
        data = text.encode()
        if not drip:
            conn.sendall(data)
            return
        for i in range(len(data)):
            if not self._alive(born):
                raise OSError("lifetime over")
            conn.sendall(data[i : i + 1])
            time.sleep(self.drip)

    def _serve(self, conn) -> None:
        born = time.monotonic()
        buf = b""

        def line() -> bytes:
            nonlocal buf
            while b"\n" not in buf:
                if not self._alive(born):
                    raise OSError("lifetime over")
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    raise OSError("client gone")
                buf += chunk
            out, buf = buf.split(b"\n", 1)
            return out + b"\n"

        conn.settimeout(0.2)
        drip_all = bool(self.drip) and self.drip_from == "all"
        try:
            with conn:
                self._say(conn, born, "220 fake.example ESMTP\r\n", drip_all)
                while True:
                    cmd = line()[:4].upper()
                    if cmd == b"DATA":
                        self._say(conn, born, "354 go on\r\n", drip_all)
                        content = []
                        while (ln := line()) != b".\r\n":
                            content.append(ln)
                        with self._lock:
                            self.messages.append(b"".join(content))
                        end = time.monotonic() + self.data_delay
                        while time.monotonic() < end and self._alive(born):
                            time.sleep(0.02)
                        self._say(conn, born, "250 queued\r\n", bool(self.drip))
                    elif cmd == b"QUIT":
                        self._say(conn, born, "221 bye\r\n", drip_all)
                        return
                    elif cmd == b"EHLO":
                        self._say(conn, born, "250 fake.example\r\n", drip_all)
                    else:
                        self._say(conn, born, "250 ok\r\n", drip_all)
        except OSError:
            pass

    def message_ids(self) -> list[str]:
        with self._lock:
            raw = list(self.messages)
        return [email.message_from_bytes(m, policy=policy.default)["Message-ID"] for m in raw]

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeSmtp":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def use_smtp(cli, port: int, **extra: str) -> None:
    values = {"mail.transport": "smtp", "smtp.host": HOST, "smtp.port": str(port), "smtp.security": "none"}
    values.update(extra)
    for k, v in values.items():
        ok(cli("config", "set", k, v))


@pytest.fixture
def shop(any_cli):
    seed.products(any_cli.url, ("MUG-01", "Blue mug", "12.50", 500, 20))
    seed.settings(any_cli.url, **{"store.name": "Fair Stall", "store.email": "admin@shop.example", "mail.from": "shop@shop.example", "store.locale": "en_US"})
    engine = db.get_engine(any_cli.url)
    for i in range(QUEUED // 2 - 1):  # mail off (the default transport): queued, not sent
        place(engine, name=f"Customer {i}", email=f"c{i}@example.com", deliver=False)
    assert len(outbox_rows(engine)) == QUEUED - 2
    return any_cli


def _timed_create(cli, *, told: bool = True) -> float:
    t0 = time.monotonic()
    r = ok(cli("order", "create", "--name", "Ana Lima", "--email", "ana@example.com", "--item", "MUG-01:1", "--format", "json"))
    elapsed = time.monotonic() - t0
    if told:  # a server that answers slowly: the person is told why mail did not all go
        assert "messages not sent yet stay queued" in r.stderr
    return elapsed


def _statuses(cli) -> list[str]:
    return [r.status for r in outbox_rows(db.get_engine(cli.url))]


def _flush_delivers_everything(cli, ids_seen) -> None:
    ok(cli("outbox", "flush"))
    rows = outbox_rows(db.get_engine(cli.url))
    assert len(rows) == QUEUED and {r.status for r in rows} == {"sent"}
    assert {r.message_id for r in rows} <= set(ids_seen())


def test_a_slow_relay_holds_order_create_no_longer_than_the_budget(shop):
    with FakeSmtp(data_delay=1.0, lifetime=30) as relay:
        use_smtp(shop, relay.port, **{"mail.inline_budget": str(BUDGET)})
        elapsed = _timed_create(shop)
        # 10 messages at ~1 s each: without a budget, about 10 s.
        assert elapsed < BUDGET + MARGIN, elapsed
        states = _statuses(shop)
        assert states.count("sent") >= 1, states  # ~1 s per message in a 2 s budget: the first one went
        # Out of budget is not a failure: the rest waits, untried, as it was.
        assert set(states) <= {"sent", "pending"}, states
        assert states.count("pending") >= QUEUED - 2, states
        rows = outbox_rows(db.get_engine(shop.url))
        assert all(r.attempts == 0 and r.last_error is None for r in rows if r.status == "pending")
        relay.data_delay = 0.0  # the relay got faster: an explicit flush delivers the rest
        _flush_delivers_everything(shop, relay.message_ids)


@pytest.mark.parametrize("drip_from", ["all", "data"])
def test_a_dripping_server_holds_order_create_no_longer_than_the_budget(shop, drip_from):
    # One byte a second: every single read is well within smtp.timeout (3 s), the conversation is not.
    with FakeSmtp(drip=1.0, drip_from=drip_from, lifetime=BUDGET + 6) as drip:
        use_smtp(shop, drip.port, **{"mail.inline_budget": str(BUDGET)})
        elapsed = _timed_create(shop, told=drip_from == "data")  # a greeting that never ends is a transport failure
    assert elapsed < BUDGET + MARGIN, elapsed
    states = _statuses(shop)
    assert "sent" not in states and "dead" not in states, states
    if drip_from == "data":
        # The budget ran out in the middle of a message: it goes back to the queue untouched.
        assert set(states) == {"pending"}, states
        assert all(r.attempts == 0 for r in outbox_rows(db.get_engine(shop.url)))
    else:
        # The server never got ready within the budget: that one attempt counts as a transport
        # failure (so later commands back off and stay fast); every other message stays pending.
        assert states.count("failed") <= 1 and states.count("pending") >= QUEUED - 1, states
    with SmtpServer() as good:
        ok(shop("config", "set", "smtp.port", str(good.port)))
        _flush_delivers_everything(shop, lambda: [m.parsed()["Message-ID"] for m in good.wait_for(QUEUED)])


def test_outbox_flush_has_no_inline_budget_but_each_message_has_its_timeout(shop):
    # 10 messages at ~0.4 s: flush takes ~4 s, beyond a 1 s inline budget, and sends them all.
    with FakeSmtp(data_delay=0.4, lifetime=60) as relay:
        use_smtp(shop, relay.port, **{"mail.inline_budget": "1"})
        ok(shop("order", "create", "--name", "Ana Lima", "--email", "ana@example.com", "--item", "MUG-01:1", "--no-notify"))
        # (--no-notify: the shop's copy alone is queued by this order)
        ok(shop("outbox", "flush"))
        assert set(_statuses(shop)) == {"sent"}
    # A server that drips is cut off by the message's own timeout (smtp.timeout), not waited on forever.
    with FakeSmtp(drip=1.0, drip_from="data", lifetime=30) as drip:
        use_smtp(shop, drip.port, **{"smtp.timeout": "2"})
        ok(shop("order", "create", "--name", "Bo Chen", "--email", "bo@example.com", "--item", "MUG-01:1", "--format", "json"))
        t0 = time.monotonic()
        r = shop("outbox", "flush")
        elapsed = time.monotonic() - t0
    assert r.exit_code == 1 and "did not answer within 2 s" in r.stderr, r.stderr
    assert elapsed < 2 + 2 + MARGIN, elapsed  # one message's 2 s, one QUIT's second at most


def test_outbox_watch_delivers_what_other_processes_queue_and_stops_cleanly_on_ctrl_c(shop):
    with SmtpServer() as server:
        use_smtp(shop, server.port, **{"mail.inline_budget": "0"})  # tills never deliver: the watcher does
        env = dict(os.environ, ORDERCLI_DB=shop.url, NO_COLOR="1")
        watcher = subprocess.Popen(
            [sys.executable, "-m", "ordercli", "outbox", "watch", "--interval", "0.5"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            assert len(server.wait_for(QUEUED - 2, timeout=30)) == QUEUED - 2  # what was queued before it started
            t0 = time.monotonic()
            elapsed = _timed_create(shop, told=False)  # budget 0 is a choice, not a slow server: nothing to say
            assert elapsed < 1.5 + MARGIN  # budget 0: the till does not deliver at all
            assert len(server.wait_for(QUEUED, timeout=30)) == QUEUED  # …the watcher does
            assert time.monotonic() - t0 < 15
            time.sleep(0.3)
            watcher.send_signal(signal.SIGINT)
            out, err = watcher.communicate(timeout=30)
        finally:
            if watcher.poll() is None:
                watcher.kill()
                watcher.wait()
    assert watcher.returncode == 0, err
    assert "Traceback" not in err
    assert f"{QUEUED} sent" in err.strip().splitlines()[-1], err
    ids = [m.parsed()["Message-ID"] for m in server.messages]
    assert len(ids) == len(set(ids)) == QUEUED
    assert set(_statuses(shop)) == {"sent"}


def test_outbox_list_shows_when_a_sending_claim_ends_and_flush_calls_dead_messages_dead(shop):
    from datetime import timedelta

    from ordercli.models import Outbox, utcnow

    engine = db.get_engine(shop.url)
    first = outbox_rows(engine)[0]
    until = utcnow() + timedelta(minutes=5)
    with db.write_session(engine) as s:
        row = s.get(Outbox, first.id)
        row.status, row.claimed_by, row.claimed_until = "sending", "till-b:1:x", until
        s.add(row)
        s.commit()
    rows = json.loads(ok(shop("outbox", "list", "--format", "json", "--limit", "100")).stdout)
    sending = [r for r in rows if r["status"] == "sending"]
    assert len(sending) == 1 and sending[0]["claimed_until"] is not None
    assert sending[0]["claimed_until"][:16] == until.isoformat()[:16]
    table = ok(shop("outbox", "list", "--status", "sending")).stdout
    assert "claim ends" in table

    # A message refused for good (5xx) becomes dead during the flush: it is called dead, not "retried later".
    with SmtpServer() as server:
        server.refuse["c0@example.com"] = "550 no such user"
        use_smtp(shop, server.port)
        r = shop("outbox", "flush")
    said = " ".join(r.stderr.split())
    assert r.exit_code == 1
    assert "is dead" in said and "will not be retried" in said, said
    assert "retried later" not in said and "will retry" not in said, said
