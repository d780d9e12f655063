"""An order's history is stored in English whatever the till's language, and shown in the screen's
language by `order show` (ordercli.history_text). Unknown stored text is shown as it is."""

from __future__ import annotations

import json
import re
import sqlite3


from tests import seed
from tests.conftest import Cli

FR = {"ORDERCLI_LANG": "fr_FR"}


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _run(c: Cli, *args, env=None):
    from ordercli import i18n

    i18n.reset()
    r = c(*args, env=env)
    assert r.exit_code == 0, r.output
    return r


def _day_at_the_stall(url: str, env: dict | None) -> Cli:
    """Create, pay cash with change, edit (the total goes up), set a status, cancel, refund."""
    c = Cli(url)
    seed.products(f"sqlite:///{url}", ("MUG-01", "Blue mug", "18.00", 5, 20), ("CARD", "Card", "3.50", 10, 20))
    _run(c, "order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01:2", env=env)
    _run(c, "order", "pay", "1001", "--method", "cash", "--tendered", "50", env=env)
    _run(c, "order", "edit", "1001", "--set-qty", "MUG-01=3", "--add-item", "CARD:2", "--tip", "2", "--note", "fragile; Added later", env=env)
    _run(c, "order", "status", "1001", "--fulfillment", "processing", "--tracking-number", "TN-1", env=env)
    _run(c, "order", "cancel", "1001", "--yes", "--reason", "client parti", env=env)
    _run(c, "order", "refund", "1001", "--yes", env=env)
    return c


def _stored(url: str) -> tuple[list, list]:
    with sqlite3.connect(url) as conn:
        events = conn.execute("SELECT kind, summary FROM order_event ORDER BY id").fetchall()
        notes = conn.execute("SELECT kind, reason FROM payment ORDER BY id").fetchall()
    return events, notes


def _timeline(out: str) -> list[str]:
    return out.split("Historique\n", 1)[1].splitlines() if "Historique\n" in out else out.split("Timeline\n", 1)[1].splitlines()


def test_a_french_till_shows_the_history_in_french_and_stores_the_same_text_as_an_english_till(tmp_path):
    fr_url, en_url = str(tmp_path / "fr.db"), str(tmp_path / "en.db")
    fr = _day_at_the_stall(fr_url, FR)
    en = _day_at_the_stall(en_url, None)

    # What is stored does not depend on the till's language: English, English money and statuses.
    assert _stored(fr_url) == _stored(en_url)
    events, notes = _stored(fr_url)
    assert events[0] == ("created", "Created (flags) · 2 items · €36.00")
    assert ("payment", "balance due €0.00") in notes
    assert "Payment: Paid → Awaiting payment (balance due €27.00)" in [s for _k, s in events]
    # JSON keeps the stored English text on a French screen.
    data = json.loads(_run(fr, "order", "show", "1001", "--format", "json", env=FR).stdout)
    assert [e["summary"] for e in data["events"]] == [s for _k, s in events]

    out = _plain(_run(fr, "order", "show", "1001", env=FR).stdout)
    lines = _timeline(out)
    history = "\n".join(lines)
    assert len(lines) == len(events), history
    for english in ("Created", "items", "Payment", "balance due", "tendered", "Edited", "Refund", "stock returned", "was paid", "Awaiting", "qty"):
        assert english not in history, (english, history)
    assert "Créée (ligne de commande) · 2 articles · 36,00 €" in lines[0]
    assert "Paiement 36,00 € · Cash · reçu 50,00 €, rendu 14,00 € · reste à payer 0,00 €" in lines[1]
    assert "Paiement : En attente de paiement → Payé" in lines[2]
    assert "Modifiée : MUG-01 qté 2 → 3; Ajouté CARD ×2 à 3,50 €; Pourboire : — → 2,00 €" in history
    assert "Note : — → fragile; Added later; total 36,00 € → 63,00 € · pris du stock MUG-01 ×1, CARD ×2" in history  # a note is data
    assert "Paiement : Payé → En attente de paiement (reste à payer 27,00 €)" in history
    assert "Traitement : En attente de traitement → En cours de traitement · Numéro de suivi : — → TN-1" in history
    assert "motif : client parti · 36,00 € payé, à rendre au client" in history
    assert "Remboursement 36,00 €" in history and "Paiement : Annulé → Remboursé" in history
    # the payments table's details: the stored note in French too
    assert "reste à payer 0,00 €" in out.split("Historique", 1)[0]

    # An English till shows exactly what is stored.
    out = _run(en, "order", "show", "1001").stdout
    lines = _timeline(out)
    for (_kind, summary), line in zip(events, lines):
        assert re.fullmatch(rf"  \d{{4}}-\d\d-\d\d \d\d:\d\d  {re.escape(summary)}(  \(\w+\))?", line), (summary, line)
    assert "balance due €0.00" in out.split("Timeline", 1)[0]


