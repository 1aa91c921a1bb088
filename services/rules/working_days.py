"""Working days by the Russian production calendar (производственный календарь).

Public holidays, the days off moved by government decree and the working Saturdays come from
the `holidays` package (its Russia calendar). Pure functions: no database, no clock.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=32)
def _calendar(year: int):
    return holidays.country_holidays("RU", years=year)


def is_official_day_off(day: date) -> bool:
    """A public holiday or a day off moved there by decree (09.01.2026, 09.03.2026, 11.05.2026);
    ordinary weekends are not (a six-day school week has lessons on Saturdays)."""
    cal = _calendar(day.year)
    return day in cal and day not in cal.weekend_workdays


def official_days_off(first_year: int, last_year: int) -> list[date]:
    return sorted(d for y in range(first_year, last_year + 1) for d in _calendar(y) if is_official_day_off(d))


def is_working_day(day: date) -> bool:
    """A working day: Monday to Friday that is not a holiday or a moved day off, or a Saturday
    or Sunday that a decree made a working day."""
    cal = _calendar(day.year)
    if day in cal.weekend_workdays:
        return True
    return day.weekday() < 5 and day not in cal


def nth_working_day_after(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself not counted); n = 0 gives start."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def credentials_due(arrival: date, tz: ZoneInfo, working_days: int = 10) -> datetime:
    """Credentials are on time when issued by the end of the 10th working day after the
    arrival date (SPEC.md §10, regulation 1.7)."""
    return datetime.combine(nth_working_day_after(arrival, working_days), END_OF_DAY, tz)
