"""The screen in French outside the wizard: the announcement after `order create` and the
dates of `order list` (render.local_time -> output.local_datetime)."""

from __future__ import annotations

import re

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
