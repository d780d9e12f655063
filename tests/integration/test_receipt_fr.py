"""Receipts in the store's language (store.locale): labels, money and date in French."""

from __future__ import annotations

import re

import pytest

from tests import seed
from tests.integration.test_receipts import _pay, _place, _text


@pytest.fixture
def shop_fr(engine):
    seed.products(engine, ("MUG-01", "Blue mug", "12.50", 50, 20), ("JAM-01", "Apricot jam", "6.00", None, 5.5))
    seed.settings(engine, **{"store.name": "Étal du marché", "store.locale": "fr_FR"})
    return engine


def _row(lines: list[str], label: str) -> str:
    """The amount at the right of the row starting with ``label``."""
    for line in lines:
        if line.startswith(label):
            return line[len(label):].strip()
    raise AssertionError(f"no row {label!r} in {lines}")


def test_a_cash_sale_receipt_speaks_french(shop_fr):
    number = _place(shop_fr)  # 2 × 12,50 + 6,00 = 31,00
    _pay(shop_fr, number, None, "cash", tendered=4100)  # 41,00 given, 10,00 back
    text = _text(shop_fr, number)
    lines = text.splitlines()
    assert any(line.startswith(f"Commande {number}") for line in lines), lines
    assert re.search(r"Commande \S+\s+\d\d/\d\d/\d{4} \d\d:\d\d", text)  # the French date, dd/mm/yyyy
    assert "Client : Ana Lima" in text
    assert _row(lines, "2 x Blue mug") == "25,00 €"
    assert _row(lines, "Sous-total") == "31,00 €"
    assert _row(lines, "TOTAL") == "31,00 €"
    assert _row(lines, "  Espèces reçues") == "41,00 €"
    assert _row(lines, "  Monnaie rendue") == "10,00 €"
    assert any(line.startswith("  dont TVA 20 % sur") for line in lines), lines
    for english in ("Order ", "Customer:", "Subtotal", "Cash tendered", "Change", "incl. tax"):
        assert english not in text


def test_a_receipt_with_a_balance_due_in_french(shop_fr):
    number = _place(shop_fr)
    _pay(shop_fr, number, 1000, "card")
    lines = _text(shop_fr, number).splitlines()
    assert _row(lines, "RESTE À PAYER") == "21,00 €"
    assert _row(lines, "Carte bancaire") == "10,00 €"


def test_the_same_receipt_stays_english_for_an_english_store(engine):
    seed.products(engine, ("MUG-01", "Blue mug", "12.50", 50, 20), ("JAM-01", "Apricot jam", "6.00", None, 5.5))
    seed.settings(engine, **{"store.name": "Fair Stall", "store.locale": "en_US"})
    number = _place(engine)
    _pay(engine, number, None, "cash", tendered=4100)
    lines = _text(engine, number).splitlines()
    assert _row(lines, "  Cash tendered") == "€41.00"
    assert _row(lines, "  Change") == "€10.00"
    assert _row(lines, "TOTAL") == "€31.00"
