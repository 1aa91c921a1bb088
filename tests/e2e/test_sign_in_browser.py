"""Signing in, a reload, signing out, and ЕСИА (OpenID Connect) in a real Chromium."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from models.db import reading
from services.core import auth
from tests.e2e.conftest import settle, shot

pytestmark = pytest.mark.e2e


def who(portal, role: str):
    """The demo account of a role, as the portal sees it (name, menu)."""
    login = portal.demo.logins[role]["login"]
    with reading(portal.demo.url) as tx:
        from models import User
        from sqlmodel import select
        user_id = tx.exec(select(User.id).where(User.login == login)).one()
    return login, user_id


def session_cookie(page: Page):
    return next((c for c in page.context.cookies() if c["name"] == "portal_session"), None)


def sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def signed_in_as(page: Page, name: str, role_title: str, menu: list[str]) -> None:
    expect(sidebar(page)).to_contain_text(name, timeout=30_000)
    expect(sidebar(page)).to_contain_text(role_title)
    nav = page.get_by_test_id("stSidebarNav")
    for title in menu:
        expect(nav).to_contain_text(title)
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()


def test_password_sign_in_survives_a_reload_and_sign_out_ends_it(page: Page, portal, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    credentials = portal.demo.logins["class_teacher"]
    _, user_id = who(portal, "class_teacher")
    actor = auth.actor_for_user(user_id)
    page.goto(portal.base)
    page.get_by_label("Логин").fill(credentials["login"])
    page.get_by_label("Пароль").fill(credentials["password"])
    page.get_by_role("button", name="Войти", exact=True).click()

    menu = ["Отчёт классного руководителя", "Сводная ведомость", "Мой профиль"]
    signed_in_as(page, actor.name, "Классный руководитель", menu)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).not_to_contain_text("Пользователи и роли")
    expect(nav).not_to_contain_text("Журнал событий")
    page.wait_for_function("document.cookie.includes('portal_session=')")
    cookie = session_cookie(page)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/" and not cookie["secure"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie["value"])  # 256 random bits, nothing else
    page.get_by_role("link", name="Мой профиль").click()
    expect(page.get_by_role("heading", name="Мой профиль")).to_be_visible()
    expect(page.get_by_text("Классный руководитель, СОШ № 1, класс")).to_be_visible()
    expect(page.get_by_role("button", name="Сменить пароль")).to_be_visible()
    settle(page)
    shot(page, "e2e_class_teacher_signed_in")

    page.reload()  # a new Streamlit session: signed in again through the cookie
    signed_in_as(page, actor.name, "Классный руководитель", menu)
    expect(page.get_by_role("heading", name="Мой профиль")).to_be_visible()  # the same address
    assert auth.resume(cookie["value"]).user_id == user_id

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("button", name="Войти", exact=True)).to_be_visible()
    expect(page.get_by_label("Логин")).to_be_visible()
    page.wait_for_function("!document.cookie.includes('portal_session=')")
    assert auth.resume(cookie["value"]) is None  # the server session has ended

    page.reload()
    expect(page.get_by_role("button", name="Войти", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    assert session_cookie(page) is None


def test_sign_in_through_esia_with_the_mock_provider(page: Page, portal, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    login, user_id = who(portal, "teacher")
    actor = auth.actor_for_user(user_id)
    sub = "esia-e2e-teacher"
    portal.provider.set_user(sub, {"email": f"{login}@demo.school.local", "email_verified": True,
                                   "name": actor.name})

    page.goto(portal.base)
    page.get_by_role("button", name="Войти через ЕСИА").click()
    # the provider's own page: who is signing in (the subject); its e-mail claim was set above
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()

    signed_in_as(page, actor.name, "Учитель", ["Сводная ведомость", "Мой профиль"])
    page.wait_for_function("document.cookie.includes('portal_session=')")
    with reading(portal.demo.url) as tx:
        from models import User
        linked = tx.get(User, user_id)
        assert linked.oidc_subject == sub and linked.oidc_last_used_at is not None
    page.get_by_role("link", name="Мой профиль").click()
    expect(page.get_by_text("Вход через ЕСИА привязан")).to_be_visible()
    expect(page.get_by_role("button", name="Сменить пароль")).to_be_visible()
    settle(page)
    shot(page, "e2e_teacher_signed_in_through_esia")

    page.reload()  # our own cookie keeps the session; the provider's identity is not used twice
    signed_in_as(page, actor.name, "Учитель", ["Мой профиль"])

    token = session_cookie(page)["value"]
    # «Выйти» ends our session and, through st.logout(), drops Streamlit's identity cookie and
    # passes by the provider's end-session page, which sends the browser back to the portal
    page.get_by_role("button", name="Выйти").click()
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("button", name="Войти через ЕСИА")).to_be_visible()
    expect(page.get_by_role("button", name="Войти", exact=True)).to_be_visible()
    page.wait_for_function("!document.cookie.includes('portal_session=')")
    assert auth.resume(token) is None
    assert not [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
    page.reload()  # neither our cookie nor the provider's identity signs anybody in again
    expect(page.get_by_role("button", name="Войти через ЕСИА")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)


def test_a_start_page_opens_at_its_own_address(page: Page, portal):
    """Streamlit serves the default page at the root; a bookmark of the teacher's start page
    (/journal) opened while signed out signs in to the journal, and a reload there keeps it,
    without Streamlit's «Page not found»."""
    credentials = portal.demo.logins["teacher"]
    # (The very first request a fresh server gets is resolved against pages/ before app.py has
    # run st.navigation once: any address but the root gets «Page not found» then. Not this test.)
    page.goto(portal.base)
    expect(page.get_by_role("button", name="Войти", exact=True)).to_be_visible(timeout=30_000)
    page.goto(f"{portal.base}/journal")
    page.get_by_label("Логин").fill(credentials["login"])
    page.get_by_label("Пароль").fill(credentials["password"])
    page.get_by_role("button", name="Войти", exact=True).click()
    for _ in range(2):
        expect(page.get_by_role("heading", name="Журнал")).to_be_visible(timeout=30_000)
        settle(page)
        expect(page.get_by_text("Page not found")).to_have_count(0)
        assert page.url.split("?")[0].rstrip("/").endswith("/journal")
        page.reload()
