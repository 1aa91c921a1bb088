"""In a real Chromium against the demo portal (issue 19, item 9): the secretary uploads the region's
enrolment export as CSV on «Загрузка из Excel»; a bad row is reported with its row and column and
nothing is loaded; the fixed file loads the enrolled child into the class with the applicant as
guardian, and the refused application is skipped with its status."""
from __future__ import annotations

import csv

from playwright.sync_api import Page, expect
from sqlmodel import select

from models import Enrollment, SchoolClass, Student
from models.db import reading
from tests.e2e.conftest import give_file, settle, shot
from tests.e2e.test_diary_browser import sign_in

HEADERS = ["Номер заявления", "Дата подачи заявления", "Статус заявления", "ФИО ребёнка", "Дата рождения ребёнка",
           "Пол ребёнка", "Класс", "Дата зачисления", "Номер приказа о зачислении", "ФИО заявителя",
           "Кем приходится заявитель", "Телефон заявителя"]
ENROLLED = ["2026-7001", "10.11.2026", "Зачислен", "Зачисляев Тимофей Андреевич", "14.02.2019", "м", "1А",
            "01.12.2026", "88-уч", "Зачисляева Марина Олеговна", "мать", "+7 912 700-70-01"]
REFUSED = ["2026-7002", "11.11.2026", "Отказ в приёме", "Отказова Вера Ильинична", "02.03.2019", "ж", "1А", "", "",
           "Отказов Илья Петрович", "отец", "+7 912 700-70-02"]


def export(path, first_class: str):
    with open(path, "w", encoding="cp1251", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerows([HEADERS, [*ENROLLED[:6], first_class, *ENROLLED[7:]], REFUSED])
    return path


def enrolled(url: str) -> list[tuple[str, str]]:
    with reading(url) as tx:
        return tx.exec(select(Student.last_name, SchoolClass.name)
                       .join(Enrollment, Enrollment.student_id == Student.id)
                       .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                       .where(Student.last_name.in_(["Зачисляев", "Отказова"]))).all()


def test_the_secretary_loads_the_regional_enrolment_export(page: Page, portal, tmp_path):
    broken = export(tmp_path / "zachislenie.csv", "1Я")
    fixed = export(tmp_path / "zachislenie_ispravleno.csv", "1А")
    sign_in(page, portal, "secretary")
    expect(page.get_by_role("heading", name="Загрузка из Excel")).to_be_visible(timeout=30_000)
    page.get_by_text("Зачисление (выгрузка региональной системы)", exact=True).click()
    expect(page.get_by_text("Выгрузка заявлений из региональной системы зачисления")).to_be_visible(timeout=30_000)
    give_file(page, broken)
    expect(page.get_by_text("найдены ошибки")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Строка 2, столбец «Класс»", exact=False).first).to_be_visible()
    settle(page)
    shot(page, "e2e_enrolment_import_error")
    assert enrolled(portal.demo.url) == []  # nothing loaded

    give_file(page, fixed)
    expect(page.get_by_text("ошибок нет", exact=False)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("пропущено заявлений не в статусе «зачислен»: 1", exact=False)).to_be_visible()
    page.get_by_role("button", name="Загрузить", exact=True).click()
    expect(page.get_by_text("Загружено. Добавлено: 1", exact=False)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Зачисляев Тимофей Андреевич (1А)")).to_be_visible()
    settle(page)
    shot(page, "e2e_enrolment_import_done")
    assert enrolled(portal.demo.url) == [("Зачисляев", "1А")]
