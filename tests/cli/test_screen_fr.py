"""The screen in French outside the wizard: the announcement after `order create` and the
dates of `order list` (render.local_time -> output.local_datetime)."""

from __future__ import annotations

import re

import pytest

from tests import seed
from tests.conftest import Cli

FR = {"ORDERCLI_LANG": "fr_FR"}


def test_order_create_announces_in_french_and_order_list_shows_french_dates(sqlite_url):
    from ordercli import i18n

    c = Cli(sqlite_url)
    seed.products(f"sqlite:///{sqlite_url}", ("MUG-01", "Blue mug", "18.00", 5, 20))
    i18n.reset()
    r = c("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01:2", env=FR)
    assert r.exit_code == 0, r.stderr
    assert re.search(r"Commande 1001 créée · en attente de paiement · 2 articles · 36,00\s€", r.output), r.output
    assert "Encaisser avec : ordercli order pay 1001" in r.output
    r = c("order", "list", env=FR)
    assert r.exit_code == 0, r.stderr
    assert re.search(r"\b\d\d/\d\d/\d{4} \d\d:\d\d\b", r.stdout), r.stdout
    i18n.reset()
    r = c("order", "list")  # English: ISO dates, as before
    assert re.search(r"\b\d{4}-\d\d-\d\d \d\d:\d\d\b", r.stdout) and not re.search(r"\d\d/\d\d/\d{4}", r.stdout), r.stdout


def test_a_walk_in_sale_shows_client_de_passage_in_french_but_stays_walk_in_in_the_store(sqlite_url):
    import sqlite3

    from ordercli import i18n

    c = Cli(sqlite_url)
    seed.products(f"sqlite:///{sqlite_url}", ("MUG-01", "Blue mug", "18.00", 5, 20))
    i18n.reset()
    r = c("order", "create", "--walk-in", "--item", "MUG-01", env=FR)
    assert r.exit_code == 0, r.stderr
    assert "Client : Client de passage" in r.output and "Walk-in" not in r.output, r.output
    assert "Paiement : En attente de paiement" in r.output
    assert "Client de passage" in c("order", "list", env=FR).stdout
    i18n.reset()
    assert "Walk-in" in c("order", "list").stdout  # English screen: the English word
    with sqlite3.connect(sqlite_url) as conn:
        assert conn.execute("SELECT customer_name, walk_in FROM orders").fetchall() == [("Walk-in", 1)]


# ------------------------------------------------------------ the screens of the CLI in French


