"""Receipt printers: the ``receipt.printer`` setting parsed, and bytes sent to the printer it names.

Specs (one string, as stored in the setting):

* ``none`` — no printer (the default);
* ``file:PATH`` — bytes appended to a file or a device node (``file:/dev/usb/lp0``);
* ``network:HOST[:PORT]`` — a raw TCP socket (port 9100 by default, "JetDirect"),
  which nearly every Ethernet / Wi-Fi thermal printer listens on;
* ``usb:VENDOR:PRODUCT`` — USB ids in hex (``usb:04b8:0202``), through python-escpos
  (needs pyusb);
* ``serial:DEVICE`` — a serial port (``serial:/dev/ttyUSB0``), through python-escpos
  when pyserial is installed, else written to the device like a file.

A printer that is off, unplugged, busy or refusing raises :class:`PrinterError`
(a business refusal, exit 1) with one line that says which printer and why: the
sale it prints for is already saved, so nothing is lost. Nothing here prints to
the screen.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

from ordercli.errors import InputError, RefusedError
from ordercli.i18n import N_, _

DEFAULT_PORT = 9100
#: Seconds to reach a network printer and to hand it the bytes (a till never hangs on a printer).
NETWORK_TIMEOUT = 5.0

KINDS = ("none", "file", "network", "usb", "serial")


class PrinterError(RefusedError):
    """The receipt could not reach the printer (off, unplugged, refusing). Facts: ``printer``, ``reason``."""

    def __init__(self, printer: str, reason: str):
        self.printer = printer
        self.reason = reason
        super().__init__(
            _("The receipt printer %(printer)s did not print: %(reason)s.") % {"printer": printer, "reason": reason},
            code="printer.failed",
            printer=printer,
            reason=reason,
        )


@dataclass(frozen=True)
class PrinterSpec:
    kind: str  # file | network | usb | serial
    target: str  # path, host, device
    port: int | None = None  # network
    vendor: int | None = None  # usb
    product: int | None = None  # usb

    def __str__(self) -> str:
        if self.kind == "network":
            return f"network:{self.target}:{self.port}"
        if self.kind == "usb":
            return f"usb:{self.vendor:04x}:{self.product:04x}"
        return f"{self.kind}:{self.target}"


_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\]")
_HEX = re.compile(r"(?:0x)?[0-9A-Fa-f]{1,4}")

SPEC_HINT = N_("Use none, file:PATH, network:HOST[:PORT], usb:VENDOR:PRODUCT (hex, e.g. usb:04b8:0202) or serial:DEVICE.")


def _bad(value: str, why: str) -> InputError:
    from ordercli.money import shown

    return InputError(_("Invalid receipt printer %(printer)s: %(problem)s.") % {"printer": shown(value, 60), "problem": why}, _(SPEC_HINT), code="printer.spec")


def parse_spec(value: str | None) -> PrinterSpec | None:
    """The printer a ``receipt.printer`` value names; None for ``none`` / empty. Refuses anything else."""
    text = (value or "").strip()
    if not text or text.lower() == "none":
        return None
    kind, sep, rest = text.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in KINDS[1:]:
        raise _bad(text, _("unknown kind") if sep else _("expected KIND:TARGET"))
    rest = rest.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in rest):
        raise _bad(text, _("it contains a control character"))
    if kind in ("file", "serial"):
        if not rest:
            raise _bad(text, _("%(kind)s: needs a path") % {"kind": kind})
        return PrinterSpec(kind, rest)
    if kind == "network":
        host, port = rest, DEFAULT_PORT
        m = re.fullmatch(r"(.*?):(\d{1,5})", rest) if not rest.endswith("]") else None
        if m:
            host, port = m.group(1), int(m.group(2))
        if not host or not _HOST.fullmatch(host):
            raise _bad(text, _("network: needs a host name or address"))
        if not 1 <= port <= 65535:
            raise _bad(text, _("the port must be from 1 to 65535"))
        return PrinterSpec("network", host.strip("[]"), port=port)
    # usb
    parts = rest.split(":")
    if len(parts) != 2 or not all(_HEX.fullmatch(p) for p in parts):
        raise _bad(text, _("usb: needs VENDOR:PRODUCT in hex"))
    vendor, product = (int(p[2:] if p.lower().startswith("0x") else p, 16) for p in parts)
    return PrinterSpec("usb", rest, vendor=vendor, product=product)


def check_setting(value: str) -> str:
    """The ``receipt.printer`` setting's check: the normalised spec (``none`` when none)."""
    spec = parse_spec(value)
    return "none" if spec is None else str(spec)


