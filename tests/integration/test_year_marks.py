"""Annual, exam and final marks of a class in a subject (R-JRN-5): saved together in one transaction (a
bad value or a lost race anywhere saves none of them), logged, and read back by kind."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent, PeriodMark
from models.db import reading
from services.core import auth
from services.journal import period_marks
from services.journal.period_marks import PeriodMarkChange
from tests.integration import journal_world

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def jw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    return journal_world.build()


def test_year_marks_are_saved_together_or_not_at_all(jw):
    with reading() as tx:
        math = auth.load_actor(tx, jw.users["math"])
    a, b = jw.pupils["Алексеев"], jw.pupils["Борисова"]
    with pytest.raises(period_marks.PeriodMarkError, match="«6» — допустимо"):
        period_marks.save_year(math, jw.class_id, jw.math, {"annual": [PeriodMarkChange(a, "", "5")],
                                                            "exam": [PeriodMarkChange(b, "", "6")]})
    with reading() as tx:
        assert tx.exec(select(PeriodMark)).all() == []
    assert period_marks.save_year(math, jw.class_id, jw.math, {
        "annual": [PeriodMarkChange(a, "", "5")], "exam": [PeriodMarkChange(a, "", "4")],
        "final": [PeriodMarkChange(a, "", "5"), PeriodMarkChange(b, "", "н/а")]}) == 4
    assert period_marks.year_marks(math, jw.class_id, jw.math) == {
        "annual": {a: "5"}, "exam": {a: "4"}, "final": {a: "5", b: "н/а"}}
    # a second tab that still saw the old values changes nothing
    with pytest.raises(period_marks.PeriodMarkError, match="уже изменили"):
        period_marks.save_year(math, jw.class_id, jw.math, {"annual": [PeriodMarkChange(b, "", "3")],
                                                            "final": [PeriodMarkChange(a, "", "4")]})
    with reading() as tx:
        assert tx.exec(select(PeriodMark.value).where(PeriodMark.student_id == b,
                                                      PeriodMark.kind == "annual")).all() == []
        logged = tx.exec(select(AuditEvent).where(AuditEvent.entity == "period_mark")).all()
    assert len(logged) == 4 and all(e.actor_user_id == math.user_id for e in logged)
