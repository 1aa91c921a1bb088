"""The production calendar's working days (credentials due in 10 of them) and logins made from
names: pure functions."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from services.people.accounts import login_base, translit
from services.rules.working_days import credentials_due, is_working_day, nth_working_day_after, working_days_between

MSK = ZoneInfo("Europe/Moscow")


def test_holidays_and_moved_days_off_are_not_working_days():
    assert not is_working_day(date(2026, 11, 4))     # Unity Day
    assert not is_working_day(date(2026, 1, 9))      # a day off moved from 3 January
    assert not is_working_day(date(2026, 11, 7))     # Saturday
    assert is_working_day(date(2025, 11, 1))         # a working Saturday (moved to 3 November)
    assert not is_working_day(date(2025, 11, 3))
    assert is_working_day(date(2026, 11, 5))


def test_ten_working_days_after_arrival():
    # Wednesday 28 October 2026: 4 November is a holiday, so the 10th working day is 12 November
    assert nth_working_day_after(date(2026, 10, 28), 10) == date(2026, 11, 12)
    due = credentials_due(date(2026, 10, 28), MSK)
    assert (due.date(), due.hour, due.minute, due.second) == (date(2026, 11, 12), 23, 59, 59)
    # over the New Year holidays
    assert nth_working_day_after(date(2025, 12, 29), 10) == date(2026, 1, 22)
    assert working_days_between(date(2026, 10, 28), date(2026, 11, 12)) == 10


def test_translit_as_in_the_passport():
    assert translit("Щукина") == "shchukina"
    assert translit("Юлия") == "iuliia"
    assert translit("Ёлкин") == "elkin"
    assert translit("Хабибуллин") == "khabibullin"


def test_login_from_the_name():
    assert login_base("Иванов", "Пётр", "Сергеевич") == "ivanov.ps"
    assert login_base("Ли", "Вэй") == "li.v"
    assert login_base("Петрова-Водкина", "Анна", "") == "petrova-vodkina.a"
