"""Emails in the customer's language, checked in what a real SMTP server (aiosmtpd) received."""

from __future__ import annotations


import pytest
from sqlmodel import select

from ordercli import db
from ordercli.errors import InputError
from ordercli.models import Customer
from ordercli.services import customer_language
from tests.smtp_server import SmtpServer, add_product, place, set_settings, use_smtp


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def shop(engine, smtp):
    add_product(engine)  # Blue mug, 12.50, VAT 20 %
    set_settings(engine, **{"store.name": "Le Stand", "store.locale": "fr_FR", "store.iban": "FR7630006000011234567890189"})
    use_smtp(engine, smtp, **{"mail.inline_budget": "600"})  # a loaded test machine must not leave mail queued
    return engine


def body(msg, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return part.get_content().replace("\r\n", "\n")


def to_customer(smtp, address: str, number: str):
    """The messages to ``address`` about order ``number`` (waiting a little for them to arrive)."""
    return smtp.mail_to(address, number)


def set_language(engine, email: str, language: str | None) -> None:
    with db.write_session(engine) as s:
        customer = s.exec(select(Customer).where(Customer.email == email)).one()
        customer_language.set_language(s, customer=customer, language=language)
        s.commit()


def test_a_french_store_writes_to_its_customers_in_french(shop, smtp):
    number = place(shop, name="Léa Martin", email="lea@example.com", items=(("MUG-01", 2),))
    [msg] = to_customer(smtp, "lea@example.com", number)  # the customer's confirmation
    assert msg["Subject"] == f"Confirmation de commande {number} — Le Stand"
    text, html = body(msg, "plain"), body(msg, "html")
    for part in (text, html):
        assert "Bonjour Léa Martin," in part
        assert "25,00\xa0€" in part  # 2 × 12,50 € in French money
        assert "En attente de paiement" in part and "Awaiting payment" not in part
        assert "Virement bancaire à Le Stand" in part
        assert "Hello" not in part and "Balance due" not in part
    assert "Reste à payer :" in text and '<html lang="fr">' in html
    # The shop's own copy is in the store's language too.
    [copy] = to_customer(smtp, "admin@shop.example", number)  # and the shop's copy
    assert copy["Subject"].startswith(f"Nouvelle commande {number} de Léa Martin")
    assert body(copy, "plain").startswith(f"Nouvelle commande {number} de Léa Martin.") and "Client :" in body(copy, "plain")


def test_a_customer_who_reads_english_gets_english_in_a_french_store(shop, smtp):
    place(shop, name="Ann Lee", email="ann@example.com", notify=False, deliver=False)
    set_language(shop, "ann@example.com", "en")
    number = place(shop, name="Ann Lee", email="ann@example.com", items=(("MUG-01", 1),))
    [msg] = to_customer(smtp, "ann@example.com", number)
    assert msg["Subject"] == f"Order confirmation {number} — Le Stand"
    text, html = body(msg, "plain"), body(msg, "html")
    for part in (text, html):
        assert "Hello Ann Lee," in part and "Awaiting payment" in part and "Bonjour" not in part
        assert "€12.50" in part  # English money for an English reader
    # ... while the shop's copy of the same order stays French.
    [copy] = to_customer(smtp, "admin@shop.example", number)
    assert copy["Subject"].startswith("Nouvelle commande")


def test_an_english_store_writes_french_to_a_french_customer(engine, smtp):
    add_product(engine)
    set_settings(engine, **{"store.name": "The Stall", "store.locale": "en_US"})
    use_smtp(engine, smtp, **{"mail.inline_budget": "600"})
    place(engine, name="Zoé", email="zoe@example.com", notify=False, deliver=False)
    set_language(engine, "zoe@example.com", "fr")
    number = place(engine, name="Zoé", email="zoe@example.com")
    [msg] = to_customer(smtp, "zoe@example.com", number)
    assert msg["Subject"] == f"Confirmation de commande {number} — The Stall"
    assert "Bonjour Zoé," in body(msg, "plain")
    [copy] = to_customer(smtp, "admin@shop.example", number)
    assert copy["Subject"] == f"New order {number} from Zoé"


def test_only_languages_with_a_catalog_are_accepted():
    assert customer_language.check_language("fr-FR") == "fr_FR"
    assert customer_language.check_language(" ") is None
    with pytest.raises(InputError) as e:
        customer_language.check_language("xx")
    assert e.value.code == "customer.language" and "fr" in e.value.facts["known"]


def test_an_invoice_sent_in_the_language_asked_for(engine, smtp):
    from ordercli.services import invoices

    add_product(engine)
    set_settings(engine, **{"store.name": "The Stall", "store.locale": "en_US"})
    use_smtp(engine, smtp, **{"mail.inline_budget": "600"})
    number = place(engine, name="Zoé", email="zoe@example.com", notify=False, deliver=False)
    from ordercli import notify

    with db.write_session(engine) as s:
        invoices.make_invoice(s, number=number, send=True, language="fr")
        s.commit()
    notify.deliver_due(engine)
    [msg] = to_customer(smtp, "zoe@example.com", number)
    assert msg["Subject"] == f"Facture INV-1 de la commande {number} — The Stall"
    assert "Veuillez trouver ci-joint la facture INV-1" in body(msg, "plain")
