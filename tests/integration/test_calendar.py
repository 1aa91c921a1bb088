"""The school year (R-PLAN-2) on SQLite and PostgreSQL: opening a year with its periods, vacations and public
holidays; changes of periods, holidays and bells carried to the lessons."""
from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import select

from models import Holiday, Lesson, StudyPeriod
from models.db import reading, transaction
from services.core.policy import AccessDenied
from services.planning import calendar, timetable
from services.planning.calendar import CalendarError
from services.rules.timetable_calendar import BellSpec, HolidaySpec, PeriodSpec
from tests.integration import timetable_world
from tests.integration.timetable_world import rows_5a


@pytest.fixture
def w(db_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    world = timetable_world.build()
    timetable.save_class(world.actor("admin"), world.classes["5А"], rows_5a(world), date(2026, 9, 1))
    return world


def lessons(w, **where):
    with reading() as tx:
        stmt = select(Lesson).where(Lesson.class_id == w.classes["5А"])
        for k, v in where.items():
            stmt = stmt.where(getattr(Lesson, k) == v)
        return tx.exec(stmt.order_by(Lesson.lesson_date, Lesson.lesson_number)).all()


def test_open_a_year_with_its_calendar(w):
    admin = w.actor("admin")
    year_id = calendar.create_year(admin, w.school_id, 2027, kind="trimester")
    cal = calendar.load(admin, w.school_id, year_id)
    assert [p.name for p in cal.periods] == ["1 триместр", "2 триместр", "3 триместр"]
    assert cal.year.label == "2027/2028" and cal.editable
    public = {h.starts_on: h for h in cal.holidays if h.kind == "public"}
    unity = public[date(2027, 11, 4)]  # with the day off moved to Friday 5 November 2027
    assert (unity.name, unity.ends_on) == ("День народного единства, Перенесённый выходной день", date(2027, 11, 5))
    assert any(h.name == "Летние каникулы" and h.ends_on == date(2028, 8, 31) for h in cal.holidays)
    assert calendar.add_public_holidays(admin, year_id) == 0  # already there
    with pytest.raises(CalendarError, match="уже открыт"):
        calendar.create_year(admin, w.school_id, 2027)
    with pytest.raises(AccessDenied, match="изменение учебного года"):
        calendar.create_year(w.actor("deputy5"), w.school_id, 2028)
    assert [y.start_year for y in calendar.years(w.actor("math"), w.school_id)] == [2026, 2027]
    days = cal.school_days(date(2027, 11, 1), date(2027, 11, 7))
    assert date(2027, 11, 4) not in days and date(2027, 11, 3) in days


def test_changed_periods_relink_and_regenerate_the_lessons(w):
    admin = w.actor("admin")
    cal = calendar.load(admin, w.school_id)
    periods = [PeriodSpec(p.number, p.name, p.starts_on, p.ends_on) for p in cal.periods]
    periods[1] = PeriodSpec(2, "2 четверть", date(2026, 11, 5), date(2026, 12, 25))  # ends on Friday 25 Dec
    with pytest.raises(CalendarError, match="пересекаются"):
        calendar.save_periods(admin, w.year_id, periods[:1] + [PeriodSpec(2, "2 четверть", date(2026, 10, 1),
                                                                          date(2026, 12, 25))] + periods[2:])
    monday_28 = [l for l in lessons(w) if l.lesson_date == date(2026, 12, 28)]
    result = calendar.save_periods(admin, w.year_id, periods)
    assert monday_28 and result.deleted == len(monday_28)
    assert not [l for l in lessons(w) if l.lesson_date == date(2026, 12, 28)]
    assert all(l.period_id == w.periods[2] for l in lessons(w) if date(2026, 11, 5) <= l.lesson_date <= date(2026, 12, 25))
    with reading() as tx:
        assert tx.get(StudyPeriod, w.periods[2]).ends_on == date(2026, 12, 25)


def test_a_quarantine_week_removes_lessons_but_not_those_with_data(w):
    admin = w.actor("admin")
    week = [l for l in lessons(w) if date(2026, 12, 7) <= l.lesson_date <= date(2026, 12, 11)]
    keep = week[0]
    with transaction() as tx:
        row = tx.get(Lesson, keep.id)
        row.topic = "Дроби"
        tx.add(row)
    cal = calendar.load(admin, w.school_id)
    spans = [HolidaySpec(h.name, h.starts_on, h.ends_on, h.kind) for h in cal.holidays]
    result = calendar.save_holidays(admin, w.year_id, spans + [HolidaySpec("Карантин", date(2026, 12, 7),
                                                                          date(2026, 12, 11))])
    assert result.deleted == len(week) - 1 and [k.lesson_id for k in result.kept] == [keep.id]
    left = [l.id for l in lessons(w) if date(2026, 12, 7) <= l.lesson_date <= date(2026, 12, 11)]
    assert left == [keep.id]
    back = calendar.save_holidays(admin, w.year_id, spans)
    assert back.created == len(week) - 1
    assert calendar.save_holidays(admin, w.year_id, spans) is None  # nothing changed
    with pytest.raises(CalendarError, match="вне учебного года"):
        calendar.save_holidays(admin, w.year_id, [HolidaySpec("Лето", date(2027, 9, 1), date(2027, 9, 2))])
    with reading() as tx:
        assert len(tx.exec(select(Holiday).where(Holiday.year_id == w.year_id)).all()) == len(spans)


def test_new_bells_move_the_times_of_lessons_from_today(w):
    admin = w.actor("admin")
    bells = [BellSpec(n, a, b) for n, a, b in timetable_world.BELLS]
    bells[0] = BellSpec(1, time(8, 0), time(8, 45))
    changed = calendar.save_bells(admin, w.school_id, 1, bells)
    first = lessons(w, lesson_number=1)
    assert changed == len([l for l in first if l.lesson_date >= date(2026, 11, 16)])
    assert {str(l.starts_at) for l in first if l.lesson_date < date(2026, 11, 16)} == {"08:30:00"}
    assert {str(l.starts_at) for l in first if l.lesson_date >= date(2026, 11, 16)} == {"08:00:00"}
    with pytest.raises(CalendarError, match="В расписании есть 3 урок"):
        calendar.save_bells(admin, w.school_id, 1, bells[:2])
    with pytest.raises(CalendarError, match="раньше конца 1 урока"):
        calendar.save_bells(admin, w.school_id, 1, [BellSpec(1, time(8, 0), time(8, 45)),
                                                    BellSpec(2, time(8, 40), time(9, 25))])
