"""Test helpers for file-writing tests: a device node of the test's own, file modes."""

from __future__ import annotations

import os
import stat

import pytest


def full_device(folder):
    """A /dev/full device node of the test's own (a regression then replaces it, never the system's)."""
    path = folder / "full"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except (PermissionError, AttributeError, OSError) as e:
        pytest.skip(f"cannot make a device node: {e}")
    return path


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def serial_port():
    """A pseudo-terminal of the test's own, in raw mode, playing a serial receipt printer.

    Returns (master fd to read what was "printed", the slave's /dev/pts path to give ``serial:``).
    Raw mode: bytes pass unchanged (no newline translation). The caller closes the master fd.
    """
    import tty

    try:
        master, slave = os.openpty()
    except OSError as e:
        pytest.skip(f"cannot open a pseudo-terminal: {e}")
    tty.setraw(slave)
    path = os.ttyname(slave)
    os.close(slave)  # the printer code opens it again by path
    return master, path
