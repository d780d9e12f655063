"""`till close` and `report day` on a real terminal (pexpect): the confirmation and the bar charts."""

from __future__ import annotations

import sqlite3

import pexpect
import pytest

from tests import pty
from tests.wizard_keys import ENTER

pytestmark = pytest.mark.slow


def spawn(store: str, *args: str) -> pexpect.spawn:
    return pty.spawn(store, *args, env={"ORDERCLI_TILL": "stall-1"})


def run(store: str, *args: str) -> str:
    child = spawn(store, *args)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return child.before


@pytest.fixture
def store(tmp_path):
    """Set up in-process (fast); only the commands under test run on the terminal."""
    from tests.conftest import Cli

    path = str(tmp_path / "stall.db")
    cli = Cli(path)
    till = {"ORDERCLI_TILL": "stall-1"}
    for args in (
        ("product", "add", "MUG", "--name", "Blue mug", "--price", "18.00", "--stock", "5"),
        ("till", "open", "--float", "50"),
        ("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG:2"),
        ("order", "pay", "1001", "--method", "cash", "--tendered", "40"),
    ):
        assert cli(*args, env=till).exit_code == 0
    from ordercli import db

    db.dispose_all()
    return path


def closed(store: str) -> list:
    with sqlite3.connect(store) as conn:
        return conn.execute("SELECT expected_cash, counted_cash FROM till_session WHERE closed_at IS NOT NULL").fetchall()


def test_close_shows_the_figures_and_asks_first(store):
    child = spawn(store, "till", "close", "--counted", "85")
    child.expect("Expected cash")
    child.expect("86.00")  # 50 + 36 kept (4.00 change given back)
    child.expect("Difference")
    child.expect("Close till stall-1")
    child.send("n" + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and closed(store) == []

    child = spawn(store, "till", "close", "--counted", "85")
    child.expect("Close till stall-1")
    child.send("y" + ENTER)
    child.expect("closed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and closed(store) == [(8600, 8500)]


def test_day_report_draws_bar_charts_on_a_terminal(store):
    out = run(store, "report", "day")
    assert "Sales by hour" in out and "Top products" in out and "█" in out
