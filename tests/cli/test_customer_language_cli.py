"""``ordercli customer edit --language / --vat-number`` (issue 12): checked, shown, and followed by the
customer's emails, invoices and emailed receipts (read back from a real SMTP server and with pypdf)."""

from __future__ import annotations

import io
import json
import re

import pypdf
import pytest

from tests import seed
from tests.smtp_server import SmtpServer, use_smtp

IBAN = "FR7630006000011234567890189"


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def refused_in_one_line(result, code: int = 2) -> str:
    assert result.exit_code == code, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def shown(cli, key="ana@example.com") -> dict:
    return json.loads(ok(cli("customer", "show", key, "--format", "json")).stdout)


@pytest.fixture
def people(any_cli):
    cli = any_cli
    seed.products(cli.url, ("MUG-01", "Blue mug", "12.50", 50, 20))
    seed.settings(cli.url, **{"store.name": "The Stall", "store.locale": "en_US"})
    ok(cli("order", "create", "--name", "Ana Lima", "--email", "ana@example.com", "--item", "MUG-01", "--no-notify"))
    return cli


def test_set_show_and_clear_the_language_and_the_vat_number(people):
    before = shown(people)
    assert (before["language"], before["vat_number"], before["documents_language"]) == (None, None, "en_US")
    assert "Language: the store's (en_US)" in ok(people("customer", "show", "ana@example.com")).stdout

    r = ok(people("customer", "edit", "ana@example.com", "--language", "FR", "--vat-number", " fr 40 303 265 045"))
    assert "Customer 1 (Ana Lima) updated: language, VAT number." in r.stderr
    assert "past orders keep the contact" not in r.stderr  # a language is not a contact
    data = shown(people)
    assert (data["language"], data["vat_number"], data["documents_language"]) == ("fr", "FR40303265045", "fr")
    text = ok(people("customer", "show", "1")).stdout
    assert "Language: fr (emails and invoices)" in text and "VAT number: FR40303265045" in text

    r = ok(people("customer", "edit", "1", "--language", "fr", "--vat-number", "FR40303265045"))
    assert "already has these details. Nothing changed." in r.stderr

    edited = json.loads(ok(people("customer", "edit", "1", "--language", "store", "--format", "json")).stdout)
    assert (edited["changed"], edited["language"], edited["vat_number"]) == (["language"], None, "FR40303265045")
    ok(people("customer", "edit", "1", "--language", "en"))
    assert shown(people)["language"] == "en"
    ok(people("customer", "edit", "1", "--language", "", "--vat-number", ""))
    data = shown(people)
    assert (data["language"], data["vat_number"]) == (None, None)
    assert "VAT number" not in ok(people("customer", "show", "1")).stdout


def test_bad_language_and_vat_number_are_refused_in_one_line_and_change_nothing(people):
    ok(people("customer", "edit", "1", "--language", "fr", "--vat-number", "FR40303265045"))
    line = refused_in_one_line(people("customer", "edit", "1", "--language", "klingon"))
    assert line == """Error: Unknown language 'klingon': use one of en, fr, or "" (or store) for the store's language."""
    line = refused_in_one_line(people("customer", "edit", "1", "--vat-number", "FR12"))
    assert line.startswith("Error: Invalid VAT number 'FR12':") and "FR40303265045" in line
    for bad in ("12345678", "FR4030326504X", "X", "DE 1"):
        refused_in_one_line(people("customer", "edit", "1", "--vat-number", bad))
    # A bad value next to a good one: nothing is written.
    refused_in_one_line(people("customer", "edit", "1", "--name", "Ana Costa", "--language", "de"))
    data = shown(people)
    assert (data["name"], data["language"], data["vat_number"]) == ("Ana Lima", "fr", "FR40303265045")
    r = people("customer", "edit", "1")
    assert r.exit_code == 2 and "--language or --vat-number" in r.stderr


# ------------------------------------------------------------------ end to end, through a real SMTP server


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def body(msg, subtype: str) -> str:
    return msg.get_body(preferencelist=(subtype,)).get_content().replace("\r\n", "\n")


def pdf_text(data: bytes) -> str:
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    return " ".join(re.sub(r"[\u00a0\u202f]", " ", text).split())


def attachment(msg) -> bytes:
    [part] = list(msg.iter_attachments())
    return part.get_content()


@pytest.fixture
def english_stall(cli, smtp):
    from ordercli import db

    seed.products(cli.url, ("MUG-01", "Blue mug", "12.50", 50, 20))
    seed.settings(cli.url, **{"store.name": "The Stall", "store.locale": "en_US", "store.iban": IBAN})
    use_smtp(db.get_engine(cli.url), smtp, **{"mail.inline_budget": "600"})
    ok(cli("order", "create", "--name", "Zoé Martin", "--email", "zoe@example.com", "--item", "MUG-01", "--no-notify"))
    return cli


