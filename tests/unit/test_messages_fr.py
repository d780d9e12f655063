"""The core modules' messages follow the screen's language (ORDERCLI_LANG=fr_FR): parsers, limits,
files, statuses, printers, payment methods, notifications. English stays word for word as it was;
what is stored (an order's history) or machine-read stays English."""

from __future__ import annotations

import pytest

from ordercli import i18n
from ordercli.errors import InputError, RefusedError



def refusal(fn, *args, **kw):
    with pytest.raises((InputError, RefusedError)) as e:
        fn(*args, **kw)
    return e.value


def test_money_and_quantities_are_refused_in_english_as_before():
    from ordercli.domain import parse_quantity
    from ordercli.money import parse_money

    e = refusal(parse_money, "12.505", "EUR", what="tip")
    assert (e.message, e.hint) == ("Invalid tip '12.505': EUR has 2 decimal places.", "Round the tip to 2 decimals.")
    e = refusal(parse_money, "1,250", "EUR")
    assert e.message == "Invalid price '1,250': 1,250 is ambiguous: write 1250 or 1.25."
    assert refusal(parse_quantity, "0").message == "Invalid quantity '0': must be at least 1."
    assert refusal(parse_money, "-1", "JPY", what="amount").message == "Invalid amount '-1': it cannot be negative."


def test_money_and_quantities_are_refused_in_french(french):
    from ordercli.domain import clean_text, parse_quantity
    from ordercli.money import parse_money, parse_percent

    e = refusal(parse_money, "12.505", "EUR", what="tip")
    assert (e.message, e.hint) == ("Pourboire invalide ('12.505') : la devise EUR a 2 décimales.", "Arrondissez « pourboire » à 2 décimales.")
    assert refusal(parse_money, "1.5", "JPY", what="--amount").message == "--amount invalide ('1.5') : la devise JPY a 0 décimale."
    assert refusal(parse_quantity, "0").message == "Quantité invalide ('0') : au moins 1."
    assert refusal(parse_percent, "150", "discount").message == "Remise invalide ('150') : la valeur doit être comprise entre 0 et 100."
    e = refusal(clean_text, "a\nb", "customer name")
    assert (e.message, e.hint) == ("Le champ « nom du client » contient un saut de ligne.", "Écrivez le champ « nom du client » sur une seule ligne.")


def test_limits_are_said_with_french_grouping(french):
    from ordercli.domain import check_stock
    from ordercli.pricing import MAX_AMOUNT, LimitError, LineIn, compute_totals

    with pytest.raises(LimitError) as e:
        compute_totals([LineIn(MAX_AMOUNT + 1, 1)])
    assert str(e.value).startswith("prix unitaire de la ligne 1 : 2 000 000 001 en unités mineures")
    assert "(20 000 000,00 dans une devise à 2 décimales" in str(e.value)
    assert refusal(check_stock, 2_000_000_000).hint == "Indiquez un stock de 1 000 000 000 ou moins."


def test_a_file_problem_says_where_in_french(french):
    from ordercli.files.text import FileProblem

    p = FileProblem(7, "quantité invalide.", column="quantity")
    assert p.text("commandes.csv") == "'commandes.csv' ligne 7, colonne quantity : quantité invalide."
    assert FileProblem(3, "x", column="items[0].sku", column_label="field").where() == "ligne 3, champ items[0].sku"


def test_statuses_printers_and_payment_methods_refuse_in_french(french):
    from ordercli import payment_methods, printers, statuses

    e = refusal(statuses.check_payment_move, "REFUNDED", "AWAITING_PAYMENT")
    assert (e.message, e.hint) == ("Impossible de passer l’état de paiement de REFUNDED à AWAITING_PAYMENT.", "Depuis REFUNDED, l’état de paiement peut passer à : PAID.")
    assert refusal(statuses.parse_payment_status, "bof").message == "État de paiement inconnu : 'bof'."
    e = refusal(printers.parse_spec, "usb:zz")
    assert e.message == "Imprimante de tickets invalide 'usb:zz' : usb : FABRICANT:PRODUIT en hexadécimal est nécessaire."
    assert e.hint.startswith("Utilisez none, file:CHEMIN") and e.code == "printer.spec"
    e = refusal(payment_methods.parse_setting, "Cash=Espèces,1x=Autre")
    assert e.message == "Code de moyen de paiement invalide : '1x'."


def test_notification_words_on_screen_are_french_and_the_stored_history_stays_english(french):
    from ordercli.notify import policy
    from ordercli.settings import Settings

    assert policy.label("confirmation") == "Confirmation de commande"
    assert policy.stored_label("confirmation") == "Order confirmation"
    assert policy.transport_problem(Settings({"mail.transport": "none"})) == "mail.transport vaut none : les messages restent en file d’attente"
    i18n.reset()
    assert policy.label("confirmation") == "Confirmation de commande"


def test_notification_words_in_english_as_before():
    from ordercli.notify import policy
    from ordercli.settings import Settings

    assert policy.label("confirmation") == policy.stored_label("confirmation") == "Order confirmation"
    assert policy.transport_problem(Settings({"mail.transport": "smtp", "mail.from": "shop@example.com"})) == "smtp.host is not set"


def test_the_hints_table_speaks_french_and_keeps_commands_and_flags(french):
    from ordercli.cli.hints import HINTS, hint_for

    class E:
        code = "move.nothing_due"
        facts = {"order": "1001", "options": ("PAID", "CANCELLED"), "missing": "18,00 €"}

    assert hint_for(E()) == "Passez-la plutôt en --payment paid ou --payment cancelled. (--payment paid enregistre un paiement de 18,00 €)."
    assert HINTS["report.range"](most=3660) == "Indiquez un --until égal ou postérieur à --since, à 3 660 jours d’écart au plus."
    facts = {k: "X" for k in ("order", "sku", "till", "kind", "what", "due", "asked", "applied", "kept", "missing", "currency", "file_currency", "least")}
    for code, make in HINTS.items():  # every hint is worded in French without a crash; commands stay as typed
        text = make(**facts, most=5)
        assert text and text.count("`") % 2 == 0, (code, text)
        assert "ordercli " not in text or "`ordercli " in text, (code, text)
