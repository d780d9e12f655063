"""Bad input: a clear one- or two-line error on stderr, the right exit code, no traceback, nothing written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from ordercli import db

TABLES = ["orders", "order_line", "order_surcharge", "order_event", "customer", "product", "stock_movement", "outbox", "setting", "payment"]


def snapshot(url: str) -> dict:
    """Everything a command could have written."""
    engine = db.get_engine(url)
    with engine.connect() as conn:
        snap = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in TABLES}
        snap["counters"] = sorted(conn.exec_driver_sql("SELECT name, value FROM counter").all())
        snap["stock"] = sorted(conn.exec_driver_sql("SELECT sku, stock, price, name FROM product").all())
        snap["settings"] = sorted(conn.exec_driver_sql("SELECT key, value FROM setting").all())
    return snap


def assert_clean_error(result, code: int) -> str:
    assert result.exit_code == code, f"exit {result.exit_code}\nstdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("Error: ")
    assert all(len(ln) < 400 for ln in lines), "the error must not echo huge input"
    return result.stderr


@pytest.fixture
def shop(any_cli):
    for args in (
        ["MUG-01", "--name", "Blue mug", "--price", "18", "--stock", "3"],
        ["ZINE", "--name", "Zine", "--price", "5", "--untracked"],
    ):
        r = any_cli("product", "add", *args)
        assert r.exit_code == 0, r.stderr
    return any_cli


BASE = ["order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01"]


def with_(flag: str, value: str) -> list[str]:
    """BASE with one flag replaced (or added)."""
    args = list(BASE)
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    return args


ORDER_CASES = [
    ("empty name", with_("--name", ""), 2, "--name"),
    ("blank name", with_("--name", "   "), 2, "--name"),
    ("10,000-character name", with_("--name", "x" * 10_000), 2, "too long"),
    ("name with a newline", with_("--name", "Ana\nLima"), 2, "line break"),
    ("name with a carriage return", with_("--name", "Ana\rLima"), 2, "line break"),
    ("name with a bell", with_("--name", "Ana\x07"), 2, "control character"),
    ("name with an escape sequence", with_("--name", "\x1b[31mAna"), 2, "control character"),
    ("name with a NUL", with_("--name", "Ana\x00Lima"), 2, "control character"),
    ("quantity 0", with_("--item", "MUG-01:0"), 2, "at least 1"),
    ("quantity -1", with_("--item", "MUG-01:-1"), 2, "at least 1"),
    ("quantity abc", with_("--item", "MUG-01:abc"), 2, "whole number"),
    ("huge quantity", with_("--item", "ZINE:99999999999999999999"), 2, "at most"),
    ("empty item", with_("--item", ""), 2, "--item"),
    ("unknown SKU", with_("--item", "MUG-02"), 1, "Unknown SKU"),
    ("out of stock", with_("--item", "MUG-01:4"), 1, "asked 4, available 3"),
    ("custom price 1e9999", with_("--custom-item", "Wrap=1e9999"), 2, "Invalid price"),
    ("custom price NaN", with_("--custom-item", "Wrap=NaN"), 2, "Invalid price"),
    ("custom price inf", with_("--custom-item", "Wrap=inf"), 2, "Invalid price"),
    ("custom price negative", with_("--custom-item", "Wrap=-2"), 2, "negative"),
    ("custom item without price", with_("--custom-item", "Wrap"), 2, "--custom-item"),
    ("tip NaN", with_("--tip", "NaN"), 2, "Invalid tip"),
    ("tip 1e9999", with_("--tip", "1e9999"), 2, "Invalid tip"),
    ("discount NaN", with_("--discount", "NaN"), 2, "Invalid discount"),
    ("discount 1e9999%", with_("--discount", "1e9999%"), 2, "Invalid discount"),
    ("discount over 100%", with_("--discount", "101%"), 2, "between 0 and 100"),
    ("discount over the subtotal", with_("--discount", "18.01"), 2, "larger than the subtotal"),
    ("shipping cost NaN", with_("--shipping-cost", "NaN"), 2, "Invalid shipping cost"),
    ("surcharge NaN", with_("--surcharge", "Fee=NaN"), 2, "Invalid surcharge"),
    ("surcharge without label", with_("--surcharge", "=2"), 2, "Write it as LABEL=AMOUNT or LABEL=PCT%"),
    ("bad email", with_("--email", "ana@"), 2, "Invalid email"),
    ("bad phone", BASE[:4] + ["--phone", "12", "--item", "MUG-01"], 2, "Invalid phone"),
    ("bad country", with_("--ship-country", "France"), 2, "country code"),
    ("pickup with an address", with_("--ship-street", "1 rue X") + ["--pickup"], 2, "--pickup"),
    ("note too long", with_("--note", "n" * 2001), 2, "too long"),
    ("payment method with a newline", with_("--payment-method", "Cash\nCard"), 2, "line break"),
]


@pytest.mark.parametrize("args,code,words", [c[1:] for c in ORDER_CASES], ids=[c[0] for c in ORDER_CASES])
def test_bad_order_input_is_refused_and_writes_nothing(shop, args, code, words):
    before = snapshot(shop.url)
    err = assert_clean_error(shop(*args), code)
    assert words in err
    assert snapshot(shop.url) == before


def test_sql_looking_text_is_stored_verbatim(shop):
    evil = "Robert'); DROP TABLE orders;--"
    r = shop(*with_("--name", evil), "--note", "' OR 1=1; --", "--format", "json")
    assert r.exit_code == 0, r.stderr
    import json

    data = json.loads(r.stdout)
    assert data["customer"]["name"] == evil and data["note"] == "' OR 1=1; --"
    listed = json.loads(shop("order", "list", "--search", "DROP TABLE", "--format", "json").stdout)
    assert [o["customer"]["name"] for o in listed] == [evil]
    assert snapshot(shop.url)["orders"] == 1


PRODUCT_CASES = [
    ("price 1e9999", ["product", "add", "X-1", "--name", "X", "--price", "1e9999", "--stock", "1"], 2, "Invalid price"),
    ("price NaN", ["product", "add", "X-1", "--name", "X", "--price", "NaN", "--stock", "1"], 2, "Invalid price"),
    ("price with 3 decimals", ["product", "add", "X-1", "--name", "X", "--price", "1.005", "--stock", "1"], 2, "decimal"),
    ("empty product name", ["product", "add", "X-1", "--name", "", "--price", "1", "--stock", "1"], 2, "name"),
    ("10,000-character product name", ["product", "add", "X-1", "--name", "y" * 10_000, "--price", "1", "--stock", "1"], 2, "too long"),
    ("product name with newline", ["product", "add", "X-1", "--name", "a\nb", "--price", "1", "--stock", "1"], 2, "line break"),
    ("SKU with a space", ["product", "add", "X 1", "--name", "X", "--price", "1", "--stock", "1"], 2, "Invalid SKU"),
    ("edit price NaN", ["product", "edit", "MUG-01", "--price", "NaN"], 2, "Invalid"),
    ("edit name control char", ["product", "edit", "MUG-01", "--name", "Mug\x1b"], 2, "control character"),
    ("stock below zero", ["product", "stock", "MUG-01", "--add", "-4"], 1, "below 0"),
]


@pytest.mark.parametrize("args,code,words", [c[1:] for c in PRODUCT_CASES], ids=[c[0] for c in PRODUCT_CASES])
def test_bad_product_input_is_refused_and_writes_nothing(shop, args, code, words):
    before = snapshot(shop.url)
    err = assert_clean_error(shop(*args), code)
    assert words in err
    assert snapshot(shop.url) == before


# ---------------------------------------------------------------- --db


@pytest.mark.parametrize("url", ["mysql://root@localhost/shop", "ftp://example.com/x.db", "sqlite://"])
def test_unknown_db_scheme(cli, tmp_path, url):
    r = cli("--db", url, "order", "list")
    err = assert_clean_error(r, 2)
    assert "--db" in err or "file path" in err
    assert not list(tmp_path.rglob("*.db"))  # no store was created anywhere


def test_db_in_a_missing_folder(cli, tmp_path):
    target = tmp_path / "nowhere" / "shop.db"
    err = assert_clean_error(cli("--db", str(target), *BASE), 2)
    assert "does not exist" in err
    assert not (tmp_path / "nowhere").exists()


def test_db_env_var_in_a_missing_folder(cli, tmp_path):
    target = tmp_path / "nowhere" / "shop.db"
    err = assert_clean_error(cli("order", "list", env={"ORDERCLI_DB": str(target)}), 2)
    assert "does not exist" in err


def test_db_that_is_a_folder(cli, tmp_path):
    assert "is a folder" in assert_clean_error(cli("--db", str(tmp_path), "order", "list"), 2)


def test_a_store_file_that_is_not_a_database(cli, tmp_path):
    path = tmp_path / "shop.db"
    content = b"PK\x03\x04 this is a spreadsheet, not a store" * 50
    path.write_bytes(content)
    err = assert_clean_error(cli("--db", str(path), *BASE), 2)
    assert "not an ordercli store" in err
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.db"]


def test_an_unreachable_postgresql_store(cli):
    err = assert_clean_error(cli("--db", "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2", "order", "list"), 2)
    assert "Cannot connect" in err


def _without_dac_override():
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_db_in_a_folder_that_is_not_writable(tmp_path):
    """Tests run as root, which ignores folder permissions: the CLI runs in a child process
    without CAP_DAC_OVERRIDE (setpriv), so the read-only folder is really read-only to it."""
    prefix = _without_dac_override()
    if prefix is None:
        pytest.skip("root without setpriv: root bypasses folder permissions, so a read-only folder cannot be simulated")
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        env = dict(os.environ, NO_COLOR="1")
        env.pop("ORDERCLI_DB", None)
        r = subprocess.run(
            [*prefix, sys.executable, "-m", "ordercli", "--db", str(folder / "shop.db"), *BASE],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert r.returncode == 2, r.stderr
        assert r.stdout == ""
        assert "Traceback" not in r.stderr
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert 1 <= len(lines) <= 2 and "not writable" in lines[0]
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    env = dict(os.environ, NO_COLOR="1", ORDERCLI_DB=str(tmp_path / "shop.db"))
    r = subprocess.run([sys.executable, "-m", "ordercli", "order", "create", "--name", "Ana", "--email", "ana@example.com", "--custom-item", "X=NaN"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.splitlines()[0] == "Error: Invalid --custom-item 'X=NaN': Invalid price 'NaN'."
    assert "Traceback" not in r.stderr


def test_typer_usage_errors_exit_2_without_traceback(cli):
    for args in (["product", "stock", "MUG-01", "--add", "lots"], ["order", "list", "--limit", "abc"], ["order", "frobnicate"], ["--nope"]):
        r = cli(*args)
        assert r.exit_code == 2, args
        assert r.stdout == ""
        assert "Traceback" not in r.stderr
        assert "Error" in r.stderr
