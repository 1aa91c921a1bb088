"""Movement during the year on SQLite and PostgreSQL: a transfer between classes mid-year keeps
every mark where it was given; the journal shows the pupil in each class only for their dates
there; a transfer that would hide marks is refused; departures and the movement import."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent, Enrollment, Lesson, Mark, Movement, SchoolClass, Student, TeachingAssignment
from models.db import reading, transaction
from services.core import auth
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.journal import grid as journal
from services.journal.grid import OUTSIDE
from services.people import movement, rosters_import
from tests.integration import journal_world, roster_world

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def jw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    w = journal_world.build()
    with transaction() as tx:
        c5a = tx.get(SchoolClass, w.class_id)
        b = SchoolClass(school_id=w.school_id, year_id=c5a.year_id, grade=5, letter="Б", name="5Б")
        tx.add(b)
        tx.flush()
        tx.add(TeachingAssignment(school_id=w.school_id, class_id=b.id, subject_id=w.math, teacher_id=w.staff["math"]))
        for d in (17, 19):
            tx.add(Lesson(school_id=w.school_id, class_id=b.id, subject_id=w.math, teacher_id=w.staff["math"],
                          period_id=w.period_id, lesson_date=date(2026, 11, d), lesson_number=3,
                          starts_at=time(10, 20), ends_at=time(11, 5)))
        w.class_b = b.id
    return w


def actor(login_id):
    with reading() as tx:
        return auth.load_actor(tx, login_id)


def cells(jw, class_id, sid):
    g = journal.load_grid(actor(jw.users["math"]), class_id, jw.math, period_id=jw.period_id)
    return {c.lesson_date.day: g.cells.get((sid, c.label)) for c in g.columns}


def all_marks():
    with reading() as tx:
        return sorted((m.id, m.student_id, m.work_id, m.value, m.version) for m in tx.exec(select(Mark)).all())


def test_a_transfer_mid_year_keeps_the_marks_where_they_were_given(jw):
    a = jw.pupils["Алексеев"]
    g = journal.load_grid(actor(jw.users["math"]), jw.class_id, jw.math, period_id=jw.period_id)
    by_day = {c.lesson_date.day: c.label for c in g.columns}
    saved = journal.save_cells(actor(jw.users["math"]), journal.diff(g, {(a, by_day[10]): "5", (a, by_day[12]): "4"}))
    assert saved.committed
    marks_before = all_marks()
    # a transfer dated before a mark the pupil has in 5А is refused: the mark would vanish from sight
    with pytest.raises(movement.MovementError, match="отметки или пропуски в 5А с 11.11.2026"):
        with transaction() as tx:
            movement.transfer_in(tx, SYSTEM, tx.get(Student, a), tx.get(SchoolClass, jw.class_b), date(2026, 11, 11))
    # the secretary transfers the pupil to 5Б from 16 November
    assert movement.transfer(SYSTEM, a, jw.class_b, date(2026, 11, 16), order_number="77-уч")
    assert all_marks() == marks_before                      # not one mark moved, changed or deleted
    assert cells(jw, jw.class_id, a) == {10: "5", 12: "4", 17: OUTSIDE, 19: OUTSIDE}
    assert cells(jw, jw.class_b, a) == {17: "", 19: ""}
    with reading() as tx:
        spans = sorted((e.class_id, e.starts_on, e.ends_on, e.reason) for e in tx.exec(
            select(Enrollment).where(Enrollment.student_id == a)).all())
        moves = tx.exec(select(Movement).where(Movement.student_id == a)).all()
    assert spans == [(jw.class_id, date(2026, 9, 1), date(2026, 11, 15), ""),
                     (jw.class_b, date(2026, 11, 16), None, "transfer")]
    assert [(m.kind, m.from_class_id, m.to_class_id, m.order_number) for m in moves] == [
        ("transfer", jw.class_id, jw.class_b, "77-уч")]
    # the 5А teacher cannot put a mark on him after the transfer; in 5Б they can
    late = journal.save_cells(actor(jw.users["math"]), [journal.CellChange(
        a, jw.lessons[("math", date(2026, 11, 17))], None, "", "3")])
    assert not late.committed and "не числится" in late.errors[0].message
    # the same transfer again changes nothing
    assert movement.transfer(SYSTEM, a, jw.class_b, date(2026, 11, 16)) is False
    _, history = movement.history(SYSTEM, a)
    assert [(h.title, h.from_class, h.to_class) for h in history] == [("Перевод", "5А", "5Б")]


def test_departure_ends_the_enrolment_and_keeps_marks(jw):
    b = jw.pupils["Борисова"]
    g = journal.load_grid(actor(jw.users["math"]), jw.class_id, jw.math, period_id=jw.period_id)
    by_day = {c.lesson_date.day: c.label for c in g.columns}
    assert journal.save_cells(actor(jw.users["math"]), journal.diff(g, {(b, by_day[12]): "3"})).committed
    assert movement.depart(SYSTEM, b, date(2026, 11, 17), order_number="80-уч", note="в школу № 5")
    assert cells(jw, jw.class_id, b) == {10: "", 12: "3", 17: OUTSIDE, 19: OUTSIDE}
    assert movement.depart(SYSTEM, b, date(2026, 11, 17)) is False


def test_only_the_secretary_and_administrator_move_pupils(jw):
    with pytest.raises(AccessDenied):
        movement.transfer(actor(jw.users["ct"]), jw.pupils["Алексеев"], jw.class_b, date(2026, 11, 16))
    with reading() as tx:
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).first() is not None


def test_movement_import_arrival_transfer_departure(db_url, frozen_clock, tmp_path):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    rw = roster_world.build()
    roster = roster_world.workbook(roster_world.PUPIL_HEADERS, [
        roster_world.pupil_row("Антонов", "Антон", birth="01.01.2015"),
        roster_world.pupil_row("Борисов", "Борис", birth="02.02.2015")])
    assert rosters_import.run_import(SYSTEM, rw.school_id, "pupils", roster, "r.xlsx").committed
    headers = ["Фамилия", "Имя", "Дата рождения", "Вид движения", "Дата", "В класс", "№ приказа", "Примечание"]
    moves = roster_world.workbook(headers, [
        ["Антонов", "Антон", "01.01.2015", "перевод", "16.11.2026", "5Б", "90-уч", ""],
        ["Борисов", "Борис", "02.02.2015", "выбыл", "18.11.2026", "", "91-уч", "в лицей № 2"],
        ["Гаврилов", "Гавриил", "03.03.2015", "прибыл", "17.11.2026", "6А", "92-уч", "из школы № 9"],
        ["Гаврилов", "Гавриил", "03.03.2015", "перевод", "19.11.2026", "5А", "93-уч", ""]])
    result = rosters_import.run_import(SYSTEM, rw.school_id, "movement", moves, "m.xlsx")
    assert result.committed, [e.text() for e in result.errors]
    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    again = rosters_import.run_import(SYSTEM, rw.school_id, "movement", moves, "m.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    with reading() as tx:
        kinds = sorted((m.kind, m.order_number) for m in tx.exec(select(Movement)).all())
    assert kinds == [("arrival", "1-уч"), ("arrival", "1-уч"), ("arrival", "92-уч"), ("departure", "91-уч"),
                     ("transfer", "90-уч"), ("transfer", "93-уч")]
