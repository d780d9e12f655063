"""Invoices: sequential numbers that are never reused, a PDF, and an EPC (SEPA) QR code.

* :func:`issue_invoice` gives an order its invoice: the number comes from the
  ``invoice`` counter row in the caller's transaction (one conditional
  ``UPDATE … RETURNING``), so two tills never share a number and a number,
  once committed, is never handed out again. Re-running for the same order
  reuses its invoice (same number and date) while the order's total is the
  same; if the total changed, a new invoice with the next number is issued
  and the old number stays used. The order row is locked (``FOR UPDATE``)
  before the lookup, so two tills invoicing one order at once get one
  invoice: the second waits for the first and reuses it. Lock order: the
  order row, then the ``invoice`` counter row.
* :func:`render_pdf` draws the invoice with fpdf2: seller (``store.*``),
  invoice number and date, customer and addresses, lines, discount,
  surcharges, shipping, tax per rate, tip, total, paid, balance due, payment
  instructions and — when ``store.iban`` is set, the currency is EUR and
  something is due — an EPC069-12 QR code ("BCD" / SEPA credit transfer) for
  the balance due, which banking apps scan to fill in the transfer.
* Text uses a Unicode TrueType font (``invoice.font``, else DejaVu Sans when
  found); without one, fpdf2's Helvetica is used and letters it cannot show
  are transliterated.
"""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from ordercli.errors import NoCustomerEmailError, RefusedError
from ordercli.i18n import _
from ordercli.models import Customer, Invoice, Order, OrderLine, OrderSurcharge, utcnow
from ordercli.money import format_money, percent_str, to_decimal
from ordercli.notify import queue
from ordercli.services import common
from ordercli.settings import Settings
from ordercli.statuses import words

# ------------------------------------------------------------------ numbers


def latest_invoice(session: Session, order: Order) -> Invoice | None:
    return session.exec(select(Invoice).where(Invoice.order_id == order.id).order_by(Invoice.seq.desc())).first()  # type: ignore[union-attr]


def _issue_locked(session: Session, *, order: Order, settings: Settings) -> tuple[Invoice, bool]:
    """(invoice, newly issued?) — the caller holds the order row (``common.lock_order``)."""
    if order.payment_status == "CANCELLED":
        raise RefusedError(_("Order %(order)s is cancelled: it gets no invoice.") % {"order": order.number}, _("Invoice an order that is not cancelled."))
    current = latest_invoice(session, order)
    if current is not None and current.total == order.total:
        return current, False
    # Lock order: the order row (held) before the invoice counter row.
    seq = common.next_in_sequence(session, "invoice")
    inv = Invoice(order_id=order.id, number=f"{settings.get('invoice.prefix')}{seq}", seq=seq, issued_at=utcnow(), total=order.total)
    session.add(inv)
    session.flush()
    return inv, True


def issue_invoice(session: Session, *, order: Order, settings: Settings) -> Invoice:
    """The order's invoice (new number if none, or if the total changed). Does not commit.

    The order row is locked first, so two tills invoicing one order at once
    never both see "no invoice yet": the second waits and reuses the first's.
    """
    order = common.lock_order(session, order)
    return _issue_locked(session, order=order, settings=settings)[0]


# ------------------------------------------------------------------ EPC QR


class EpcError(ValueError):
    pass


