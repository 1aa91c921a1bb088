"""Issue 18, bug 1 (R-CON-4): Васильев moves 5А → 5Б on 13 November, mid-quarter (reports_world).
Maths of the second quarter: in 5А «3» (work, weight 1) and «2» (test, weight 2), in 5Б «4» and «5».
Whole quarter: (3 + 2·2 + 4 + 5) / 5 = 3,20 → «3»; 5Б's marks alone would give 4,50 → «5».
His period mark «4» was set in 5Б. The new class suggests from all his marks; the old class shows
the mark read-only and cannot overwrite it."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import PeriodMark
from models.db import reading
from services.journal import grid as journal, view as journal_view, period_marks
from services.journal.period_marks import PeriodMarkChange, PeriodMarkError
from tests.integration import reports_world
from tests.integration.reports_world import actor

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    return reports_world.build()


def pm_rows(rw, pupil):
    with reading() as tx:
        return [(r.value, r.class_id) for r in tx.exec(select(PeriodMark).where(
            PeriodMark.student_id == pupil, PeriodMark.subject_id == rw.subjects["math"],
            PeriodMark.period_id == rw.q2))]


def test_new_class_suggests_from_the_whole_period_and_old_class_is_read_only(rw):
    teacher = actor(rw, "math_t")
    vas = rw.pupils["Васильев"]
    new = journal.load_grid(teacher, rw.classes["5Б"], rw.subjects["math"], period_id=rw.q2)
    s = new.summaries[vas]
    assert s.weighted == pytest.approx(3.2) and s.suggested == 3
    assert (s.period_mark, s.period_mark_owner) == ("4", "")
    old = journal.load_grid(teacher, rw.classes["5А"], rw.subjects["math"], period_id=rw.q2)
    s_old = old.summaries[vas]
    assert (s_old.period_mark, s_old.period_mark_owner) == ("4", "5Б")
    assert "Васильев Виктор — только просмотр: выставляет класс 5Б" in journal_view.layout(old).help[journal_view.PERIOD]
    assert s_old.weighted == pytest.approx(3.2)
    # a pupil who stayed is untouched: Алексеев's own marks only
    assert old.summaries[rw.pupils["Алексеев"]].period_mark_owner == ""

    # the old class cannot overwrite it: a clear message, nothing changed (the others neither)
    with pytest.raises(PeriodMarkError, match="Васильев: .*в классе 5Б, куда ученик переведён"):
        period_marks.save(teacher, rw.classes["5А"], rw.subjects["math"], rw.q2,
                          [PeriodMarkChange(rw.pupils["Алексеев"], "5", "4"), PeriodMarkChange(vas, "4", "2")])
    assert pm_rows(rw, vas) == [("4", rw.classes["5Б"])]
    assert pm_rows(rw, rw.pupils["Алексеев"]) == [("5", rw.classes["5А"])]

    # the new class sets it
    assert period_marks.save(teacher, rw.classes["5Б"], rw.subjects["math"], rw.q2,
                             [PeriodMarkChange(vas, "4", "3")]) == 1
    assert pm_rows(rw, vas) == [("3", rw.classes["5Б"])]
    assert journal.load_grid(teacher, rw.classes["5А"], rw.subjects["math"], period_id=rw.q2
                             ).summaries[vas].period_mark == "3"
