"""The audit log names people, not ids: the actor with their roles, the pupil a mark is about;
and it filters by pupil (their marks and card), on both databases."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from models import RoleGrant
from models.db import transaction
from services.journal import grid as journal
from ui import web
from tests.integration import journal_world
from tests.integration.test_journal import actor, edit, grid

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def jw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    w = journal_world.build()
    with transaction() as tx:   # «ct» doubles as the school's administrator, to read the log
        tx.add(RoleGrant(user_id=w.users["ct"], role="admin", school_id=w.school_id, granted_at=journal_world.T))
    return w


def test_a_mark_change_names_the_teacher_and_the_pupil_and_filters_by_pupil(jw):
    math = actor(jw, "math")
    journal.save_cells(math, edit(grid(jw), Алексеев_10="4", Борисова_10="5"))
    admin = actor(jw, "ct")
    named, total = web.audit_events(admin, jw.school_id, actions=["mark.changed"], date_from=date(2026, 11, 20),
                                    date_to=date(2026, 11, 20), entities={"mark": "отметка"})
    assert total == 2
    assert {n.actor for n in named} == {"Math Т (math) — Учитель"}
    assert {n.subject for n in named} == {"отметка: Алексеев Антон, 5А", "отметка: Борисова Бэлла, 5А"}
    assert not any("пользователь" in n.subject or n.subject.endswith(str(jw.pupils["Алексеев"])) for n in named)

    only, total = web.audit_events(admin, jw.school_id, student_id=jw.pupils["Борисова"],
                                   date_from=date(2026, 11, 20), date_to=date(2026, 11, 20))
    assert total == 1 and only[0].row.action == "mark.changed" and "Борисова" in only[0].subject
    assert [p for _, p in web.audit_pupils(admin, jw.school_id, "бор")] == ["Борисова Бэлла, 5А"]
