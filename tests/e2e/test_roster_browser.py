"""In a real Chromium against the demo portal: the secretary uploads a roster with one bad row,
sees the error with its row and column, nothing is loaded; uploads the fixed file and the pupils
are in the class: on «Ученики и родители» the class list counts them and their cards open."""
from __future__ import annotations

import re

from openpyxl import Workbook
from playwright.sync_api import Page, expect
from sqlmodel import select

from models import Enrollment, SchoolClass, Student
from models.db import reading
from tests.e2e.conftest import give_file, settle, shot
from tests.e2e.test_diary_browser import sign_in

HEADERS = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс", "СНИЛС", "Дата зачисления",
           "№ приказа", "Родитель 1: ФИО", "Родитель 1: Степень родства", "Родитель 1: Телефон"]
GOOD = ["Загрузкин", "Максим", "Денисович", "12.04.2015", "м", "5А", "", "01.09.2026", "15-уч",
        "Орлова Ирина Викторовна", "мать", "+7 912 111-22-33"]


def workbook(path, second_surname: str):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(GOOD)
    sheet.append([second_surname, "Алиса", "Денисовна", "03.05.2015", "Ж", "5А", "", "01.09.2026", "15-уч",
                  "Орлова Ирина Викторовна", "мать", "+7 912 111-22-33"])
    book.save(path)
    return path


def pupils_named(url: str, last_name: str) -> list[tuple[str, str]]:
    with reading(url) as tx:
        return tx.exec(select(Student.first_name, SchoolClass.name)
                       .join(Enrollment, Enrollment.student_id == Student.id)
                       .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                       .where(Student.last_name.in_([last_name, last_name + "а"]))
                       .order_by(Student.first_name)).all()


def test_the_secretary_fixes_a_bad_row_and_the_pupils_appear(page: Page, portal, tmp_path):
    broken = workbook(tmp_path / "Ученики 5А.xlsx", "")
    fixed = workbook(tmp_path / "Ученики 5А исправлено.xlsx", "Загрузкина")
    sign_in(page, portal, "secretary")
    expect(page.get_by_role("heading", name="Загрузка из Excel")).to_be_visible(timeout=30_000)
    give_file(page, broken)
    expect(page.get_by_text("найдены ошибки")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Строка 3, столбец «Фамилия»")).to_be_visible()
    settle(page)
    shot(page, "e2e_roster_import_error")
    assert pupils_named(portal.demo.url, "Загрузкин") == []  # nothing loaded

    give_file(page, fixed)
    expect(page.get_by_text("ошибок нет")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Загрузить", exact=True).click()
    expect(page.get_by_text("Загружено. Добавлено: 2")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Загрузкина Алиса Денисовна (5А)")).to_be_visible()
    settle(page)
    shot(page, "e2e_roster_import_done")
    assert pupils_named(portal.demo.url, "Загрузкин") == [("Алиса", "5А"), ("Максим", "5А")]

    page.get_by_role("link", name="Ученики и родители").click()
    expect(page.get_by_role("heading", name="Ученики и родители")).to_be_visible(timeout=30_000)
    page.get_by_label("Класс").first.click()
    page.keyboard.type("5А")                       # the list of classes is long: filter it
    page.get_by_role("option", name="5А", exact=True).click()
    expect(page.get_by_text("Класс 5А: учеников")).to_be_visible(timeout=30_000)
    settle(page)
    shot(page, "e2e_roster_class_list")
    page.get_by_role("tab", name="Карточка ученика").click()
    page.get_by_label("Открыть карточку ученика").click()
    page.keyboard.type("Загрузкина")
    page.get_by_role("option", name="Загрузкина Алиса Денисовна").click()
    expect(page.get_by_role("heading", name="Загрузкина Алиса Денисовна")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Класс: 5А")).to_be_visible()
    settle(page)
    shot(page, "e2e_roster_class_card")


def test_the_administrator_sees_credentials_year_close_and_health(page: Page, portal):
    sign_in(page, portal, "admin")
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Выдача реквизитов").click()
    expect(page.get_by_role("heading", name="Выдача реквизитов")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name=re.compile(r"Выдать реквизиты \(\d+\)"))).to_be_visible()
    settle(page)
    shot(page, "e2e_roster_credentials")
    nav.get_by_role("link", name="Закрытие учебного года").click()
    expect(page.get_by_role("heading", name="Предпросмотр")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Закрыть учебный год")).to_be_disabled()
    settle(page)
    shot(page, "e2e_roster_year_close")
    nav.get_by_role("link", name="Состояние системы").click()
    expect(page.get_by_text("Версия схемы")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Сделать резервную копию")).to_be_visible()
    settle(page)
    shot(page, "e2e_roster_health")
