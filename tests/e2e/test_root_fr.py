"""The root error handler speaks the screen's language: "saved, but…" after a commit whose output
failed, the encoding a file was read in (real processes, French till)."""

from __future__ import annotations

import os
import subprocess
import sys


def env_fr(tmp_path) -> dict:
    env = dict(os.environ, ORDERCLI_DB=str(tmp_path / "store.db"), NO_COLOR="1", TZ="UTC", ORDERCLI_LANG="fr_FR")
    env.pop("ORDERCLI_DEBUG", None)
    return env


def run(env, *args, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "ordercli", *args], env=env, stderr=subprocess.PIPE, text=True, timeout=120, **kw)


def test_saved_but_the_output_failed_in_french(tmp_path):
    env = env_fr(tmp_path)
    assert run(env, "product", "add", "MUG", "--name", "Bol", "--price", "25", "--stock", "5").returncode == 0
    r = run(env, "order", "create", "--name", "Ana Lima", "--email", "ana@example.com", "--item", "MUG", "--no-notify", stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))
    assert r.returncode == 3, r.stderr
    assert "enregistré, mais la sortie a échoué : la sortie standard est fermée." in r.stderr, r.stderr
    assert "Ne relancez pas la commande" in r.stderr and "was saved" not in r.stderr and "Traceback" not in r.stderr
    assert run(env, "order", "show", "1001").returncode == 0  # it was saved


def test_the_encoding_a_catalog_was_read_in_is_said_in_french(tmp_path):
    env = env_fr(tmp_path)
    path = tmp_path / "catalogue.csv"
    path.write_bytes("sku,name,price,stock\r\nP1,Crème brûlée,4,5\r\n".encode("cp1252"))
    r = run(env, "product", "import", str(path))
    assert r.returncode == 0, r.stderr
    assert ": lu en Windows-1252." in r.stderr and "read as" not in r.stderr, r.stderr
