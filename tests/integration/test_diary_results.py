"""The diary shows every mark that matters (issue 16, item 3): the period mark beside the marks of
the chosen period, and the period, annual, exam and final marks of the year, for the family only."""
from __future__ import annotations

import pytest

from services.core.policy import AccessDenied
from services.journal import diary, period_marks
from services.journal.period_marks import PeriodMarkChange
from tests.integration.test_all_present import actor, jw  # noqa: F401 (fixture)


def test_period_annual_exam_and_final_marks_reach_the_diary(jw):
    math, parent = actor(jw, "math"), actor(jw, "parent")
    a, b = jw.pupils["Алексеев"], jw.pupils["Борисова"]
    periods, current = diary.periods_of(parent, a)
    assert [name for _, name in periods] == ["1 четверть", "2 четверть"] and current == jw.period_id
    q1 = periods[0][0]
    period_marks.save(math, jw.class_id, jw.math, q1, [PeriodMarkChange(a, "", "4"), PeriodMarkChange(b, "", "3")])
    period_marks.save(math, jw.class_id, jw.math, jw.period_id, [PeriodMarkChange(a, "", "5")])
    period_marks.save_year(math, jw.class_id, jw.math, {"annual": [PeriodMarkChange(a, "", "5")],
                                                         "exam": [PeriodMarkChange(a, "", "4")],
                                                         "final": [PeriodMarkChange(a, "", "5")]})

    name, subjects = diary.marks_by_subject(parent, a, q1)  # a period without lessons: its mark still shows
    assert name == "1 четверть" and [(s.subject, s.period_mark) for s in subjects] == [("Математика", "4")]
    _, subjects = diary.marks_by_subject(parent, a, jw.period_id)
    assert {s.subject: s.period_mark for s in subjects}["Математика"] == "5"

    got = diary.results(parent, a)
    assert got.year_periods == tuple(periods)
    assert [(r.subject, r.by_period, r.annual, r.exam, r.final) for r in got.rows] == [
        ("Математика", {q1: "4", jw.period_id: "5"}, "5", "4", "5")]
    with pytest.raises(AccessDenied):  # another family's child
        diary.results(parent, b)
    with pytest.raises(AccessDenied):
        diary.periods_of(parent, b)
    assert [(r.subject, r.by_period) for r in diary.results(actor(jw, "ct"), b).rows] == [("Математика", {q1: "3"})]
