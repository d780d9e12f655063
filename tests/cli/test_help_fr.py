"""``--help`` in the screen's language (cli/help_text.py) and the extractor that puts every help
text in the catalog (help_extract.py, babel.cfg)."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli

FR = {"ORDERCLI_LANG": "fr_FR"}
ROOT = Path(__file__).resolve().parents[2]
CLI_DIR = ROOT / "src" / "ordercli" / "cli"

# (command, French lines that must show, English lines that must not)
PAGES = [
    (
        [],
        ["Utilisation : ordercli [OPTIONS] COMMAND [ARGS]...", "Un poste de commandes en ligne de commande pour les petits commerçants.", "Commandes :", "Options :", "Affiche cette aide et quitte.", "Affiche la version et quitte.", "Créer et consulter les commandes."],
        ["Usage:", "A command-line order desk", "Show this message and exit.", "Create and review orders."],
    ),
    (
        ["order", "create"],
        ["Crée une commande pour le compte d'un client.", "Exemples :", "ordercli order create --walk-in --item MUG-01 --pay cash --tendered 20", "Nom du client.", "[défaut : table]", "[défaut : notify]"],
        ["Create an order on behalf of a customer.", "Customer name.", "[default:"],
    ),
    (
        ["order", "pay"],
        ["Enregistre un paiement (par défaut : le reste à payer).", "Arguments :", "Numéro de commande.  [obligatoire]", "Espèces remises ; la monnaie à rendre est affichée."],
        ["Record a payment", "[required]", "Arguments:", "Cash handed over"],
    ),
    (
        ["till"],
        ["Sessions de caisse : le fond de caisse", "cash-in   Met des espèces dans le tiroir (monnaie de la banque…).", "history   Les sessions passées et ouvertes, les plus récentes d'abord."],
        ["Till sessions", "Put cash into the drawer", "Commands:"],
    ),
    (
        ["report", "day"],
        ["La clôture du jour : commandes, ventes, remboursements, pourboires", "Le jour (fuseau horaire de la boutique).", "csv (simple, par défaut), excel (UTF-8 avec BOM)"],
        ["The day's close", "The day (store time zone).", "With --format csv"],
    ),
]
ENGLISH = {
    (): ["Usage: ordercli [OPTIONS] COMMAND [ARGS]...", "A command-line order desk for small merchants.", "Commands:", "Show this message and exit."],
    ("order", "create"): ["Create an order on behalf of a customer.", "Customer name.", "[default: table]"],
    ("order", "pay"): ["Record a payment (default: the balance due).", "Arguments:", "Order number.  [required]"],
    ("till",): ["Till sessions: the float, cash in and out, and the count at close.", "cash-in   Put cash into the drawer (change from the bank…)."],
    ("report", "day"): ["The day's close: orders, sales, refunds, tips, tax by rate", "The day (store time zone)."],
}


def flat(text: str) -> str:
    """The page with Click's line wrapping undone (a phrase may be cut at any space)."""
    return " ".join(text.split())


@pytest.mark.parametrize("command,french,english", PAGES, ids=lambda v: " ".join(v) if isinstance(v, list) and all(" " not in x for x in v) else None)
def test_help_pages_in_french_and_the_same_page_in_english(cli: Cli, command, french, english):
    r = cli(*command, "--help", env=FR)
    assert r.exit_code == 0, r.output
    page = flat(r.output)
    for line in french:
        assert flat(line) in page, f"{line!r} not in:\n{r.output}"
    for line in english:
        assert flat(line) not in page, f"{line!r} in:\n{r.output}"
    # the same process, in English again: the texts were put back (the tree is built once per test process)
    r = cli(*command, "--help")
    assert r.exit_code == 0, r.output
    page = flat(r.output)
    for line in ENGLISH[tuple(command)]:
        assert flat(line) in page, f"{line!r} not in:\n{r.output}"
    assert "Utilisation" not in page and "Affiche cette aide" not in page


def test_a_group_run_without_a_subcommand_shows_its_help_in_french(cli: Cli):
    r = cli("till", env=FR)
    assert r.exit_code == 2  # Click's no_args_is_help
    assert "Utilisation : ordercli till" in r.output and "Sessions de caisse" in r.output, r.output
    assert "Till sessions" not in r.output


@pytest.mark.parametrize("var", ["LANGUAGE", "LC_ALL", "LANG"])
def test_the_environment_decides_the_help_language(cli: Cli, var):
    value = "fr" if var == "LANGUAGE" else "fr_FR.UTF-8"
    r = cli("order", "pay", "--help", env={var: value})
    assert "Enregistre un paiement" in r.output, r.output
    r = cli("order", "pay", "--help", env={"ORDERCLI_LANG": "en_US", var: value})  # ORDERCLI_LANG first
    assert "Record a payment" in r.output, r.output


