"""A closed school year is frozen: the journal of its classes refuses every edit (marks,
attendance, the lesson's topic and homework, period marks) with a Russian message, changes
nothing, and shows the grid read-only."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import Attendance, Lesson, Mark, PeriodMark, SchoolClass
from models.db import reading
from services.core import auth
from services.core.actor import SYSTEM
from services.journal import grid as journal, lessons, period_marks
from services.journal.period_marks import PeriodMarkChange
from services.planning import year_close
from tests.integration import journal_world

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def jw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    return journal_world.build()


def teacher(jw):
    with reading() as tx:
        return auth.load_actor(tx, jw.users["math"])


def cells(g, **by_pupil_and_day):
    edited = {}
    for key, text in by_pupil_and_day.items():
        last, day = key.rsplit("_", 1)
        label = next(c.label for c in g.columns if c.lesson_date.day == int(day))
        edited[(next(p.student_id for p in g.pupils if p.name.startswith(last)), label)] = text
    return journal.diff(g, edited)


def test_a_closed_year_refuses_every_journal_edit(jw):
    math = teacher(jw)
    g = journal.load_grid(math, jw.class_id, jw.math, period_id=jw.period_id)
    assert not g.year_closed and g.year_name == "2026/2027" and g.editable_lessons
    assert journal.save_cells(math, cells(g, Алексеев_10="5")).committed
    with reading() as tx:
        year_id = tx.get(SchoolClass, jw.class_id).year_id
    year_close.close_year(SYSTEM, jw.school_id, year_id=year_id, no_archive_reason="Тест: архив не нужен")

    # the grid loaded before the close: the save is refused whole, even when asked to save the rest
    g = journal.load_grid(math, jw.class_id, jw.math, period_id=jw.period_id)
    changes = cells(g, Алексеев_10="4", Борисова_12="Н")
    for partial in (False, True):
        result = journal.save_cells(math, changes, partial=partial)
        assert not result.committed and result.saved == 0
        assert [e.message for e in result.errors] == [
            "Учебный год 2026/2027 закрыт: его журнал доступен только для чтения, отметки, посещаемость "
            "и уроки в нём не изменяются."]
    with reading() as tx:
        assert [m.value for m in tx.exec(select(Mark)).all()] == ["5"]
        assert tx.exec(select(Attendance)).all() == []
    # the grid itself says so and offers nothing to edit
    assert g.year_closed and g.editable_lessons == frozenset()

    lesson_id = jw.lessons[("math", date(2026, 11, 12))]
    detail = lessons.detail(math, lesson_id)
    with pytest.raises(lessons.LessonError, match="Учебный год 2026/2027 закрыт"):
        lessons.save(math, lesson_id, version=detail.version, topic="Дроби", held=True, homework_text="№ 5")
    with reading() as tx:
        assert tx.get(Lesson, lesson_id).topic == ""
    with pytest.raises(period_marks.PeriodMarkError, match="закрыт"):
        period_marks.save(math, jw.class_id, jw.math, jw.period_id,
                          [PeriodMarkChange(jw.pupils["Алексеев"], "", "5")])
    with reading() as tx:
        assert tx.exec(select(PeriodMark)).all() == []
