"""Who looked at a child's data (issue 16, item 8): staff opening a pupil's diary, marks or card
outside their own lessons and class are recorded once per look (10 minutes), the class teacher
and the family are not; the family sees who (role and name) and when; nobody else does."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from models import AuditEvent
from models.db import reading
from services.core import data_views
from services.core.policy import AccessDenied
from services.journal import diary
from services.people import students
from tests.integration import reports_world
from tests.integration.reports_world import actor

NOW = datetime.fromisoformat("2026-11-20T12:00:00+03:00")


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(NOW)
    return reports_world.build()


def _events(student_id: int) -> list[AuditEvent]:
    with reading() as tx:
        return list(tx.exec(select(AuditEvent).where(AuditEvent.action == data_views.ACTION,
                                                     AuditEvent.entity_id == str(student_id))
                            .order_by(AuditEvent.id)).all())


def test_openings_outside_own_class_are_recorded_once_per_look(rw, frozen_clock):
    pupil = rw.pupils["Алексеев"]
    director, deputy, ct, parent = (actor(rw, x) for x in ("director", "deputy5", "ct5a", "parent"))
    diary.week(director, pupil)
    diary.week(director, pupil)                          # a rerun: the same look
    frozen_clock(NOW + timedelta(minutes=5))
    diary.week(director, pupil)
    diary.marks_by_subject(director, pupil)              # another screen: a look of its own
    diary.results(director, pupil)                       # the same screen «отметки»
    diary.week(ct, pupil)                                # the class teacher of 5А: own class
    diary.week(parent, pupil)                            # the family
    students.open_card(ct, pupil)
    assert [(e.actor_user_id, e.detail) for e in _events(pupil)] == [
        (rw.users["director"], "дневник"), (rw.users["director"], "отметки")]
    frozen_clock(NOW + timedelta(minutes=16))            # 11 minutes after the last look: a new one
    diary.week(director, pupil)
    diary.week(deputy, pupil)
    students.open_card(actor(rw, "admin"), pupil)
    assert [(e.actor_user_id, e.detail) for e in _events(pupil)][2:] == [
        (rw.users["director"], "дневник"), (rw.users["deputy5"], "дневник"), (rw.users["admin"], "личная карточка")]
    assert all(e.school_id == rw.school_id and e.entity == "student" for e in _events(pupil))
    assert _events(rw.pupils["Борисова"]) == []


def test_the_family_sees_who_and_when(rw, frozen_clock):
    pupil = rw.pupils["Алексеев"]
    diary.week(actor(rw, "director"), pupil)
    frozen_clock(NOW + timedelta(hours=1))
    diary.marks_by_subject(actor(rw, "deputy5"), pupil)
    seen = data_views.views(actor(rw, "parent"), pupil)
    assert [(v.roles, v.name, v.screen, v.at.strftime("%d.%m.%Y %H:%M")) for v in seen] == [
        ("Завуч", "Завучева Тест Тестович", "отметки", "20.11.2026 13:00"),
        ("Директор", "Директорова Тест Тестович", "дневник", "20.11.2026 12:00")]
    # months later the old looks are no longer shown
    frozen_clock(NOW + timedelta(days=120))
    assert data_views.views(actor(rw, "parent"), pupil) == []
    assert len(_events(pupil)) == 2


def test_nobody_else_reads_the_list(rw):
    pupil = rw.pupils["Алексеев"]
    for login in ("math_t", "ct5a", "deputy5"):
        with pytest.raises(AccessDenied):
            data_views.views(actor(rw, login), pupil)
    with pytest.raises(AccessDenied):   # a parent of another child
        data_views.views(actor(rw, "parent"), rw.pupils["Борисова"])
    assert data_views.views(actor(rw, "director"), pupil) == []
