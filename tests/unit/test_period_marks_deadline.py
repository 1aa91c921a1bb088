"""Period marks are due by the end of the holidays after the period (1.13, issue 16 item 7)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.rules.deadlines import period_marks_due

MSK = ZoneInfo("Europe/Moscow")
AUTUMN = (date(2026, 10, 26), date(2026, 11, 4))
WINTER = (date(2026, 12, 29), date(2027, 1, 11))


def test_due_at_the_end_of_the_holidays_that_follow_the_period():
    assert period_marks_due(date(2026, 10, 25), [WINTER, AUTUMN], MSK) == datetime(2026, 11, 4, 23, 59, 59, tzinfo=MSK)
    assert period_marks_due(date(2026, 12, 28), [AUTUMN, WINTER], MSK) == datetime(2027, 1, 11, 23, 59, 59, tzinfo=MSK)


def test_without_holidays_right_after_it_the_period_marks_are_due_on_its_last_day():
    # holidays a month later, or a public holiday in the middle, belong to another period
    assert period_marks_due(date(2026, 9, 30), [AUTUMN], MSK) == datetime(2026, 9, 30, 23, 59, 59, tzinfo=MSK)
    assert period_marks_due(date(2027, 5, 31), [], MSK) == datetime(2027, 5, 31, 23, 59, 59, tzinfo=MSK)
