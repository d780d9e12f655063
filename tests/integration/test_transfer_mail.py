"""Bank-transfer details in emails (issue 12): shown by the invoice's rule (``payment_methods.shows_transfer``, as on invoices),
in the email's language, never on cash, card or cheque orders; read back from a real SMTP server."""

from __future__ import annotations


import pytest
from sqlmodel import select

from ordercli import db, notify
from ordercli.models import Customer
from ordercli.services import customer_language, invoices
from tests.smtp_server import SmtpServer, add_product, place, set_settings, use_smtp

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def stall(engine, smtp):
    add_product(engine)  # Blue mug, 12.50
    set_settings(engine, **{"store.name": "The Stall", "store.locale": "en_US", "store.iban": IBAN, "store.bic": "AGRIFRPP882"})
    use_smtp(engine, smtp, **{"mail.inline_budget": "600", "store.email": ""})
    return engine


def mail(smtp, address: str, subject_part: str):
    found = smtp.mail_to(address, subject_part)
    assert len(found) == 1, [m["Subject"] for m in smtp.parsed()]
    return found[0]


def parts(msg) -> tuple[str, str]:
    def get(subtype):
        return msg.get_body(preferencelist=(subtype,)).get_content().replace("\r\n", "\n")

    return get("plain"), get("html")


def french(engine, email: str) -> None:
    with db.write_session(engine) as s:
        customer = s.exec(select(Customer).where(Customer.email == email)).one()
        customer_language.set_language(s, customer=customer, language="fr")
        s.commit()


def send_invoice(engine, number: str) -> None:
    with db.write_session(engine) as s:
        invoices.make_invoice(s, number=number, send=True)
        s.commit()
    notify.deliver_due(engine)


@pytest.mark.parametrize("method", [None, "Bank transfer", "virement"])
def test_transfer_details_in_english_when_transfer_is_the_way_to_pay(stall, smtp, method):
    number = place(stall, name="Ann Lee", email="ann@example.com", payment_method=method)
    text, html = parts(mail(smtp, "ann@example.com", number))
    assert "How to pay (€25.00 due):" in text
    assert "  Bank transfer to The Stall:\n    Account holder: The Stall\n" in text
    assert f"    IBAN: {IBAN}\n    BIC: AGRIFRPP882\n    Reference to put on the transfer: {number}\n" in text
    for line in ("Bank transfer to The Stall", "Account holder: The Stall", "IBAN: <span", IBAN, "BIC: AGRIFRPP882", "Reference to put on the transfer:", f"<strong>{number}</strong>"):
        assert line in html, line


@pytest.mark.parametrize("method", ["Cash", "cheque", "Carte bancaire"])
def test_never_on_cash_cheque_or_card_orders(stall, smtp, method):
    number = place(stall, name="Ann Lee", email="ann@example.com", payment_method=method)
    text, html = parts(mail(smtp, "ann@example.com", number))
    assert f"Payment method: {method}" in text  # the way to pay the customer chose
    for part in (text, html):
        assert "IBAN" not in part and "FR76" not in part and "Bank transfer" not in part and "Reference to put" not in part
    send_invoice(stall, number)
    text, html = parts(mail(smtp, "ann@example.com", "Invoice INV-1"))
    assert "IBAN" not in text and "IBAN" not in html


def test_not_when_transfer_is_not_an_accepted_method(stall, smtp):
    set_settings(stall, **{"payment.methods": "cash=Cash,card=Card"})
    number = place(stall, name="Ann Lee", email="ann@example.com")
    text, html = parts(mail(smtp, "ann@example.com", number))
    assert "Amount due: €25.00" in text and "IBAN" not in text and "IBAN" not in html


def test_not_once_nothing_is_due(stall, smtp):
    from ordercli.services import payments

    number = place(stall, name="Ann Lee", email="ann@example.com", payment_method="Bank transfer", notify=False)
    with db.write_session(stall) as s:
        payments.record_payment(s, number=number, amount=None, method="transfer")
        s.commit()
    send_invoice(stall, number)
    text, html = parts(mail(smtp, "ann@example.com", "Invoice INV-1"))
    assert "IBAN" not in text and "IBAN" not in html and "How to pay" not in text


def test_transfer_details_in_french_for_a_french_customer(stall, smtp):
    place(stall, name="Zoé Martin", email="zoe@example.com", notify=False, deliver=False)
    french(stall, "zoe@example.com")
    number = place(stall, name="Zoé Martin", email="zoe@example.com", payment_method="Virement")
    text, html = parts(mail(smtp, "zoe@example.com", number))
    assert "Comment payer (25,00\xa0€ dus) :" in text
    assert "  Virement bancaire à The Stall :\n    Titulaire du compte : The Stall\n" in text
    assert f"    IBAN : {IBAN}\n    BIC : AGRIFRPP882\n    Référence à indiquer sur le virement : {number}\n" in text
    for line in ("Virement bancaire à The Stall", "Titulaire du compte : The Stall", IBAN, "Référence à indiquer sur le virement :"):
        assert line in html, line
    for part in (text, html):
        assert "Account holder" not in part and "Reference to put" not in part


def test_the_invoice_email_names_the_invoice_and_the_order_in_the_reference(stall, smtp):
    place(stall, name="Zoé Martin", email="zoe@example.com", notify=False, deliver=False)
    french(stall, "zoe@example.com")
    number = place(stall, name="Zoé Martin", email="zoe@example.com", notify=False)
    send_invoice(stall, number)
    text, html = parts(mail(smtp, "zoe@example.com", "Facture INV-1"))
    assert f"Référence à indiquer sur le virement : INV-1 / {number}" in text
    assert f"IBAN : {IBAN}" in text and "Titulaire du compte : The Stall" in text
    assert f"INV-1 / {number}" in html
    # The same in English for an English reader.
    number = place(stall, name="Ann Lee", email="ann@example.com", notify=False)
    send_invoice(stall, number)
    text, _ = parts(mail(smtp, "ann@example.com", "Invoice INV-2"))
    assert f"Reference to put on the transfer: INV-2 / {number}" in text and "Account holder: The Stall" in text
