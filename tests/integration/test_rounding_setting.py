"""Issue 18, bug 11: the school's rounding threshold for the suggested period mark is a setting,
audited, validated, and shown beside the suggestion in the journal. Дмитриев's maths in 5Б
(reports_world) gets «4/4» in class work beside his «5» for a test (weight 2): (4 + 4 + 2·5) / 4 = 4,50."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent, Mark, Work
from models.db import reading, transaction
from services.core import school_settings
from services.core.school_settings import SettingsError
from services.journal import grid as journal, view as journal_view
from tests.integration import reports_world
from tests.integration.reports_world import actor
from tests.integration.reports_world import T

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    w = reports_world.build()
    with transaction() as tx:
        work = Work(school_id=w.school_id, lesson_id=w.lessons[("5Б", "math", 10)],
                    work_type_id=w.work_types["default"], created_at=T)
        tx.add(work)
        tx.flush()
        for pos in (0, 1):
            tx.add(Mark(school_id=w.school_id, work_id=work.id, student_id=w.pupils["Дмитриев"], position=pos,
                        value="4", numeric=4, entered_at=T))
    return w


def suggestion(rw):
    grid = journal.load_grid(actor(rw, "math_t"), rw.classes["5Б"], rw.subjects["math"], period_id=rw.q2)
    return grid.summaries[rw.pupils["Дмитриев"]], journal_view.layout(grid).help[journal_view.SUGGESTED]


def test_the_threshold_is_a_school_setting(rw):
    s, help_ = suggestion(rw)
    assert (s.weighted, s.suggested) == (4.5, 5) and "с ,50: 3,50 → 4" in help_
    admin = actor(rw, "admin")
    with pytest.raises(SettingsError, match="от 1 до 99"):
        school_settings.update(admin, rw.school_id, {"mark_round_from": 100})
    assert school_settings.load(rw.school_id).mark_round_from == 50
    assert school_settings.update(admin, rw.school_id, {"mark_round_from": "60"}) == {"mark_round_from": 60}
    s, help_ = suggestion(rw)
    assert s.suggested == 4 and "с ,60: 3,60 → 4" in help_
    with reading() as tx:
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "settings.changed")).one()
    assert "mark_round_from" in (event.new or "")
