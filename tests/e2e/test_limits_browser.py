"""The sign-in limits of the foundation (DESIGN.md 4, R-ACC-1) seen from a real Chromium.

* Throttling: after PORTAL_LOGIN_MAX_FAILURES (10) wrong passwords the 11th attempt is refused,
  even with the right password, and says until when; each refusal is in the audit log.
* Session limits: a session idle for longer than PORTAL_SESSION_IDLE_MINUTES (30), or older
  than PORTAL_SESSION_MAX_HOURS (12), ends on the next click: the sign-in form comes back and
  the server session is closed with its reason. The portal's clock is real, so time is made to
  pass by ageing the server session (the only place the limits are kept).

Accounts no other browser test signs in with (moderator, monitoring, editor), so a lock left
behind changes nothing elsewhere.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import func, select

from models import AuditEvent, User, UserSession
from models.db import reading, transaction
from services.core import config
from tests.e2e.conftest import settle, shot

pytestmark = pytest.mark.e2e


def _user_id(portal, role: str) -> int:
    with reading(portal.demo.url) as tx:
        return tx.exec(select(User.id).where(User.login == portal.demo.logins[role]["login"])).one()


def _events(portal, action: str, login: str) -> int:
    with reading(portal.demo.url) as tx:
        return tx.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.actor_login == login)).one()


def _try(page: Page, login: str, password: str) -> None:
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти", exact=True).click()


def _sign_in(page: Page, portal, role: str) -> None:
    page.goto(portal.base)
    _try(page, portal.demo.logins[role]["login"], portal.demo.logins[role]["password"])
    expect(page.get_by_role("button", name="Выйти")).to_be_visible(timeout=30_000)


def test_the_eleventh_attempt_is_refused_even_with_the_right_password(page: Page, portal):
    login, password = portal.demo.logins["moderator"]["login"], portal.demo.logins["moderator"]["password"]
    limit = config.get_int("PORTAL_LOGIN_MAX_FAILURES")
    assert limit == 10
    sessions_before = _sessions(portal, "moderator")  # other browser tests of the run may have signed in
    page.goto(portal.base)
    for n in range(1, limit + 1):
        _try(page, login, f"wrong-password-{n}")
        expect(page.get_by_text("Неверный логин или пароль.")).to_be_visible()
        settle(page)  # this attempt's run has finished, not only the last one's answer is on the screen
        assert _events(portal, "auth.sign_in_failed", login) == n, f"attempt {n} never reached the server"
    assert _events(portal, "auth.sign_in_failed", login) == limit
    _try(page, login, password)  # the 11th: the right password, refused all the same
    expect(page.get_by_text("Слишком много неудачных попыток входа")).to_be_visible()
    expect(page.get_by_text("Вход временно закрыт до")).to_be_visible()
    expect(page.get_by_role("button", name="Выйти")).to_have_count(0)
    shot(page, "e2e_sign_in_throttled")
    assert _events(portal, "auth.sign_in_locked", login) == 1
    assert _sessions(portal, "moderator") == sessions_before  # no session was opened


def _sessions(portal, role: str) -> int:
    with reading(portal.demo.url) as tx:
        return tx.exec(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == _user_id(portal, role))).one()


def _age(portal, role: str, **by: timedelta) -> None:
    """Move the user's live sessions back in time (created_at / last_seen_at)."""
    with transaction(portal.demo.url) as tx:
        for sess in tx.exec(select(UserSession).where(UserSession.user_id == _user_id(portal, role),
                                                      UserSession.ended_at.is_(None))).all():
            for column, delta in by.items():
                setattr(sess, column, getattr(sess, column) - delta)
            tx.add(sess)


def _ended(portal, role: str) -> list[str | None]:
    with reading(portal.demo.url) as tx:
        return [s.end_reason for s in tx.exec(select(UserSession).where(
            UserSession.user_id == _user_id(portal, role)).order_by(UserSession.id)).all()]


@pytest.mark.parametrize("role, column, delta, reason", [
    ("monitoring", "last_seen_at", timedelta(minutes=31), "idle"),
    ("editor", "created_at", timedelta(hours=12, minutes=1), "absolute"),
])
def test_a_session_past_its_limit_ends_on_the_next_click(page: Page, portal, role, column, delta, reason):
    _sign_in(page, portal, role)
    assert _ended(portal, role)[-1] is None
    page.get_by_role("link", name="Мой профиль").click()  # a click within the limits keeps the session
    expect(page.get_by_role("heading", name="Мой профиль")).to_be_visible()
    assert _ended(portal, role)[-1] is None
    _age(portal, role, **{column: delta})
    page.get_by_test_id("stSidebarNav").get_by_role("link").first.click()
    expect(page.get_by_label("Пароль", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Выйти")).to_have_count(0)
    assert _ended(portal, role)[-1] == reason
    page.reload()  # the cookie left in the browser no longer opens anything
    expect(page.get_by_label("Пароль", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Выйти")).to_have_count(0)
    shot(page, f"e2e_session_{reason}_expired")
