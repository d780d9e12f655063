"""Receipts: what a sale's receipt says, drawn as plain text, a thermal-paper PDF or ESC/POS bytes.

* :func:`receipt_doc` reads an order into a :class:`ReceiptDoc` (plain data): the
  store's name and address, date and time (local), the order number, the customer
  (none for a walk-in), lines, discount, surcharges, shipping, tip, tax by rate,
  total, each payment with its method label (cash tendered and change when they were
  recorded), refunds, balance due and the footer (``receipt.footer``).
* :func:`rows` turns it into a list of :class:`Row` (centred text, label/amount
  pairs, rules) that the three renderers share, so they never disagree:
  :func:`render_text` (fixed width: 32 characters on 58 mm paper, 48 on 80 mm),
  :func:`render_pdf` (fpdf2, page as wide as the paper and as tall as the receipt)
  and :func:`render_escpos` (python-escpos's ``Dummy`` printer: initialise, text,
  totals in bold, paper cut).
* :func:`printer_of` / :func:`print_receipt` send the ESC/POS bytes to
  ``receipt.printer`` (:mod:`ordercli.printers`); :func:`queue_receipt_email` puts
  the receipt in the outbox for the customer.

Text people typed (names, notes, labels) is printed literally with control
characters made visible. Nothing here commits.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from ordercli.errors import NoCustomerEmailError, RefusedError
from ordercli.i18n import gettext_for
from ordercli.models import Order, OrderLine, OrderSurcharge, Payment
from ordercli.money import format_money, percent_str
from ordercli.services import common
from ordercli.settings import Settings

#: characters per line for each paper width (mm): Font A, 12 dots wide, on 384 / 576 printable dots
WIDTH_CHARS = {58: 32, 80: 48}
#: printable width in mm for each paper width (the rest is the printer's margins)
PRINTABLE_MM = {58: 48.0, 80: 72.0}


@dataclass
class PaymentLine:
    kind: str  # payment | refund
    label: str
    amount: int
    tendered: int | None = None
    change: int | None = None
    at: datetime | None = None


@dataclass
class ReceiptDoc:
    store_name: str
    store_address: list[str]
    store_phone: str
    vat_number: str
    number: str
    created_at: datetime
    currency: str
    locale: str
    customer: str | None  # None for a walk-in
    lines: list[dict]
    subtotal: int
    discount: int
    discount_percent: int | None
    surcharges: list[tuple[str, int]]
    shipping: int
    tip: int
    tax_by_rate: list[tuple[int, int, int]]  # (rate, net, tax)
    prices_include_tax: bool
    total: int
    payments: list[PaymentLine] = field(default_factory=list)
    balance_due: int = 0
    credit: int = 0
    cancelled: bool = False
    footer: list[str] = field(default_factory=list)


_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def literal(text) -> str:
    """Stored text as printed: one line, control characters and bidi overrides made visible."""
    s = "" if text is None else str(text)
    s = s.replace("\t", " ").replace("\r\n", " ").replace("\n", " ")
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", s)


def _lines_of(text: str | None) -> list[str]:
    return [literal(x).strip() for x in (text or "").splitlines() if x.strip()]


def receipt_doc(session: Session, *, order: Order, settings: Settings, locale: str | None = None) -> ReceiptDoc:
    """Everything the receipt of ``order`` says (read-only), in ``locale`` (default: the store's
    ``store.locale``, as printed receipts are; an emailed receipt is in the customer's language)."""
    from ordercli import payment_methods

    locale = locale or settings.locale

    lines = session.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)).all()
    surcharges = session.exec(select(OrderSurcharge).where(OrderSurcharge.order_id == order.id).order_by(OrderSurcharge.position)).all()
    payments = session.exec(select(Payment).where(Payment.order_id == order.id).order_by(Payment.at, Payment.id)).all()
    by_rate: dict[int, list[int]] = {}
    for ln in lines:
        if ln.tax_rate:
            net = ln.total - ln.discount
            base, tax = by_rate.get(ln.tax_rate, [0, 0])
            by_rate[ln.tax_rate] = [base + (net - ln.tax if order.prices_include_tax else net), tax + ln.tax]
    tr = gettext_for(locale)
    # The default methods' labels in the receipt's language (labels the store chose stay as they are).
    methods = payment_methods.of(settings, locale)
    pay_lines = []
    for p in payments:
        code = getattr(p, "method_code", None)
        label = payment_methods.label(code, methods) if code else (p.method or "")
        pay_lines.append(
            PaymentLine(
                kind=p.kind,
                label=label or (tr.gettext("Payment") if p.kind == "payment" else tr.gettext("Refund")),
                amount=p.amount,
                tendered=getattr(p, "tendered", None),
                change=getattr(p, "change", None),
                at=p.at,
            )
        )
    walk_in = bool(getattr(order, "walk_in", False))
    b = order.balance
    return ReceiptDoc(
        store_name=literal(settings.get("store.name")),
        store_address=_lines_of(settings.get("store.address")),
        store_phone=literal(settings.get("store.phone")),
        vat_number=literal(settings.get("store.vat_number")),
        number=literal(order.number),
        created_at=order.created_at,
        currency=order.currency,
        locale=locale,
        customer=None if walk_in else literal(order.customer_name) or None,
        lines=[{"name": literal(ln.name), "sku": literal(ln.sku or ""), "quantity": ln.quantity, "unit_price": ln.unit_price, "total": ln.total} for ln in lines],
        subtotal=order.subtotal,
        discount=order.discount,
        discount_percent=order.discount_percent,
        surcharges=[(literal(s.label), s.amount) for s in surcharges],
        shipping=order.shipping,
        tip=order.tip,
        tax_by_rate=[(r, v[0], v[1]) for r, v in sorted(by_rate.items())],
        prices_include_tax=order.prices_include_tax,
        total=order.total,
        payments=pay_lines,
        balance_due=b.due,
        credit=b.credit,
        cancelled=order.payment_status == "CANCELLED",
        footer=_lines_of(settings.get("receipt.footer")),
    )


