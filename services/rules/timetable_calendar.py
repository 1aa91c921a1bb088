"""The school year's calendar as pure rules: study periods, holidays, the bell schedule.

No database and no clock. Russian public holidays come from the `holidays` package (its
Russia calendar, in Russian), grouped into spans of consecutive days off.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache

PERIOD_KINDS = {"quarter": "четверть", "trimester": "триместр", "half": "полугодие"}
PERIOD_COUNTS = {"quarter": 4, "trimester": 3, "half": 2}
HOLIDAY_KINDS = {"vacation": "каникулы", "public": "праздник"}
MAX_LESSONS = 12


@dataclass(frozen=True)
class PeriodSpec:
    number: int
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class HolidaySpec:
    name: str
    starts_on: date
    ends_on: date
    kind: str = "vacation"


@dataclass(frozen=True)
class BellSpec:
    lesson_number: int
    starts_at: time
    ends_at: time
    shift: int = 1


def year_bounds(start_year: int) -> tuple[date, date]:
    """A school year runs from 1 September to 31 August (DESIGN.md decision 12)."""
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def period_name(kind: str, number: int) -> str:
    return f"{number} {PERIOD_KINDS[kind]}"


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def default_periods(start_year: int, kind: str) -> list[PeriodSpec]:
    """Usual dates to start from (the administrator corrects them): quarters with autumn,
    winter and spring vacations; trimesters; halves."""
    if kind not in PERIOD_KINDS:
        raise ValueError(f"Вид периодов «{kind}»: четверти, триместры или полугодия.")
    y, n = start_year, start_year + 1
    spans = {
        "quarter": [(date(y, 9, 1), date(y, 10, 24)), (date(y, 11, 5), date(y, 12, 28)),
                    (date(n, 1, 9), date(n, 3, 21)), (date(n, 3, 30), date(n, 5, 26))],
        "trimester": [(date(y, 9, 1), date(y, 11, 29)), (date(y, 12, 1), date(n, 2, 28)),
                      (date(n, 3, 2), date(n, 5, 26))],
        "half": [(date(y, 9, 1), date(y, 12, 28)), (date(n, 1, 9), date(n, 5, 26))],
    }[kind]
    return [PeriodSpec(i, period_name(kind, i), _weekday_on_or_after(a), _weekday_on_or_before(b))
            for i, (a, b) in enumerate(spans, start=1)]


def default_vacations(periods: list[PeriodSpec], year_end: date) -> list[HolidaySpec]:
    """The gaps between periods, and the summer after the last one, as vacations."""
    names = {9: "Осенние каникулы", 10: "Осенние каникулы", 11: "Осенние каникулы", 12: "Зимние каникулы",
             1: "Зимние каникулы", 2: "Зимние каникулы", 3: "Весенние каникулы", 4: "Весенние каникулы"}
    out = []
    ordered = sorted(periods, key=lambda p: p.starts_on)
    for a, b in zip(ordered, ordered[1:]):
        start, end = a.ends_on + timedelta(days=1), b.starts_on - timedelta(days=1)
        if (end - start).days >= 2:  # more than a weekend
            out.append(HolidaySpec(names.get(start.month, "Каникулы"), start, end))
    if ordered and ordered[-1].ends_on < year_end:
        out.append(HolidaySpec("Летние каникулы", ordered[-1].ends_on + timedelta(days=1), year_end))
    return out


def check_periods(periods: list[PeriodSpec], year_start: date, year_end: date) -> list[str]:
    """Russian problems of a set of periods (empty list = fine)."""
    problems = []
    if not periods:
        return ["Нужен хотя бы один учебный период."]
    numbers = [p.number for p in periods]
    if len(set(numbers)) != len(numbers):
        problems.append("Номера периодов повторяются.")
    for p in periods:
        label = p.name or f"период {p.number}"
        if not p.name.strip():
            problems.append(f"Период {p.number}: не указано название.")
        if p.ends_on < p.starts_on:
            problems.append(f"{label}: окончание ({p.ends_on:%d.%m.%Y}) раньше начала ({p.starts_on:%d.%m.%Y}).")
        if p.starts_on < year_start or p.ends_on > year_end:
            problems.append(f"{label}: даты вне учебного года ({year_start:%d.%m.%Y}–{year_end:%d.%m.%Y}).")
    ordered = sorted(periods, key=lambda p: p.starts_on)
    for a, b in zip(ordered, ordered[1:]):
        if b.starts_on <= a.ends_on:
            problems.append(f"Периоды «{a.name}» и «{b.name}» пересекаются.")
    if [p.number for p in ordered] != sorted(numbers):
        problems.append("Периоды пронумерованы не по порядку дат.")
    return problems


def check_holiday(h: HolidaySpec, year_start: date, year_end: date) -> list[str]:
    problems = []
    if not h.name.strip():
        problems.append("Не указано название каникул или праздника.")
    if h.kind not in HOLIDAY_KINDS:
        problems.append(f"Вид «{h.kind}»: каникулы или праздник.")
    if h.ends_on < h.starts_on:
        problems.append(f"«{h.name}»: окончание раньше начала.")
    if h.starts_on < year_start or h.ends_on > year_end:
        problems.append(f"«{h.name}»: даты вне учебного года ({year_start:%d.%m.%Y}–{year_end:%d.%m.%Y}).")
    return problems


def check_bells(bells: list[BellSpec]) -> list[str]:
    """Each lesson ends after it starts; numbers are 1…12, once per shift; a lesson starts
    after the previous one of its shift has ended."""
    problems = []
    seen: set[tuple[int, int]] = set()
    for b in bells:
        if not 1 <= b.lesson_number <= MAX_LESSONS:
            problems.append(f"Номер урока {b.lesson_number}: должен быть от 1 до {MAX_LESSONS}.")
        if b.shift not in (1, 2, 3):
            problems.append(f"Смена {b.shift}: первая, вторая или третья.")
        if (b.shift, b.lesson_number) in seen:
            problems.append(f"{b.lesson_number} урок {b.shift} смены указан дважды.")
        seen.add((b.shift, b.lesson_number))
        if b.ends_at <= b.starts_at:
            problems.append(f"{b.lesson_number} урок ({b.shift} смена): окончание {b.ends_at:%H:%M} "
                            f"не позже начала {b.starts_at:%H:%M}.")
    by_shift: dict[int, list[BellSpec]] = {}
    for b in bells:
        by_shift.setdefault(b.shift, []).append(b)
    for shift, rows in by_shift.items():
        rows.sort(key=lambda b: b.lesson_number)
        for a, b in zip(rows, rows[1:]):
            if b.starts_at < a.ends_at:
                problems.append(f"{b.lesson_number} урок ({shift} смена) начинается в {b.starts_at:%H:%M}, "
                                f"раньше конца {a.lesson_number} урока ({a.ends_at:%H:%M}).")
    return problems


def default_bells(shift: int = 1) -> list[BellSpec]:
    """Seven lessons of 45 minutes (the second shift from 13:30), breaks of 10–20 minutes."""
    breaks = [10, 20, 20, 15, 10, 10]
    minutes = 8 * 60 + 30 if shift == 1 else 13 * 60 + 30
    out = []
    for number in range(1, 8):
        start, end = minutes, minutes + 45
        out.append(BellSpec(number, time(start // 60, start % 60), time(end // 60, end % 60), shift))
        minutes = end + (breaks[number - 1] if number <= len(breaks) else 10)
    return out


@lru_cache(maxsize=16)
def _russia(years: tuple[int, ...]):
    import holidays
    return holidays.country_holidays("RU", years=list(years), language="ru")


def _clean(name: str) -> str:
    if name.startswith("Выходной (перенесено"):
        return "Перенесённый выходной день"
    return name.replace(" (выходной)", "").strip()


def public_holidays(start: date, end: date) -> list[HolidaySpec]:
    """Russian public holidays and the days off moved by decree between the dates, as spans of
    consecutive days (named by their holidays, in order)."""
    cal = _russia(tuple(range(start.year, end.year + 1)))
    days = sorted((d, _clean(n)) for d, n in cal.items() if start <= d <= end)
    spans: list[HolidaySpec] = []
    names: list[str] = []
    for d, name in days:
        if spans and spans[-1].ends_on + timedelta(days=1) == d:
            if name not in names:
                names.append(name)
            spans[-1] = HolidaySpec(", ".join(names), spans[-1].starts_on, d, "public")
        else:
            names = [name]
            spans.append(HolidaySpec(name, d, d, "public"))
    return spans


def period_of(periods: list[PeriodSpec] | list, day: date):
    for p in periods:
        if p.starts_on <= day <= p.ends_on:
            return p
    return None
