"""The mark edit window of clause 1.13 (SPEC.md §10, R-JRN-6): until when a mark may be changed."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class EditWindow:
    code: str
    title: str
    days: int | None  # None: by month or by year


EDIT_WINDOWS: dict[str, EditWindow] = {
    "never": EditWindow("never", "Никогда (до конца учебного года)", None),
    "week": EditWindow("week", "Через неделю", 7),
    "two_weeks": EditWindow("two_weeks", "Через две недели", 14),
    "three_weeks": EditWindow("three_weeks", "Через 3 недели", 21),
    "month": EditWindow("month", "Через месяц", None),
}


def _same_day_next_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_editable_day(lesson_date: date, window: str) -> date:
    if window not in EDIT_WINDOWS:
        raise ValueError(f"unknown edit window {window!r}")
    spec = EDIT_WINDOWS[window]
    if spec.days is not None:
        return lesson_date + timedelta(days=spec.days)
    if window == "month":
        return _same_day_next_month(lesson_date)
    end_year = lesson_date.year if lesson_date.month < 9 else lesson_date.year + 1
    return date(end_year, 8, 31)


def edit_window_end(lesson_date: date, window: str, tz: ZoneInfo) -> datetime:
    """The last moment (inclusive, aware) a mark of a lesson on `lesson_date` may be changed."""
    return datetime.combine(last_editable_day(lesson_date, window), time(23, 59, 59), tz)


def is_open(lesson_date: date, window: str, tz: ZoneInfo, now: datetime) -> bool:
    return now <= edit_window_end(lesson_date, window, tz)


# ----------------------------------------------------------------------------- a cell opened (issue 16, item 5)
GRANT_HOURS = 24  # a correction request opens one mark cell to its teacher for this long


@dataclass(frozen=True)
class CellOpening:
    """One cell (a pupil at a lesson) opened past the window to one teacher (Staff id) until `expires_at`."""
    lesson_id: int
    student_id: int
    staff_id: int
    expires_at: datetime


def opening_expires(granted_at: datetime) -> datetime:
    return granted_at + timedelta(hours=GRANT_HOURS)


def opened(openings, lesson_id: int, student_id: int, staff_ids, now: datetime) -> bool:
    """Is this very cell opened to one of these teachers at `now` (the expiry itself included)?
    Nothing else is: another pupil, another lesson, another teacher, or after the expiry."""
    return any(o.lesson_id == lesson_id and o.student_id == student_id and o.staff_id in staff_ids
               and now <= o.expires_at for o in openings)


def may_change_mark(lesson_date: date, window: str, tz: ZoneInfo, now: datetime, *, cell_opened: bool = False) -> bool:
    """A mark may be changed inside the school's window, or past it in a cell opened to the teacher."""
    return is_open(lesson_date, window, tz, now) or cell_opened