def test_unknown_and_older_stored_text_is_shown_unchanged_and_never_read_as_markup(sqlite_url):
    c = Cli(sqlite_url)
    seed.products(f"sqlite:///{sqlite_url}", ("MUG-01", "Blue mug", "18.00", 5, 20))
    _run(c, "order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01")
    odd = [
        "Imported from the old till · [bold]Zoë[/bold] · 3 boxes",  # unknown text, markup-looking data
        "Created (flags) · 2 items · 36,00 €",  # written by an older French till: its money is kept
        "Payment: En attente de paiement → Payé",  # older French status words: kept as written
        "Customer merged: Ana [x] (customer 1) → Ana B. (customer 2)",
    ]
    with sqlite3.connect(sqlite_url) as conn:
        for text in odd:
            conn.execute("INSERT INTO order_event (order_id, at, kind, door, summary) SELECT order_id, at, 'note', NULL, ? FROM order_event LIMIT 1", (text,))
    out = _plain(_run(c, "order", "show", "1001", env=FR).stdout)
    assert "Imported from the old till · [bold]Zoë[/bold] · 3 boxes" in out, out
    assert "Créée (ligne de commande) · 2 articles · 36,00 €" in out
    assert "Paiement : En attente de paiement → Payé" in out
    assert "Client fusionné : Ana [x] (client 1) → Ana B. (client 2)" in out
    out = _run(c, "order", "show", "1001").stdout
    for text in odd:
        assert text in out, (text, out)



def test_stored_money_is_the_english_short_form_whatever_the_screen(french):
    from ordercli import i18n
    from ordercli.history_text import stored_money, stored_status
    from ordercli.money import format_money

    assert stored_money(3600, "EUR") == "€36.00" and stored_money(125000, "EUR") == "€1,250.00"
    assert stored_money(1250, "CHF") == "12.50 CHF" and stored_money(-500, "EUR") == "-€5.00"
    assert stored_status("AWAITING_PAYMENT") == "Awaiting payment"
    assert _plain(format_money(3600, "EUR")) == "36,00 €"  # the screen itself is French
    i18n.reset()
    import os

    os.environ["ORDERCLI_LANG"] = "en_US"
    assert stored_money(125000, "EUR") == format_money(125000, "EUR") and stored_money(1250, "CHF") == format_money(1250, "CHF")


def test_history_lines_in_french(french):
    from ordercli.history_text import edit_parts, shown

    assert _plain(shown("Refund €10.00 · Card · restocked MUG-01 ×1")) == "Remboursement 10,00 € · Card · remis en stock MUG-01 ×1"
    assert _plain(shown("Refund €1,250.00 · not restocked")) == "Remboursement 1 250,00 € · non remis en stock"
    assert shown("Payment: Paid → Awaiting payment (payments cover the new total)") == "Paiement : Payé → En attente de paiement (les paiements couvrent le nouveau total)"
    assert shown("Order confirmation sent to ana@example.com") == "Envoyé à ana@example.com : Confirmation de commande"
    assert shown("Payment received to ana@example.com could not be delivered (after 3 attempts): 550 no such user") == (
        "Échec de l'envoi à ana@example.com (après 3 tentatives) : Paiement reçu — 550 no such user"
    )
    assert _plain(shown("Payment €5.00 · Cash · recorded by a status change")) == "Paiement 5,00 € · Cash · enregistré par un changement de statut"
    assert _plain(shown("Edited: Removed CARD ×2; Shipping: — → Colissimo €4.90 to 1 rue Haute, Lyon · overpaid by €3.00 (owed back to the customer)")) == (
        "Modifiée : Retiré CARD ×2; Livraison : — → Colissimo 4,90 € vers 1 rue Haute, Lyon · trop-perçu de 3,00 € (à rendre au client)"
    )
    assert [_plain(p) for p in edit_parts(["MUG-01 price €18.00 → €20.00", "Shipping: pickup → shipping €4.90"])] == [
        "MUG-01 prix 18,00 € → 20,00 €", "Livraison : retrait → livraison 4,90 €"
    ]
    assert shown("1 item") == "1 article" and shown("") == "" and shown(None) == ""
    assert shown("Payment 5 MUG") == "Payment 5 MUG"  # not money: unchanged
