"""PDF invoices: numbers, content (read back with pypdf), the EPC QR code (decoded), sending."""

from __future__ import annotations

import io
import threading

import pypdf
import pytest
from sqlmodel import select

from ordercli import db, notify
from ordercli.domain import Address, ShippingIn
from ordercli.errors import RefusedError
from ordercli.models import Invoice
from ordercli.pricing import Adjustment
from ordercli.services import common, invoices
from tests.smtp_server import SmtpServer, add_product, outbox_rows, place, set_settings, use_smtp

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def shop(engine):
    add_product(engine)
    add_product(engine, sku="TEA", name="Green tea", price=450, stock=None, tax_rate=550)
    set_settings(
        engine,
        **{
            "store.name": "Fair Stall",
            "store.locale": "en_US",
            "store.address": "12 rue des Lilas\\n75011 Paris",
            "store.vat_number": "FR12345678901",
            "store.email": "shop@fairstall.example",
            "store.payment_instructions": "Pay within 14 days.",
        },
    )
    return engine


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(p.extract_text() for p in reader.pages)


def qr_texts(pdf: bytes) -> list[str]:
    import zxingcpp

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    out = []
    for page in reader.pages:
        for img in page.images:
            out.extend(r.text for r in zxingcpp.read_barcodes(img.image) if r.format == zxingcpp.BarcodeFormat.QRCode)
    return out


def invoice_for(engine, number: str, *, send: bool = False):
    with db.write_session(engine) as s:
        result = invoices.make_invoice(s, number=number, send=send)
        s.commit()
        return result


def rich_order(engine) -> str:
    return place(
        engine,
        name="Zoë Łukasz",
        items=(("MUG-01", 2), ("TEA", 3)),
        discount=Adjustment(percent=1000),
        surcharges=[Adjustment(amount=50, label="Card fee")],
        tip=100,
        shipping=ShippingIn(method="Colissimo", cost=490, address=Address(name="Zoë Łukasz", street="1 Main St", city="Lyon", postal_code="69001", country="FR")),
        payment_method="Bank transfer",
        deliver=False,
    )


def test_the_pdf_carries_every_part_of_the_invoice(shop):
    set_settings(shop, **{"store.iban": IBAN, "store.bic": "BNPAFRPP"})
    number = rich_order(shop)
    res = invoice_for(shop, number)
    assert res.pdf.startswith(b"%PDF-")
    text = text_of(res.pdf)
    o = res.order
    for expected in [
        "INVOICE",
        "Invoice number: INV-1",
        f"Order: {number}",
        "Fair Stall",
        "12 rue des Lilas",
        "75011 Paris",
        "VAT number: FR12345678901",
        "Zoë Łukasz",
        "1 Main St",
        "Blue mug",
        "MUG-01",
        "Green tea",
        "€10.42",  # the mug's unit price without its 20 % VAT (12.50 incl.)
        "€20.83",  # 2 mugs, excl. tax
        "€12.80",  # 3 × €4.50 incl. 5.5 % VAT, excl. tax
        "Subtotal €38.50",
        "Discount (10%) −€3.85",
        "Card fee €0.50",
        "Shipping (Colissimo) €4.90",
        "VAT 20%",
        "VAT 5.5%",
        "Tip €1.00",
        "Total incl. tax €41.05",
        "Total excl. tax €36.67",
        "Payments received €0.00",
        "Balance due €41.05",
        "Payment method: Bank transfer",
        "Pay within 14 days.",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
        "BIC BNPAFRPP",
        "Invoice INV-1 · page 1/1",
    ]:
        assert expected in text, f"{expected!r} missing from the invoice text:\n{text}"
    assert o.total == 4105
    # Tax per rate: each rate's tax is the sum of its lines' tax.
    with db.read_session(shop) as s:
        doc = invoices.invoice_doc(s, order=o, invoice=res.invoice, settings=common.load_settings(s))
    assert [r for r, _, _ in doc.tax_by_rate] == [550, 2000]
    assert sum(t for _, _, t in doc.tax_by_rate) == o.tax
    for rate, base, tax in doc.tax_by_rate:
        assert f"{base / 100:.2f}" in text.replace(",", "")
        assert f"€{tax / 100:.2f}" in text