# ------------------------------------------------------------------ rows shared by every format


@dataclass(frozen=True)
class Row:
    kind: str  # center | pair | text | rule | blank
    left: str = ""
    right: str = ""
    strong: bool = False
    big: bool = False


def money_text(doc: ReceiptDoc, minor: int) -> str:
    # Babel's narrow and plain no-break spaces become spaces: fixed-width columns and printer code pages.
    return format_money(minor, doc.currency, doc.locale).replace("\u202f", " ").replace("\xa0", " ")


def local_time(dt: datetime, locale: str | None = None) -> str:
    """The sale's moment in local time, in the receipt's language (``01/12/2026 14:05`` in French)."""
    from ordercli.output import local_datetime

    return local_datetime(dt, locale or "en_US")


def rows(doc: ReceiptDoc) -> list[Row]:
    """The receipt's rows in its language (``doc.locale``: the store's ``store.locale``, or the customer's for an email)."""
    _ = gettext_for(doc.locale).gettext
    m = lambda v: money_text(doc, v)
    out: list[Row] = [Row("center", doc.store_name, strong=True, big=True)]
    out += [Row("center", line) for line in doc.store_address]
    if doc.store_phone:
        out.append(Row("center", doc.store_phone))
    if doc.vat_number:
        out.append(Row("center", _("VAT %(number)s") % {"number": doc.vat_number}))
    out.append(Row("rule"))
    out.append(Row("pair", _("Order %(number)s") % {"number": doc.number}, local_time(doc.created_at, doc.locale)))
    if doc.customer:
        out.append(Row("text", _("Customer: %(name)s") % {"name": doc.customer}))
    if doc.cancelled:
        out.append(Row("center", _("CANCELLED"), strong=True))
    out.append(Row("rule"))
    for ln in doc.lines:
        out.append(Row("pair", f"{ln['quantity']} x {ln['name']}", m(ln["total"])))
        if ln["quantity"] != 1:
            out.append(Row("text", "    " + _("%(price)s each") % {"price": m(ln["unit_price"])}))
    out.append(Row("rule"))
    out.append(Row("pair", _("Subtotal"), m(doc.subtotal)))
    if doc.discount:
        pct = f" ({percent_str(doc.discount_percent)}%)" if doc.discount_percent is not None else ""
        out.append(Row("pair", _("Discount") + pct, "-" + m(doc.discount)))
    for label, amount in doc.surcharges:
        out.append(Row("pair", label or _("Surcharge"), m(amount)))
    if doc.shipping:
        out.append(Row("pair", _("Shipping"), m(doc.shipping)))
    if doc.tip:
        out.append(Row("pair", _("Tip"), m(doc.tip)))
    if not doc.prices_include_tax:  # tax added: part of the sum above the total
        for rate, net, tax in doc.tax_by_rate:
            out.append(Row("pair", _("Tax %(rate)s%% on %(net)s") % {"rate": percent_str(rate), "net": m(net)}, m(tax)))
    out.append(Row("pair", _("TOTAL"), m(doc.total), strong=True, big=True))
    if doc.prices_include_tax:  # tax included: what the total holds, rate by rate
        for rate, net, tax in doc.tax_by_rate:
            out.append(Row("pair", "  " + _("incl. tax %(rate)s%% on %(net)s") % {"rate": percent_str(rate), "net": m(net)}, m(tax)))
    if doc.payments:
        out.append(Row("rule"))
        for p in doc.payments:
            if p.kind == "refund":
                out.append(Row("pair", _("Refund (%(method)s)") % {"method": p.label}, "-" + m(p.amount)))
                continue
            out.append(Row("pair", p.label, m(p.amount)))
            if p.tendered is not None:
                out.append(Row("pair", "  " + _("Cash tendered"), m(p.tendered)))
                out.append(Row("pair", "  " + _("Change"), m(p.change or 0)))
    if doc.balance_due > 0:
        out.append(Row("pair", _("BALANCE DUE"), m(doc.balance_due), strong=True))
    elif doc.credit > 0:
        out.append(Row("pair", _("Owed to you"), m(doc.credit), strong=True))
    if doc.footer:
        out.append(Row("rule"))
        out += [Row("center", line) for line in doc.footer]
    return out