def _plain(text: str) -> str:
    """Babel's no-break spaces (1 250,00 €) as plain spaces, for readable assertions."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _fr(c, *args, env=None):
    from ordercli import i18n

    i18n.reset()
    r = c(*args, env={**FR, **(env or {})})
    assert r.exit_code == 0, r.output
    return _plain(r.stdout), _plain(r.stderr)


def _en(c, *args, env=None):
    from ordercli import i18n

    i18n.reset()
    r = c(*args, env=env)
    assert r.exit_code == 0, r.output
    return r.stdout, r.stderr


@pytest.fixture
def stall(sqlite_url):
    """Two orders: 1001 awaiting payment (36,00 €), 1002 a walk-in sale paid in cash (18,00 €, 20,00 € tendered)."""
    c = Cli(sqlite_url)
    seed.products(f"sqlite:///{sqlite_url}", ("MUG-01", "Blue mug", "18.00", 5, 20))
    assert c("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01:2").exit_code == 0
    r = c("order", "create", "--walk-in", "--item", "MUG-01", "--pay", "cash", "--tendered", "20")
    assert r.exit_code == 0, r.output
    return c


def test_order_list_headers_caption_and_totals_in_french(stall):
    out, _err = _fr(stall, "order", "list")
    header = out.splitlines()[0]
    for word in ("Numéro", "Date", "Client", "Articles", "Total", "Reste à payer", "Paiement", "Traitement"):
        assert word in header, header
    assert "2 commandes · total 54,00 € · payé 18,00 € · reste à payer 36,00 €" in out, out
    out, _err = _fr(stall, "order", "list", "--limit", "1")
    assert "affichées 1–1 · page suivante : --offset 1" in out, out
    out, _err = _en(stall, "order", "list", "--limit", "1")  # English, word for word as before
    assert "Number" in out.splitlines()[0] and "Balance due" in out.splitlines()[0]
    assert "2 orders · total €54.00 · paid €18.00 · due €36.00 · showing 1–1 · next page: --offset 1" in out, out


def test_order_show_payments_and_timeline_in_french(stall):
    out, _err = _fr(stall, "order", "show", "1002")
    assert "Paiements" in out and "Historique" in out, out
    assert re.search(r"Quand\s+Type\s+Montant\s+Moyen\s+Détails", out), out
    assert "reçu 20,00 €, rendu 2,00 €" in out and "paiement" in out
    assert "Payé : 18,00 €   Reste à payer : 0,00 €" in out, out
    assert re.search(r"^  \d\d/\d\d/\d{4} \d\d:\d\d  ", out, re.M), out  # timeline lines: French dates
    out, _err = _en(stall, "order", "show", "1002")
    assert "Payments" in out and "Timeline" in out and "tendered €20.00, change €2.00" in out and "Paid: €18.00" in out


def test_messages_after_a_payment_and_a_cancellation_in_french(stall):
    _out, err = _fr(stall, "order", "pay", "1001", "--amount", "10", "--method", "cash", "--tendered", "10")
    assert "Paiement de 10,00 € enregistré sur la commande 1001" in err, err
    assert "Reste à payer 26,00 € — encaissez le reste avec : ordercli order pay 1001" in err, err
    _out, err = _fr(stall, "order", "cancel", "1001", "--yes")
    assert "Commande 1001 : paiement" in err and "Remis en stock : " in err, err
    assert "10,00 € ont été payés sur cette commande — rendez-les avec : ordercli order refund 1001" in err, err
    _out, err = _en(stall, "order", "refund", "1001", "--yes")
    assert "Refund of €10.00 recorded on order 1001" in err, err


def test_report_day_table_in_french(stall):
    out, _err = _fr(stall, "report", "day")
    assert re.search(r"Rapport du jour · \d\d/\d\d/\d{4}", out), out
    for words in ("Commandes", "Ventes brutes", "Ventes nettes", "Pourboires", "Panier moyen", "Espèces attendues dans les caisses", "Paiements par moyen (encaissés ce jour)", "Produits vendus"):
        assert words in out, (words, out)
    out, _err = _en(stall, "report", "day")
    assert "Day report · 20" in out and "Gross sales" in out and "Products sold" in out


def test_till_session_in_french(stall):
    till = {"ORDERCLI_TILL": "stall-1"}
    _out, err = _fr(stall, "till", "open", "--float", "50", env=till)
    assert "Caisse stall-1 ouverte · session 1 · fond de caisse 50,00 €" in err, err
    _out, err = _fr(stall, "till", "cash-in", "5", "--reason", "pièces", env=till)
    assert "Entrée d’espèces de 5,00 € sur la caisse stall-1 · espèces attendues maintenant : 55,00 €" in err, err
    out, _err = _fr(stall, "till", "status", env=till)
    assert "Caisse stall-1 · session 1 · ouverte depuis" in out, out
    for words in ("Fond de caisse", "Paiements en espèces", "Espèces attendues", "Mouvements d’espèces", "entrée d’espèces"):
        assert words in out, (words, out)
    out, err = _fr(stall, "till", "close", "--counted", "54", "--yes", env=till)
    assert "Caisse stall-1 · session 1 fermée" in out and "Espèces comptées" in out and "-1,00 € (manque)" in out, out
    assert "Caisse stall-1 fermée · attendu 55,00 € · compté 54,00 € · écart -1,00 €" in err, err
    out, _err = _fr(stall, "till", "history")
    assert "Ouverte" in out.splitlines()[0] and "1 session · détails : ordercli till show ID" in out, out
    out, _err = _en(stall, "till", "history")
    assert "Opened" in out and "1 session(s) · details: ordercli till show ID" in out


def test_product_list_and_a_success_message_in_french(stall):
    out, _err = _fr(stall, "product", "list")
    assert re.search(r"Réf\.\s+Nom\s+Prix\s+Stock\s+TVA", out), out
    assert "1 produit" in out
    _out, err = _fr(stall, "product", "stock", "MUG-01", "--add", "3")
    assert "Le stock de MUG-01 est maintenant de 5." in err, err
    out, _err = _fr(stall, "product", "history", "MUG-01")
    assert "Variation" in out and "vente" in out and "mouvements, du plus récent au plus ancien" in out, out
    _out, err = _en(stall, "product", "stock", "MUG-01", "--add", "1")
    assert "Stock of MUG-01 is now 6." in err