def epc_payload(*, name: str, iban: str, amount: int, currency: str = "EUR", bic: str = "", text: str = "") -> str:
    """The EPC069-12 (version 002) payload of a SEPA credit transfer QR code.

    Lines (LF-separated): ``BCD``, ``002``, ``1`` (UTF-8), ``SCT``, BIC
    (optional in 002), beneficiary name (≤ 70), IBAN, ``EUR`` + amount
    (0.01–999999999.99, at most 2 decimals), purpose (empty), structured
    reference (empty), unstructured remittance text (≤ 140). Trailing empty
    elements are left out; the whole payload is at most 331 bytes.
    """
    if currency.upper() != "EUR":
        raise EpcError("EPC QR codes are for euro transfers only")
    iban = re.sub(r"\s+", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        raise EpcError(f"invalid IBAN {iban!r}")
    bic = re.sub(r"\s+", "", bic or "").upper()
    if bic and not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", bic):
        raise EpcError(f"invalid BIC {bic!r}")
    if not 1 <= amount <= 99_999_999_999:
        raise EpcError("the amount must be between EUR 0.01 and EUR 999999999.99")
    name = _one_line(name)[:70]
    if not name:
        raise EpcError("the beneficiary name is required")
    text = _one_line(text)[:140]
    parts = ["BCD", "002", "1", "SCT", bic, name, iban, f"EUR{to_decimal(amount, 'EUR')}", "", "", text]
    while parts and parts[-1] == "":
        parts.pop()
    payload = "\n".join(parts)
    if len(payload.encode("utf-8")) > 331:  # pragma: no cover - the limits above keep it shorter
        raise EpcError("the EPC payload is longer than 331 bytes")
    return payload


def epc_qr_png(payload: str, *, scale: int = 8) -> bytes:
    import segno

    qr = segno.make(payload, error="m", micro=False, encoding="utf-8")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def _one_line(text: str | None) -> str:
    return " ".join("".join(" " if (ch.isspace() or ord(ch) < 32) else ch for ch in (text or "")).split())


# ------------------------------------------------------------------ PDF


FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/Arial Unicode.ttf", None),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
]


@dataclass
class _Font:
    family: str
    unicode: bool


def _setup_font(pdf, settings: Settings) -> _Font:
    chosen = settings.get("invoice.font").strip()
    candidates = [(chosen, None)] if chosen else FONT_CANDIDATES
    for regular, bold in candidates:
        if regular and Path(regular).expanduser().is_file():
            try:
                pdf.add_font("InvoiceFont", "", str(Path(regular).expanduser()))
                if bold and Path(bold).is_file():
                    pdf.add_font("InvoiceFont", "B", bold)
                else:
                    pdf.add_font("InvoiceFont", "B", str(Path(regular).expanduser()))
                return _Font("InvoiceFont", True)
            except Exception:  # noqa: BLE001 - unreadable font: try the next
                continue
    return _Font("Helvetica", False)


_LATIN1_FALLBACK = {
    "€": "EUR ", "−": "-", "—": "-", "–": "-", "·": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...",
    "\u202f": " ", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "ı": "i", "Ħ": "H", "ħ": "h",
}


def _latin1(text: str) -> str:
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            repl = _LATIN1_FALLBACK.get(ch)
            if repl is None:
                repl = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "?"
            out.append(repl)
    return "".join(out)


@dataclass
class InvoiceDoc:
    """Everything printed on the invoice (plain data)."""

    number: str
    issued_at: datetime
    order_number: str
    order_date: datetime
    currency: str
    locale: str  # the document's language and formats (the customer's, else the store's)
    seller: dict
    customer: dict
    billing: list[str]
    shipping: list[str]
    lines: list[dict]
    subtotal: int
    discount: int
    discount_percent: int | None
    surcharges: list[tuple[str, int]]
    shipping_cost: int
    shipping_method: str | None
    tax_by_rate: list[tuple[int, int, int]]  # (rate, taxable base, tax)
    prices_include_tax: bool
    tax: int
    tip: int
    total: int
    paid: int
    refunded: int
    balance_due: int
    payment_status: str
    payment_method: str | None
    payment_instructions: str
    epc: str | None
    epc_note: str | None
    sale_date: datetime | None = None
    vat_exempt: bool = False
    business: bool = False  # a buyer with a VAT number: late-payment penalties and the 40 € indemnity
    transfer: bool = False  # the bank-transfer block (IBAN, QR code) is shown
    payment_terms: str = ""
    late_penalty: str = ""
    footer: str = ""


def _addr_lines(order: Order, prefix: str) -> list[str]:
    vals = [getattr(order, f"{prefix}_{k}") for k in ("name", "street")]
    city = " ".join(x for x in [getattr(order, f"{prefix}_postal_code"), getattr(order, f"{prefix}_city")] if x)
    return [v for v in vals + [city, getattr(order, f"{prefix}_country")] if v]


