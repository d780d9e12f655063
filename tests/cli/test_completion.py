"""Shell completion (issue 9 §7), through the real protocol: a child process with the shell's variables."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import seed


def complete(words: str, *, db: str | None, shell: str = "bash", extra: dict | None = None, tmp: Path | None = None) -> subprocess.CompletedProcess:
    """Ask ``ordercli`` what the shell would ask when TAB is pressed after ``words``."""
    env = {k: v for k, v in os.environ.items() if k not in ("ORDERCLI_DB", "_ORDERCLI_COMPLETE")}
    env["NO_COLOR"] = "1"
    if db is not None:
        env["ORDERCLI_DB"] = db
    if tmp is not None:
        env["XDG_DATA_HOME"] = str(tmp / "xdg-data")
    if shell == "bash":
        parts = words.split(" ")
        env.update(COMP_WORDS=" ".join(parts), COMP_CWORD=str(len(parts) - 1), _ORDERCLI_COMPLETE="complete_bash")
    else:
        env.update(_TYPER_COMPLETE_ARGS=words, _ORDERCLI_COMPLETE=f"complete_{shell}")
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    env.update(extra or {})
    return subprocess.run([sys.executable, "-m", "ordercli"], check=False, capture_output=True, text=True, env=env, timeout=60)


def lines(r: subprocess.CompletedProcess) -> list[str]:
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return [x for x in r.stdout.splitlines() if x]


@pytest.fixture
def store(any_cli):
    seed.products(any_cli.url, ("MUG-01", "Blue mug", "12.50", 50, 20), ("MUG-02", "Red mug", "12.50", 50, 20), ("JAM-01", "Apricot jam", "6.00", None, 5.5))
    for name, email in (("Ana Lima", "ana@example.com"), ("Bruno Diaz", "bruno@example.com")):
        r = any_cli("order", "create", "--name", name, "--email", email, "--item", "JAM-01:1", "--no-notify")
        assert r.exit_code == 0, r.stderr
    return any_cli.url


def test_commands_and_options(store):
    assert lines(complete("ordercli or", db=store)) == ["order"]
    assert "receipt" in lines(complete("ordercli order ", db=store))
    assert "completion" in lines(complete("ordercli comp", db=store))
    assert lines(complete("ordercli order create --it", db=store)) == ["--item"]
    assert set(lines(complete("ordercli order receipt 1001 --format ", db=store))) == {"text", "pdf", "escpos"}


def test_skus_for_item_options_and_sku_arguments(store):
    assert lines(complete("ordercli order create --item MUG", db=store)) == ["MUG-01", "MUG-02"]
    assert lines(complete("ordercli order create --item mug-0", db=store)) == ["MUG-01", "MUG-02"]  # any case
    assert lines(complete("ordercli order create --name X --item J", db=store)) == ["JAM-01"]
    assert lines(complete("ordercli product history ", db=store)) == ["JAM-01", "MUG-01", "MUG-02"]
    assert lines(complete("ordercli order edit 1001 --add-item M", db=store)) == ["MUG-01", "MUG-02"]


def test_order_numbers(store):
    assert lines(complete("ordercli order receipt ", db=store)) == ["1002", "1001"]  # newest first
    assert lines(complete("ordercli order show 1001", db=store)) == ["1001"]
    assert lines(complete("ordercli order pay 9", db=store)) == []


def test_customers_names_and_emails(store):
    # bash inserts a suggestion as it is: the space is escaped so the name stays one word
    assert lines(complete("ordercli order create --name A", db=store)) == ["Ana\\ Lima"]
    assert lines(complete("ordercli order create --email b", db=store)) == ["bruno@example.com"]
    assert lines(complete("ordercli customer show ", db=store)) == ["ana@example.com", "bruno@example.com"]
    assert lines(complete("ordercli order list --customer B", db=store)) == ["Bruno\\ Diaz"]


def test_payment_methods_from_the_setting(store):
    assert lines(complete("ordercli order pay 1001 --method c", db=store)) == ["cash", "card", "cheque"]
    seed.settings(store, **{"payment.methods": "cash=Cash,lydia=Lydia"})
    assert lines(complete("ordercli order pay 1001 --method ", db=store)) == ["cash", "lydia"]
    assert lines(complete("ordercli order create --payment-method L", db=store)) == ["lydia"]


def test_product_name_is_not_completed_with_customers(store):
    assert lines(complete("ordercli product add X --name A", db=store)) == []


def test_zsh_and_fish(store):
    zsh = complete("ordercli order create --item MUG", db=store, shell="zsh").stdout
    assert zsh.startswith("_arguments") and '"MUG-01"' in zsh and '"MUG-02"' in zsh
    assert lines(complete("ordercli order create --name An", db=store, shell="fish")) == ["Ana Lima"]
    assert lines(complete("ordercli order receipt 100", db=store, shell="fish")) == ["1002", "1001"]


def test_clicks_spelling_of_the_instruction_works_too(store):
    r = complete("ordercli order create --item J", db=store, extra={"_ORDERCLI_COMPLETE": "bash_complete"})
    assert lines(r) == ["JAM-01"]


def test_db_on_the_command_line_wins(store, tmp_path):
    if "://" in store:
        pytest.skip("the --db path case is about SQLite files")
    r = complete(f"ordercli --db {store} order create --item J", db=str(tmp_path / "other.db"))
    assert lines(r) == ["JAM-01"]
    assert not (tmp_path / "other.db").exists()


def test_completing_reads_and_never_writes(sqlite_url, tmp_path):
    seed.products(sqlite_url, ("MUG-01", "Blue mug", "12.50", 50, 20))
    from ordercli import db

    db.dispose_all()
    before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in Path(sqlite_url).parent.iterdir() if p.name.startswith("store.db")}
    assert lines(complete("ordercli order create --item M", db=sqlite_url)) == ["MUG-01"]
    after = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in Path(sqlite_url).parent.iterdir() if p.name.startswith("store.db")}
    assert after["store.db"] == before["store.db"]


def test_a_missing_store_gives_nothing_and_creates_nothing(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    missing = folder / "shop.db"
    for words in ("ordercli order create --item M", "ordercli order receipt ", "ordercli customer show a"):
        r = complete(words, db=str(missing), tmp=tmp_path)
        assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr == ""
    # without --db / ORDERCLI_DB: the default store in the data folder is not created either
    r = complete("ordercli order create --item M", db=None, tmp=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == ""
    assert list(folder.iterdir()) == []
    assert not (tmp_path / "xdg-data").exists()
    # commands still complete without a store
    assert lines(complete("ordercli pro", db=str(missing), tmp=tmp_path)) == ["product"]
    assert list(folder.iterdir()) == []


def test_a_broken_store_is_silent(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    r = complete("ordercli order create --item M", db=str(bad))
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr == ""
    assert bad.read_bytes() == b"this is not a database" * 100


def test_completion_stays_light(store, tmp_path):
    probe = (
        "import json, sys\n"
        "from ordercli.cli.root import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ['sqlalchemy', 'sqlmodel', 'pydantic', 'alembic', 'questionary', 'rich', 'babel', 'jinja2', 'fpdf', 'escpos']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr)\n"
    )
    parts = ["ordercli", "order", "create", "--item", "M"]
    env = dict(os.environ, ORDERCLI_DB=store, COMP_WORDS=" ".join(parts), COMP_CWORD="4", _ORDERCLI_COMPLETE="complete_bash")
    r = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True, env=env, timeout=60)
    assert r.stdout.split() == ["MUG-01", "MUG-02"]
    loaded = json.loads(r.stderr.strip().splitlines()[-1])
    assert loaded == [], loaded


def test_completion_command_prints_scripts(cli, tmp_path):
    bash = cli("completion", "bash")
    assert bash.exit_code == 0
    assert "_ORDERCLI_COMPLETE=complete_bash" in bash.stdout and "complete -o default -F _ordercli_completion ordercli" in bash.stdout
    zsh = cli("completion", "zsh")
    assert zsh.exit_code == 0 and "#compdef ordercli" in zsh.stdout and "_ORDERCLI_COMPLETE=complete_zsh" in zsh.stdout
    fish = cli("completion", "fish")
    assert fish.exit_code == 0 and "complete --command ordercli" in fish.stdout and "_ORDERCLI_COMPLETE=complete_fish" in fish.stdout
    bad = cli("completion", "tcsh")
    assert bad.exit_code == 2
    assert not Path(cli.url).exists()  # printing a script opens no store


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_bash_script_completes_in_a_real_bash(store, tmp_path):
    if "://" in store:
        pytest.skip("one backend is enough for the shell itself")
    script = tmp_path / "ordercli.bash"
    script.write_text(subprocess.run([sys.executable, "-m", "ordercli", "completion", "bash"], capture_output=True, text=True, check=True).stdout)
    wrapper = tmp_path / "bin" / "ordercli"
    wrapper.parent.mkdir()
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m ordercli \"$@\"\n")
    wrapper.chmod(0o755)
    program = (
        f"source {script}\n"
        "COMP_WORDS=(ordercli order create --item MUG); COMP_CWORD=4\n"
        "_ordercli_completion ordercli\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = dict(os.environ, ORDERCLI_DB=store, PATH=f"{wrapper.parent}:{os.environ['PATH']}")
    env.pop("_ORDERCLI_COMPLETE", None)
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], check=False, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["MUG-01", "MUG-02"]
