"""Output piped into a reader that stops early (`| head -1`): a quiet stop, no error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def env_for(url: str) -> dict:
    env = dict(os.environ, ORDERCLI_DB=url, NO_COLOR="1", TZ="UTC")
    env.pop("ORDERCLI_DEBUG", None)
    return env


@pytest.fixture(scope="module")
def busy_store(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("pipes")
    url = str(tmp_path / "store.db")
    env = env_for(url)
    run = lambda *a: subprocess.run([sys.executable, "-m", "ordercli", *a], env=env, capture_output=True, text=True, timeout=120)  # noqa: E731
    assert run("product", "add", "MUG", "--name", "Mug", "--price", "5", "--untracked").returncode == 0
    rows = "".join(f"R{i},Ana Lima,ana{i}@example.com,MUG,2\n" for i in range(400))
    (tmp_path / "o.csv").write_text("order_ref,name,email,sku,quantity\n" + rows)
    r = run("order", "import", str(tmp_path / "o.csv"), "--no-notify")
    assert r.returncode == 0, r.stderr
    return env


@pytest.mark.parametrize(
    "args",
    [
        ("order", "export", "--format", "jsonl"),
        ("order", "export", "--format", "csv"),
        ("order", "list", "--limit", "1000", "--format", "csv"),
        ("order", "list", "--limit", "1000", "--format", "json"),
    ],
)
def test_a_reader_that_stops_early_ends_the_command_quietly(busy_store, args):
    proc = subprocess.Popen([sys.executable, "-m", "ordercli", *args], env=busy_store, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    assert first.strip()  # it did start writing
    proc.stdout.close()  # like `head -1` exiting
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert err == ""  # no "Unexpected error", no "Exception ignored" traceback
    if args[2] == "jsonl":  # streamed order by order: the next write surely meets the closed pipe
        assert proc.returncode == 141  # 128 + SIGPIPE, as other Unix tools
    else:  # one big write: how much the kernel takes before the reader goes is up to it
        assert proc.returncode in (0, 141)


def test_a_command_that_failed_keeps_its_exit_code_and_its_report_when_the_reader_is_gone(busy_store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("order_ref,name,email,sku,quantity\nN1,Bo,bo@example.com,MUG,1\nN2,Cy,cy@example.com,NOPE,1\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ordercli", "order", "import", str(bad), "--on-error", "skip", "--format", "json", "--no-notify"],
        env=busy_store, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    proc.stdout.close()  # gone before the JSON summary is written
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 1  # one order failed: not hidden behind 141
    assert "1 created" in err and "1 failed" in err  # the summary still reaches the person
    assert "Traceback" not in err and "Unexpected error" not in err


def test_a_closed_stdout_is_not_a_crash(busy_store):
    r = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m ordercli config get store.currency >&-"], env=busy_store, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0 and r.stderr == ""
