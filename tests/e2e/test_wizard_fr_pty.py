"""The stall wizard in French in a real pseudo-terminal (ORDERCLI_LANG=fr_FR): a French market
trader reads French prompts, money as ``18,00 €``, and answers yes/no questions with o/oui/n/non."""

from __future__ import annotations


import pexpect
import pytest

from tests import pty
from tests.pty import end, rows
from tests.wizard_keys import BACKSPACE, ENTER, PAY_CASH, PAY_LATER

pytestmark = pytest.mark.slow

# babel separates amount and sign with a no-break space; prompts and messages show a plain one
EUR = r"\s€"  # \s: a plain or a no-break space


def spawn(store: str, *args: str) -> pexpect.spawn:
    return pty.spawn(store, *args, env={"ORDERCLI_LANG": "fr_FR"})


@pytest.fixture
def store(tmp_path):
    from tests import seed

    path = str(tmp_path / "marche.db")
    seed.products(f"sqlite:///{path}", ("MUG-01", "Blue mug", "18.00", 5, 20))
    return path


def one_mug(child) -> None:
    child.expect(r"Article \(tapez une référence ou un nom")
    child.send("MUG-01" + ENTER)
    child.expect(rf"Quantité de Blue mug \(18,00{EUR}, reste 5\) \[1\] :")
    child.send("1" + ENTER)
    child.expect("Entrée pour terminer")
    child.send(ENTER)
    child.expect(r"Autre chose \? \(Entrée pour vérifier\)")
    child.expect("Terminé — vérifier la commande")
    child.send(ENTER)


def test_walk_in_cash_sale_entirely_in_french(store):
    child = spawn(store, "order", "create")
    child.expect(r"Client \(nom, e-mail ou téléphone pour chercher")  # the customer prompt (wizard/customer.py)
    child.expect(r"\)\s?:")
    child.send(ENTER)  # empty: a walk-in sale
    child.expect("Client : client de passage")
    one_mug(child)
    child.expect(r"Client : \S*Client de passage")  # the review; the stored name stays "Walk-in"
    child.expect("Récapitulatif")
    child.expect("Sous-total")
    child.expect(rf"Total\s+18,00{EUR}")
    child.expect(r"Créer cette commande \? \(O/n\)")
    child.send("oui" + ENTER)
    child.expect(rf"Encaissement \(18,00{EUR} à payer\) :")
    child.expect("Espèces")
    child.expect(r"Plus tard \(en attente de paiement\)")
    child.send(PAY_CASH)
    child.expect(rf"Espèces reçues \(Entrée pour 18,00{EUR} tout juste\) :")
    child.send("20" + ENTER)
    child.expect(rf"Monnaie à rendre : 2,00{EUR}")
    child.expect(rf"Commande \S*1001\S* créée · payé · 1 article · 18,00{EUR}")
    child.expect(r"Commencer la commande suivante \? \(O/n\)")
    child.send("n" + ENTER)
    out = end(child)
    assert "Change to give back" not in out and "Walk-in" not in out
    # The stored walk-in name is data, not translated; the payment holds the change given back.
    assert rows(store, "SELECT customer_name, walk_in, payment_status, paid FROM orders") == [("Walk-in", 1, "PAID", 1800)]
    assert rows(store, "SELECT amount, method_code, tendered, change FROM payment") == [(1800, "cash", 2000, 200)]


def test_customer_sale_answered_o_and_non(store):
    child = spawn(store, "order", "create")
    child.expect(r"Client \(nom, e-mail ou téléphone pour chercher")
    child.expect(r"\)\s?:")
    child.send("Ana Lima" + ENTER)
    child.expect(r"E-mail \(Entrée pour passer\) :")
    child.send("ana@example.com" + ENTER)
    child.expect(r"Téléphone \(Entrée pour passer\) :")
    child.send(ENTER)
    one_mug(child)
    child.expect(r"Client : \S*Ana Lima")
    child.expect(r"Envoyer la confirmation de commande à ana@example\.com \? \(O/n\)")
    child.send("non" + ENTER)
    child.expect(r"Créer cette commande \? \(O/n\)")
    child.send("x" + ENTER)  # neither yes nor no: said, and asked again
    child.expect(r"Répondez o \(oui\) ou n \(non\)\.")
    child.send(BACKSPACE + "o" + ENTER)
    child.expect(rf"Encaissement \(18,00{EUR} à payer\)")
    child.send(PAY_LATER)
    child.expect(rf"Commande \S*1001\S* créée · en attente de paiement · 1 article · 18,00{EUR}")
    child.expect(r"Commencer la commande suivante \? \(O/n\)")
    child.send("non" + ENTER)
    end(child)
    assert rows(store, "SELECT customer_name, customer_email, walk_in, payment_status FROM orders") == [("Ana Lima", "ana@example.com", 0, "AWAITING_PAYMENT")]
    assert rows(store, "SELECT COUNT(*) FROM payment") == [(0,)]
    # "non" to the confirmation email: nothing queued for the customer
    assert rows(store, "SELECT COUNT(*) FROM outbox WHERE recipient = 'ana@example.com'") == [(0,)]


def test_ctrl_c_says_nothing_saved_in_french(store):
    from tests.wizard_keys import CTRL_C

    child = spawn(store, "order", "create")
    child.expect(r"Client \(nom, e-mail ou téléphone pour chercher")
    child.expect(r"\)\s?:")
    child.send(ENTER)
    child.expect(r"Article \(tapez une référence")
    child.send(CTRL_C)
    child.expect("Annulé, rien n’a été enregistré.")
    end(child, 130)
    assert rows(store, "SELECT COUNT(*) FROM orders") == [(0,)]
