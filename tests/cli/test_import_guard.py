"""Start-up stays light: ``import ordercli.cli`` must not pull in the heavy libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

HEAVY = ["sqlalchemy", "sqlmodel", "questionary", "alembic", "rich", "pydantic", "prompt_toolkit", "jinja2", "babel", "phonenumbers", "email_validator", "psycopg", "fpdf", "segno"]
MUST_STAY_OUT = {"sqlalchemy", "sqlmodel", "questionary", "alembic"}


def loaded_after(code: str, tmp_path) -> list[str]:
    probe = textwrap.dedent(
        f"""
        import json, sys
        {code}
        heavy = {HEAVY!r}
        print(json.dumps(sorted(h for h in heavy if h in sys.modules)))
        """
    )
    env = dict(os.environ, NO_COLOR="1", ORDERCLI_DB=str(tmp_path / "shop.db"), XDG_DATA_HOME=str(tmp_path / "xdg"))
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_importing_the_cli_stays_light(tmp_path):
    loaded = loaded_after("import ordercli.cli", tmp_path)
    assert not MUST_STAY_OUT & set(loaded), loaded
    assert "rich" not in loaded and "pydantic" not in loaded, loaded
    assert loaded == [], loaded


def test_help_stays_light_too(tmp_path):
    code = """
        from ordercli.cli import app
        for args in (["--help"], ["order", "--help"], ["order", "create", "--help"], ["product", "--help"]):
            try:
                app(args, prog_name="ordercli")
            except SystemExit as e:
                assert e.code == 0, (args, e.code)
    """
    loaded = loaded_after(code, tmp_path)
    assert not MUST_STAY_OUT & set(loaded), loaded


def test_the_probe_would_notice_a_heavy_import(tmp_path):
    # control: running a real command does load SQLAlchemy, so the probe above can see it
    code = """
        from ordercli.cli import app
        try:
            app(["config", "get", "store.name"], prog_name="ordercli")
        except SystemExit as e:
            assert e.code == 0, e.code
    """
    assert "sqlalchemy" in loaded_after(code, tmp_path)


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["order", "--help"], ["product", "--help"], ["customer", "--help"], ["config", "--help"]])
def test_help_works_in_a_real_process(tmp_path, args):
    env = dict(os.environ, NO_COLOR="1", ORDERCLI_DB=str(tmp_path / "shop.db"))
    r = subprocess.run([sys.executable, "-m", "ordercli", *args], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Usage:" in r.stdout
    assert "Example" in r.stdout
    assert r.stderr == ""
    assert not (tmp_path / "shop.db").exists()  # help opens no store
    if args in (["--help"], ["-h"]):
        for noun in ("order", "product", "customer", "config"):
            assert noun in r.stdout


def test_version(tmp_path):
    from ordercli import __version__

    r = subprocess.run([sys.executable, "-m", "ordercli", "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert r.stdout.strip() == f"ordercli {__version__}"


def test_the_console_script_runs(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "ordercli")
    if not os.path.exists(exe):
        pytest.skip("the ordercli console script is not installed next to this interpreter")
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Usage: ordercli" in r.stdout