def _excl_tax(amount: int, rate: int, included: bool) -> int:
    """An amount without its tax (``rate`` in hundredths of a percent), half up."""
    if not included or not rate:
        return amount
    return (amount * 10000 * 2 + (10000 + rate)) // (2 * (10000 + rate))


def shows_transfer(order: Order, settings: Settings) -> bool:
    """The bank-transfer block (IBAN, EPC QR code): the order's method is a bank transfer, or the
    order is unpaid (something due), no other method was chosen and transfer is an accepted method.
    Never for cash, card or cheque orders (the rule: ``payment_methods.shows_transfer``, shared with the emails)."""
    from ordercli import payment_methods

    return payment_methods.shows_transfer(order.payment_method, order.balance_due, settings)


def document_locale(settings: Settings, *, language: str | None = None, customer_language: str | None = None) -> str:
    """The language of a customer's document: asked for, else the customer's, else the store's."""
    from ordercli import i18n

    for choice in (language, customer_language):
        found = i18n.normalize(choice)
        if found:
            store = i18n.normalize(settings.locale) or "en_US"
            # "fr" with a French store: fr_FR (its money and dates); else the language alone.
            return store if store.split("_")[0] == found.split("_")[0] and "_" not in found else found
    return settings.locale


def invoice_doc(
    session: Session, *, order: Order, invoice: Invoice, settings: Settings, locale: str | None = None, buyer_vat: str | None = None
) -> InvoiceDoc:
    from ordercli import i18n

    loc = locale or settings.locale
    _ = i18n.gettext_for(loc).gettext
    lines = session.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)).all()
    surcharges = session.exec(select(OrderSurcharge).where(OrderSurcharge.order_id == order.id).order_by(OrderSurcharge.position)).all()
    by_rate: dict[int, list[int]] = {}
    for ln in lines:
        if ln.tax_rate:
            base, tax = by_rate.setdefault(ln.tax_rate, [0, 0])
            net = ln.total - ln.discount
            by_rate[ln.tax_rate] = [base + (net - ln.tax if order.prices_include_tax else net), tax + ln.tax]
    balance = order.balance_due
    epc = note = None
    iban = settings.get("store.iban")
    transfer = shows_transfer(order, settings)
    if transfer and balance > 0:
        try:
            epc = epc_payload(
                name=settings.get("store.name"),
                iban=iban,
                bic=settings.get("store.bic"),
                amount=balance,
                currency=order.currency,
                text=_("Invoice %(invoice)s order %(order)s") % {"invoice": invoice.number, "order": order.number},
            )
        except EpcError as e:
            note = _("No transfer QR code: %(reason)s.") % {"reason": e}
    customer_vat = (buyer_vat or "").strip()
    billing = _addr_lines(order, "bill")
    if not order.bill_name:  # the buyer is named on every invoice: the customer when the address has no name
        billing = [_("Walk-in") if order.walk_in else order.customer_name] + billing  # a walk-in in the invoice's language
    return InvoiceDoc(
        number=invoice.number,
        issued_at=invoice.issued_at,
        order_number=order.number,
        order_date=order.created_at,
        sale_date=order.created_at,
        currency=order.currency,
        locale=loc,
        seller={
            "name": settings.get("store.name"),
            "legal_form": settings.get("store.legal_form"),
            "address": settings.get("store.address"),
            "siret": settings.get("store.siret"),
            "vat_number": settings.get("store.vat_number"),
            "email": settings.get("store.email"),
            "phone": settings.get("store.phone"),
            "iban": iban,
            "bic": settings.get("store.bic"),
        },
        customer={"name": order.customer_name, "email": order.customer_email, "phone": order.customer_phone, "vat_number": customer_vat},
        billing=billing,
        shipping=_addr_lines(order, "ship"),
        lines=[
            {
                "sku": ln.sku,
                "name": ln.name,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "unit_excl": _excl_tax(ln.unit_price, ln.tax_rate, order.prices_include_tax),
                "tax_rate": ln.tax_rate,
                "total": ln.total,
                "total_excl": _excl_tax(ln.total, ln.tax_rate, order.prices_include_tax),
            }
            for ln in lines
        ],
        subtotal=order.subtotal,
        discount=order.discount,
        discount_percent=order.discount_percent,
        surcharges=[(s.label, s.amount) for s in surcharges],
        shipping_cost=order.shipping,
        shipping_method=order.shipping_method,
        tax_by_rate=[(r, v[0], v[1]) for r, v in sorted(by_rate.items())],
        prices_include_tax=order.prices_include_tax,
        tax=order.tax,
        tip=order.tip,
        total=order.total,
        paid=order.paid,
        refunded=order.refunded,
        balance_due=balance,
        payment_status=order.payment_status,
        payment_method=order.payment_method,
        payment_instructions=settings.get("store.payment_instructions"),
        epc=epc,
        epc_note=note,
        vat_exempt=settings.flag("tax.vat_exempt"),
        business=bool(customer_vat),
        transfer=transfer,
        payment_terms=settings.get("invoice.payment_terms"),
        late_penalty=settings.get("invoice.late_penalty"),
        footer=settings.get("invoice.footer"),
    )


