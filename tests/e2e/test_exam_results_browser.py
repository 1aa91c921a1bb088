"""In a real Chromium against the demo portal (issue 19, item 5): the parent sees their child's ВПР
results beside the year marks in the diary; the administrator opens the grid of a class and subject."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import choose, settle, shot
from tests.e2e.test_diary_browser import sign_in


def test_the_parent_sees_the_vpr_results_in_the_diary(page: Page, portal):
    sign_in(page, portal, "parent")
    expect(page.get_by_role("heading", name="Дневник")).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Отметки по предметам").click()
    expect(page.get_by_text("Результаты ВПР, ОГЭ и ЕГЭ")).to_be_visible(timeout=30_000)
    table = page.locator("table.diary-exams")
    expect(table).to_contain_text("ВПР")
    expect(table).to_contain_text("Математика")
    expect(table).to_contain_text("Русский язык")
    settle(page)
    table.scroll_into_view_if_needed()
    shot(page, "e2e_exam_results_parent_diary")


def test_the_administrator_opens_the_grid_of_a_class(page: Page, portal):
    sign_in(page, portal, "admin")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="ВПР, ОГЭ, ЕГЭ").click(timeout=30_000)
    expect(page.get_by_role("heading", name="Результаты ВПР, ОГЭ, ЕГЭ")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("tab", name="Загрузить из Excel")).to_be_visible()
    # last April's ВПР of 5А (the demo's results of the year before)
    choose(page, page.get_by_label("Учебный год"), page.get_by_role("option").nth(1))
    for label, name in (("Класс", "5А"), ("Предмет", "Математика")):
        settle(page)
        page.locator(f'input[aria-label="{label}"]:visible').click()
        page.keyboard.type(name)                     # a long list shows its first options only: filter it
        option = page.get_by_role("option", name=name, exact=True)
        expect(option).to_be_visible(timeout=10_000)
        option.click()
    expect(page.get_by_text("Дата работы")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Сохранить")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    settle(page)
    shot(page, "e2e_exam_results_admin_grid")
    page.get_by_role("tab", name="Загрузить из Excel").click()
    expect(page.get_by_role("button", name="Скачать шаблон")).to_be_visible()
    settle(page)
    shot(page, "e2e_exam_results_admin_import")
