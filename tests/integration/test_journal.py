"""The journal grid (R-JRN-1, R-JRN-3, R-JRN-6) against real databases: one transaction per save, conflicts, forged
cells, the edit window and the change log."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import Attendance, AuditEvent, Mark, SchoolSettings, Work
from models.db import count_queries, reading, transaction
from services.core import auth
from services.core.policy import AccessDenied
from services.journal import grid as journal
from services.journal.edits import CellChange
from services.journal.grid import OUTSIDE
from tests.integration import journal_world

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def jw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    return journal_world.build()


def actor(jw, login):
    with reading() as tx:
        return auth.load_actor(tx, jw.users[login])


def grid(jw, login="math", subject=None):
    return journal.load_grid(actor(jw, login), jw.class_id, subject or jw.math, period_id=jw.period_id)


def edit(g, **by_pupil_and_day):
    """edit(g, Алексеев_10="5") → the changes of those cells."""
    edited = {}
    for key, text in by_pupil_and_day.items():
        last, day = key.rsplit("_", 1)
        label = next(c.label for c in g.columns if c.lesson_date.day == int(day))
        sid = next(p.student_id for p in g.pupils if p.name.startswith(last))
        edited[(sid, label)] = text
    return journal.diff(g, edited)


def marks():
    with reading() as tx:
        return sorted((m.student_id, m.value, m.position) for m in tx.exec(select(Mark)).all())


def test_grid_shows_pupils_by_lessons_and_enrolment(jw):
    math = actor(jw, "math")
    with count_queries() as counted:
        g = journal.load_grid(math, jw.class_id, jw.math, period_id=jw.period_id)
    assert counted.count <= 11, counted.statements  # the 11th: Васильев and Григорьева moved (R-CON-4)
    assert [c.lesson_date.day for c in g.columns] == [10, 12, 17, 19]
    assert [p.name.split()[0] for p in g.pupils] == ["Алексеев", "Борисова", "Васильев", "Григорьева"]
    vas, gri = jw.pupils["Васильев"], jw.pupils["Григорьева"]
    by_day = {c.lesson_date.day: c.label for c in g.columns}
    assert g.cells[(vas, by_day[12])] == "" and g.cells[(vas, by_day[17])] == OUTSIDE
    assert g.cells[(gri, by_day[12])] == OUTSIDE and g.cells[(gri, by_day[17])] == ""
    assert g.editable_lessons == frozenset(jw.lessons[("math", date(2026, 11, d))] for d in (10, 12, 17, 19))


def test_a_save_of_many_cells_is_one_transaction(jw):
    g = grid(jw)
    changes = edit(g, Алексеев_10="5", Алексеев_12="5/4", Борисова_10="Н", Борисова_12="7",
                   Васильев_10="О 3")
    result = journal.save_cells(actor(jw, "math"), changes)
    assert not result.committed and result.saved == 0
    assert [e.message for e in result.errors] == [
        "Борисова Бэлла, 12.11.2026: «7» — отметка должна быть от 1 до 5."]
    assert marks() == []
    with reading() as tx:
        assert tx.exec(select(Attendance)).all() == [] and tx.exec(select(Work)).all() == []
    # the user chooses to save the good cells
    result = journal.save_cells(actor(jw, "math"), changes, partial=True)
    assert result.saved == 4 and len(result.errors) == 1
    a, v = jw.pupils["Алексеев"], jw.pupils["Васильев"]
    assert marks() == sorted([(a, "5", 0), (a, "5", 0), (a, "4", 1), (v, "3", 0)])
    g2 = grid(jw)
    by_day = {c.lesson_date.day: c.label for c in g2.columns}
    assert g2.cells[(a, by_day[12])] == "5/4"
    assert g2.cells[(jw.pupils["Борисова"], by_day[10])] == "Н"
    assert g2.cells[(v, by_day[10])] == "О 3"
    assert g2.summaries[a].average == pytest.approx(14 / 3)  # 5, 5, 4: the double mark counts twice
    assert g2.summaries[jw.pupils["Борисова"]].absences == 1 and g2.summaries[v].lates == 1


def test_a_save_that_lost_the_race_overwrites_nothing(jw):
    first, second = grid(jw), grid(jw)  # two tabs (or the teacher and a substitute)
    assert journal.save_cells(actor(jw, "math"), edit(first, Алексеев_10="5", Борисова_10="4")).committed
    result = journal.save_cells(actor(jw, "math"), edit(second, Алексеев_10="3", Алексеев_12="4"))
    assert not result.committed
    assert len(result.conflicts) == 1 and "уже изменили" in result.conflicts[0].message
    assert "сейчас «5»" in result.conflicts[0].message
    a = jw.pupils["Алексеев"]
    assert [v for sid, v, _ in marks() if sid == a] == ["5"]


def test_forged_cells_are_refused_and_audited(jw):
    g = grid(jw)
    math_changes = edit(g, Алексеев_10="5")
    rus = actor(jw, "rus")
    result = journal.save_cells(rus, math_changes)  # another teacher's lesson
    assert not result.committed and "Недостаточно прав" in result.errors[0].message
    forged = [CellChange(jw.pupils["Григорьева"], jw.lessons[("math", date(2026, 11, 10))], None, "", "5")]
    result = journal.save_cells(actor(jw, "math"), forged)  # a pupil not in the class that day
    assert "не числится" in result.errors[0].message
    result = journal.save_cells(actor(jw, "math"), [CellChange(jw.pupils["Алексеев"], 987654, None, "", "5")])
    assert not result.committed
    assert marks() == []
    with reading() as tx:
        denied = tx.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert [d.actor_user_id for d in denied] == [rus.user_id, jw.users["math"]]
    with pytest.raises(AccessDenied):
        grid(jw, login="rus")  # rus does not teach Математика


def test_every_mark_change_is_logged(jw):
    math = actor(jw, "math")
    journal.save_cells(math, edit(grid(jw), Алексеев_10="4"))
    journal.save_cells(math, edit(grid(jw), Алексеев_10="5"))
    journal.save_cells(math, edit(grid(jw), Алексеев_10=""))
    with reading() as tx:
        log = tx.exec(select(AuditEvent).where(AuditEvent.action == "mark.changed").order_by(AuditEvent.id)).all()
    assert [(e.old, e.new) for e in log] == [
        (None, '{"marks": ["4"]}'), ('{"marks": ["4"]}', '{"marks": ["5"]}'), ('{"marks": ["5"]}', None)]
    assert all(e.actor_user_id == math.user_id for e in log)
    assert marks() == []


def test_edit_window_blocks_changes_not_new_marks(jw, frozen_clock):
    with transaction() as tx:
        settings = tx.get(SchoolSettings, jw.school_id)
        settings.edit_window = "week"
        tx.add(settings)
    math = actor(jw, "math")
    frozen_clock(datetime(2026, 11, 11, 10, 0, tzinfo=MSK))
    journal.save_cells(math, edit(grid(jw), Алексеев_10="4"))
    frozen_clock(datetime(2026, 11, 17, 23, 59, 59, tzinfo=MSK))  # the last second of the window
    assert journal.save_cells(math, edit(grid(jw), Алексеев_10="5")).committed
    frozen_clock(datetime(2026, 11, 18, 0, 0, 0, tzinfo=MSK))
    result = journal.save_cells(math, edit(grid(jw), Алексеев_10="3"))
    assert not result.committed and "срок изменения отметок истёк 17.11.2026 в 23:59" in result.errors[0].message
    result = journal.save_cells(math, edit(grid(jw), Борисова_10="4"))  # a new mark, entered late
    assert result.committed


def test_attendance_lives_in_the_lessons_first_column(jw):
    math = actor(jw, "math")
    journal.save_cells(math, edit(grid(jw), Алексеев_17="Б"))
    with reading() as tx:
        att = tx.exec(select(Attendance)).one()
    assert att.status == "ill" and att.lesson_id == jw.lessons[("math", date(2026, 11, 17))]
    journal.save_cells(math, edit(grid(jw), Алексеев_17=""))
    with reading() as tx:
        assert tx.exec(select(Attendance)).all() == []