def render_pdf(
    session: Session, *, order: Order, invoice: Invoice, settings: Settings, locale: str | None = None, buyer_vat: str | None = None
) -> bytes:
    return draw_pdf(invoice_doc(session, order=order, invoice=invoice, settings=settings, locale=locale, buyer_vat=buyer_vat), settings)


#: Fonts tried for letters the main font lacks (CJK…); the first found is the fallback.
FALLBACK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/unifont/unifont.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
]

MISSING = "\ufffd"  # shown instead of a letter no font has: visible, never silently dropped


def _fallback(pdf, main: _Font) -> set:
    """Add the first fallback font found; return the code points some font of the PDF can draw."""
    covered = set(pdf.fonts[main.family.lower()].cmap) if main.unicode else set()
    for path in FALLBACK_FONTS:
        if Path(path).is_file():
            try:
                pdf.add_font("InvoiceFallback", "", path)
                pdf.add_font("InvoiceFallback", "B", path)
                pdf.set_fallback_fonts(["InvoiceFallback"], exact_match=False)
                covered |= set(pdf.fonts["invoicefallback"].cmap)
                break
            except Exception:  # noqa: BLE001 - unreadable: try the next
                continue
    return covered


def draw_pdf(doc: InvoiceDoc, settings: Settings) -> bytes:
    from babel.dates import format_date
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from ordercli import i18n

    tr = i18n.gettext_for(doc.locale)
    _ = tr.gettext
    english = i18n.is_english(doc.locale)

    class _InvoicePDF(FPDF):
        def footer(self) -> None:  # every page: which invoice, which page
            self.set_y(-12)
            self.set_font(font.family, "", 7.5)
            if doc.footer:
                self.set_y(-16)
                self.multi_cell(0, 3.5, t(" · ".join(x.strip() for x in doc.footer.splitlines() if x.strip())), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            page = _("Invoice %(number)s · page %(page)s/%(pages)s") % {"number": doc.number, "page": self.page_no(), "pages": "{nb}"}
            self.cell(0, 5, t(page), align="C")

    pdf = _InvoicePDF(format="A4", unit="mm")
    pdf.set_creator("ordercli")
    pdf.set_title(_("Invoice %(number)s") % {"number": doc.number})
    pdf.set_author(doc.seller["name"] or "")
    pdf.set_auto_page_break(auto=True, margin=22 if doc.footer else 18)
    pdf.set_margins(18, 18, 18)
    font = _setup_font(pdf, settings)
    covered = _fallback(pdf, font)

    def t(s) -> str:
        text = str(s)
        if not font.unicode:
            return _latin1(text)
        # A letter no font of the PDF has is replaced visibly (fpdf2 would warn and drop it).
        return "".join(ch if (ord(ch) in covered or ch in "\n\r\t") else MISSING for ch in text)

    def m(v: int) -> str:
        return format_money(v, doc.currency, doc.locale)

    def pct(bp: int) -> str:
        """A VAT rate: 5.5% in English, 5,5 % in French."""
        if english:
            return f"{percent_str(bp)}%"
        from babel.numbers import format_decimal

        return f"{format_decimal(to_decimal(bp, 'EUR'), locale=doc.locale)}\u00a0%"

    def d(dt: datetime) -> str:
        try:
            return format_date(dt.astimezone(), format="medium" if english else "short", locale=doc.locale)
        except Exception:  # noqa: BLE001
            return dt.astimezone().strftime("%Y-%m-%d")

    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    nl = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    seller = doc.seller

    # Seller (left) and invoice title (right).
    top = pdf.get_y()
    pdf.set_font(font.family, "B", 14)
    pdf.multi_cell(width * 0.55, 7, t(seller["name"] or ""), **nl)
    pdf.set_font(font.family, "", 9)
    seller_lines = []
    if seller.get("legal_form"):
        seller_lines.append(seller["legal_form"])
    seller_lines += [x for x in (seller["address"] or "").splitlines() if x.strip()]
    if seller.get("siret"):
        seller_lines.append(_("SIRET: %(siret)s") % {"siret": seller["siret"]})
    if seller["vat_number"]:
        seller_lines.append(_("VAT number: %(number)s") % {"number": seller["vat_number"]})
    contact = " · ".join(x for x in [seller["email"], seller["phone"]] if x)
    if contact:
        seller_lines.append(contact)
    for line in seller_lines:
        pdf.multi_cell(width * 0.55, 4.5, t(line), **nl)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width * 0.55, top)
    pdf.set_font(font.family, "B", 18)
    pdf.cell(width * 0.45, 9, t(_("INVOICE")), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(font.family, "", 10)
    head = [
        _("Invoice number: %(number)s") % {"number": doc.number},
        _("Date of issue: %(date)s") % {"date": d(doc.issued_at)},
        _("Date of sale: %(date)s") % {"date": d(doc.sale_date or doc.order_date)},
        _("Order: %(number)s") % {"number": doc.order_number},
    ]
    for text in head:
        pdf.set_x(pdf.l_margin + width * 0.55)
        pdf.cell(width * 0.45, 5.5, t(text), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)

    # Buyer / addresses.
    pdf.set_font(font.family, "B", 10)
    pdf.cell(width / 2, 5.5, t(_("Bill to")))
    if doc.shipping:
        pdf.cell(width / 2, 5.5, t(_("Ship to")))
    pdf.ln(5.5)
    pdf.set_font(font.family, "", 10)
    bill = list(doc.billing or [doc.customer["name"]])
    if doc.customer.get("vat_number"):
        bill.append(_("VAT number: %(number)s") % {"number": doc.customer["vat_number"]})
    bill += [x for x in (doc.customer["email"], doc.customer["phone"]) if x]
    y0 = pdf.get_y()
    for line in bill:
        pdf.multi_cell(width / 2, 5, t(line), **nl)
    y1 = pdf.get_y()
    if doc.shipping:
        pdf.set_y(y0)
        for line in doc.shipping:
            pdf.set_x(pdf.l_margin + width / 2)
            pdf.multi_cell(width / 2, 5, t(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(y1, pdf.get_y()) + 6)

    # Lines: quantity, unit price excluding tax, VAT rate (none when exempt).
    pdf.set_font(font.family, "", 9)
    if doc.vat_exempt:
        widths: tuple = (26, 66, 12, 26, 26)  # a SKU such as MUG-BLUE on one line
        align: tuple = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
        heads = (_("SKU"), _("Item"), _("Qty"), _("Unit price"), _("Total"))
    else:
        widths = (24, 52, 10, 26, 14, 26)
        align = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
        heads = (_("SKU"), _("Item"), _("Qty"), _("Unit price excl. tax"), _("VAT rate"), _("Total excl. tax"))
    with pdf.table(col_widths=widths, text_align=align, first_row_as_headings=True, line_height=5.5, borders_layout="HORIZONTAL_LINES") as table:
        table.row([t(x) for x in heads])
        for ln in doc.lines:
            if doc.vat_exempt:
                cells = [ln["sku"] or "", ln["name"], str(ln["quantity"]), m(ln["unit_price"]), m(ln["total"])]
            else:
                cells = [ln["sku"] or "", ln["name"], str(ln["quantity"]), m(ln["unit_excl"]), pct(ln["tax_rate"]), m(ln["total_excl"])]
            table.row([t(c) for c in cells])
    pdf.ln(3)

    # Totals: excluding tax, VAT per rate, including tax (HT / TVA / TTC).
    rows: list[tuple[str, str, bool]] = [(_("Subtotal"), m(doc.subtotal), False)]
    if doc.discount:
        share = f" ({pct(doc.discount_percent)})" if doc.discount_percent is not None else ""
        rows.append((_("Discount") + share, "−" + m(doc.discount), False))
    for label, amount in doc.surcharges:
        rows.append((label, m(amount), False))
    if doc.shipping_cost or doc.shipping_method:
        rows.append((_("Shipping") + (f" ({doc.shipping_method})" if doc.shipping_method else ""), m(doc.shipping_cost), False))
    if doc.tip:
        rows.append((_("Tip"), m(doc.tip), False))
    if doc.vat_exempt:
        rows.append((_("Total"), m(doc.total), True))
    else:
        rows.append((_("Total excl. tax"), m(doc.total - doc.tax), True))
        for rate, base, tax in doc.tax_by_rate:
            rows.append((_("VAT %(rate)s on %(base)s") % {"rate": pct(rate), "base": m(base)}, m(tax), False))
        if not doc.tax_by_rate:
            rows.append((_("VAT"), m(0), False))
        rows.append((_("Total incl. tax"), m(doc.total), True))
    rows.append((_("Payments received"), m(doc.paid), False))
    if doc.refunded:
        rows.append((_("Refunded"), m(doc.refunded), False))
    rows.append((_("Balance due"), m(doc.balance_due), True))
    label_w, value_w = width * 0.5, width * 0.2
    for label, value, strong in rows:
        pdf.set_font(font.family, "B" if strong else "", 10)
        pdf.set_x(pdf.l_margin + width - label_w - value_w)
        pdf.cell(label_w, 6, t(label), align="R")
        pdf.cell(value_w, 6, t(value), align="R", **nl)
    if doc.vat_exempt:
        pdf.set_font(font.family, "", 9)
        pdf.cell(width, 6, t(_("VAT not applicable, art. 293 B of the French tax code (CGI).")), align="R", **nl)
    pdf.ln(4)

    # Payment: status, method, terms, penalties, transfer.
    pdf.set_font(font.family, "B", 11)
    pdf.cell(width, 6, t(_("Payment")), **nl)
    pdf.set_font(font.family, "", 9.5)
    pay_lines = [_("Payment status: %(status)s") % {"status": words(doc.payment_status, doc.locale)}]
    if doc.payment_method:
        pay_lines.append(_("Payment method: %(method)s") % {"method": doc.payment_method})
    pay_lines.append(_("Payment terms: %(terms)s") % {"terms": doc.payment_terms or _("payment on receipt of the invoice")})
    if doc.business:
        rate = doc.late_penalty or _("three times the French legal interest rate")
        pay_lines.append(_("Late-payment penalties: %(rate)s; no discount for early payment.") % {"rate": rate})
        pay_lines.append(_("Fixed compensation for recovery costs in case of late payment: %(amount)s (art. L441-10 and D441-5 of the French commercial code).") % {"amount": format_money(4000, "EUR", doc.locale)})
    if doc.balance_due > 0:
        pay_lines.extend(x for x in (doc.payment_instructions or "").splitlines() if x.strip())
        if doc.transfer:
            bank = _("Bank transfer to %(name)s · IBAN %(iban)s") % {"name": seller["name"], "iban": _group_iban(seller["iban"])}
            if seller["bic"]:
                bank += f" · BIC {seller['bic']}"
            pay_lines.append(bank)
            pay_lines.append(_("Reference: %(invoice)s / %(order)s") % {"invoice": doc.number, "order": doc.order_number})
    else:
        pay_lines.append(_("Nothing is due. Thank you!"))
    qr_size = 38
    text_w = width - (qr_size + 6 if doc.epc else 0)
    y_pay = pdf.get_y()
    for line in pay_lines:
        pdf.multi_cell(text_w, 5, t(line), **nl)
    if doc.epc_note:
        pdf.multi_cell(text_w, 5, t(doc.epc_note), **nl)
    if doc.epc:
        if y_pay + qr_size + 8 > pdf.h - pdf.b_margin:
            pdf.add_page()
            y_pay = pdf.get_y()
        x = pdf.l_margin + width - qr_size
        pdf.image(io.BytesIO(epc_qr_png(doc.epc)), x=x, y=y_pay, w=qr_size, h=qr_size)
        pdf.set_xy(x - 10, y_pay + qr_size)
        pdf.set_font(font.family, "", 7.5)
        pdf.cell(qr_size + 10, 4, t(_("Scan to pay (SEPA transfer)")), align="C")
        pdf.set_y(max(pdf.get_y() + 4, y_pay + qr_size + 6))
    return bytes(pdf.output())


def _group_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


# ------------------------------------------------------------------ use cases


def safe_file_name(invoice_number: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", invoice_number).strip("-.") or "invoice"


def mail_parts(invoice: Invoice, pdf: bytes) -> tuple[dict, list[dict]]:
    """(invoice info for the templates, attachments) for an invoice email."""
    info = {"number": invoice.number, "issued_at": invoice.issued_at.isoformat()}
    att = [{"filename": f"{safe_file_name(invoice.number)}.pdf", "content_type": "application/pdf", "data": base64.b64encode(pdf).decode("ascii")}]
    return info, att


@dataclass
class InvoiceResult:
    order: Order
    invoice: Invoice
    pdf: bytes
    new: bool
    messages: list


def make_invoice(session: Session, *, number: str, send: bool = False, language: str | None = None, buyer_vat: str | None = None) -> InvoiceResult:
    """``order invoice``: issue (or reuse) the invoice, render it, optionally queue the email. Does not commit.

    ``language`` (fr, en…) overrides the customer's language (else the store's); ``buyer_vat``, the
    buyer's VAT number, makes it a business invoice (late-payment penalties, the 40 € indemnity).
    Raises :class:`~ordercli.errors.NoCustomerEmailError` when ``send`` and the order has no email.
    """
    settings = common.load_settings(session)
    # The order row first (a second till waits here), then the invoice lookup and, if needed, the counter.
    order = common.lock_order(session, common.get_order(session, number))
    if send and not order.customer_email:
        raise NoCustomerEmailError(order.number, what="the invoice")
    inv, new = _issue_locked(session, order=order, settings=settings)
    # Number and row are decided above; the PDF is drawn in the same transaction (the
    # email attachment is queued with it), which keeps both locks for that short while.
    customer = session.get(Customer, order.customer_id) if order.customer_id is not None else None
    locale = document_locale(settings, language=language, customer_language=getattr(customer, "language", None))
    vat = buyer_vat if buyer_vat is not None else getattr(customer, "vat_number", None)
    pdf = render_pdf(session, order=order, invoice=inv, settings=settings, locale=locale, buyer_vat=vat)
    messages = []
    if send:
        info, atts = mail_parts(inv, pdf)
        row = queue.queue_message(
            session, order, kind="invoice", audience="customer", settings=settings, invoice=info, attachments=atts, dedupe=False, locale=locale if language else None
        )
        if row is not None:
            messages.append(row)
    return InvoiceResult(order=order, invoice=inv, pdf=pdf, new=new, messages=messages)
