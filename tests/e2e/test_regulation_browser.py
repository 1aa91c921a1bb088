"""In a real Chromium against the demo portal (issue 19): the director lands on the dashboard that
lists what the regulation still asks (checks not recorded, a document missing, last year closed
without its archive); the administrator's checklist of required documents; the class teacher's day;
the year close asking for the archive."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import settle, shot
from tests.e2e.test_diary_browser import sign_in


def test_the_director_sees_what_the_regulation_still_asks(page: Page, portal):
    sign_in(page, portal, "director")
    expect(page.get_by_role("heading", name="Показатели школы")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("По положению об электронном журнале не сделано")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("п. 5.10, 5.11: Нет ежемесячной проверки журналов")).to_be_visible()
    expect(page.get_by_text("Изменения в должностные инструкции", exact=False).first).to_be_visible()
    expect(page.get_by_text("учебный год закрыт без архива журналов", exact=False)).to_be_visible()
    page.wait_for_timeout(800)
    shot(page, "e2e_regulation_director_dashboard")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Документы о журнале").click()
    expect(page.get_by_role("heading", name="Документы о журнале")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Утвердить")).to_have_count(0)   # nothing uploaded awaits approval
    page.wait_for_timeout(800)
    shot(page, "e2e_regulation_required_docs")


def test_the_administrator_is_told_the_archive_comes_before_closing_the_year(page: Page, portal):
    sign_in(page, portal, "admin")
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Закрытие учебного года").click()
    told = page.get_by_text("Перед закрытием будет сформирован архив журналов года")  # the archive comes first
    expect(told).to_be_visible(timeout=60_000)
    told.scroll_into_view_if_needed()
    settle(page)
    shot(page, "e2e_regulation_year_close")


def test_the_class_teacher_sees_the_day_of_the_class(page: Page, portal):
    sign_in(page, portal, "class_teacher")
    page.get_by_role("link", name="Мой класс").click(timeout=30_000)
    expect(page.get_by_role("tab", name="День класса")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Отметить причину")).to_be_visible()
    page.wait_for_timeout(800)
    shot(page, "e2e_regulation_class_day")


def test_the_deputy_records_checks_on_the_control_screen(page: Page, portal):
    sign_in(page, portal, "deputy")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Внутришкольный контроль").click(timeout=30_000)
    expect(page.get_by_text("Проверки журналов и контроль по итогам периода")).to_be_visible(timeout=90_000)
    expect(page.get_by_role("button", name="Записать проверку")).to_be_visible()
    expect(page.get_by_placeholder("Выберите классы")).to_be_visible()
    page.get_by_role("button", name="Записать проверку").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    shot(page, "e2e_regulation_control_records")