def test_the_qr_code_decodes_to_an_epc069_12_transfer_for_the_balance_due(shop):
    set_settings(shop, **{"store.iban": "FR76 3000 6000 0112 3456 7890 189", "store.bic": "BNPAFRPP"})
    number = rich_order(shop)
    res = invoice_for(shop, number)
    (payload,) = qr_texts(res.pdf)
    lines = payload.split("\n")
    assert lines[0] == "BCD"  # service tag
    assert lines[1] == "002"  # version
    assert lines[2] == "1"  # UTF-8
    assert lines[3] == "SCT"  # SEPA credit transfer
    assert lines[4] == "BNPAFRPP"
    assert lines[5] == "Fair Stall"
    assert lines[6] == IBAN
    assert lines[7] == "EUR41.05"
    assert lines[8] == "" and lines[9] == ""  # no purpose code, no structured reference
    assert lines[10] == f"Invoice INV-1 order {number}"
    assert len(lines) == 11 and len(payload.encode()) <= 331
    assert payload == invoices.epc_payload(name="Fair Stall", iban=IBAN, bic="BNPAFRPP", amount=4105, text=f"Invoice INV-1 order {number}")


def test_the_qr_code_is_for_what_is_still_due(shop):
    set_settings(shop, **{"store.iban": IBAN})
    number = place(shop, deliver=False)  # 2 × 12.50
    with db.write_session(shop) as s:
        o = common.get_order(s, number)
        o.paid = 1000
        s.add(o)
        s.commit()
    (payload,) = qr_texts(invoice_for(shop, number).pdf)
    assert payload.split("\n")[7] == "EUR15.00"
    assert payload.split("\n")[4] == ""  # BIC is optional in version 002
    # Paid in full: nothing to scan.
    with db.write_session(shop) as s:
        o = common.get_order(s, number)
        o.paid, o.payment_status = 2500, "PAID"
        s.add(o)
        s.commit()
    pdf = invoice_for(shop, number).pdf
    assert qr_texts(pdf) == []
    assert "Balance due €0.00" in text_of(pdf) and "Nothing is due" in text_of(pdf)


def test_no_iban_no_qr_and_no_euro_no_qr(shop):
    number = place(shop, deliver=False)
    assert qr_texts(invoice_for(shop, number).pdf) == []
    set_settings(shop, **{"store.iban": IBAN, "store.currency": "GBP"})
    number2 = place(shop, deliver=False)
    pdf = invoice_for(shop, number2).pdf
    assert qr_texts(pdf) == []
    assert "No transfer QR code: EPC QR codes are for euro transfers only." in text_of(pdf)


def test_epc_payload_rules():
    p = invoices.epc_payload(name="A" * 90, iban="de89 3704 0044 0532 0130 00", amount=1, text="x" * 200)
    lines = p.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[5] == "A" * 70 and lines[6] == "DE89370400440532013000" and lines[7] == "EUR0.01" and lines[10] == "x" * 140
    short = invoices.epc_payload(name="Shop", iban=IBAN, amount=123456)
    assert short.split("\n") == ["BCD", "002", "1", "SCT", "", "Shop", IBAN, "EUR1234.56"]  # trailing empty fields left out
    for bad in (dict(amount=0), dict(amount=100_000_000_000), dict(currency="USD"), dict(iban="nope"), dict(bic="12"), dict(name="  ")):
        kw = dict(name="Shop", iban=IBAN, amount=100)
        kw.update(bad)
        with pytest.raises(invoices.EpcError):
            invoices.epc_payload(**kw)