def test_after_customer_edit_language_fr_the_confirmation_email_is_french(english_stall, smtp):
    cli = english_stall
    ok(cli("order", "create", "--name", "Zoé Martin", "--email", "zoe@example.com", "--item", "MUG-01:2"))  # 1002, still English
    [english] = smtp.mail_to("zoe@example.com", "1002")
    assert english["Subject"] == "Order confirmation 1002 — The Stall" and "Hello Zoé Martin," in body(english, "plain")

    ok(cli("customer", "edit", "zoe@example.com", "--language", "fr"))
    ok(cli("order", "create", "--name", "Zoé Martin", "--email", "zoe@example.com", "--item", "MUG-01:2"))  # 1003
    [msg] = smtp.mail_to("zoe@example.com", "1003")
    assert msg["Subject"] == "Confirmation de commande 1003 — The Stall"
    for part in (body(msg, "plain"), body(msg, "html")):
        assert "Bonjour Zoé Martin," in part and "25,00\xa0€" in part and "En attente de paiement" in part
        assert "Hello" not in part and "Awaiting payment" not in part
    # The shop's own copy stays in the store's language.
    [copy] = smtp.mail_to("admin@shop.example", "1003")
    assert copy["Subject"] == "New order 1003 from Zoé Martin"


def test_an_invoice_follows_the_customer_language_and_vat_number(english_stall, smtp, tmp_path):
    cli = english_stall
    ok(cli("customer", "edit", "zoe@example.com", "--language", "fr"))
    private = tmp_path / "private.pdf"
    ok(cli("order", "invoice", "1001", "--output", private))
    text = pdf_text(private.read_bytes())
    assert "FACTURE" in text and "Facturé à" in text and "INVOICE" not in text
    assert "Pénalités de retard" not in text and "Indemnité forfaitaire" not in text  # a private customer

    ok(cli("customer", "edit", "zoe@example.com", "--vat-number", "FR 40 303 265 045"))
    ok(cli("order", "create", "--name", "Zoé Martin", "--email", "zoe@example.com", "--item", "MUG-01", "--no-notify"))  # 1002
    ok(cli("order", "invoice", "1002", "--send"))
    [msg] = smtp.mail_to("zoe@example.com", "1002")
    assert msg["Subject"] == "Facture INV-2 de la commande 1002 — The Stall"
    assert "Veuillez trouver ci-joint la facture INV-2" in body(msg, "plain")
    text = pdf_text(attachment(msg))
    assert "FACTURE" in text and "N° TVA intracommunautaire : FR40303265045" in text
    assert "Pénalités de retard : trois fois le taux d'intérêt légal" in text
    assert "Indemnité forfaitaire pour frais de recouvrement" in text and "40,00 €" in text
    assert "Late-payment" not in text and "INVOICE" not in text


# ------------------------------------------------------------------ the emailed receipt speaks the customer's language


def test_a_french_customer_gets_a_french_receipt_from_an_english_store(english_stall, smtp):
    cli = english_stall
    ok(cli("order", "pay", "1001", "--amount", "5", "--method", "cash", "--tendered", "10", "--no-notify"))
    ok(cli("customer", "edit", "zoe@example.com", "--language", "fr"))
    ok(cli("order", "receipt", "1001", "--email"))
    [msg] = smtp.mail_to("zoe@example.com", "1001")
    assert msg["Subject"] == "Votre ticket de caisse pour la commande 1001 — The Stall"
    text = body(msg, "plain")
    assert "Voici votre ticket de caisse pour la commande 1001" in text
    assert "Espèces reçues" in text and "RESTE À PAYER" in text and "Sous-total" in text and "7,50 €" in text
    assert re.search(r"Commande 1001\s+\d\d/\d\d/\d{4} \d\d:\d\d", text)
    assert "Espèces" in text.split("TOTAL")[1]  # the payment's method in French too
    assert "Subtotal" not in text and "Cash tendered" not in text and "BALANCE DUE" not in text
    pdf = pdf_text(attachment(msg))
    assert "RESTE À PAYER" in pdf and "Sous-total" in pdf and "Subtotal" not in pdf
    # The printed receipt keeps the store's language.
    printed = ok(cli("order", "receipt", "1001")).stdout
    assert "BALANCE DUE" in printed and "Cash tendered" in printed and "RESTE" not in printed


def test_an_english_customer_gets_an_english_receipt_from_a_french_store(cli, smtp):
    from ordercli import db

    seed.products(cli.url, ("MUG-01", "Blue mug", "12.50", 50, 20))
    seed.settings(cli.url, **{"store.name": "Le Stand", "store.locale": "fr_FR"})
    use_smtp(db.get_engine(cli.url), smtp, **{"mail.inline_budget": "600"})
    ok(cli("order", "create", "--name", "Ann Lee", "--email", "ann@example.com", "--item", "MUG-01:2", "--pay", "card", "--no-notify"))
    ok(cli("customer", "edit", "ann@example.com", "--language", "en"))
    ok(cli("order", "receipt", "1001", "--email"))
    [msg] = smtp.mail_to("ann@example.com", "1001")
    assert msg["Subject"] == "Your receipt for order 1001 — Le Stand"
    text = body(msg, "plain")
    assert "Here is your receipt for order 1001 at Le Stand" in text
    assert "Subtotal" in text and "€25.00" in text and "Card" in text
    assert "Sous-total" not in text and "Carte bancaire" not in text and "Bonjour" not in text
    assert "Subtotal" in pdf_text(attachment(msg))
    printed = ok(cli("order", "receipt", "1001")).stdout
    assert "Sous-total" in printed and "25,00 €" in printed  # printed at the stall: the store's French
