"""The mark edit window of clause 1.13 (SPEC.md §10): until when a mark may be changed."""
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
