"""Where the journal opens and when a period mark is early (services/rules/journal_screen.py)."""
from __future__ import annotations

from datetime import date

from services.rules.journal_screen import period_mark_early, period_mark_opens, shown_range, today_column


def test_the_range_is_a_week_either_side_of_the_focus_inside_the_period():
    start, end = date(2026, 11, 9), date(2026, 12, 27)
    assert shown_range(start, end, date(2026, 12, 4), False) == (date(2026, 11, 27), date(2026, 12, 11))
    assert shown_range(start, end, date(2026, 11, 10), False) == (start, date(2026, 11, 17))
    assert shown_range(start, end, date(2027, 1, 20), False) == (date(2026, 12, 20), end)  # clipped to the end
    assert shown_range(start, end, date(2026, 12, 4), True) == (start, end)


def test_today_column_is_todays_first_else_the_last_lesson_before():
    d = [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 8)]
    assert today_column(d, date(2026, 12, 4)) == 3
    assert today_column(d, date(2026, 12, 5)) == 3          # a day without a lesson: the last one
    assert today_column(d, date(2026, 12, 3)) == 1          # the first column of a lesson with two works
    assert today_column(d, date(2026, 12, 2)) == 0
    assert today_column(d, date(2026, 11, 1)) == 0          # before every lesson: the first
    assert today_column([], date(2026, 12, 4)) is None


def test_a_period_mark_is_early_before_the_last_two_weeks():
    end = date(2026, 12, 27)
    assert period_mark_opens(end) == date(2026, 12, 14)
    assert period_mark_early(date(2026, 12, 4), end)         # three weeks early: confirm
    assert period_mark_early(date(2026, 12, 13), end)
    assert not period_mark_early(date(2026, 12, 14), end)    # the last two weeks
    assert not period_mark_early(date(2027, 1, 10), end)     # after the period
