"""The wizard's customer step in French, in a real pseudo-terminal (ORDERCLI_LANG=fr_FR).

wizard/customer.py speaks the screen's language: the search prompt, the new customer's name,
email and phone prompts, their validation messages, the "update this customer?" question (typed
o/oui/n/non) and the line naming the customer picked. The English prompts are checked by
tests/e2e/test_customer_pick_pty.py and the other wizard tests.
"""

from __future__ import annotations

import io

import pytest

from tests import pty
from tests.pty import end, rows
from tests.wizard_keys import BACKSPACE, CTRL_C, ENTER

pytestmark = pytest.mark.slow

FR = {"ORDERCLI_LANG": "fr_FR"}


def run(store: str, *args: str) -> None:
    child = pty.spawn(store, *args)
    end(child)


@pytest.fixture
def store(tmp_path):
    path = str(tmp_path / "marche.db")
    run(path, "config", "set", "store.phone_region", "FR")
    run(path, "product", "add", "CANDLE", "--name", "Bougie", "--price", "8", "--untracked")
    run(path, "order", "create", "--name", "Paul Girard", "--phone", "06 53 31 21 94", "--item", "CANDLE", "--no-notify")
    return path


def test_a_new_customer_is_asked_for_in_french(store):
    child = pty.spawn(store, "order", "create", env=FR)
    seen = child.logfile_read = io.StringIO()
    child.expect(r"Client \(nom, e-mail ou téléphone pour chercher, ou nouveau nom ; Entrée : client de passage\) :")
    child.send("Zoé Martin" + ENTER)
    child.expect(r"E-mail \(Entrée pour passer\) :")
    child.send("zoe@@x")
    child.expect("E-mail invalide")  # the validation message, under the prompt
    child.expect("Vérifiez l’adresse")
    child.send(BACKSPACE * 6 + ENTER)  # no email
    child.expect(r"Téléphone :")  # no email: the phone is needed (no "Enter to skip")
    child.send(ENTER)
    child.expect("Il faut un e-mail ou un numéro de téléphone.")
    child.send("06 11 22 33 44" + ENTER)
    child.expect(r"Article \(tapez une référence ou un nom")  # the next step, in French too
    child.send(CTRL_C)
    end(child, 130)
    for english in ("Customer (type", "Email (Enter", "Phone:", "Invalid email", "is needed"):
        assert english not in seen.getvalue()
    assert rows(store, "SELECT count(*) FROM orders") == [(1,)]  # nothing saved


def test_a_known_customer_with_a_new_email_is_asked_about_in_french(store):
    child = pty.spawn(store, "order", "create", env=FR)
    child.expect(r"Client \(nom, e-mail ou téléphone pour chercher")
    child.send("paul@example.fr" + ENTER)  # nobody has this email yet
    child.expect("Nom du nouveau client :")
    child.send("Paul Girard" + ENTER)
    child.expect(r"Téléphone \(Entrée pour passer\) :")
    child.send("06 53 31 21 94" + ENTER)  # Paul's phone: it is Paul
    child.expect(r"Client : Paul Girard — \+33653312194")
    child.expect(r"Mettre à jour la fiche de Paul Girard \(e-mail : paul@example\.fr\) \? \(o/N\)")
    child.send("oui" + ENTER)
    child.expect(r"Article \(tapez une référence ou un nom")
    child.send(CTRL_C)
    end(child, 130)


def test_several_customers_with_that_name_are_offered_in_french(store):
    run(store, "order", "create", "--name", "Paul Girard", "--email", "paul.g@example.fr", "--item", "CANDLE", "--no-notify")
    child = pty.spawn(store, "order", "create", env=FR)
    child.expect(r"Client \(nom, e-mail ou téléphone pour chercher")
    child.send("Paul Girard" + ENTER)  # two customers have exactly this name
    child.expect(r"De quel client s’agit-il \?")
    child.expect(r"\(1 commande\)")  # the count of orders in French, one order each
    child.expect(r"Un nouveau client : Paul Girard")
    child.send(CTRL_C)
    end(child, 130)