def test_a_usage_error_is_not_a_help_page(cli: Cli):
    r = cli("order", "pay", env=FR)  # the missing argument: the usage line and the error, in French (cli/usage_errors.py)
    assert r.exit_code == 2
    assert "Utilisation : ordercli order pay" in r.output and "Argument manquant" in r.output
    assert "Options :" not in r.output  # not the whole help page


def _command_tree():
    from typer.main import get_command

    from ordercli.cli import app

    def walk(cmd, path):
        yield path, cmd
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            yield from walk(sub, (*path, name))

    return list(walk(get_command(app), ()))


def test_every_help_text_of_every_command_has_a_french_translation():
    """A help text the extractor missed (or a catalog not updated) fails here."""
    from babel.messages.pofile import read_po

    from ordercli import i18n

    with open(i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "ordercli.po", "rb") as f:
        catalog = read_po(f)
    missing = []
    for path, cmd in _command_tree():
        texts = [cmd.help, cmd.short_help, cmd.epilog] + [p.help for p in cmd.params]
        for text in texts:
            message = catalog.get(inspect.cleandoc(text)) if text else None
            if text and (message is None or not message.string or message.fuzzy):
                missing.append(f"{' '.join(path) or 'ordercli'}: {text[:60]!r}")
    assert not missing, "not in the French catalog (run pybabel extract/update, translate):\n" + "\n".join(missing)


# ------------------------------------------------------------------ the extractor

SOURCE = '''
import typer
from ordercli.cli._state import DIALECT_HELP

app = typer.Typer(help="Things to do.\\n\\nExample: ordercli thing")
KEY_HELP = "Id or name."
LONG_HELP = (
    "First part, "
    "second part."
)
PLAIN_TEXT = "Not a help text."


@app.command("make")
def make(
    name: str = typer.Argument(..., help="""
        The name.
        """),
    other: str = typer.Option("", "--other", help="The other one. " + KEY_HELP),
    fmt: str = typer.Option("csv", "--dialect", help="With --format csv: " + DIALECT_HELP),
    computed: str = typer.Option("", help=f"Computed {PLAIN_TEXT}"),
) -> None:
    """Make a thing.

    Example: ordercli thing make X
    """
    helper()


@app.callback()
def root() -> None:
    """The callback's text."""


@app.command("given", help=LONG_HELP)
def given() -> None:
    """A docstring Typer does not show (help= is given)."""


def helper() -> None:
    """An internal docstring."""
'''


def test_the_extractor_finds_help_keywords_help_constants_and_command_docstrings():
    from ordercli.cli._state import DIALECT_HELP
    from ordercli.help_extract import help_texts

    found = [text for _, text in help_texts(SOURCE, CLI_DIR / "example.py")]
    assert "Things to do.\n\nExample: ordercli thing" in found
    assert "The name." in found  # cleaned (inspect.cleandoc) as Typer cleans an option's help
    assert "The other one. Id or name." in found  # a literal + a module constant
    assert "With --format csv: " + DIALECT_HELP in found  # + a constant imported from another module
    assert "Id or name." in found and "First part, second part." in found  # *_HELP constants
    assert "Make a thing.\n\nExample: ordercli thing make X" in found  # a command's docstring, as inspect.getdoc gives it
    assert "The callback's text." in found
    assert not [t for t in found if "Not a help" in t or "Computed" in t or "docstring" in t]


def test_babel_cfg_sends_the_command_modules_through_the_extractor():
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    from ordercli.cli.order import CREATE_HELP

    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    ids = set()
    for filename, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords={"_": None, "N_": None, "ngettext": (1, 2)}):
        if filename.startswith("src/ordercli/cli/") or filename.startswith("src/ordercli/cli\\"):
            ids.add(message)
    assert inspect.cleandoc(CREATE_HELP) in ids  # a *_HELP constant
    assert "Customer name." in ids  # a help= literal
    assert "Cancelled, nothing saved." in ids  # and still the _() messages of cli/root.py
    assert "Usage:" in ids  # N_ of cli/help_text.py


def test_the_installed_command_shows_french_help(tmp_path):
    script = Path(sys.executable).parent / "ordercli"
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "ORDERCLI_DB")}
    env.update(ORDERCLI_LANG="fr_FR", COLUMNS="100", XDG_DATA_HOME=str(tmp_path))
    r = subprocess.run([str(script), "order", "create", "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Utilisation : ordercli order create [OPTIONS]" in r.stdout
    assert "Crée une commande pour le compte d'un client." in r.stdout
    assert "Une vente à un client de passage" in r.stdout and "A sale to a passer-by" not in r.stdout
    assert not r.stderr
    env["ORDERCLI_LANG"] = "en_US"
    r = subprocess.run([str(script), "order", "create", "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert "Usage: ordercli order create [OPTIONS]" in r.stdout and "Create an order on behalf of a customer." in r.stdout
