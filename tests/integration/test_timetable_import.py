"""The timetable imported from Excel on SQLite and PostgreSQL: each bad row reported with its row,
column and reason; all or nothing or only the good rows; re-importing changes nothing."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlmodel import select

from models import AuditEvent, Lesson, Subgroup, TimetableSlot
from models.db import reading
from services.core.policy import AccessDenied
from services.planning import timetable_import
from tests.integration import timetable_world

HEADERS = ("Класс", "День", "Урок", "Предмет", "Учитель", "Кабинет", "Подгруппа")
GOOD = [("5А", "Пн", 1, "Математика", "Иванова А. С.", "10", ""),
        ("5 а", "понедельник", 2, "Русский язык", "Петрова Анна Сергеевна", "11", None),
        ("5А", "Пн", 3, "Английский язык", "Смирнова А.С.", "21", "1 группа"),
        ("5А", "Пн", 3, "Английский язык", "Кузнецова", "22", 2),
        ("5Б", "Вт", 1, "Математика", "Иванова А. С.", "10", ""),
        ("5Б", 3, "2.", "Русский язык", "Петрова А. С.", "11", "")]


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def w(db_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    return timetable_world.build()


def slots(w):
    with reading() as tx:
        return tx.exec(select(TimetableSlot).order_by(TimetableSlot.id)).all()


def test_a_good_file_becomes_the_timetable_from_the_date(w):
    admin = w.actor("admin")
    result = timetable_import.run_import(admin, w.school_id, workbook(GOOD), "расписание.xlsx",
                                         effective_from=date(2026, 9, 1))
    assert result.committed and result.errors == [] and result.classes == ["5А", "5Б"]
    assert result.created == 6 and result.lessons.created > 0
    rows = {(s.class_id, s.weekday, s.lesson_number, s.teacher_id) for s in slots(w)}
    assert (w.classes["5Б"], 3, 2, w.staff["rus"]) in rows
    assert (w.classes["5А"], 1, 3, w.staff["eng2"]) in rows
    with reading() as tx:
        assert tx.exec(select(Lesson).where(Lesson.class_id == w.classes["5Б"])).first() is not None
    again = timetable_import.run_import(admin, w.school_id, workbook(GOOD), "расписание.xlsx",
                                        effective_from=date(2026, 9, 1))
    assert again.committed and (again.created, again.closed, again.unchanged) == (0, 0, 6)
    assert again.lessons.created == again.lessons.deleted == 0
    with reading() as tx:
        assert len(tx.exec(select(AuditEvent).where(AuditEvent.action == "timetable.imported")).all()) == 1
    with pytest.raises(AccessDenied):
        timetable_import.run_import(w.actor("deputy6"), w.school_id, workbook(GOOD), "x.xlsx",
                                    effective_from=date(2026, 9, 1))


def test_a_broken_file_changes_nothing_and_names_every_bad_cell(w):
    admin = w.actor("admin")
    bad = GOOD + [("7Г", "Пн", 1, "Математика", "Иванова А. С.", "", ""),        # row 8
                  ("5А", "Вс", 4, "Математика", "Иванова А. С.", "", ""),        # row 9
                  ("5А", "Вт", 4, "Химия", "Иванова А. С.", "", ""),             # row 10
                  ("5А", "Вт", 5, "Математика", "Неизвестная", "", ""),          # row 11
                  ("5Б", "Пн", 1, "Математика", "Иванова А. С.", "15", ""),      # row 12: the teacher of row 2
                  ("5А", "Пн", 1, "Математика", "Иванова А. С.", "10", ""),      # row 13: row 2 again
                  ("5Б", "Ср", 4, "Русский язык", "Петрова А. С.", "", "1 группа")]  # row 14: not split
    result = timetable_import.run_import(admin, w.school_id, workbook(bad), "расписание.xlsx",
                                         effective_from=date(2026, 9, 1))
    assert not result.committed
    found = {(p.row, p.column): p.message for p in result.errors}
    assert found[(8, "Класс")] == "класса нет в 2026/2027 учебном году школы"
    assert found[(9, "День")] == "день недели: Пн, Вт, Ср, Чт, Пт, Сб (или 1–6)"
    assert found[(10, "Предмет")] == "предмета нет в учебном плане 5А"
    assert found[(11, "Учитель")].startswith("сотрудник не найден в школе")
    assert "Иванова А. С. в двух местах сразу" in found[(12, "Учитель")] and "строка 2" in found[(12, "Учитель")]
    assert "строка 12" in found[(2, "Учитель")]
    assert found[(13, "Класс")] == "повтор: этот урок уже есть в строке 2"
    assert found[(14, "Подгруппа")] == "«Русский язык» в 5Б не делится на подгруппы по учебному плану"
    assert slots(w) == []
    partial = timetable_import.run_import(admin, w.school_id, workbook(bad), "расписание.xlsx",
                                          effective_from=date(2026, 9, 1), only_valid=True)
    assert partial.committed and partial.created == 5  # the good rows but row 2, which clashed with row 12
    assert {s.lesson_number for s in slots(w) if s.class_id == w.classes["5А"] and s.weekday == 1} == {2, 3}


def test_a_new_group_of_a_split_subject_is_created_with_a_warning(w):
    rows = [("5А", "Пт", 4, "Информатика", "Попов А. С.", "30", "3 группа")]
    dry = timetable_import.run_import(w.actor("admin"), w.school_id, workbook(rows), "x.xlsx", dry_run=True)
    assert not dry.committed and dry.subgroups_created == 1
    assert dry.effective_from == date(2026, 11, 16)  # today by default
    assert [(p.row, p.column) for p in dry.warnings] == [(2, "Подгруппа")]
    with reading() as tx:
        assert not tx.exec(select(Subgroup).where(Subgroup.name == "3 группа")).all()
    done = timetable_import.run_import(w.actor("admin"), w.school_id, workbook(rows), "x.xlsx")
    assert done.committed and done.subgroups_created == 1
    missing = timetable_import.run_import(w.actor("admin"), w.school_id, workbook([(1,)], headers=("Класс",)), "x")
    assert {p.column for p in missing.errors} == {"День", "Урок", "Предмет", "Учитель"}
