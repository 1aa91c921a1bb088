"""The report of mark changes (1.13, R-REP-3, R-JRN-6) against real databases: changes made through the journal
and the period marks, inside and outside the edit window («Через неделю»), the filters, the
administrator only, and the PDF and XLSX read back."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.db import reading
from services.core import auth
from services.core.policy import AccessDenied
from services.journal import grid as journal, period_marks
from services.journal.period_marks import PeriodMarkChange
from services.reports import changes as rc, export as reports_export
from tests.integration import readback, reports_world
from tests.integration.reports_world import NOV

MSK = ZoneInfo("Europe/Moscow")


def actor(rw, login):
    with reading() as tx:
        return auth.load_actor(tx, rw.users[login])


def set_cell(rw, login, pupil, day, text):
    a = actor(rw, login)
    g = journal.load_grid(a, rw.classes["5А"], rw.subjects["math"], period_id=rw.q2, date_from=NOV(5),
                          date_to=NOV(28))
    sid = rw.pupils[pupil]
    label = next(c.label for c in g.columns if c.lesson_date == NOV(day) and c.first_of_lesson)
    result = journal.save_cells(a, journal.diff(g, {(sid, label): text}))
    assert result.ok and result.saved == 1, result


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 12, 18, 0, tzinfo=MSK))
    world = reports_world.build(edit_window="week")
    set_cell(world, "math_t", "Алексеев", 10, "4")        # 5 → 4 on 12.11: inside (until 17.11)
    frozen_clock(datetime(2026, 11, 17, 23, 30, tzinfo=MSK))
    set_cell(world, "math_t", "Борисова", 10, "5")         # 5/4 → 5 on 17.11 23:30: the last minutes inside
    frozen_clock(datetime(2026, 11, 20, 10, 0, tzinfo=MSK))
    set_cell(world, "math_t", "Алексеев", 19, "5")         # 4 → 5, inside
    set_cell(world, "math_t", "Григорьева", 19, "3")       # first entry: not a change
    math = actor(world, "math_t")
    # the first quarter ended on 25.10: a week after it, on 01.11, the window closed
    period_marks.save(math, world.classes["5А"], world.subjects["math"], world.q1,
                      [PeriodMarkChange(world.pupils["Алексеев"], "4", "5")])
    return world


def test_changes_by_hand(rw):
    report = rc.changes(actor(rw, "admin"), rw.school_id)
    got = [(r.pupil.split()[0], r.kind, r.lesson_date, r.old, r.new, r.inside_window) for r in report.rows]
    assert got == [
        ("Алексеев", "period", None, "4", "5", False),
        ("Алексеев", "mark", NOV(19), "4", "5", True),
        ("Борисова", "mark", NOV(10), "5/4", "5", True),
        ("Алексеев", "mark", NOV(10), "5", "4", True),
    ]
    first = report.rows[0]
    assert first.period_title == "1 четверть" and first.window_end == datetime(2026, 11, 1, 23, 59, 59, tzinfo=MSK)
    assert first.class_name == "5А" and first.subject == "Математика" and "Математикова" in first.who
    assert report.edit_window_title == "Через неделю"
    every = rc.changes(actor(rw, "admin"), rw.school_id, include_first=True)
    assert len(every.rows) == 5 and any(r.pupil.startswith("Григорьева") and r.old == "" for r in every.rows)
    outside = rc.changes(actor(rw, "admin"), rw.school_id, only_outside=True)
    assert [r.kind for r in outside.rows] == ["period"]
    bor = rc.changes(actor(rw, "admin"), rw.school_id, student_id=rw.pupils["Борисова"])
    assert [r.old for r in bor.rows] == ["5/4"]
    by_date = rc.changes(actor(rw, "admin"), rw.school_id, date_from=date(2026, 11, 13), date_to=NOV(18))
    assert [r.lesson_date for r in by_date.rows] == [NOV(10)]
    assert rc.changes(actor(rw, "admin"), rw.school_id, class_id=rw.classes["5Б"]).rows == []


def test_administrator_only(rw):
    for login in ("director", "ct5a", "math_t", "deputy5"):
        with pytest.raises(AccessDenied):
            rc.changes(actor(rw, login), rw.school_id)


def test_pdf_and_xlsx_read_back(rw):
    admin = actor(rw, "admin")
    report = rc.changes(admin, rw.school_id)
    pages = readback.pdf_pages(reports_export.changes_file(admin, report, "pdf").data)
    text = "\n".join(pages)
    assert "Отчёт об изменении отметок" in pages[0] and "Изменений: 4" in pages[0]
    assert "Администратор системы" in text and "Стр. 1 из" in pages[0]
    for r in report.rows:
        when = f"{r.lesson_date:%d.%m.%Y}" if r.lesson_date else r.period_title
        line = readback.line_with(text, f"{r.changed_at:%d.%m.%Y %H:%M}", when, r.pupil.split()[0])
        assert r.old in line and r.new in line
        assert ("да" if r.inside_window else "нет") in line.split()
    data = reports_export.changes_file(admin, report, "xlsx").data
    readback.no_formulas(data)
    ws = readback.workbook(data)["Изменения отметок"]
    _, rows = readback.table(ws, "Изменено")
    assert len(rows) == len(report.rows)
    for r, row in zip(report.rows, rows):
        assert row["Изменено"] == r.changed_at.replace(tzinfo=None)
        assert row["Ученик"] == r.pupil and row["Класс"] == r.class_name
        assert row["Было"] == (int(r.old) if r.old.isdigit() else r.old)
        assert row["Стало"] == (int(r.new) if r.new.isdigit() else r.new)
        assert row["В сроке редактирования"] == ("да" if r.inside_window else "нет")
