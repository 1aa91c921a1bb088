"""The calendar of a demo school year: quarters, vacations, public holidays, the bells."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from services.rules.timetable_calendar import public_holidays


@dataclass(frozen=True)
class Period:
    number: int
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class HolidaySpan:
    name: str
    kind: str  # vacation | public
    starts_on: date
    ends_on: date


@dataclass
class YearCalendar:
    start_year: int
    starts_on: date
    ends_on: date
    periods: list[Period]
    holidays: list[HolidaySpan]
    school_days: list[date] = field(default_factory=list)  # Mon–Fri days of lessons

    def period_of(self, day: date) -> Period | None:
        for p in self.periods:
            if p.starts_on <= day <= p.ends_on:
                return p
        return None


def _friday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 4) % 7)


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def year_calendar(start_year: int) -> YearCalendar:
    """Four quarters: 1 Sep–~26 Oct, ~5 Nov–~28 Dec, ~9 Jan–~22 Mar, ~1 Apr–~26 May."""
    y, n = start_year, start_year + 1
    q1_start = _weekday_on_or_after(date(y, 9, 1))
    q1_end = _friday_on_or_before(date(y, 10, 26))
    q2_start = _weekday_on_or_after(date(y, 11, 5))
    q2_end = _weekday_on_or_before(date(y, 12, 28))
    q3_start = _weekday_on_or_after(date(n, 1, 9))
    q3_end = _friday_on_or_before(date(n, 3, 22))
    q4_start = q3_end + timedelta(days=10)  # a Monday, nine days of spring vacation
    q4_end = _weekday_on_or_before(date(n, 5, 26))
    periods = [
        Period(1, "1 четверть", q1_start, q1_end),
        Period(2, "2 четверть", q2_start, q2_end),
        Period(3, "3 четверть", q3_start, q3_end),
        Period(4, "4 четверть", q4_start, q4_end),
    ]
    holidays = [
        HolidaySpan("Осенние каникулы", "vacation", q1_end + timedelta(days=1), q2_start - timedelta(days=1)),
        HolidaySpan("Зимние каникулы", "vacation", q2_end + timedelta(days=1), q3_start - timedelta(days=1)),
        HolidaySpan("Весенние каникулы", "vacation", q3_end + timedelta(days=1), q4_start - timedelta(days=1)),
        HolidaySpan("Летние каникулы", "vacation", q4_end + timedelta(days=1), date(n, 8, 31)),
    ]
    # the official days off of the production calendar, with the days moved by decree (09.01.2026,
    # 09.03.2026, 11.05.2026): the same list `manage.py public-holidays` loads
    holidays += [HolidaySpan(h.name[:120], "public", h.starts_on, h.ends_on)
                 for h in public_holidays(date(y, 9, 1), date(n, 8, 31))]
    off = set()
    for h in holidays:
        d = h.starts_on
        while d <= h.ends_on:
            off.add(d)
            d += timedelta(days=1)
    days = []
    for p in periods:
        d = p.starts_on
        while d <= p.ends_on:
            if d.weekday() < 5 and d not in off:
                days.append(d)
            d += timedelta(days=1)
    return YearCalendar(start_year, date(y, 9, 1), date(n, 8, 31), periods, holidays, days)


def bells() -> list[tuple[int, time, time]]:
    """Seven lessons of 45 minutes from 08:30, breaks of 10–20 minutes."""
    breaks = [10, 20, 20, 15, 10, 10]
    out = []
    minutes = 8 * 60 + 30
    for number in range(1, 8):
        start, end = minutes, minutes + 45
        out.append((number, time(start // 60, start % 60), time(end // 60, end % 60)))
        if number <= len(breaks):
            minutes = end + breaks[number - 1]
    return out
