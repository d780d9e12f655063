"""``files/safe_write.py``: exclusive random temp files, 0600, fsync + rename, refusals, full disks."""

from __future__ import annotations

import contextlib
import os
import subprocess

import pytest

from tests.devices import full_device, mode

from ordercli.errors import InputError
from ordercli.files.safe_write import check_target, replacing, write_safely


def test_writes_text_and_binary_0600_and_leaves_no_temp_file(tmp_path):
    old = os.umask(0o022)
    try:
        with write_safely(tmp_path / "a.csv") as f:
            f.write("x,y\n")
        with write_safely(tmp_path / "b.pdf", binary=True) as f:
            f.write(b"%PDF")
    finally:
        os.umask(old)
    assert (tmp_path / "a.csv").read_text() == "x,y\n" and (tmp_path / "b.pdf").read_bytes() == b"%PDF"
    assert mode(tmp_path / "a.csv") == 0o600 and mode(tmp_path / "b.pdf") == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.pdf"]


def test_an_existing_world_readable_file_becomes_0600(tmp_path):
    target = tmp_path / "orders.csv"
    target.write_text("old")
    target.chmod(0o644)
    with write_safely(target) as f:
        f.write("new")
    assert target.read_text() == "new" and mode(target) == 0o600


def test_planted_files_and_symlinks_at_predictable_names_are_neither_followed_nor_overwritten(tmp_path):
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("not yours")
    target = tmp_path / "orders.csv"
    planted = {
        tmp_path / "orders.csv.tmp": "file",
        tmp_path / f".orders.csv.{os.getpid()}.tmp": "link",  # the export's old name
    }
    (tmp_path / "orders.csv.tmp").write_text("planted")
    (tmp_path / "orders.csv.tmp").chmod(0o666)
    os.symlink(secret, tmp_path / f".orders.csv.{os.getpid()}.tmp")
    with write_safely(target) as f:
        name = f.name if isinstance(f.name, str) else None
        f.write("customer data")
    assert target.read_text() == "customer data" and mode(target) == 0o600
    assert secret.read_text() == "not yours"
    assert (tmp_path / "orders.csv.tmp").read_text() == "planted"
    assert os.path.islink(tmp_path / f".orders.csv.{os.getpid()}.tmp")
    assert name is None or all(str(p) != name for p in planted)


def test_an_error_removes_the_temp_file_and_keeps_the_old_target(tmp_path):
    target = tmp_path / "invoice.pdf"
    target.write_bytes(b"old invoice")
    with pytest.raises(RuntimeError):
        with write_safely(target, binary=True) as f:
            f.write(b"half a new")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old invoice"
    assert [p.name for p in tmp_path.iterdir()] == ["invoice.pdf"]


def test_replacing_gives_a_private_empty_path_and_renames_it(tmp_path):
    target = tmp_path / "copy.db"
    with replacing(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name != "copy.db.tmp" and mode(tmp) == 0o600 and tmp.stat().st_size == 0
        tmp.write_bytes(b"data")
    assert target.read_bytes() == b"data" and not tmp.exists()


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "link-to-device"])
def test_non_regular_targets_are_refused(tmp_path, kind):
    target = tmp_path / "out"
    if kind == "device":
        target = full_device(tmp_path)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        os.symlink(full_device(tmp_path), target)
    with pytest.raises(InputError) as e:
        check_target(target)
    assert e.value.exit_code == 2 and "\n" not in e.value.message
    with pytest.raises(OSError):  # the write itself refuses too (the check may be minutes old)
        with write_safely(target) as f:
            f.write("x")


def test_dash_is_stdout_and_is_not_checked(capsys):
    assert check_target("-") is None
    with write_safely("-") as f:
        f.write("to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"


@contextlib.contextmanager
def small_tmpfs(path, size="64k"):
    path.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill a disk (needs root): {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_on_a_full_disk_the_old_file_survives_whole(tmp_path):
    with small_tmpfs(tmp_path / "disk") as disk:
        target = disk / "orders.csv"
        target.write_text("old export\n")
        with pytest.raises(OSError) as e:
            with write_safely(target) as f:
                for _ in range(1000):
                    f.write("x" * 1024)
        assert e.value.errno == 28  # ENOSPC
        assert target.read_text() == "old export\n"
        assert [p.name for p in disk.iterdir()] == ["orders.csv"]


def test_a_symlinked_target_is_written_through_and_the_link_kept(tmp_path):
    """Review of issue 10: the rename went over the link, leaving the shared file old."""
    from ordercli.files.safe_write import write_safely

    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "orders.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with write_safely(link) as f:
        f.write("new")
    assert link.is_symlink() and real.read_text() == "new"


def test_dev_stdout_is_stdout_and_never_renamed_over(capsys):
    import os

    from ordercli.files.safe_write import check_target, write_safely

    assert check_target("/dev/stdout") is None
    with write_safely("/dev/stdout") as f:
        f.write("to the screen")
    assert capsys.readouterr().out == "to the screen"
    assert os.path.islink("/dev/stdout")
