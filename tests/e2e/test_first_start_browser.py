"""A real school from an empty database through the screens, in Chromium (issue 15): the portal
opens «Первый запуск» (no demo), the first administrator and the school are made there, the work
types are already set, the school year is opened, staff and pupils with parents come from Excel,
the class teachers are given their classes on «Пользователи и роли» (opened from the checklist's
own link), and «Первая неделя» shows what is done and what is still missing. Screenshots of the work-types
screen and of the half-done checklist go to test-artifacts/."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, expect
from sqlmodel import select

from models import School, Staff, Student, User, WorkType
from models.db import reading
from tests.e2e.conftest import ROOT, _env, choose, serving, shot

pytestmark = pytest.mark.e2e
NOW = "2026-08-25T10:00:00+03:00"  # the last week of August


@pytest.fixture
def empty_portal(tmp_path, chromium_path):
    """`streamlit run app.py` over a database that has only the schema (a real installation)."""
    url = f"sqlite:///{tmp_path / 'school.db'}"
    env = _env(DATABASE_URL=url, PORTAL_FAKE_NOW=NOW, PORTAL_ARGON2_PROFILE="fast", DEMO="0")
    subprocess.run([sys.executable, "manage.py", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    skipped = subprocess.run([sys.executable, "manage.py", "demo", "--if-empty"], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True)
    assert "не демонстрационная" in skipped.stdout  # what `make run` with DATABASE_URL does: no demo
    with serving(env, tmp_path / "streamlit.log") as base:
        yield base, url


@pytest.fixture
def screen(browser, empty_portal):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(30_000)
    expect.set_options(timeout=20_000)  # a shared two-core machine: full page loads take seconds
    yield page
    expect.set_options(timeout=5_000)
    context.close()


def workbook(path, rows) -> str:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def settle(page: Page) -> None:
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    page.wait_for_timeout(700)


def open_page(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def upload(page: Page, kind: str, path: str, create_classes: bool = False) -> None:
    page.get_by_test_id("stButtonGroup").get_by_text(kind, exact=True).click()
    settle(page)
    expect(page.get_by_text("Загружено. Добавлено")).to_have_count(0)  # the other kind's result is gone
    expect(page.get_by_text("Заголовки узнаются без учёта регистра")).to_be_visible()
    settle(page)
    expect(page.locator("input[type=file]")).to_have_count(1)
    page.locator("input[type=file]").set_input_files(path)
    if create_classes:
        page.get_by_text("Создать недостающие классы").click()
        settle(page)
    expect(page.get_by_text("ошибок нет")).to_be_visible()
    page.get_by_role("button", name="Загрузить", exact=True).click()
    expect(page.get_by_text("Загружено. Добавлено")).to_be_visible()


def test_a_school_from_the_first_run_screen(screen: Page, empty_portal, tmp_path):
    page, (base, url) = screen, empty_portal
    page.goto(base)
    expect(page.get_by_role("heading", name="Первый запуск портала")).to_be_visible()
    for label, value in (("Муниципалитет", "Городской округ Энск"), ("Полное название школы", "МБОУ СОШ № 1 г. Энска"),
                         ("Краткое название", "СОШ № 1"), ("Фамилия", "Петрова"), ("Имя", "Анна"),
                         ("Логин", "petrova"), ("Пароль", "Start-2026x"), ("Повтор пароля", "Start-2026x")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Создать администратора и школу").click()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text("Первая неделя")
    with reading(url) as tx:
        school = tx.exec(select(School)).one()
        assert tx.exec(select(User.login)).all() == ["petrova"]
        assert len(tx.exec(select(WorkType).where(WorkType.school_id == school.id)).all()) >= 10

    open_page(page, "Виды работ")
    expect(page.get_by_text("Средние считаются по текущим весам")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    settle(page)
    shot(page, "first_start_work_types")

    open_page(page, "Учебный год")
    page.get_by_role("button", name="Открыть учебный год").click()
    expect(page.get_by_text("2026/2027 учебный год открыт")).to_be_visible()

    open_page(page, "Загрузка из Excel")
    upload(page, "Сотрудники", workbook(tmp_path / "Сотрудники.xlsx", [
        ["ФИО", "Должность", "Предметы", "Телефон", "Email"],
        ["Рябова Анна Ивановна", "Учитель", "Математика", "", "ryabova@example.ru"],
        ["Гусева Мария Львовна", "Учитель", "Русский язык", "", ""]]))
    upload(page, "Ученики", workbook(tmp_path / "Ученики.xlsx", [
        ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс", "Дата зачисления",
         "Родитель 1: ФИО", "Родитель 1: Степень родства", "Родитель 1: Телефон"],
        ["Орлов", "Максим", "Денисович", "12.04.2015", "м", "5А", "01.09.2026", "Орлова Ирина Викторовна", "мать",
         "+7 912 111-22-33"],
        ["Серов", "Павел", "", "01.01.2014", "м", "6А", "01.09.2026", "Серова Юлия Андреевна", "мать",
         "+7 912 111-22-55"]]), create_classes=True)
    with reading(url) as tx:
        assert len(tx.exec(select(Staff)).all()) == 2 and len(tx.exec(select(Student)).all()) == 2

    open_page(page, "Первая неделя")
    expect(page.get_by_text("Готово 4 из 13")).to_be_visible()
    expect(page.get_by_text("Без классного руководителя: 5А, 6А")).to_be_visible()
    page.get_by_role("link", name=re.compile("Открыть «Пользователи и роли»")).click()  # the line's own link
    expect(page.get_by_role("heading", name="Пользователи и роли")).to_be_visible()
    tab = page.get_by_role("tab", name="Роли и доступ")
    for login, cls in (("riabova.ai", "5А"), ("guseva.ml", "6А")):
        for label, option in (("Пользователь", page.get_by_role("option", name=re.compile(login))),
                              ("Роль", page.get_by_role("option", name="Классный руководитель")),
                              ("Класс", page.get_by_role("option", name=cls, exact=True))):
            settle(page)
            tab.click()  # a rerun may show the first tab again
            choose(page, page.locator(f'input[aria-label="{label}"]:visible'), option)
            settle(page)
        tab.click()
        page.get_by_role("button", name="Выдать роль").click()
        expect(page.get_by_text(f"выдана {login}")).to_be_visible()

    open_page(page, "Первая неделя")
    expect(page.get_by_text("Готово 5 из 13")).to_be_visible()
    expect(page.get_by_text("Звонки не заданы")).to_be_visible()
    expect(page.get_by_text("у всех есть классный руководитель")).to_be_visible()
    settle(page)
    shot(page, "first_start_checklist_half_done")
    expect(page.get_by_role("link", name=re.compile("Открыть «Учебный план и нагрузка»")).first).to_be_visible()
    page.get_by_role("link", name=re.compile("Открыть «Виды работ»")).click()  # the link opens the screen that fixes it
    expect(page.get_by_role("heading", name="Виды работ")).to_be_visible(timeout=30_000)
