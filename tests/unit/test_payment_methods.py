"""Payment methods: codes with labels; what people type maps to one code."""

import pytest

from ordercli import payment_methods as pm
from ordercli.errors import InputError


def test_defaults_follow_the_language():
    assert [m.code for m in pm.defaults("fr_FR")] == ["cash", "card", "transfer", "cheque", "other"]
    assert pm.defaults("fr_FR")[0].label == "Espèces"
    assert pm.defaults("en_GB")[0].label == "Cash"
    assert pm.defaults("de_DE")[0].label == "Cash"  # no German labels: English


@pytest.mark.parametrize("typed", ["cash", "CASH", "Cash", " espèces ", "ESPECES", "Espèces", "liquide"])
def test_cash_in_any_case_language_or_accent(typed):
    assert pm.resolve(typed, pm.defaults("en_US")) == "cash"


def test_card_labels_and_aliases():
    methods = pm.defaults("fr_FR")
    assert pm.resolve("carte bancaire", methods) == "card"
    assert pm.resolve("Card", methods) == "card"  # the English label on a French store
    assert pm.resolve("CB", methods) == "card"


def test_unknown_method_is_refused_with_the_list():
    with pytest.raises(InputError) as e:
        pm.resolve("bitcoin", pm.defaults("en_US"))
    assert "bitcoin" in e.value.message
    assert "cash (Cash)" in e.value.hint and "other (Other)" in e.value.hint


def test_custom_setting_and_its_check():
    methods = pm.parse_setting("cash=Cash, lydia=Lydia,card=")
    assert [(m.code, m.label) for m in methods] == [("cash", "Cash"), ("lydia", "Lydia"), ("card", "Card")]
    assert pm.resolve("LYDIA", methods) == "lydia"
    with pytest.raises(InputError):
        pm.resolve("cheque", methods)  # not in this store's list
    assert pm.check_setting(" cash = Cash ,lydia=Lydia") == "cash=Cash,lydia=Lydia"
    assert pm.check_setting("") == ""
    for bad in ("Cash Money=x", "cash=Cash,cash=Again", "9=nine"):
        with pytest.raises(InputError):
            pm.check_setting(bad)


def test_lenient_code_for_stored_rows():
    assert pm.code_for("Espèces") == "cash"
    assert pm.code_for("Card terminal") == "card"
    assert pm.code_for("a friend's IOU") == "other"
    assert pm.code_for(None) is None and pm.code_for("  ") is None
