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
