"""The pseudo-terminal helpers of the e2e wizard tests: run ``python -m ordercli`` in a real terminal."""

from __future__ import annotations

import os
import sqlite3
import sys

import pexpect

TERMINAL_ENV = {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "NO_COLOR": "1", "COLUMNS": "120", "LINES": "40"}


def spawn(store: str, *args: str, env: dict | None = None, timeout: int = 20) -> pexpect.spawn:
    """``ordercli ARGS`` on a 120×40 terminal against the store ``store`` (``env`` adds or overrides)."""
    full = {**os.environ, "ORDERCLI_DB": store, **TERMINAL_ENV, **(env or {})}
    return pexpect.spawn(sys.executable, ["-m", "ordercli", *args], env=full, encoding="utf-8", timeout=timeout, dimensions=(40, 120))


def end(child: pexpect.spawn, code: int = 0) -> str:
    """Wait for the program to end; check its exit code and that no traceback was printed."""
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == code, child.before
    assert "Traceback" not in (child.before or "")
    return child.before or ""


def rows(store: str, sql: str) -> list:
    with sqlite3.connect(store) as conn:
        return conn.execute(sql).fetchall()
