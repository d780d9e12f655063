"""Retries with the same --ref from several tills at once create exactly one order (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow


def test_same_ref_from_four_processes_creates_one_order(store_url, tmp_path):
    from ordercli import db
    from ordercli.services import catalog

    engine = db.get_engine(store_url)
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="MUG", name="Mug", price=1800, stock=10)
        s.commit()
    db.dispose_all()

    start_at = time.time() + 2.0  # all four start together
    script = (
        "import sys, time; t=float(sys.argv[1]); time.sleep(max(0, t-time.time()));"
        "from ordercli.cli import main; sys.argv=['ordercli']+sys.argv[2:]; main()"
    )
    env = dict(os.environ, ORDERCLI_DB=store_url, NO_COLOR="1")
    args = ["order", "create", "--name", "Retry", "--phone", "+33612345670", "--item", "MUG:2", "--ref", "FORM-77", "--format", "json"]
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(start_at), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert "Traceback" not in err and "Unexpected" not in err
    engine = db.get_engine(store_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM orders WHERE external_ref = 'FORM-77'")).scalar() == 1
        assert conn.execute(sa.text("SELECT stock FROM product WHERE sku = 'MUG'")).scalar() == 8
        assert conn.execute(sa.text("SELECT sum(delta) FROM stock_movement")).scalar() == 8
