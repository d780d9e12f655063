"""The screen speaks the till's locale: ORDERCLI_LANG=fr_FR shows 41,00 € in order show and list."""

from __future__ import annotations

import pytest

from tests import seed
from tests.conftest import EXAMPLES


@pytest.fixture
def shop(cli):
    seed.catalog_file(cli.url, EXAMPLES / "catalog.csv")
    r = cli("order", "create", "--name", "Léa", "--email", "lea@example.com", "--item", "MUG-BLUE", "--custom-item", "Vase=1232.00")
    assert r.exit_code == 0, r.output
    return cli


FR = {"ORDERCLI_LANG": "fr_FR", "LANGUAGE": None, "LC_ALL": None}
EN = {"ORDERCLI_LANG": None, "LANGUAGE": None, "LC_ALL": None, "LANG": "C.UTF-8"}


def test_order_show_and_list_in_french(shop):
    r = shop("order", "show", "1001", env=FR)
    assert r.exit_code == 0, r.output
    out = r.stdout.replace("\u202f", " ").replace("\xa0", " ")
    assert "18,00 €" in out and "1 250,00 €" in out and "€18.00" not in out
    assert "En attente de paiement" in out
    r = shop("order", "list", env=FR)
    assert r.exit_code == 0, r.output
    assert "1 250,00 €" in r.stdout.replace("\u202f", " ").replace("\xa0", " ")


def test_english_is_the_default_and_machine_formats_never_change(shop):
    r = shop("order", "show", "1001", env=EN)
    assert "€1,250.00" in r.stdout and "Awaiting payment" in r.stdout
    fr_json = shop("order", "show", "1001", "--format", "json", env=FR).stdout
    en_json = shop("order", "show", "1001", "--format", "json", env=EN).stdout
    assert fr_json == en_json and '"1250.00"' in fr_json


def test_store_locale_is_the_screen_language_when_the_environment_says_nothing(shop):
    assert shop("config", "set", "store.locale", "fr_FR").exit_code == 0
    r = shop("order", "show", "1001", env=EN)
    assert "1 250,00 €" in r.stdout.replace("\u202f", " ").replace("\xa0", " ")
    r = shop("order", "show", "1001", env={**EN, "ORDERCLI_LANG": "en_US"})  # a till overrides the store
    assert "€1,250.00" in r.stdout


def test_typed_amounts_take_a_decimal_comma_or_point_in_french(shop):
    for amount in ("12,50", "12.50"):
        r = shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--custom-item", f"Pot={amount}", env=FR)
        assert r.exit_code == 0, r.output
    r = shop("order", "list", "--format", "csv", env=FR)
    assert r.stdout.count(",12.50,EUR,") == 2  # stored alike; CSV stays machine-readable (no --dialect)
