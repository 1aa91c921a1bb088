"""Which school year, and its calendar as the lesson rules take it: what the planning modules
(the calendar, the timetable and its lessons, КТП, substitutions) read about a year, below all
of them (services/planning/calendar.py changes the year; this module only reads it)."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models import AcademicYear, BellSchedule, Holiday, StudyPeriod
from services.people.rosters import current_year
from services.rules.timetable_lessons import Calendar


class CalendarError(ValueError):
    """str(e) is a Russian message."""


def year_for(tx: Session, school_id: int, year_id: int | None = None, on: date | None = None) -> AcademicYear:
    """The year asked for, or the one containing `on` (default today), or the nearest open one."""
    if year_id is not None:
        year = tx.get(AcademicYear, year_id)
        if year is None or year.school_id != school_id:
            raise CalendarError("Учебный год не найден в этой школе.")
        return year
    year = current_year(tx, school_id, on)
    if year is None:
        raise CalendarError("В школе ещё не открыт ни один учебный год.")
    return year


def calendar_for(tx: Session, school_id: int, year_id: int) -> Calendar:
    """The year's periods, holidays and bells as the lesson rules take them."""
    periods = tuple(tx.exec(select(StudyPeriod.id, StudyPeriod.starts_on, StudyPeriod.ends_on).where(
        StudyPeriod.school_id == school_id, StudyPeriod.year_id == year_id)).all())
    holidays = tuple(tx.exec(select(Holiday.starts_on, Holiday.ends_on).where(
        Holiday.school_id == school_id, Holiday.year_id == year_id)).all())
    bells = {(b.shift, b.lesson_number): (b.starts_at, b.ends_at)
             for b in tx.exec(select(BellSchedule).where(BellSchedule.school_id == school_id)).all()}
    return Calendar(tuple(tuple(p) for p in periods), tuple(tuple(h) for h in holidays), bells)
