"""Issue 10 §3: every file ordercli writes is written safely (export, invoice, the import's --errors CSV)."""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest

from tests.devices import full_device, mode

from tests import seed

NEW_ORDER = ("order", "create", "--name", "Ana Lima", "--email", "ana@example.com", "--item", "MUG-01:2", "--format", "json")


@pytest.fixture
def shop(cli):
    seed.products(cli.url, ("MUG-01", "Blue mug", "12.50", 50, 20))
    r = cli(*NEW_ORDER)
    assert r.exit_code == 0, r.stderr
    cli.number = json.loads(r.stdout)["number"]
    return cli


def bad_import(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("order_ref,name,email,phone,sku,quantity\nA1,Ana,ana@example.com,,NOPE,1\n", encoding="utf-8")
    return p


def test_export_invoice_and_errors_csv_are_created_0600(shop, tmp_path):
    old = os.umask(0o022)
    try:
        assert shop("order", "export", "--output", tmp_path / "orders.csv").exit_code == 0
        assert shop("order", "invoice", shop.number, "--output", tmp_path / "inv.pdf").exit_code == 0
        r = shop("order", "import", bad_import(tmp_path), "--errors", tmp_path / "problems.csv")
        assert r.exit_code != 0
    finally:
        os.umask(old)
    for name in ("orders.csv", "inv.pdf", "problems.csv"):
        assert mode(tmp_path / name) == 0o600, name
    assert "NOPE" in (tmp_path / "problems.csv").read_text()
    assert (tmp_path / "inv.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("command", ["export", "invoice", "errors"])
def test_planted_temp_names_are_not_followed_or_overwritten(shop, tmp_path, command):
    secret = tmp_path / "secret.txt"
    secret.write_text("someone else's file")
    out = tmp_path / ("out.pdf" if command == "invoice" else "out.csv")
    # the old predictable names: target + ".tmp" (errors CSV), .NAME.PID.tmp (export)
    os.symlink(secret, str(out) + ".tmp")
    (tmp_path / f".{out.name}.{os.getpid()}.tmp").write_text("planted")
    if command == "export":
        r = shop("order", "export", "--output", out)
    elif command == "invoice":
        r = shop("order", "invoice", shop.number, "--output", out)
    else:
        r = shop("order", "import", bad_import(tmp_path), "--errors", out)
    assert out.exists() and mode(out) == 0o600, r.stderr
    assert secret.read_text() == "someone else's file"
    assert os.path.islink(str(out) + ".tmp")
    assert (tmp_path / f".{out.name}.{os.getpid()}.tmp").read_text() == "planted"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}.") and p.name != f".{out.name}.{os.getpid()}.tmp"]


@pytest.mark.parametrize("command", ["export", "invoice", "errors"])
def test_dev_full_is_refused_cleanly_before_anything_is_written(shop, tmp_path, command):
    dev = full_device(tmp_path)
    if command == "export":
        r = shop("order", "export", "--output", dev)
    elif command == "invoice":
        r = shop("order", "invoice", shop.number, "--output", dev)
    else:
        r = shop("order", "import", bad_import(tmp_path), "--errors", dev, "--on-error", "skip")
    assert r.exit_code == 2, r.stderr
    assert stat.S_ISCHR(os.stat(dev).st_mode)
    assert f"'{dev}' is not a regular file" in r.stderr and r.stderr.count("Error:") == 1
    assert "Traceback" not in r.stderr and r.stdout == ""
    if command == "invoice":  # refused before the invoice is issued
        r = shop("order", "invoice", shop.number, "--output", tmp_path / "i.pdf")
        assert r.exit_code == 0 and "Invoice INV-1 " in r.stderr


@pytest.mark.parametrize("kind", ["folder", "fifo"])
@pytest.mark.parametrize("command", ["export", "invoice", "errors"])
def test_folder_and_fifo_targets_are_refused(shop, tmp_path, kind, command):
    target = tmp_path / "target"
    if kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)
    if command == "export":
        r = shop("order", "export", "--output", target)
    elif command == "invoice":
        r = shop("order", "invoice", shop.number, "--output", target)
    else:
        r = shop("order", "import", bad_import(tmp_path), "--errors", target)
    assert r.exit_code == 2, r.stderr
    assert ("is a folder" if kind == "folder" else "is not a regular file") in r.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name != "bad.csv" and not p.name.startswith("store.db")] == ["target"]


def test_dash_still_writes_to_stdout(shop):
    r = shop("order", "export", "--output", "-", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["number"] == shop.number
    r = shop("order", "invoice", shop.number, "--output", "-")
    assert r.exit_code == 0 and r.stdout_bytes.startswith(b"%PDF")


@pytest.fixture
def full_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill a disk (needs root): {r.stderr.strip()}")
    yield disk
    subprocess.run(["umount", str(disk)], check=False)


def test_invoice_on_a_full_disk_keeps_the_old_file_and_says_it_is_issued(shop, full_disk, tmp_path):
    # Today's write_bytes() truncated the old invoice first: a full disk left a broken PDF.
    target = full_disk / "inv.pdf"
    old = b"%PDF-old-invoice" + b"\0" * 1000
    target.write_bytes(old)
    (full_disk / "filler").write_bytes(b"\0" * (60 * 1024))
    r = shop("order", "invoice", shop.number, "--output", target)
    assert r.exit_code == 2, r.stderr
    assert "Invoice INV-1 is issued" in r.stderr and "No space left on device" in r.stderr and "Nothing was saved" not in r.stderr
    assert target.read_bytes() == old
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler", "inv.pdf"]
    assert shop("order", "invoice", shop.number, "--output", tmp_path / "again.pdf").exit_code == 0  # the same number again


def test_export_on_a_full_disk_keeps_the_old_file(shop, full_disk):
    for i in range(20):  # enough orders (500-character notes) that the export does not fit
        assert shop(*NEW_ORDER[:-2], "--note", "x" * 500).exit_code == 0
    target = full_disk / "orders.csv"
    target.write_text("old export\n")
    (full_disk / "filler").write_bytes(b"\0" * (56 * 1024))
    r = shop("order", "export", "--output", target)
    assert r.exit_code == 2, r.stderr
    assert "No space left on device" in r.stderr
    assert target.read_text() == "old export\n"
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler", "orders.csv"]
