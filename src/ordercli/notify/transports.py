"""How messages leave: SMTP (``smtplib``) or ``.eml`` files in a folder.

Errors are sorted into two kinds so the outbox can react well:

* :class:`TransportDown` — nothing can be sent right now (no network, server
  down or silent, TLS or login refused, sender refused). The outbox stops the
  batch and leaves the transport alone until its back-off has passed.
* :class:`MessageRejected` — this one message was refused; ``permanent`` when
  the server said so for good (5xx), so retrying cannot help.

The SMTP password comes only from ``ORDERCLI_SMTP_PASSWORD`` or the system
keyring (service ``ordercli-smtp``, user ``smtp.username``; the ``keyring``
package is optional). It is never stored, and never part of an error text.
EHLO uses the machine's plain host name so that no DNS lookup can stall a
stall without network.

**Deadlines, not per-read timeouts.** A socket timeout bounds ONE socket
operation: a server that drips a byte a second never trips it. So the SMTP
conversation runs under a :class:`Clock` of absolute deadlines, and every
operation of it (the TCP connect, the TLS handshake, each ``recv`` of each
reply line, each ``sendall``) gets the time *left* as its socket timeout:

* the connection phase (TCP, greeting, EHLO, STARTTLS, login) has one
  deadline of ``smtp.timeout`` seconds; then each message (MAIL, RCPT, DATA,
  the content, the final reply) has its own ``smtp.timeout`` deadline;
* a caller may add an overall ``budget`` deadline (``mail.inline_budget``, for
  the delivery a command runs after its commit); the earlier deadline wins.
  When the budget is what ran out, :class:`OutOfBudget` is raised: not a
  failure of the message or of the server, the caller leaves it queued.

Replies are read through :class:`_DeadlineReader` (smtplib's own buffered file
would block in ``recv`` with the socket's fixed timeout, once per byte).
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import time
from pathlib import Path

from ordercli.settings import Settings

PASSWORD_ENV = "ORDERCLI_SMTP_PASSWORD"
KEYRING_SERVICE = "ordercli-smtp"


class TransportDown(Exception):
    pass


class OutOfBudget(Exception):
    """The caller's time budget ran out before this message was through (not the message's fault)."""


class MessageRejected(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def smtp_password(username: str) -> str | None:
    """From the environment, else the system keyring (if installed and it has one)."""
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    try:
        import keyring  # optional
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, username)
    except Exception:  # noqa: BLE001 - no usable keyring backend: as if absent
        return None


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def file_name(row) -> str:
    """A stable file name per message: a resend of the same row overwrites, never duplicates."""
    stamp = row.created_at.strftime("%Y%m%dT%H%M%S") if row.created_at else "message"
    digest = hashlib.sha256(row.message_id.encode()).hexdigest()[:12]
    kind = "".join(ch for ch in row.kind if ch.isalnum() or ch == "_")
    return f"{stamp}-{kind}-{digest}.eml"


def default_mail_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("ordercli", appauthor=False)) / "mail"


class FileTransport:
    """Writes each message as an ``.eml`` file (atomically: temp file + rename)."""

    def __init__(self, folder: str):
        self.folder = Path(folder).expanduser() if folder else default_mail_dir()

    def send(self, msg, *, from_addr: str, to_addr: str, name_hint: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            data = msg.as_bytes()
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.folder / name_hint)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            raise TransportDown(f"cannot write to mail folder {str(self.folder)!r}: {e.strerror or e}") from None

    def close(self) -> None:
        pass


class Clock:
    """Absolute deadlines (``time.monotonic()``) for an SMTP conversation.

    ``limit``: the current phase's own deadline (the connection phase, then each
    message). ``budget``: the caller's overall deadline, or None. :meth:`left`
    is what the next socket operation may take; it raises ``socket.timeout``
    (an ``OSError``, which smtplib already handles) once nothing is left.
    """

    def __init__(self, budget: float | None = None):
        self.budget = budget
        self.limit: float | None = None

    def start(self, seconds: float) -> None:
        self.limit = time.monotonic() + seconds

    def deadline(self) -> float:
        ends = [d for d in (self.limit, self.budget) if d is not None]
        return min(ends) if ends else float("inf")

    def left(self) -> float:
        left = self.deadline() - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out")
        return left

    def budget_spent(self) -> bool:
        """True when the caller's budget has run out and it came before the phase's own deadline."""
        if self.budget is None or time.monotonic() < self.budget:
            return False
        return self.limit is None or self.budget <= self.limit


class _DeadlineReader:
    """What smtplib reads replies from (its ``self.file``): ``readline`` under the clock's deadline.

    Each ``recv`` gets the time left before the deadline as its timeout, so a
    reply that arrives a byte at a time still ends at the deadline.
    """

    def __init__(self, sock, clock: Clock):
        self.sock, self.clock, self.buf = sock, clock, b""

    def readline(self, limit: int = -1) -> bytes:
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0 or (0 < limit <= len(self.buf)):
                end = nl + 1 if nl >= 0 else limit
                if limit > 0:
                    end = min(end, limit)
                line, self.buf = self.buf[:end], self.buf[end:]
                return line
            self.sock.settimeout(self.clock.left())
            chunk = self.sock.recv(4096)
            if not chunk:  # the server closed: smtplib sees an empty line
                line, self.buf = self.buf, b""
                return line
            self.buf += chunk

    def close(self) -> None:
        self.buf = b""


class _DeadlineContext:
    """An ``ssl.SSLContext`` stand-in whose handshakes get the time left (``_ssl`` bounds a handshake by the socket timeout)."""

    def __init__(self, context, clock: Clock):
        self.context, self.clock = context, clock

    def wrap_socket(self, sock, **kw):
        sock.settimeout(self.clock.left())
        return self.context.wrap_socket(sock, **kw)

    def __getattr__(self, name):
        return getattr(self.context, name)


def _deadline_smtp(base, clock: Clock):
    """``base`` (smtplib.SMTP or SMTP_SSL) with every socket operation under ``clock``."""
    import smtplib

    class DeadlineSMTP(base):  # type: ignore[misc, valid-type]
        def _get_socket(self, host, port, timeout):
            sock = socket.create_connection((host, port), clock.left(), self.source_address)
            if isinstance(self, smtplib.SMTP_SSL):
                sock = _DeadlineContext(self.context, clock).wrap_socket(sock, server_hostname=self._host)
            return sock

        def send(self, s):
            if getattr(self, "sock", None):
                self.sock.settimeout(clock.left())  # sendall: the timeout bounds the whole call
            super().send(s)

        def getreply(self):
            if self.file is None and getattr(self, "sock", None):
                self.file = _DeadlineReader(self.sock, clock)
            return super().getreply()

        def starttls(self, *, context=None):
            import ssl

            return super().starttls(context=_DeadlineContext(context or ssl.create_default_context(), clock))

    return DeadlineSMTP


class SmtpTransport:
    """One SMTP connection, opened on the first message and reused for the batch.

    ``budget``: an absolute ``time.monotonic()`` deadline for everything this
    transport does (None: only the per-phase ``timeout``).
    """

    def __init__(self, *, host: str, port: int, security: str, username: str, timeout: float, budget: float | None = None):
        self.host, self.port, self.security, self.username, self.timeout = host, port, security, username, timeout
        self.clock = Clock(budget)
        self.conn = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _connect(self):
        import smtplib
        import ssl

        local = socket.gethostname() or "localhost"
        if self.username and self.security == "none" and not _is_loopback(self.host):
            raise TransportDown("refusing to send the SMTP password without TLS: set smtp.security to starttls or ssl")
        # The whole connection phase (TCP, banner, EHLO, STARTTLS, login) shares ONE
        # deadline of smtp.timeout seconds (and the caller's budget): a failed attempt
        # never costs more than that, however slowly the server answers.
        self.clock.start(self.timeout)
        try:
            base = smtplib.SMTP_SSL if self.security == "ssl" else smtplib.SMTP
            kw = {"context": ssl.create_default_context()} if self.security == "ssl" else {}
            # Connects (TCP + banner) and checks the 220 greeting.
            conn = _deadline_smtp(base, self.clock)(self.host, self.port, local_hostname=local, timeout=self.timeout, **kw)
            try:
                conn.ehlo()
                if self.security == "starttls":
                    if not conn.has_extn("starttls"):
                        raise TransportDown(f"SMTP server {self.where} does not offer STARTTLS (smtp.security is starttls)")
                    conn.starttls(context=ssl.create_default_context())
                    conn.ehlo()
                if self.username:
                    password = smtp_password(self.username)
                    if not password:
                        raise TransportDown(
                            f"no SMTP password for {self.username}: set {PASSWORD_ENV} or store it in the system keyring "
                            f"(service {KEYRING_SERVICE!r})"
                        )
                    conn.login(self.username, password)
            except BaseException:
                _close_quietly(conn)
                raise
        except TransportDown:
            raise
        except Exception as e:  # noqa: BLE001 - classified below
            if self.clock.budget_spent():
                # The command's budget ran out before the server was even ready: to the outbox
                # this is the transport failing (so later commands back off and stay fast).
                raise TransportDown(f"SMTP server {self.where} was not ready within the time budget (mail.inline_budget)") from None
            raise TransportDown(self._describe(e)) from None
        return conn

    def _describe(self, e: Exception) -> str:
        import smtplib
        import ssl

        if isinstance(e, smtplib.SMTPAuthenticationError):
            return f"SMTP server {self.where} refused the login for {self.username} ({e.smtp_code})"
        if isinstance(e, (socket.timeout, TimeoutError)):
            return f"SMTP server {self.where} did not answer within {self.timeout:g} s"
        if isinstance(e, ConnectionRefusedError):
            return f"cannot connect to SMTP server {self.where}: connection refused"
        if isinstance(e, socket.gaierror):
            return f"cannot resolve SMTP host {self.host!r} (no network?)"
        if isinstance(e, ssl.SSLError):
            return f"TLS with SMTP server {self.where} failed: {getattr(e, 'reason', None) or e}"
        if isinstance(e, smtplib.SMTPServerDisconnected):
            if "timed out" in str(e):  # smtplib turns a read timeout into "unexpectedly closed: timed out"
                return f"SMTP server {self.where} did not answer within {self.timeout:g} s"
            return f"SMTP server {self.where} closed the connection"
        if isinstance(e, smtplib.SMTPConnectError):
            return f"SMTP server {self.where} refused the connection ({e.smtp_code} {_text(e.smtp_error)})"
        if isinstance(e, smtplib.SMTPResponseException):
            return f"SMTP server {self.where} answered {e.smtp_code}: {_text(e.smtp_error)}"
        if isinstance(e, OSError):
            return f"cannot reach SMTP server {self.where}: {e.strerror or e}"
        return f"SMTP error with {self.where}: {type(e).__name__}: {e}"

    def send(self, msg, *, from_addr: str, to_addr: str, name_hint: str) -> None:
        if self.conn is None:
            self.conn = self._connect()
        self.clock.start(self.timeout)  # this message's own deadline
        try:
            self._send(msg, from_addr=from_addr, to_addr=to_addr)
        except (TransportDown, MessageRejected):
            if self.clock.budget_spent():
                self._drop()  # mid-conversation: the connection is of no further use
                raise OutOfBudget(f"the time budget ran out while sending through {self.where}") from None
            raise

    def _send(self, msg, *, from_addr: str, to_addr: str) -> None:
        import smtplib

        try:
            # The envelope recipient is given explicitly: headers never add one.
            self.conn.send_message(msg, from_addr=from_addr, to_addrs=[to_addr])
        except smtplib.SMTPRecipientsRefused as e:
            codes = [c for c, _ in e.recipients.values()]
            detail = "; ".join(f"{r}: {c} {_text(m)}" for r, (c, m) in e.recipients.items())
            raise MessageRejected(f"recipient refused by {self.where}: {detail}", permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPSenderRefused as e:
            self._drop()
            raise TransportDown(f"SMTP server {self.where} refused the sender {from_addr} ({e.smtp_code} {_text(e.smtp_error)})") from None
        except smtplib.SMTPDataError as e:
            raise MessageRejected(f"message refused by {self.where}: {e.smtp_code} {_text(e.smtp_error)}", permanent=e.smtp_code >= 500) from None
        except smtplib.SMTPNotSupportedError as e:
            raise MessageRejected(
                f"SMTP server {self.where} cannot take this message: {e} (an address with non-ASCII letters needs SMTPUTF8)", permanent=True
            ) from None
        except smtplib.SMTPServerDisconnected as e:
            self._drop()
            raise TransportDown(self._describe(e)) from None
        except smtplib.SMTPResponseException as e:
            if e.smtp_code >= 500:
                raise MessageRejected(f"message refused by {self.where}: {e.smtp_code} {_text(e.smtp_error)}", permanent=True) from None
            self._drop()
            raise TransportDown(self._describe(e)) from None
        except OSError as e:  # sockets, TLS, and any other smtplib error
            self._drop()
            raise TransportDown(self._describe(e)) from None

    def _drop(self) -> None:
        if self.conn is not None:
            _close_quietly(self.conn)
            self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.clock.start(min(self.timeout, 1.0))  # QUIT is a courtesy: never worth more than a second
                self.conn.quit()
            except Exception:  # noqa: BLE001
                pass
            self._drop()


def _close_quietly(conn) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001
        pass


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:300]


def open_transport(settings: Settings, *, budget: float | None = None):
    """The configured transport. ``budget``: an absolute ``time.monotonic()`` deadline for all of its work."""
    kind = settings.get("mail.transport")
    if kind == "file":
        return FileTransport(settings.get("mail.dir"))
    if kind == "smtp":
        return SmtpTransport(
            host=settings.get("smtp.host"),
            port=int(settings.get("smtp.port")),
            security=settings.get("smtp.security"),
            username=settings.get("smtp.username"),
            timeout=float(settings.get("smtp.timeout")),
            budget=budget,
        )
    raise TransportDown(f"mail.transport is {kind}: nothing can be sent")
