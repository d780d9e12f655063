"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a free port bound first.

``SmtpServer`` records every message it accepts (envelope + raw bytes) and can
be stopped and started again on the same port to play "the network is down".
``BlackHole`` is a TCP listener on 127.0.0.1 that accepts connections and
never answers (a server that hangs), to exercise the client timeout.
Nothing here ever talks to an address outside the loopback range.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (aiosmtpd 1.4 cannot use port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A loopback port with no listener: connections are refused at once."""
    return free_port()


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: tuple
    login: str | None

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


class _Handler:
    def __init__(self, owner: "SmtpServer"):
        self.owner = owner

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.owner._sessions.add(session.peer)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.owner.refuse:
            return self.owner.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        gate = self.owner.gate_sessions
        if gate:
            deadline = time.monotonic() + self.owner.gate_timeout
            while len(self.owner._sessions) < gate and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        if self.owner.delay:
            await asyncio.sleep(self.owner.delay)
        login = session.auth_data if session.authenticated else None
        with self.owner._lock:
            self.owner.messages.append(
                Received(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), data=bytes(envelope.original_content or envelope.content), peer=session.peer, login=login)
            )
        return "250 Message accepted"


class SmtpServer:
    """A recording SMTP server on 127.0.0.1:<port>."""

    def __init__(self, *, port: int | None = None, credentials: tuple[str, str] | None = None, tls_context=None, ssl_context=None):
        self.port = port or free_port()
        self.host = HOST
        self.messages: list[Received] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply, e.g. "550 no such user"
        self.delay = 0.0
        self.gate_sessions = 0  # hold DATA until this many client sessions have said MAIL FROM
        self.gate_timeout = 10.0
        self.credentials = credentials
        self.tls_context = tls_context
        self.ssl_context = ssl_context
        self.auth_attempts: list[tuple[str, bool]] = []
        self._lock = threading.Lock()
        self._sessions: set = set()
        self._controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        password = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
        ok = self.credentials is not None and (login, password) == self.credentials
        self.auth_attempts.append((login, ok))
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    def start(self) -> "SmtpServer":
        kwargs: dict = {}
        if self.credentials is not None:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        if self.tls_context is not None:
            kwargs.update(tls_context=self.tls_context, require_starttls=False)
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, ssl_context=self.ssl_context, server_hostname="localhost", ready_timeout=10, **kwargs
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def parsed(self) -> list[EmailMessage]:
        with self._lock:
            return [m.parsed() for m in self.messages]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        with self._lock:
            return list(self.messages)

    def mail_to(self, address: str, subject_part: str, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages to ``address`` whose subject holds ``subject_part`` (waiting up to ``timeout`` for one)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.parsed() if m["To"].addresses[0].addr_spec == address and subject_part in m["Subject"]]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def __enter__(self) -> "SmtpServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class BlackHole:
    """Accepts TCP connections on 127.0.0.1 and never says a word (a hung server)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((HOST, 0))
        self.sock.listen(16)  # the kernel completes handshakes from the backlog; we never accept
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "BlackHole":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ------------------------------------------------------------ store helpers
# Small helpers shared by the notification tests (settings, orders, outbox rows).


def set_settings(engine, **values: str) -> None:
    """``set_settings(engine, **{"mail.transport": "smtp"})`` through the real config service."""
    from ordercli import db
    from ordercli.services import config

    for key, value in values.items():
        with db.write_session(engine) as s:
            config.set_value(s, key, value)
            s.commit()


def use_smtp(engine, server_or_port, **extra: str) -> None:
    port = server_or_port if isinstance(server_or_port, int) else server_or_port.port
    values = {
        "mail.transport": "smtp",
        "smtp.host": HOST,
        "smtp.port": str(port),
        "smtp.security": "none",
        "mail.from": "shop@shop.example",
        "store.email": "admin@shop.example",
    }
    values.update(extra)
    set_settings(engine, **values)


def add_product(engine, sku: str = "MUG-01", name: str = "Blue mug", price: int = 1250, stock: int | None = 100, tax_rate: int = 2000) -> None:
    from ordercli import db
    from ordercli.models import Product

    with db.write_session(engine) as s:
        s.add(Product(sku=sku, name=name, price=price, stock=stock, tax_rate=tax_rate))
        s.commit()


def place(engine, *, name: str = "Ana Lima", email: str | None = "ana@example.com", phone: str | None = None, items=(("MUG-01", 2),), notify: bool = True, deliver: bool = True, **draft_kw):
    """Place an order through the real service (and run the after-commit delivery). Returns the order number."""
    from ordercli import db, notify as notify_mod
    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.services import orders

    draft = OrderDraft(customer=CustomerIn(name=name, email=email, phone=phone), items=[ItemIn(quantity=q, sku=sku) for sku, q in items], notify_customer=notify, **draft_kw)
    with db.write_session(engine) as s:
        placed = orders.place_order(s, draft)
        number = placed.order.number
        s.commit()
    if deliver:
        notify_mod.deliver_due(engine)
    return number


def outbox_rows(engine, order_number: str | None = None) -> list:
    from sqlmodel import select

    from ordercli import db
    from ordercli.models import Order, Outbox

    with db.read_session(engine) as s:
        q = select(Outbox).order_by(Outbox.id)
        if order_number:
            q = q.join(Order, Order.id == Outbox.order_id).where(Order.number == order_number)
        return list(s.exec(q).all())


def marker_value(engine) -> str | None:
    from ordercli import db
    from ordercli.models import Setting
    from ordercli.notify.delivery import MARKER_KEY

    with db.read_session(engine) as s:
        row = s.get(Setting, MARKER_KEY)
        return row.value if row else None


def make_cert(folder) -> tuple[str, str] | None:
    """A self-signed certificate for 127.0.0.1 (needs the openssl command); (cert, key) or None."""
    import shutil
    import subprocess
    from pathlib import Path

    if not shutil.which("openssl"):
        return None
    cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return str(cert), str(key)