def send(spec: PrinterSpec, data: bytes) -> None:
    """Send ``data`` to the printer; every failure becomes a :class:`PrinterError`."""
    name = str(spec)
    try:
        if spec.kind == "network":
            _send_network(spec, data)
        elif spec.kind == "file":
            _send_file(spec.target, data)
        elif spec.kind == "serial":
            _send_serial(spec, data)
        elif spec.kind == "usb":
            _send_usb(spec, data)
        else:  # pragma: no cover - parse_spec gives no other kind
            raise PrinterError(name, _("unknown kind %(kind)s") % {"kind": spec.kind})
    except PrinterError:
        raise
    except ConnectionRefusedError:
        raise PrinterError(name, _("connection refused (is it switched on and on this network?)")) from None
    except TimeoutError:
        raise PrinterError(name, _("no answer within %(seconds)s seconds (is it switched on?)") % {"seconds": f"{NETWORK_TIMEOUT:g}"}) from None
    except socket.gaierror as e:
        raise PrinterError(name, _("unknown host (%(error)s)") % {"error": e.strerror or e}) from None
    except OSError as e:
        raise PrinterError(name, (e.strerror or str(e) or type(e).__name__).rstrip(".")) from None
    except Exception as e:  # noqa: BLE001 - python-escpos / pyusb / pyserial raise their own types
        text = str(e).strip().splitlines()
        raise PrinterError(name, (text[0] if text else type(e).__name__).rstrip(".")) from None


def _send_network(spec: PrinterSpec, data: bytes) -> None:
    with socket.create_connection((spec.target, spec.port or DEFAULT_PORT), timeout=NETWORK_TIMEOUT) as conn:
        conn.sendall(data)
        try:
            conn.shutdown(socket.SHUT_WR)  # the printer sees the end of the job
        except OSError:
            pass


def _send_file(path: str, data: bytes) -> None:
    import os

    # Append: a device node (/dev/usb/lp0) takes the bytes as a job; a regular file keeps every receipt.
    # A device that is gone (unplugged) is an error, never a new regular file under /dev.
    target = os.path.expanduser(path)
    create = 0 if target.startswith("/dev/") else os.O_CREAT
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | create | getattr(os, "O_NOCTTY", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os.close(fd)


def _send_serial(spec: PrinterSpec, data: bytes) -> None:
    try:
        import serial  # noqa: F401  (pyserial)
    except ImportError:
        _send_file(spec.target, data)  # a serial port takes bytes like a file (at its configured speed)
        return
    from escpos.printer import Serial

    printer = Serial(devfile=spec.target, baudrate=9600, timeout=NETWORK_TIMEOUT)
    try:
        printer.open()
        printer._raw(data)
    finally:
        printer.close()


def _send_usb(spec: PrinterSpec, data: bytes) -> None:
    try:
        import usb.core  # noqa: F401  (pyusb)
    except ImportError:
        raise PrinterError(str(spec), _("USB printing needs the pyusb package (and libusb) on this machine")) from None
    from escpos.printer import Usb

    printer = Usb(spec.vendor, spec.product, timeout=int(NETWORK_TIMEOUT * 1000))
    try:
        printer.open()
        printer._raw(data)
    finally:
        printer.close()
