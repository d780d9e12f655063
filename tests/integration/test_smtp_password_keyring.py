"""The SMTP password comes from ORDERCLI_SMTP_PASSWORD, else the system keyring — never the store.

Uses a real keyring backend (keyrings.alt's plaintext file keyring, in a temp folder).
"""

from __future__ import annotations

import pytest

keyring = pytest.importorskip("keyring")
pytest.importorskip("keyrings.alt")


@pytest.fixture
def file_keyring(tmp_path, monkeypatch):
    from keyrings.alt.file import PlaintextKeyring

    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "keyring_pass.cfg")  # private to this test
    previous = keyring.get_keyring()
    keyring.set_keyring(kr)
    monkeypatch.delenv("ORDERCLI_SMTP_PASSWORD", raising=False)
    yield kr
    keyring.set_keyring(previous)


def test_password_from_the_keyring(file_keyring):
    from ordercli.notify.transports import KEYRING_SERVICE, smtp_password

    assert smtp_password("shop@example.com") is None
    file_keyring.set_password(KEYRING_SERVICE, "shop@example.com", "s3cret")
    assert smtp_password("shop@example.com") == "s3cret"
    assert smtp_password("someone-else@example.com") is None


def test_environment_wins_over_the_keyring(file_keyring, monkeypatch):
    from ordercli.notify.transports import KEYRING_SERVICE, smtp_password

    file_keyring.set_password(KEYRING_SERVICE, "shop@example.com", "from-keyring")
    monkeypatch.setenv("ORDERCLI_SMTP_PASSWORD", "from-env")
    assert smtp_password("shop@example.com") == "from-env"


def test_the_password_is_never_a_setting(cli):
    r = cli("config", "set", "smtp.password", "x")
    assert r.exit_code == 2
    assert "Unknown setting" in r.stderr