def test_invoice_numbers_are_sequential_reused_per_order_and_never_given_twice(shop):
    set_settings(shop, **{"invoice.prefix": "F-2026-"})
    a, b = place(shop, deliver=False), place(shop, deliver=False)
    ia = invoice_for(shop, a)
    ib = invoice_for(shop, b)
    assert (ia.invoice.number, ib.invoice.number) == ("F-2026-1", "F-2026-2") and ia.new and ib.new
    again = invoice_for(shop, a)
    assert again.invoice.number == "F-2026-1" and not again.new
    assert again.invoice.issued_at == ia.invoice.issued_at
    # The order's total changed: a new invoice, a new number; the old one stays used.
    with db.write_session(shop) as s:
        o = common.get_order(s, a)
        o.total += 100
        s.add(o)
        s.commit()
    changed = invoice_for(shop, a)
    assert changed.invoice.number == "F-2026-3" and changed.new
    with db.read_session(shop) as s:
        nums = [i.number for i in s.exec(select(Invoice).order_by(Invoice.seq)).all()]
    assert nums == ["F-2026-1", "F-2026-2", "F-2026-3"]
    # A refused request hands out no number.
    with db.write_session(shop) as s:
        o = common.get_order(s, b)
        o.payment_status = "CANCELLED"
        s.add(o)
        s.commit()
    c = place(shop, deliver=False)
    with pytest.raises(RefusedError):
        invoice_for(shop, b)
    assert invoice_for(shop, c).invoice.number == "F-2026-4"


def test_concurrent_tills_never_share_an_invoice_number(shop):
    numbers = [place(shop, deliver=False) for _ in range(6)]
    got: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(numbers))

    def work(n):
        try:
            barrier.wait()
            got.append(invoice_for(shop, n).invoice.number)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in numbers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(got, key=lambda x: int(x.split("-")[-1])) == [f"INV-{i}" for i in range(1, 7)]


def test_send_emails_the_pdf_as_an_attachment_through_the_outbox(shop):
    set_settings(shop, **{"store.iban": IBAN})
    with SmtpServer() as server:
        use_smtp(shop, server, **{"store.email": ""})
        number = place(shop, deliver=False)
        res = invoice_for(shop, number, send=True)
        assert [m.kind for m in res.messages] == ["invoice"]
        notify.deliver_due(shop)
        (received,) = [m for m in server.wait_for(2) if "Invoice" in m.parsed()["Subject"]]
    msg = received.parsed()
    assert received.rcpt_tos == ["ana@example.com"]
    assert msg["Subject"] == f"Invoice INV-1 for order {number} — Fair Stall"
    assert msg.get_content_type() == "multipart/mixed"
    alt = msg.get_body(preferencelist=("related", "html", "plain"))
    assert alt is not None
    assert "INV-1" in msg.get_body(preferencelist=("plain",)).get_content()
    assert "INV-1" in msg.get_body(preferencelist=("html",)).get_content()
    (att,) = list(msg.iter_attachments())
    assert att.get_content_type() == "application/pdf" and att.get_filename() == "INV-1.pdf"
    pdf = att.get_content()
    assert pdf == res.pdf
    assert f"Order: {number}" in text_of(pdf) and "Total incl. tax €25.00" in text_of(pdf)
    assert [r.status for r in outbox_rows(shop, number) if r.kind == "invoice"] == ["sent"]


def test_send_needs_a_customer_email_and_then_writes_nothing(shop):
    number = place(shop, email=None, phone="+33612345678", deliver=False)
    with pytest.raises(RefusedError, match="no customer email"):
        invoice_for(shop, number, send=True)
    with db.read_session(shop) as s:
        assert s.exec(select(Invoice)).all() == []
        assert common.peek_counter(s, "invoice") == 1


def test_without_a_unicode_font_letters_are_transliterated_not_lost(shop, tmp_path):
    set_settings(shop, **{"invoice.font": str(tmp_path / "missing.ttf")})
    number = place(shop, name="Zoë Łukasz", deliver=False)
    text = text_of(invoice_for(shop, number).pdf)
    assert "Zoë Lukasz" in text and "Blue mug" in text and "Total incl. tax EUR 25.00" in text
