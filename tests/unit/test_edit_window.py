"""The mark edit window of 1.13 at its boundaries, in Moscow time (SPEC.md §10, R-JRN-6)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.core.clock import MOSCOW
from services.rules.edit_window import EDIT_WINDOWS, edit_window_end, is_open, last_editable_day

CASES = [
    ("week", date(2026, 11, 10), date(2026, 11, 17)),
    ("two_weeks", date(2026, 11, 10), date(2026, 11, 24)),
    ("three_weeks", date(2026, 11, 10), date(2026, 12, 1)),
    ("month", date(2026, 11, 10), date(2026, 12, 10)),
    ("month", date(2027, 1, 31), date(2027, 2, 28)),   # the next month's last day
    ("month", date(2026, 12, 31), date(2027, 1, 31)),
    ("never", date(2026, 11, 10), date(2027, 8, 31)),  # the end of the school year
    ("never", date(2027, 5, 20), date(2027, 8, 31)),
    ("never", date(2026, 9, 1), date(2027, 8, 31)),
]


@pytest.mark.parametrize("window,lesson,last", CASES)
def test_last_day(window, lesson, last):
    assert last_editable_day(lesson, window) == last


@pytest.mark.parametrize("window,lesson,last", CASES)
def test_boundary_second_by_second(window, lesson, last):
    end = edit_window_end(lesson, window, MOSCOW)
    assert end == datetime(last.year, last.month, last.day, 23, 59, 59, tzinfo=MOSCOW)
    assert is_open(lesson, window, MOSCOW, end - timedelta(seconds=1))
    assert is_open(lesson, window, MOSCOW, end)
    assert not is_open(lesson, window, MOSCOW, end + timedelta(seconds=1))


def test_all_five_settings_have_russian_titles():
    assert [w.title for w in EDIT_WINDOWS.values()] == [
        "Никогда (до конца учебного года)", "Через неделю", "Через две недели", "Через 3 недели", "Через месяц"]


def test_unknown_window_is_an_error():
    with pytest.raises(ValueError):
        last_editable_day(date(2026, 11, 10), "forever")


# ----------------------------------------------------------------------------- a cell opened (issue 16, item 5)
def test_an_opened_cell_is_that_cell_for_that_teacher_until_it_expires():
    from services.rules.edit_window import CellOpening, GRANT_HOURS, may_change_mark, opened, opening_expires
    granted = datetime(2026, 11, 20, 9, 0, tzinfo=MOSCOW)
    expires = opening_expires(granted)
    assert expires - granted == timedelta(hours=GRANT_HOURS) == timedelta(hours=24)
    grants = [CellOpening(lesson_id=10, student_id=7, staff_id=3, expires_at=expires)]
    assert opened(grants, 10, 7, {3}, granted) and opened(grants, 10, 7, {3, 4}, expires)
    assert not opened(grants, 10, 7, {3}, expires + timedelta(seconds=1))   # expired
    assert not opened(grants, 10, 8, {3}, granted)                          # another pupil
    assert not opened(grants, 11, 7, {3}, granted)                          # another lesson
    assert not opened(grants, 10, 7, {4}, granted)                          # another teacher
    assert not opened([], 10, 7, {3}, granted)
    lesson = date(2026, 11, 10)
    assert not may_change_mark(lesson, "week", MOSCOW, granted)
    assert may_change_mark(lesson, "week", MOSCOW, granted, cell_opened=True)
    assert may_change_mark(date(2026, 11, 19), "week", MOSCOW, granted)
