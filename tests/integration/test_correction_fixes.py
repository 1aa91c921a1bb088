"""Corrections that get made (2.3, 1.2; issue 16, item 5), on SQLite and PostgreSQL: the
administrator changes a mark, an absence or a topic directly past the edit window (with the
reason, audited, the teacher and the applicant told), or opens that one mark cell to its teacher
for 24 hours — exactly that cell, for that teacher, until it expires; nobody else gains anything."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from models import AuditEvent, CellGrant, CorrectionRequest, Lesson, Notice
from models.db import reading
from services.comms import correction_fixes, corrections
from services.comms.corrections import CorrectionError
from services.core import clock
from services.core.policy import AccessDenied
from services.journal import grid as journal
from services.journal.edits import CellChange
from tests.integration import reports_world
from tests.integration.reports_world import actor

NOW = datetime.fromisoformat("2026-11-20T12:00:00+03:00")   # the week's window of 10–12 November is over


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(NOW)
    return reports_world.build(edit_window="week")


def _file(rw) -> int:
    return corrections.file_request(actor(rw, "parent"), rw.school_id, "Неверная отметка 10.11 по математике",
                                    location="Дневник", should_be="4 вместо 5")


def _cell(rw, pupil: str, day: int, subject: str = "math", login: str = "admin") -> tuple[journal.Grid, str, str]:
    lesson = rw.lessons[("5А", subject, day)]
    grid = journal.load_grid(actor(rw, login), rw.classes["5А"], rw.subjects[subject], period_id=rw.q2,
                             date_from=reports_world.NOV(day), date_to=reports_world.NOV(day))
    col = next(c for c in grid.columns if c.lesson_id == lesson and c.first_of_lesson)
    return grid, col.label, grid.cells[(rw.pupils[pupil], col.label)]


def _teacher_saves(rw, login: str, pupil: str, day: int, new: str, subject: str = "math") -> journal.SaveResult:
    grid, label, old = _cell(rw, pupil, day, subject)   # the cell as it is now
    col = grid.column(label)
    return journal.save_cells(actor(rw, login), [CellChange(rw.pupils[pupil], col.lesson_id, col.work_id, old, new)])


def _told(kind: str) -> list[tuple[int, str]]:
    with reading() as tx:
        return [(n.user_id, n.text) for n in tx.exec(select(Notice).where(Notice.kind == kind).order_by(Notice.id))]


def test_the_administrator_changes_a_mark_directly(rw):
    request_id = _file(rw)
    assert not _teacher_saves(rw, "math_t", "Алексеев", 10, "4").ok   # the window is closed for the teacher
    admin = actor(rw, "admin")
    with pytest.raises(CorrectionError, match="Заполните поле «Причина исправления»"):
        correction_fixes.change_cell(admin, request_id, rw.lessons[("5А", "math", 10)], rw.pupils["Алексеев"], "4", " ")
    with pytest.raises(CorrectionError, match="Не исправлено: .*9"):
        correction_fixes.change_cell(admin, request_id, rw.lessons[("5А", "math", 10)], rw.pupils["Алексеев"], "9",
                                     "Ошибка ввода")
    with pytest.raises(AccessDenied):
        correction_fixes.change_cell(actor(rw, "director"), request_id, rw.lessons[("5А", "math", 10)],
                                     rw.pupils["Алексеев"], "4", "Ошибка ввода")
    assert _cell(rw, "Алексеев", 10)[2] == "5"                           # nothing changed half-way
    row = correction_fixes.change_cell(admin, request_id, rw.lessons[("5А", "math", 10)], rw.pupils["Алексеев"],
                                       "4", "Ошибка ввода, подтверждено учителем")
    assert row.status == "resolved" and "было «5», стало «4»" in row.resolution
    assert _cell(rw, "Алексеев", 10)[2] == "4"
    with reading() as tx:
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "mark.changed")).one()
        assert event.actor_user_id == rw.users["admin"] and '"5"' in event.old and '"4"' in event.new
        assert f"исправление по заявке: № {request_id}: Ошибка ввода, подтверждено учителем" in event.detail
        closed = tx.exec(select(AuditEvent).where(AuditEvent.action == "correction.resolved")).one()
        assert '"fix": "cell"' in closed.new
    assert [u for u, _ in _told("correction_done")] == [rw.users["parent"]]
    ((teacher, text),) = _told("correction_fix")
    assert teacher == rw.users["math_t"] and "было «5», стало «4»" in text and "Ошибка ввода" in text
    with pytest.raises(CorrectionError, match="уже закрыта"):
        correction_fixes.change_cell(admin, request_id, rw.lessons[("5А", "math", 10)], rw.pupils["Алексеев"], "3",
                                     "ещё раз")


def test_an_absence_and_a_topic_changed_directly(rw):
    admin = actor(rw, "admin")
    first = _file(rw)
    correction_fixes.change_cell(admin, first, rw.lessons[("5А", "math", 17)], rw.pupils["Борисова"], "Б",
                                 "Справка от врача")
    assert _cell(rw, "Борисова", 17)[2] == "Б"
    second = _file(rw)
    row = correction_fixes.change_topic(admin, second, rw.lessons[("5А", "math", 12)], "Дроби: сложение",
                                        "Тема записана с ошибкой")
    assert row.status == "resolved"
    with reading() as tx:
        assert tx.get(Lesson, rw.lessons[("5А", "math", 12)]).topic == "Дроби: сложение"
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "lesson.changed")).one()
        assert "Тема записана с ошибкой" in event.detail and "Дроби: сложение" in event.new
        att = tx.exec(select(AuditEvent).where(AuditEvent.action == "attendance.changed")).one()
        assert att.old == '"absent"' and att.new == '"ill"' and "Справка от врача" in att.detail


def test_a_cell_opened_to_its_teacher_for_24_hours_and_nothing_else(rw, frozen_clock):
    request_id = _file(rw)
    admin = actor(rw, "admin")
    with pytest.raises(AccessDenied):
        correction_fixes.open_cell(actor(rw, "math_t"), request_id, rw.lessons[("5А", "math", 10)],
                                   rw.pupils["Алексеев"], "сам себе")
    row = correction_fixes.open_cell(admin, request_id, rw.lessons[("5А", "math", 10)], rw.pupils["Алексеев"],
                                     "Учитель уточнит отметку")
    assert row.status == "resolved" and "открыта учителю Математикова" in row.resolution
    ((teacher, text),) = _told("correction_fix")
    assert teacher == rw.users["math_t"] and "до 21.11.2026 12:00" in text
    # nobody else gains anything: another pupil, another lesson, another teacher
    assert "срок изменения отметок истёк" in _teacher_saves(rw, "math_t", "Борисова", 10, "5").errors[0].message
    assert not _teacher_saves(rw, "math_t", "Алексеев", 12, "5").ok
    assert not _teacher_saves(rw, "math_t", "Васильев", 10, "4").ok
    assert "ведёте не вы" in _teacher_saves(rw, "rus_t", "Алексеев", 10, "4").errors[0].message  # the cell itself
    # exactly that cell, by its teacher, within the 24 hours
    frozen_clock(NOW + timedelta(hours=23, minutes=59))
    assert _teacher_saves(rw, "math_t", "Алексеев", 10, "4").ok
    assert _cell(rw, "Алексеев", 10)[2] == "4"
    # and no longer after
    frozen_clock(NOW + timedelta(hours=24, seconds=1))
    result = _teacher_saves(rw, "math_t", "Алексеев", 10, "3")
    assert not result.ok and "срок изменения отметок истёк" in result.errors[0].message
    assert _cell(rw, "Алексеев", 10)[2] == "4"
    with reading() as tx:
        (grant,) = tx.exec(select(CellGrant)).all()
        assert (grant.lesson_id, grant.student_id, grant.staff_id, grant.request_id) == (
            rw.lessons[("5А", "math", 10)], rw.pupils["Алексеев"], rw.staff["math_t"], request_id)
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "correction.cell_opened")).one()
        assert tx.get(CorrectionRequest, request_id).status == "resolved"


def test_bad_input_changes_nothing(rw):
    request_id = _file(rw)
    admin = actor(rw, "admin")
    with pytest.raises(CorrectionError, match="не найден"):
        correction_fixes.open_cell(admin, request_id, 999999, rw.pupils["Алексеев"], "причина")
    with pytest.raises(CorrectionError, match="не числится"):
        correction_fixes.open_cell(admin, request_id, rw.lessons[("5А", "math", 10)], rw.pupils["Дмитриев"], "причина")
    with pytest.raises(CorrectionError, match="нечего"):
        correction_fixes.change_cell(admin, request_id, rw.lessons[("5А", "math", 10)], rw.pupils["Алексеев"], "5",
                                     "причина")
    with reading() as tx:
        assert tx.exec(select(CellGrant)).all() == []
        assert tx.get(CorrectionRequest, request_id).status == "open"
    assert clock.now() == NOW
