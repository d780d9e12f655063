"""A French till sees bad input refused in French: the message and its hint (cli/hints.py, the
parsers of money, quantities, emails, files and settings), with commands and flags as they are typed.

Each scenario runs the real CLI with ``ORDERCLI_LANG=fr_FR`` (or ``store.locale fr_FR``): one
French error line and its French hint on stderr, a non-zero exit, no traceback, nothing written.
The English wording of the same refusals is checked by test_bad_input.py and its neighbours.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests import seed
from tests.conftest import Cli

FR = {"ORDERCLI_LANG": "fr_FR"}


@pytest.fixture
def fr(sqlite_url):
    """Run the CLI in French (the screen language is cached per process: forget it before each run)."""
    from ordercli import i18n

    c = Cli(sqlite_url)
    seed.products(f"sqlite:///{sqlite_url}", ("MUG-01", "Blue mug", "18.00", 5, 20))

    def run(*args: str, env: dict | None = FR):
        i18n.reset()
        r = c(*args, env=env)
        i18n.reset()
        return r

    run.url = sqlite_url
    return run


def refused(r, code: int = 2) -> str:
    assert r.exit_code == code, (r.exit_code, r.output)
    assert "Traceback" not in r.output
    assert r.stderr.startswith("Erreur :"), r.stderr
    return r.stderr


def orders(path: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM orders").fetchone()[0]


def test_bad_money_input_is_refused_in_french(fr):
    err = refused(fr("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", "--tip", "douze"))
    assert "Pourboire invalide : 'douze'." in err
    assert "Écrivez un nombre simple pour « pourboire », par ex. 12,50." in err
    err = refused(fr("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", "--tip", "1,250"))
    assert "1,250 est ambigu : écrivez 1250 ou 1,25." in err
    err = refused(fr("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", "--tip", "-2"))
    assert "la valeur ne peut pas être négative." in err and "Indiquez une valeur de 0 ou plus pour « pourboire »." in err
    assert orders(fr.url) == 0


def test_a_bad_quantity_and_a_bad_custom_item_are_refused_in_french(fr):
    err = refused(fr("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01:0"))
    assert "--item 'MUG-01:0' invalide" in err and "au moins 1." in err
    assert "Écrivez --item SKU:QTY avec une quantité entière positive, par ex. --item MUG-01:2." in err
    err = refused(fr("order", "create", "--name", "Ana", "--email", "ana@example.com", "--custom-item", "Emballage"))
    assert "--custom-item 'Emballage' invalide." in err
    assert 'Écrivez --custom-item "NOM=PRIX" ou "NOM=PRIXxQTÉ"' in err
    assert orders(fr.url) == 0


def test_a_bad_email_is_refused_in_french(fr):
    err = refused(fr("order", "create", "--name", "Ana", "--email", "ana.example.com", "--item", "MUG-01"))
    assert "E-mail invalide ('ana.example.com') : Une adresse e-mail doit contenir un @." in err
    assert "Vérifiez l’adresse, par ex. ana@example.com." in err
    assert "Invalid email" not in err and "@-sign" not in err
    assert orders(fr.url) == 0


def test_an_unknown_sku_gets_its_hint_in_french_with_the_command_as_typed(fr):
    err = refused(fr("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-1"), code=1)
    assert "Vouliez-vous dire MUG-01 ? Voir `ordercli product list --search TEXT`." in err
    err = refused(fr("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "ZZZ-99"), code=1)
    assert 'dans une commande, vendez-le comme --custom-item "NAME=PRICE"' in err
    assert orders(fr.url) == 0


def test_hints_of_the_services_refusals_are_in_french(fr):
    err = refused(fr("order", "show", "9999"), code=1)
    assert "Affichez les commandes avec `ordercli order list`." in err
    r = fr("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01:9")
    err = refused(r, code=1)
    assert "Stock insuffisant — MUG-01 : 9 demandé(s), 5 disponible(s)." in err
    assert "Baissez les quantités ou ajoutez du stock avec `ordercli product stock SKU --add N`. Rien n’a été enregistré." in err


def test_a_bad_encoding_is_refused_in_french(fr, tmp_path):
    f = tmp_path / "commandes.csv"
    f.write_text("order_ref,name,email,phone,sku,quantity\nA1,Ana,ana@example.com,,MUG-01,1\n", encoding="utf-8")
    err = refused(fr("order", "import", str(f), "--encoding", "klingon"))
    assert "Encodage inconnu : 'klingon'." in err
    assert "Utilisez utf-8, cp1252 (Windows-1252, Excel en français) ou latin-1." in err
    err = refused(fr("order", "import", str(tmp_path / "absent.csv")))
    assert "Fichier introuvable" in err and "Vérifiez le chemin." in err
    assert orders(fr.url) == 0


def test_a_file_that_is_not_utf8_says_how_to_fix_it_in_french(fr, tmp_path):
    f = tmp_path / "commandes.csv"
    # valid UTF-8 with one damaged byte: read as UTF-8, the bad line is reported
    f.write_bytes("order_ref,name,email,phone,sku,quantity\nA1,Zoé,zoe@example.com,,MUG-01,1\nA2,R\xe9mi,remi@example.com,,MUG-01,1\n".encode("utf-8").replace(b"R\xc3\xa9mi", b"R\xe9mi"))
    r = fr("order", "import", str(f))
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "texte non UTF-8" in r.stderr, r.stderr
    assert "Enregistrez le fichier en UTF-8" in r.stderr


def test_bad_config_values_are_refused_in_french(fr):
    err = refused(fr("config", "set", "store.currency", "XYZ"))
    assert "Devise inconnue : 'XYZ'." in err and "Utilisez un code ISO 4217 comme EUR, USD, GBP, CHF." in err
    err = refused(fr("config", "set", "smtp.port", "99999"))
    assert "Port invalide : '99999'." in err and "Utilisez un nombre de 1 à 65535." in err
    err = refused(fr("config", "set", "store.curency", "EUR"))
    assert "Réglage inconnu : 'store.curency'." in err
    assert "Vouliez-vous dire store.currency" in err and "Lancez `ordercli config show` pour voir tous les réglages." in err
    err = refused(fr("config", "set", "order.next_number", "0"))
    assert "Nombre invalide : '0'." in err and "2 000 000 000 au plus" in err
    err = refused(fr("config", "set", "receipt.printer", "network:"))
    assert "Imprimante de tickets invalide" in err and "un nom d’hôte ou une adresse est nécessaire" in err
    i18n_reset_and_english = fr("config", "set", "store.currency", "XYZ", env=None)  # the same refusal in English
    assert "Unknown currency 'XYZ'." in i18n_reset_and_english.stderr


def test_store_locale_fr_makes_the_messages_french_without_an_environment_variable(fr):
    r = fr("config", "set", "store.locale", "fr_FR", env=None)
    assert r.exit_code == 0, r.output
    err = refused(fr("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", "--tip", "douze", env=None))
    assert "Pourboire invalide : 'douze'." in err
    assert orders(fr.url) == 0


def test_config_show_describes_the_settings_in_french_and_its_json_stays_as_it_was(fr):
    r = fr("config", "show")
    assert r.exit_code == 0, r.output
    assert "Devise ISO 4217 des nouvelles commandes" in r.stdout
    assert "Envoyer un e-mail au client quand l’état devient PAID" in r.stdout
    assert "Numéro de la prochaine commande (1 à 2 000 000 000)" in r.stdout
    assert "ISO 4217 currency of new orders" not in r.stdout
    import json

    fr_json = json.loads(fr("config", "show", "--format", "json").stdout)
    en_json = json.loads(fr("config", "show", "--format", "json", env=None).stdout)
    assert fr_json == en_json and fr_json["store.currency"] == "EUR"


def test_a_missing_sender_gets_the_mail_from_hint_in_french(fr):
    assert fr("config", "set", "mail.transport", "file", env=None).exit_code == 0
    r = fr("outbox", "flush")
    assert r.exit_code != 0, r.output
    assert "aucune adresse d’expéditeur" in r.stderr and "ordercli config set mail.from" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
