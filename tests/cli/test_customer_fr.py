"""``ordercli customer …`` and ``ordercli product import`` on a French screen (ORDERCLI_LANG=fr_FR):
messages, tables, confirmations and the import summary in French; data (names, SKUs) and JSON as they are."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_catalog_import_cli import template_file


def ok(r):
    assert r.exit_code == 0, f"exit {r.exit_code}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


def flat(text: str) -> str:
    """One line, every run of spaces (rich's wrapping, babel's no-break spaces) as one space."""
    return " ".join(text.split())


@pytest.fixture
def french(monkeypatch):
    from ordercli import i18n

    def switch():
        monkeypatch.setenv("ORDERCLI_LANG", "fr_FR")
        i18n.reset()

    return switch


@pytest.fixture
def shop(cli, french):
    ok(cli("config", "set", "store.phone_region", "FR"))
    ok(cli("product", "add", "CANDLE", "--name", "Bougie", "--price", "8", "--stock", "50"))
    # Paul, twice by mistake (phone only, then email only), and Élodie
    ok(cli("order", "create", "--name", "Paul Girard", "--phone", "06 53 31 21 94", "--item", "CANDLE:2"))
    ok(cli("order", "create", "--name", "Paul Girard", "--email", "paul@example.fr", "--item", "CANDLE:1"))
    ok(cli("order", "create", "--name", "Élodie Lefèvre", "--email", "elodie@example.fr", "--phone", "07 81 23 45 67", "--item", "CANDLE:5"))
    french()
    return cli


def test_customer_list_in_french(shop):
    r = ok(shop("customer", "list"))
    out = flat(r.stdout)
    assert "Nom" in out and "Téléphone" in out and "3 clients" in out and "Élodie Lefèvre" in out, r.stdout
    assert "Phone" not in out and "customer(s)" not in out
    assert flat(ok(shop("customer", "list", "--search", "nobody")).stderr) == "Aucun client ne correspond."
    # machine output is never translated
    assert set(json.loads(ok(shop("customer", "list", "--format", "json")).stdout)[0]) >= {"name", "email", "phone"}


def test_customer_show_in_french_and_an_ambiguous_name(shop):
    out = flat(ok(shop("customer", "show", "elodie")).stdout)
    assert "Élodie Lefèvre (client 3)" in out and "E-mail : elodie@example.fr" in out, out
    assert "Téléphone : +33781234567" in out and "Langue : celle de la boutique" in out
    assert "Commandes : 1 Total des achats : 40,00 € Reste dû : 40,00 €" in out
    assert "Numéro" in out and "Traitement" in out and "1 commande" in out and "order(s)" not in out
    r = shop("customer", "show", "paul girard")
    assert r.exit_code == 1
    err = flat(r.stderr)
    assert "2 clients correspondent à 'paul girard' :" in err and "Désignez-en un par son numéro" in err, err


def test_customer_edit_in_french(shop):
    r = ok(shop("customer", "edit", "elodie@example.fr", "--name", "Élodie Martin", "--language", "fr", "--vat-number", "FR40303265045"))
    err = flat(r.stderr)
    assert "Client 3 (Élodie Martin) modifié : nom, langue, numéro de TVA." in err, err
    assert "Ses commandes passées gardent les coordonnées" in err
    assert "Langue : fr (e-mails et factures) ; n° de TVA : FR40303265045." in err
    assert "Le client 3 a déjà ces informations. Rien n’a changé." in flat(ok(shop("customer", "edit", "3", "--name", "Élodie Martin")).stderr)
    d = json.loads(ok(shop("customer", "edit", "3", "--note", "Préfère la lavande", "--format", "json")).stdout)
    assert d["changed"] == ["note"]  # the JSON keeps the field names
    r = shop("customer", "edit", "3", "--language", "klingon")
    assert r.exit_code == 2 and "Langue inconnue 'klingon'" in flat(r.stderr), r.stderr


def test_customer_merge_in_french(shop):
    r = shop("customer", "merge", "1", "paul@example.fr")  # no terminal: --yes required, said in French
    assert r.exit_code == 2
    err = flat(r.stderr)
    assert "La fusion de clients : confirmation nécessaire." in err and "Ajoutez --yes pour fusionner sans terminal." in err, err
    err = flat(ok(shop("customer", "merge", "1", "paul@example.fr", "--yes")).stderr)
    assert "Client 1 (Paul Girard) → client 2 (Paul Girard) : 1 commande transférée (1001)." in err, err
    assert "Client 1 fusionné dans le client 2 (Paul Girard) : 1 commande transférée ; client 1 supprimé." in err


def test_customer_forget_in_french(shop):
    r = shop("customer", "forget", "elodie@example.fr")
    assert r.exit_code == 2 and "Ajoutez --yes pour l’oublier sans terminal." in flat(r.stderr), r.stderr
    err = flat(ok(shop("customer", "forget", "elodie@example.fr", "--yes")).stderr)
    # her order confirmation was still queued: dropped
    assert "Client 3 oublié : données personnelles effacées de 1 commande, messages en attente supprimés : 1." in err, err


def test_product_import_summary_in_french(cli, french, tmp_path):
    french()
    f = template_file(tmp_path)
    err = flat(ok(cli("product", "import", f, "--dry-run")).stderr)
    assert "Essai à blanc, rien n’a été écrit (produits Shopify) : 3 créés, 0 mis à jour, 0 inchangé, 1 ligne écartée" in err, err
    err = flat(ok(cli("product", "import", f)).stderr)
    assert "Catalogue importé (produits Shopify) : 3 créés, 0 mis à jour, 0 inchangé, 1 ligne écartée · 1 hors vente, 1 SKU généré." in err, err
    assert err.count("Colonnes ignorées :") == 1 and "Body (HTML)" in err
    assert "Attention : ligne écartée :" in err and "SRT-GM" in err  # the SKU is data, as it was written
    ok(cli("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "SRT-GM:2"))
    err = flat(ok(cli("product", "import", template_file(tmp_path))).stderr)
    assert "Catalogue importé (produits Shopify) :" in err and "mis à jour" in err, err
    assert "Le stock du fichier diffère de celui de la boutique pour 1 produit existant ; le stock de la boutique a été conservé" in err


def test_product_import_refusals_in_french(cli, french, tmp_path):
    french()
    f = tmp_path / "bad.csv"
    f.write_text("sku,name,price\nA,A,abc\nB,B,\n", encoding="utf-8")
    r = cli("product", "import", f)
    assert r.exit_code == 2 and "Rien n’a été importé :" in flat(r.stderr) and "et 1 autre ligne écartée" in flat(r.stderr), r.stderr
    r = cli("product", "import", f, "--encoding", "klingon")
    assert r.exit_code == 2 and r.stdout == "" and "Traceback" not in r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Erreur : Encodage inconnu 'klingon' : utilisez utf-8, cp1252"), r.stderr
