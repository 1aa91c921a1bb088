"""The arithmetic and calendar rules of the reports, without a database."""
from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given, strategies as st
from openpyxl import load_workbook

from exporters import xlsx_common
from models import StudyPeriod
from services.reports.common import ReportError, check_range, last_school_week
from services.reports.stats import count_marks, pupil_category, standing

PERIODS = [StudyPeriod(id=1, school_id=1, year_id=1, kind="quarter", number=1, name="1 четверть",
                       starts_on=date(2026, 9, 1), ends_on=date(2026, 10, 25)),
           StudyPeriod(id=2, school_id=1, year_id=1, kind="quarter", number=2, name="2 четверть",
                       starts_on=date(2026, 11, 5), ends_on=date(2026, 12, 28))]


def test_counts_quality_and_success_of_a_subject():
    c = count_marks(["5", "4", "4", "3", "2", "1", "н/а", "осв", ""])
    assert (c.five, c.four, c.three, c.two, c.na, c.exempt) == (1, 2, 1, 2, 1, 1)
    assert c.five_point == 7 and c.assessed == 7
    assert c.quality == pytest.approx(300 / 7)        # 5, 4, 4 of 7
    assert c.success == pytest.approx(400 / 7)        # 5, 4, 4, 3 of 7
    only_exempt = count_marks(["осв", "осв"])
    assert only_exempt.quality is None and only_exempt.success is None


def test_pass_fail_subject_has_success_but_no_quality():
    c = count_marks(["зач", "зач", "незач"])
    assert c.quality is None and c.success == pytest.approx(200 / 3)


@pytest.mark.parametrize("marks, category", [
    (["5", "5", "осв"], "excellent"), (["5", "4"], "good"), (["4", "3", "5"], "one_three"),
    (["3", "3"], "three"), (["5", "2"], "failing"), (["5", "1"], "failing"), (["4", "н/а"], "not_attested"),
    (["2", "н/а"], "failing"), (["зач", "5"], "excellent"), (["зач"], "passed"), (["незач", "5"], "failing"),
    (["осв"], "none"), ([], "none"),
])
def test_pupil_category(marks, category):
    assert pupil_category(marks) == category


def test_class_standing_shares():
    s = standing(["excellent", "good", "good", "one_three", "failing", "not_attested", "none"])
    assert (s.pupils, s.attested, s.excellent, s.good, s.failing, s.not_attested) == (7, 6, 1, 2, 1, 1)
    assert s.quality == pytest.approx(50.0) and s.success == pytest.approx(400 / 6)


@given(st.lists(st.sampled_from(["1", "2", "3", "4", "5", "н/а", "осв", "зач", "незач", ""]), max_size=30))
def test_counts_add_up(values):
    c = count_marks(values)
    assert c.assessed + c.exempt == sum(1 for v in values if v)
    if c.quality is not None:
        assert 0 <= c.quality <= 100
    if c.success is not None:
        assert 0 <= c.success <= 100


@pytest.mark.parametrize("today, expected", [
    (date(2026, 11, 20), (date(2026, 11, 16), date(2026, 11, 20))),  # Friday: this week, to today
    (date(2026, 11, 21), (date(2026, 11, 16), date(2026, 11, 21))),  # Saturday
    (date(2026, 11, 22), (date(2026, 11, 16), date(2026, 11, 21))),  # Sunday: the week that ended
    (date(2026, 11, 18), (date(2026, 11, 9), date(2026, 11, 14))),   # Wednesday: the week before
    (date(2026, 11, 9), (date(2026, 11, 5), date(2026, 11, 7))),     # a week after the holidays: clipped
    (date(2026, 11, 3), (date(2026, 10, 19), date(2026, 10, 24))),   # in the holidays: the last school week
])
def test_last_school_week(today, expected):
    assert last_school_week(PERIODS, today) == expected


def test_last_school_week_skips_weeks_without_lessons():
    no_lessons_on_16th_week = lambda start, end: start > date(2026, 11, 21) or end < date(2026, 11, 16)  # noqa: E731
    assert last_school_week(PERIODS, date(2026, 11, 20), no_lessons_on_16th_week) == \
        (date(2026, 11, 9), date(2026, 11, 14))


def test_a_chosen_span_lies_inside_one_study_period():
    assert check_range(PERIODS, date(2026, 11, 5), date(2026, 12, 28)).name == "2 четверть"
    with pytest.raises(ReportError, match="внутри одного учебного периода"):
        check_range(PERIODS, date(2026, 10, 20), date(2026, 11, 10))
    with pytest.raises(ReportError, match="не попадает ни в один учебный период"):
        check_range(PERIODS, date(2026, 10, 28), date(2026, 11, 10))
    with pytest.raises(ReportError, match="позже"):
        check_range(PERIODS, date(2026, 11, 10), date(2026, 11, 9))


@pytest.mark.parametrize("text", ["=1+2", "+7 900 000-00-00", "-5", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"y\")",
                                  "\t=1"])
def test_text_that_looks_like_a_formula_stays_text(text):
    wb = xlsx_common.workbook()
    ws = wb.create_sheet("Лист")
    xlsx_common.put(ws, 1, 1, text)
    xlsx_common.put(ws, 2, 1, 5)
    xlsx_common.put(ws, 3, 1, 4.25)
    back = load_workbook(io.BytesIO(xlsx_common.to_bytes(wb)))["Лист"]
    assert back["A1"].value == text and back["A1"].data_type == "s"
    assert back["A2"].value == 5 and back["A3"].value == 4.25


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    assert xlsx_common.sheet_name("5А/Б: [итог]?", taken) == "5А_Б_ _итог__"
    assert xlsx_common.sheet_name("5А/Б: [итог]?", taken) == "5А_Б_ _итог__ (2)"
    assert len(xlsx_common.sheet_name("x" * 50)) == 31
