"""The README's examples are real: the tour command produces the JSON shown there."""

from __future__ import annotations

import json
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
CATALOG = Path(__file__).resolve().parents[2] / "examples" / "catalog.csv"


def readme_order_json() -> dict:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"### Order JSON.*?```json\n(.*?)```", text, re.S)
    assert block, "README has no Order JSON block"
    return json.loads(block.group(1))


def test_readme_json_matches_a_real_order(cli):
    assert cli("product", "import", str(CATALOG)).exit_code == 0
    assert cli("config", "set", "order.prefix", "FAIR-").exit_code == 0
    assert cli("config", "set", "order.next_number", "1042").exit_code == 0
    r = cli(
        "order", "create", "--name", "Ana Lima", "--email", "ana@example.com",
        "--item", "MUG-BLUE:2", "--custom-item", "Gift wrap=2.50", "--discount", "10%",
        "--surcharge", "Card fee=1.5%", "--tip", "1.00",
        "--payment-method", "Card terminal", "--note", "Pick up at 4 pm", "--format", "json",
    )
    assert r.exit_code == 0, r.stderr
    real = json.loads(r.stdout)
    doc = readme_order_json()
    # Same keys, same nesting.
    assert set(real) == set(doc)
    assert set(real["customer"]) == set(doc["customer"])
    assert [set(i) for i in real["items"]] == [set(i) for i in doc["items"]]
    # Same values, except the times.
    for key in ("created_at", "updated_at", "events"):
        real.pop(key), doc.pop(key)
    for n in real["notifications"] + doc["notifications"]:
        n.pop("created_at")
    assert real == doc


def test_readme_commands_exist(cli):
    """Every `ordercli NOUN VERB` named in the README has help."""
    text = README.read_text(encoding="utf-8")
    pairs = set(re.findall(r"ordercli (order|product|customer|config|outbox) ([a-z]+)", text))
    assert pairs
    for noun, verb in sorted(pairs):
        r = cli(noun, verb, "--help")
        assert r.exit_code == 0, f"ordercli {noun} {verb}: {r.stderr}"
