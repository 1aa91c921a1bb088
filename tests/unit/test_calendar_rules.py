"""The school year's calendar rules without a database: periods, vacations, bells, public holidays."""
from __future__ import annotations

from datetime import date, time

import pytest

from services.rules.timetable_calendar import (
    BellSpec, HolidaySpec, PeriodSpec, check_bells, check_holiday, check_periods, default_bells,
    default_periods, default_vacations, public_holidays, year_bounds,
)

START, END = year_bounds(2026)


@pytest.mark.parametrize("kind,count", [("quarter", 4), ("trimester", 3), ("half", 2)])
def test_default_periods_are_valid_and_start_on_weekdays(kind, count):
    periods = default_periods(2026, kind)
    assert len(periods) == count and check_periods(periods, START, END) == []
    assert all(p.starts_on.weekday() < 5 and p.ends_on.weekday() < 5 for p in periods)
    assert periods[0].name.endswith({"quarter": "четверть", "trimester": "триместр", "half": "полугодие"}[kind])


def test_default_vacations_fill_the_gaps_and_the_summer():
    vacations = default_vacations(default_periods(2026, "quarter"), END)
    assert [v.name for v in vacations] == ["Осенние каникулы", "Зимние каникулы", "Весенние каникулы",
                                          "Летние каникулы"]
    assert vacations[-1].ends_on == date(2027, 8, 31)


def test_check_periods_reports_overlaps_and_dates_outside_the_year():
    bad = [PeriodSpec(1, "1 четверть", date(2026, 9, 1), date(2026, 11, 10)),
           PeriodSpec(2, "2 четверть", date(2026, 11, 5), date(2026, 10, 1)),
           PeriodSpec(3, "", date(2027, 6, 1), date(2027, 9, 30))]
    problems = check_periods(bad, START, END)
    assert any("окончание (01.10.2026) раньше начала" in p for p in problems)
    assert any("пересекаются" in p for p in problems)
    assert any("вне учебного года" in p for p in problems)
    assert any("не указано название" in p for p in problems)
    assert check_periods([], START, END) == ["Нужен хотя бы один учебный период."]


def test_check_holiday():
    assert check_holiday(HolidaySpec("Карантин", date(2026, 12, 1), date(2026, 12, 7)), START, END) == []
    assert check_holiday(HolidaySpec("", date(2026, 12, 7), date(2026, 12, 1), "x"), START, END) == [
        "Не указано название каникул или праздника.", "Вид «x»: каникулы или праздник.", "«»: окончание раньше начала."]


def test_bells():
    assert check_bells(default_bells(1) + default_bells(2)) == []
    bad = [BellSpec(1, time(8, 30), time(9, 15)), BellSpec(2, time(9, 10), time(9, 55)),
           BellSpec(2, time(10, 0), time(10, 0)), BellSpec(13, time(18, 0), time(18, 45))]
    problems = check_bells(bad)
    assert "2 урок 1 смены указан дважды." in problems
    assert any("начинается в 09:10, раньше конца 1 урока (09:15)" in p for p in problems)
    assert any("окончание 10:00 не позже начала 10:00" in p for p in problems)
    assert any("Номер урока 13" in p for p in problems)


def test_public_holidays_from_the_holidays_package():
    spans = public_holidays(START, END)
    by_start = {s.starts_on: s for s in spans}
    assert by_start[date(2026, 11, 4)].name == "День народного единства"
    new_year = by_start[date(2026, 12, 31)]  # the moved day off, then the New Year holidays
    assert new_year.ends_on == date(2027, 1, 8)
    assert "Новогодние каникулы" in new_year.name and "Рождество Христово" in new_year.name
    assert by_start[date(2027, 2, 22)].ends_on == date(2027, 2, 23)  # a moved day off before 23 February
    assert all(s.kind == "public" and START <= s.starts_on <= s.ends_on <= END for s in spans)
    assert date(2027, 5, 9) in by_start and by_start[date(2027, 5, 9)].ends_on == date(2027, 5, 10)
