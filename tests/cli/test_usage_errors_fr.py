"""Click's usage errors (mistyped option, missing argument, bad choice, unknown command) in the
screen's language: French on a French till, Click's own English otherwise (cli/usage_errors.py)."""

from __future__ import annotations

import pytest

from tests.conftest import Cli

FR = {"ORDERCLI_LANG": "fr_FR"}


@pytest.fixture
def run(sqlite_url):
    from ordercli import i18n

    c = Cli(sqlite_url)

    def go(*args, env=None):
        i18n.reset()
        r = c(*args, env=env)
        i18n.reset()
        return r

    return go


@pytest.mark.parametrize(
    "args, french, english",
    [
        (("order", "list", "--format", "xml"), "Erreur : Valeur invalide pour '--format' : 'xml' ne fait pas partie de 'table', 'json', 'csv'.", "Error: Invalid value for '--format': Value error, 'xml' is not one of 'table', 'json', 'csv'."),
        (("order", "list", "--limit", "abc"), "Erreur : Valeur invalide pour '--limit' : un nombre entier est attendu.", "Error: Invalid value for '--limit': Input should be a valid integer"),
        (("order", "show"), "Erreur : Argument manquant : 'number'.", "Error: Missing argument 'number'."),
        (("order", "crate"), "Erreur : Commande inconnue : 'crate'. Vouliez-vous dire 'create' ?", "Error: No such command 'crate'. Did you mean 'create'?"),
        (("order", "list", "extra"), "Erreur : Argument(s) en trop : extra.", "Error: Got unexpected extra argument(s) (extra)"),
        (("order", "list", "--nom"), "Erreur : Option inconnue : --nom", "Error: No such option: --nom"),
        (("order", "list", "--limit"), "Erreur : L’option '--limit' demande une valeur.", "Error: Option '--limit' requires an argument."),
    ],
)
def test_usage_errors_in_french_and_unchanged_in_english(run, args, french, english):
    r = run(*args, env=FR)
    assert r.exit_code == 2, r.output
    assert french in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    if "Argument manquant" in french or "Commande inconnue" in french:
        assert "Utilisation : ordercli" in r.stderr and "Voir l’aide avec 'ordercli" in r.stderr
    r = run(*args)
    assert r.exit_code == 2 and english in r.stderr, r.stderr
    assert "Erreur" not in r.stderr and "Utilisation" not in r.stderr
