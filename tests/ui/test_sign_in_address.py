"""The sign-in page passes the client address to the throttle (issue 13, item 1), and shows
the Russian message of a too-long login (item 9). (AppTest has no real connection: its peer is
no IP address, so it counts as «unknown»; the rule itself is tests/unit/test_sign_in_rules.py.)"""
from __future__ import annotations

from sqlmodel import select

from models import LoginAttempt
from models.db import reading
from tests.ui.conftest import sign_in


def test_the_page_records_the_client_address_and_refuses_a_huge_login(app):
    sign_in(app, "admin1", "wrong-pass1")
    sign_in(app, "a" * 5000, "whatever1")
    assert any("Логин длиннее 128 символов" in e.value for e in app.error)
    with reading() as tx:
        attempts = tx.exec(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [(a.login, a.success) for a in attempts] == [("admin1", False), ("a" * 120, False)]
    assert attempts[0].client and attempts[0].client == attempts[1].client
