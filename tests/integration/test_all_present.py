"""«Все присутствуют» (issue 16, item 2): one action records that attendance was taken at a lesson
where nobody was absent; the teacher's to-do and the control plan stop reporting it."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from checks import snapshot
from models import AuditEvent, Lesson, RoleGrant, User
from models.db import reading, transaction
from services.control import indicators
from services.control.indicators import Choice
from services.core import auth
from services.core.policy import AccessDenied
from services.journal import grid as journal, lessons, todo
from tests.integration import journal_world
from tests.integration.test_journal import edit, grid

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def jw(db_url, frozen_clock, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ANALYTICS_PATH", str(tmp_path / "analytics.duckdb"))
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    w = journal_world.build()
    with transaction() as tx:  # who reads the control plan
        u = User(login="director", password_hash="x", last_name="Директор", first_name="Д",
                 created_at=datetime(2026, 9, 1, tzinfo=MSK))
        tx.add(u)
        tx.flush()
        tx.add(RoleGrant(user_id=u.id, role="director", school_id=w.school_id,
                         granted_at=datetime(2026, 9, 1, tzinfo=MSK)))
        w.users["director"] = u.id
    return w


def actor(jw, login):
    with reading() as tx:
        return auth.load_actor(tx, jw.users[login])


def attendance_todo(teacher) -> set[date]:
    return {i.lesson_date for i in todo.overdue(teacher) if i.kind == "attendance"}


def control_findings(jw, check_id: str = "ctl_attendance_recorded", what: str | None = "Посещаемость не отмечена",
                     what_of: bool = False) -> set:
    """The days of mathematics lessons the control plan reports (by default as «посещаемость не отмечена»);
    with `what_of`, what it says of them."""
    snapshot.refresh()
    found = indicators.findings(auth.actor_for_user(jw.users["director"]), jw.school_id,
                                Choice(date(2026, 9, 1), date(2026, 12, 28)), check_id)
    return {f.what if what_of else f.lesson_date for f in found
            if (what is None or f.what == what) and f.subject == "Математика"}


def test_all_present_clears_the_todo_and_the_control_plan(jw):
    math = actor(jw, "math")
    tenth, twelfth = jw.lessons[("math", date(2026, 11, 10))], jw.lessons[("math", date(2026, 11, 12))]
    assert {date(2026, 11, 10), date(2026, 11, 12)} <= attendance_todo(math)
    assert {date(2026, 11, 10), date(2026, 11, 12)} <= control_findings(jw)
    assert lessons.detail(math, tenth).attendance_taken_at is None

    taken = lessons.all_present(math, tenth)
    assert taken == datetime(2026, 11, 20, 12, 0, tzinfo=MSK)
    assert lessons.all_present(math, tenth) == taken  # again: nothing changes
    d = lessons.detail(math, tenth)
    assert d.attendance_taken_at == taken and d.attendance_rows == 0
    assert date(2026, 11, 10) not in attendance_todo(math) and date(2026, 11, 12) in attendance_todo(math)
    # taken on 20 Nov, due by 12 Nov: late, but taken — no longer «не отмечена»
    assert date(2026, 11, 10) not in control_findings(jw) and date(2026, 11, 12) in control_findings(jw)
    with reading() as tx:
        assert tx.get(Lesson, tenth).attendance_taken_at is not None
        events = tx.exec(select(AuditEvent).where(AuditEvent.action == "attendance.all_present")).all()
    assert [(e.entity, e.entity_id, e.actor_user_id) for e in events] == [("lesson", str(tenth), jw.users["math"])]


def test_all_present_is_refused_where_it_would_lie(jw, frozen_clock):
    math = actor(jw, "math")
    twelfth = jw.lessons[("math", date(2026, 11, 12))]
    assert journal.save_cells(math, edit(grid(jw), Алексеев_12="Н")).committed
    with pytest.raises(lessons.LessonError, match="уже отмечены отсутствующие"):
        lessons.all_present(math, twelfth)
    with pytest.raises(AccessDenied):  # not their lesson
        lessons.all_present(actor(jw, "rus"), jw.lessons[("math", date(2026, 11, 17))])
    frozen_clock(datetime(2026, 11, 18, 12, 0, tzinfo=MSK))
    with pytest.raises(lessons.LessonError, match="ещё не прошёл"):
        lessons.all_present(math, jw.lessons[("math", date(2026, 11, 19))])
    with reading() as tx:
        assert tx.get(Lesson, jw.lessons[("math", date(2026, 11, 17))]).attendance_taken_at is None
        assert tx.get(Lesson, jw.lessons[("math", date(2026, 11, 19))]).attendance_taken_at is None
