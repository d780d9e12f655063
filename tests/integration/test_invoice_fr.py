"""French invoices and their legal mentions, read back from the PDF with pypdf, in both languages."""

from __future__ import annotations

import io
import logging
import re
import warnings

import pypdf
import pytest

from ordercli import db
from ordercli.services import invoices
from tests.smtp_server import add_product, place, set_settings

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def shop(engine):
    add_product(engine)  # Blue mug 12.50 incl. 20 % VAT
    add_product(engine, sku="TEA", name="Green tea", price=450, stock=None, tax_rate=550)
    set_settings(
        engine,
        **{
            "store.name": "Le Stand",
            "store.locale": "fr_FR",
            "store.legal_form": "EI",
            "store.address": "12 rue des Lilas\\n75011 Paris",
            "store.siret": "73282932000074",
            "store.vat_number": "FR12732829320",
            "store.iban": IBAN,
            "invoice.footer": "Le Stand · marchés de Paris",
            "store.email": "",
        },
    )
    return engine


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return " ".join(re.sub(r"[\u00a0\u202f]", " ", text).split())  # table headers wrap: one space for any run


def invoice(engine, number: str, **kw) -> str:
    with db.write_session(engine) as s:
        result = invoices.make_invoice(s, number=number, **kw)
        s.commit()
    return text_of(result.pdf)


def test_a_french_invoice_has_the_legal_mentions(shop):
    number = place(shop, name="Léa Martin", items=(("MUG-01", 2), ("TEA", 1)), deliver=False)
    text = invoice(shop, number)
    for mention in (
        "FACTURE", "Le Stand", "EI", "12 rue des Lilas", "SIRET : 732 829 320 00074", "N° TVA intracommunautaire : FR12732829320",
        "Facture n° INV-1", "Date d'émission", "Date de la vente", f"Commande : {number}",
        "Facturé à", "Léa Martin",  # no billing address: the customer's name is the buyer's
        "Prix unitaire HT", "Taux TVA", "Total HT", "Total TTC", "Paiements reçus", "Reste à payer",
        "Conditions de paiement : paiement à réception de la facture", "Le Stand · marchés de Paris",
    ):
        assert mention in text, mention
    # 2 × 12,50 € TTC at 20 % = 20,83 € HT + 4,17 € TVA; 4,50 € at 5,5 % = 4,27 € HT + 0,23 € TVA.
    assert "10,42 €" in text  # the mug's unit price without tax
    assert "TVA 20 % sur 20,83 € 4,17 €" in text and "TVA 5,5 % sur 4,27 € 0,23 €" in text
    assert "Total HT 25,10 €" in text and "Total TTC 29,50 €" in text
    assert "TVA 5,5 % sur" in text and "20 %" in text
    assert "293 B" not in text and "Pénalités" not in text and "INVOICE" not in text
    # Unpaid, no method chosen, transfer accepted: the bank-transfer block is there.
    assert "Virement bancaire à Le Stand · IBAN FR76 3000 6000 0112 3456 7890 189" in text


def test_the_same_invoice_in_english(shop):
    number = place(shop, name="Ann Lee", items=(("MUG-01", 2),), deliver=False)
    text = invoice(shop, number, language="en")
    for mention in ("INVOICE", "SIRET: 732 829 320 00074", "VAT number: FR12732829320", "Date of issue", "Date of sale", "Bill to", "Ann Lee",
                    "Unit price excl. tax", "VAT rate", "Total excl. tax", "VAT 20% on", "Total incl. tax", "Payments received", "Balance due",
                    "Payment terms: payment on receipt of the invoice"):
        assert mention in text, mention
    assert "FACTURE" not in text and "TTC" not in text


def test_vat_exempt_says_293_B_and_shows_no_vat(shop):
    set_settings(shop, **{"tax.vat_exempt": "true"})
    number = place(shop, items=(("MUG-01", 1),), deliver=False)
    fr, en = invoice(shop, number), invoice(shop, number, language="en")
    assert "TVA non applicable, art. 293 B du CGI" in fr
    assert "293 B" in en and "VAT not applicable" in en
    for text, words in ((fr, ("Total HT", "Taux TVA", "Total TTC", "TVA 20")), (en, ("excl. tax", "VAT rate", "incl. tax", "VAT 20"))):
        for w in words:
            assert w not in text, w


