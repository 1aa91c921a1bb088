"""The deadlines of SPEC.md §10 (R-JRN-4), in the school's time zone. "By T" includes T.

Deadlines are recorded and shown, never blocking: these functions say when a thing was due
and whether an entry was on time.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

END_OF_DAY = time(23, 59, 59)


def mark_due(lesson_date: date, tz: ZoneInfo, checking_days: int = 0, hour: int = 21) -> datetime:
    """By 21:00 of the lesson date; a work type with N checking days: 23:59:59 of date + N (1.8)."""
    if checking_days > 0:
        return datetime.combine(lesson_date + timedelta(days=checking_days), END_OF_DAY, tz)
    return datetime.combine(lesson_date, time(hour, 0), tz)


def homework_due(lesson_date: date, lesson_end: time, tz: ZoneInfo, hours: int = 3) -> datetime:
    """By the lesson's end + 3 hours (1.10)."""
    return datetime.combine(lesson_date, lesson_end, tz) + timedelta(hours=hours)


def attendance_due(lesson_date: date, tz: ZoneInfo, days: int = 2) -> datetime:
    """By 23:59:59 of the lesson date + 2 days (1.12)."""
    return datetime.combine(lesson_date + timedelta(days=days), END_OF_DAY, tz)


def correction_due(filed_at: datetime, hours: int = 24) -> datetime:
    """Resolved within 24 hours of being filed (2.3)."""
    return filed_at + timedelta(hours=hours)


def on_time(entered_at: datetime, due: datetime) -> bool:
    return entered_at <= due


def lateness(entered_at: datetime, due: datetime) -> timedelta:
    """How late an entry was (zero when on time)."""
    return max(entered_at - due, timedelta(0))


def period_marks_due(period_end: date, vacations: list[tuple[date, date]], tz: ZoneInfo) -> datetime:
    """Period marks are due by the end of the holidays after the period (1.13): the last day of the
    vacation that begins within a week after the period's last day; without one, that last day."""
    following = sorted((s, e) for s, e in vacations if period_end < s <= period_end + timedelta(days=7))
    return datetime.combine(following[0][1] if following else period_end, END_OF_DAY, tz)