# ------------------------------------------------------------------ text


def _cells(text: str) -> int:
    """Columns ``text`` takes on a fixed-width printer or terminal (wide East Asian characters take two)."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cut(text: str, width: int) -> tuple[str, str]:
    """(the longest head of ``text`` that fits ``width`` columns, the rest)."""
    used = 0
    for i, ch in enumerate(text):
        w = _cells(ch)
        if used + w > width:
            return text[:i], text[i:]
        used += w
    return text, ""


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    out: list[str] = []
    rest = text
    first = True
    while rest:
        room = width - (0 if first else _cells(indent))
        head, tail = _cut(rest, room)
        if tail and " " in head[1:]:
            cut = head.rstrip().rfind(" ")
            if cut > 0:
                head, tail = rest[:cut], rest[cut + 1 :]
        out.append(head.rstrip() if first else indent + head.rstrip())
        rest = tail.lstrip() if tail else ""
        first = False
    return out or [""]


def text_lines(doc: ReceiptDoc, width: int) -> list[tuple[Row, str]]:
    """Each row laid out in ``width`` columns: (row, one printed line) pairs (a long row takes several)."""
    out: list[tuple[Row, str]] = []
    for row in rows(doc):
        if row.kind == "rule":
            out.append((row, "-" * width))
        elif row.kind == "center":
            for line in _wrap(row.left, width):
                pad = max(width - _cells(line), 0)
                out.append((row, " " * (pad // 2) + line))
        elif row.kind == "text":
            for line in _wrap(row.left, width, "    "):
                out.append((row, line))
        elif row.kind == "pair":
            right = row.right
            # The label takes the whole width; the amount goes on its last line, or on a line of its own.
            wrapped = _wrap(row.left, width, "  ")
            for line in wrapped[:-1]:
                out.append((row, line))
            last = wrapped[-1]
            gap = width - _cells(last) - _cells(right)
            if gap < 1:
                out.append((row, last))
                out.append((row, " " * max(width - _cells(right), 0) + right))
            else:
                out.append((row, last + " " * gap + right))
        else:
            out.append((row, ""))
    return out


def render_text(doc: ReceiptDoc, *, paper: int = 80) -> str:
    return "\n".join(line for _, line in text_lines(doc, WIDTH_CHARS[paper])) + "\n"


# ------------------------------------------------------------------ ESC/POS


def render_escpos(doc: ReceiptDoc, *, paper: int = 80) -> bytes:
    """ESC/POS bytes (python-escpos ``Dummy`` printer): ESC @, the text, totals in bold, feed and GS V cut."""
    from escpos.printer import Dummy

    p = Dummy()
    p.hw("INIT")  # ESC @
    current: tuple[str, bool] | None = None
    for row, line in text_lines(doc, WIDTH_CHARS[paper]):
        style = ("center" if row.kind == "center" else "left", row.strong)
        if style != current:
            # Centred rows are padded already; the printer's centring keeps them centred on any font.
            p.set(align=style[0], bold=style[1])
            current = style
        p.text((line.strip() if row.kind == "center" else line) + "\n")
    p.set(align="left", bold=False)
    p.cut()  # feeds past the tear bar, then GS V (full cut)
    return bytes(p.output)


# ------------------------------------------------------------------ PDF


def render_pdf(doc: ReceiptDoc, settings: Settings, *, paper: int = 80) -> bytes:
    """A PDF one receipt long, as wide as the paper (58 or 80 mm)."""
    body_height = _draw_pdf(doc, settings, paper=paper, height=2000.0)[1]
    return _draw_pdf(doc, settings, paper=paper, height=max(body_height, 30.0))[0]


def _draw_pdf(doc: ReceiptDoc, settings: Settings, *, paper: int, height: float) -> tuple[bytes, float]:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from ordercli.services.invoices import _latin1, _setup_font

    pdf = FPDF(orientation="P", unit="mm", format=(float(paper), height))
    pdf.set_creator("ordercli")
    pdf.set_title(gettext_for(doc.locale).gettext("Receipt %(number)s") % {"number": doc.number})
    margin = (paper - PRINTABLE_MM[paper]) / 2
    pdf.set_margins(margin, 4, margin)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    font = _setup_font(pdf, settings)
    t = (lambda s: str(s)) if font.unicode else (lambda s: _latin1(str(s)))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    size = 8.0 if paper == 80 else 7.0
    lh = size * 0.5
    nl = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    for row in rows(doc):
        pdf.set_font(font.family, "B" if row.strong else "", size + (2 if row.big else 0))
        h = lh + (1 if row.big else 0)
        if row.kind == "rule":
            y = pdf.get_y() + 1
            pdf.set_dash_pattern(dash=0.6, gap=0.6)
            pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
            pdf.set_dash_pattern()
            pdf.set_y(y + 1.5)
        elif row.kind == "center":
            pdf.multi_cell(width, h, t(row.left), align="C", **nl)
        elif row.kind == "text":
            pdf.multi_cell(width, h, t(row.left), **nl)
        elif row.kind == "pair":
            right_w = min(pdf.get_string_width(t(row.right)) + 1, width * 0.5)
            y = pdf.get_y()
            pdf.multi_cell(width - right_w, h, t(row.left), **nl)
            after = pdf.get_y()
            pdf.set_xy(pdf.l_margin + width - right_w, y)
            pdf.cell(right_w, h, t(row.right), align="R")
            pdf.set_y(max(after, y + h))
        else:
            pdf.ln(lh)
    used = pdf.get_y() + 6
    return bytes(pdf.output()), used


# ------------------------------------------------------------------ use cases


def paper_of(settings: Settings, width: int | None = None) -> int:
    """The paper width in mm: ``width`` when given, else ``receipt.width``."""
    if width is not None:
        return int(width)
    try:
        value = int(settings.get("receipt.width"))
    except ValueError:
        value = 80
    return value if value in WIDTH_CHARS else 80


def render(doc: ReceiptDoc, settings: Settings, *, fmt: str, paper: int) -> bytes:
    if fmt == "text":
        return render_text(doc, paper=paper).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(doc, settings, paper=paper)
    if fmt == "escpos":
        return render_escpos(doc, paper=paper)
    raise ValueError(f"unknown receipt format {fmt!r}")


def make_receipt(session: Session, *, number: str, fmt: str = "text", width: int | None = None) -> tuple[Order, bytes]:
    """(the order, its receipt in ``fmt``: text (UTF-8), pdf or escpos). Read-only."""
    settings = common.load_settings(session)
    order = common.get_order(session, number)
    doc = receipt_doc(session, order=order, settings=settings)
    return order, render(doc, settings, fmt=fmt, paper=paper_of(settings, width))


def printer_of(settings: Settings):
    """The printer ``receipt.printer`` names (:class:`ordercli.printers.PrinterSpec`), or None."""
    from ordercli import printers

    try:
        return printers.parse_spec(settings.get("receipt.printer"))
    except Exception:  # noqa: BLE001 - a value stored before validation existed: treat as no printer
        return None


class NoPrinterError(RefusedError):
    """``receipt.printer`` is ``none``: there is nowhere to print."""

    def __init__(self):
        super().__init__("No receipt printer is set (receipt.printer is none).", code="printer.none")


def print_receipt(engine_or_session, number: str, *, settings: Settings | None = None, width: int | None = None) -> str:
    """Print the receipt of order ``number`` on ``receipt.printer``; returns the printer's name.

    Takes an engine (a read session is opened and closed before the printer is reached, so a slow
    printer holds no transaction) or a session (read from as it is). Raises
    :class:`NoPrinterError` when no printer is set and :class:`ordercli.printers.PrinterError` when
    the printer fails; neither touches the order, which is already saved.
    """
    from ordercli import printers

    if isinstance(engine_or_session, Session):
        data, spec = _escpos_for(engine_or_session, number, settings, width)
    else:
        from ordercli import db

        with db.read_session(engine_or_session) as s:
            data, spec = _escpos_for(s, number, settings, width)
    printers.send(spec, data)
    return str(spec)


def _escpos_for(session: Session, number: str, settings: Settings | None, width: int | None):
    settings = settings or common.load_settings(session)
    spec = printer_of(settings)
    if spec is None:
        raise NoPrinterError()
    order = common.get_order(session, number)
    doc = receipt_doc(session, order=order, settings=settings)
    return render_escpos(doc, paper=paper_of(settings, width)), spec


class WalkInReceiptError(RefusedError):
    """A walk-in sale has no customer to send a receipt to."""

    def __init__(self, order_number: str):
        self.order_number = order_number
        super().__init__(f"Order {order_number} is a walk-in sale: there is no customer to email the receipt to.", code="receipt.walk_in", order=order_number)


def queue_receipt_email(session: Session, *, number: str, width: int | None = None) -> tuple[Order, list]:
    """Queue the receipt to the order's customer (text in the body, the PDF attached). Does not commit.

    The email, its text and its PDF are in the customer's language (``customer.language``), else
    the store's ``store.locale``: the language of every other message to them.
    """
    from ordercli.notify import queue

    settings = common.load_settings(session)
    order = common.get_order(session, number)
    if getattr(order, "walk_in", False):
        raise WalkInReceiptError(order.number)
    if not order.customer_email:
        raise NoCustomerEmailError(order.number, what="the receipt")
    locale = queue.message_locale(session, order, "customer", settings)
    doc = receipt_doc(session, order=order, settings=settings, locale=locale)
    paper = paper_of(settings, width)
    text = render_text(doc, paper=paper)
    pdf = render_pdf(doc, settings, paper=paper)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", order.number).strip("-.") or "receipt"
    attachments = [{"filename": f"receipt-{name}.pdf", "content_type": "application/pdf", "data": base64.b64encode(pdf).decode("ascii")}]
    row = queue.queue_message(
        session,
        order,
        kind="receipt",
        audience="customer",
        settings=settings,
        attachments=attachments,
        dedupe=False,
        extra={"receipt": {"text": text}},
        locale=locale,
    )
    return order, [row] if row is not None else []