def test_a_business_buyer_gets_penalties_and_the_40_euro_indemnity(shop):
    number = place(shop, items=(("MUG-01", 1),), deliver=False)
    private = invoice(shop, number)
    assert "Pénalités" not in private and "40,00 €" not in private
    fr = invoice(shop, number, buyer_vat="FR40303265045")
    assert "N° TVA intracommunautaire : FR40303265045" in fr
    assert "Pénalités de retard : trois fois le taux d'intérêt légal" in fr
    assert "Indemnité forfaitaire pour frais de recouvrement" in fr and "40,00 €" in fr
    set_settings(shop, **{"invoice.late_penalty": "12", "invoice.payment_terms": "30 jours fin de mois"})
    en = invoice(shop, number, buyer_vat="FR40303265045", language="en")
    assert "Late-payment penalties: 12%" in en and "Fixed compensation for recovery costs" in en and "€40.00" in en
    assert "Payment terms: 30 jours fin de mois" in en


@pytest.mark.parametrize(
    "method, shown",
    [("Espèces", False), ("Cheque", False), ("Carte bancaire", False), ("Virement", True), ("Bank transfer", True), (None, True)],
)
def test_the_transfer_block_only_for_transfer_or_unpaid_orders(shop, method, shown):
    number = place(shop, items=(("MUG-01", 1),), payment_method=method, deliver=False)
    text = invoice(shop, number)
    assert ("IBAN FR76" in text) is shown, text
    assert ("Scannez pour payer" in text) is shown


def test_the_transfer_block_is_gone_when_transfer_is_not_accepted(shop):
    set_settings(shop, **{"payment.methods": "cash=Espèces,card=Carte"})
    number = place(shop, items=(("MUG-01", 1),), deliver=False)
    assert "IBAN" not in invoice(shop, number)


def test_names_no_font_has_are_replaced_visibly_without_warnings(shop, caplog, capfd):
    number = place(shop, name="王小明 Ana", items=(("MUG-01", 1),), deliver=False)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        text = invoice(shop, number)
    assert not caught, [str(w.message) for w in caught]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert capfd.readouterr().err == ""
    has_cjk = any(p.is_file() for p in map(__import__("pathlib").Path, invoices.FALLBACK_FONTS))
    assert ("王小明 Ana" in text) if has_cjk else ("\ufffd\ufffd\ufffd Ana" in text)


def test_order_invoice_language_option(cli, tmp_path):
    from tests import seed
    from tests.conftest import EXAMPLES

    seed.catalog_file(cli.url, EXAMPLES / "catalog.csv")
    seed.settings(cli.url, **{"store.locale": "en_US", "store.siret": "732 829 320 00074"})
    assert cli("order", "create", "--name", "Léa", "--email", "lea@example.com", "--item", "MUG-BLUE").exit_code == 0
    for lang, word in (("fr", "FACTURE"), ("en", "INVOICE")):
        target = tmp_path / f"{lang}.pdf"
        r = cli("order", "invoice", "1001", "--language", lang, "--output", target)
        assert r.exit_code == 0, r.output
        assert word in text_of(target.read_bytes())
    target = tmp_path / "b2b.pdf"
    assert cli("order", "invoice", "1001", "--buyer-vat", "FR40303265045", "--output", target).exit_code == 0
    assert "Fixed compensation for recovery costs" in text_of(target.read_bytes())
    r = cli("order", "invoice", "1001", "--language", "tlh", "--output", tmp_path / "x.pdf")
    assert r.exit_code == 2 and "Unknown language 'tlh'" in r.stderr and "en, fr" in r.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_a_walk_in_buyer_is_named_in_the_invoice_language_and_skus_stay_on_one_line(shop):
    number = place(shop, name="Walk-in", email=None, items=(("MUG-01", 1),), deliver=False, walk_in=True)
    fr, en = invoice(shop, number), invoice(shop, number, language="en")
    assert "Facturé à Client de passage" in fr and "Walk-in" not in fr
    assert "Bill to Walk-in" in en
    for text in (fr, en):
        assert "MUG-01 Blue mug" in text, text  # the SKU column is wide enough for it
