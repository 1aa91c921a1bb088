"""In a real Chromium against the demo portal: the parent lands on the diary of their child and
sees the week's lessons and marks as text; the class teacher opens «Мой класс»."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from services.core import auth
from services.journal import diary
from tests.e2e.conftest import settle, shot
from tests.e2e.test_sign_in_browser import who


def sign_in(page: Page, portal, role: str) -> None:
    credentials = portal.demo.logins[role]
    page.goto(portal.base)
    page.get_by_label("Логин").fill(credentials["login"])
    page.get_by_label("Пароль").fill(credentials["password"])
    page.get_by_role("button", name="Войти", exact=True).click()


def test_the_parent_lands_on_the_diary_of_their_child(page: Page, portal, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    _, user_id = who(portal, "parent")
    children = diary.children_of(auth.actor_for_user(user_id))
    sign_in(page, portal, "parent")
    expect(page.get_by_role("heading", name="Дневник")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(children[0].name).first).to_be_visible()
    expect(page.get_by_role("tab", name="Неделя")).to_be_visible()
    expect(page.get_by_text("Понедельник,").first).to_be_visible()
    expect(page.get_by_text("Отметки за неделю")).to_be_visible()
    settle(page)
    shot(page, "e2e_parent_diary_week")
    page.get_by_role("tab", name="Отметки по предметам").click()
    expect(page.get_by_text("Динамика по предмету")).to_be_visible()
    settle(page)
    shot(page, "e2e_parent_diary_marks")


def test_the_class_teacher_lands_on_their_class(page: Page, portal):
    sign_in(page, portal, "class_teacher")
    # the demo class teacher also teaches a subject, so lands on the journal; «Мой класс» is in the menu
    page.get_by_role("link", name="Мой класс").click(timeout=30_000)
    expect(page.get_by_role("heading", name="Мой класс")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("tab", name="Посещаемость за день")).to_be_visible()
    page.get_by_role("tab", name="Сводка отметок").click()
    expect(page.get_by_text("отметка за период", exact=False)).to_be_visible()
    settle(page)
    shot(page, "e2e_class_teacher_summary")
