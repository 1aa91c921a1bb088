"""Averages (double marks count twice, words never count) and the deadlines of SPEC.md §10 (R-JRN-4)
at their boundaries — one second before, at, one second after — in Moscow time."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from services.core.clock import MOSCOW
from services.rules import deadlines
from services.rules.averages import average, round_mark, weighted_average


def test_average_counts_double_marks_twice_and_skips_words():
    assert average(["5", "4", "осв", "зач", "н/а"]) == 4.5
    assert average(["5", "5", "2"]) == 4.0   # «5/5» and 2
    assert average(["осв", "зач"]) is None


def test_weighted_average():
    # работа на уроке 1: 5; контрольная 2: 3 and 4 (a double mark); самостоятельная 1.5: осв
    marks = [("5", 1.0), ("3", 2.0), ("4", 2.0), ("осв", 1.5), ("незач", 1.0)]
    assert weighted_average(marks) == pytest.approx((5 + 6 + 8) / 5)
    assert weighted_average([("н/а", 2.0)]) is None


def test_round_mark_half_up():
    assert [round_mark(x) for x in (3.5, 3.49, 4.5, 2.5, None)] == [4, 3, 5, 3, None]


def around(due):
    one = timedelta(seconds=1)
    return due - one, due, due + one


def test_mark_due_at_21_moscow():
    due = deadlines.mark_due(date(2026, 11, 10), MOSCOW)
    assert due == datetime(2026, 11, 10, 21, 0, tzinfo=MOSCOW)
    before, at, after = around(due)
    assert deadlines.on_time(before, due) and deadlines.on_time(at, due) and not deadlines.on_time(after, due)


def test_mark_due_with_checking_days():
    due = deadlines.mark_due(date(2026, 11, 10), MOSCOW, checking_days=3)
    assert due == datetime(2026, 11, 13, 23, 59, 59, tzinfo=MOSCOW)
    before, at, after = around(due)
    assert deadlines.on_time(at, due) and not deadlines.on_time(after, due)
    assert deadlines.lateness(after, due) == timedelta(seconds=1)


def test_homework_due_three_hours_after_the_lesson():
    due = deadlines.homework_due(date(2026, 11, 10), time(9, 15), MOSCOW)
    assert due == datetime(2026, 11, 10, 12, 15, tzinfo=MOSCOW)
    before, at, after = around(due)
    assert deadlines.on_time(before, due) and deadlines.on_time(at, due) and not deadlines.on_time(after, due)


def test_attendance_due_two_days_after():
    due = deadlines.attendance_due(date(2026, 11, 10), MOSCOW)
    assert due == datetime(2026, 11, 12, 23, 59, 59, tzinfo=MOSCOW)
    before, at, after = around(due)
    assert deadlines.on_time(at, due) and not deadlines.on_time(after, due)


def test_correction_due_24_hours():
    filed = datetime(2026, 11, 10, 15, 30, tzinfo=MOSCOW)
    due = deadlines.correction_due(filed)
    assert due == datetime(2026, 11, 11, 15, 30, tzinfo=MOSCOW)
    before, at, after = around(due)
    assert deadlines.on_time(at, due) and not deadlines.on_time(after, due)


def test_utc_entries_compare_in_moscow_time():
    due = deadlines.mark_due(date(2026, 11, 10), MOSCOW)
    from datetime import timezone
    assert deadlines.on_time(datetime(2026, 11, 10, 18, 0, tzinfo=timezone.utc), due)
    assert not deadlines.on_time(datetime(2026, 11, 10, 18, 0, 1, tzinfo=timezone.utc), due)


def test_one_rounding_rule_in_python_and_in_duckdb():
    """Issue 18, bug 6: half up to 2 decimals, the same in Python and in DuckDB SQL."""
    import duckdb

    from services.rules.averages import round_half_up, show, sql_round, sql_show
    cases = [29 / 8, 2.675, 3.624999, 4.005, 1 / 3, 2 / 3, 4.5, 5.0]
    assert [show(x) for x in cases] == ["3,63", "2,68", "3,62", "4,01", "0,33", "0,67", "4,50", "5,00"]
    assert round_half_up(87.25, 1) == 87.3 and round_half_up(None) is None
    # a sum in another order (0.1 + 0.2 + …) still rounds the same way
    assert show(0.1 + 0.2 + 3.325) == show(3.625)
    con = duckdb.connect()
    for x in cases:
        got = con.execute(f"SELECT {sql_show(repr(x))}, {sql_round(repr(x))}").fetchone()
        assert got == (show(x), round_half_up(x)), x


def test_round_mark_follows_the_schools_threshold_in_python_and_duckdb():
    """Issue 18, bug 11: the local act may round from 4,60 instead of 4,50; the suggestion uses the
    average as shown (4,495 prints «4,50» and suggests «5»)."""
    import duckdb

    from services.rules.averages import round_from_text, sql_round_mark
    assert [round_mark(x) for x in (4.5, 4.49, 4.495, 3.6, 2.5)] == [5, 4, 5, 4, 3]
    assert [round_mark(x, 60) for x in (4.5, 4.59, 4.6, 3.65, 2.0, 5.0)] == [4, 4, 5, 4, 2, 5]
    con = duckdb.connect()
    for x in (4.5, 4.49, 4.495, 4.59, 4.6, 3.65, 1.0, 29 / 8):
        for rf in (50, 60, 45):
            assert con.execute(f"SELECT {sql_round_mark(repr(x), str(rf))}").fetchone()[0] == round_mark(x, rf), (x, rf)
    assert round_from_text(60) == "округление вверх с ,60: 3,60 → 4, 3,59 → 3"
