"""Substitutions and changes of lessons (R-PLAN-4) on SQLite and PostgreSQL: a substitution moves the lesson
into the substitute's journal and to-do and out of the absent teacher's; missed, cancelled and
moved lessons; regenerating keeps them."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from models import AuditEvent, Lesson, LessonMove, Substitution
from models.db import reading
from services.core.policy import AccessDenied
from services.journal import grid as journal, lessons, todo
from services.journal.edits import CellChange
from services.planning import substitutions, timetable, timetable_lessons, timetable_views
from services.planning.substitutions import SubstitutionError
from tests.integration import timetable_world
from tests.integration.timetable_world import MSK, rows_5a


@pytest.fixture
def w(db_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    world = timetable_world.build()
    timetable.save_class(world.actor("admin"), world.classes["5А"], rows_5a(world), date(2026, 9, 1))
    return world


def lesson_on(w, subject, day, number=None):
    with reading() as tx:
        stmt = select(Lesson).where(Lesson.class_id == w.classes["5А"], Lesson.subject_id == w.subjects[subject],
                                    Lesson.lesson_date == day)
        if number:
            stmt = stmt.where(Lesson.lesson_number == number)
        return tx.exec(stmt).one()


def test_a_substitution_moves_the_lesson_into_the_substitutes_journal_and_todo(w, frozen_clock):
    day = date(2026, 11, 17)  # Tuesday; Математика lesson 1, 08:30–09:15
    lesson = lesson_on(w, "math", day)
    math, sub = w.actor("math"), w.actor("sub")
    frozen_clock(datetime(2026, 11, 18, 12, 0, tzinfo=MSK))  # the next day: marks and topic are overdue
    assert lesson.id in {i.lesson_id for i in todo.overdue(math)}
    assert lesson.id not in {i.lesson_id for i in todo.overdue(sub)}

    change = substitutions.substitute(w.actor("deputy5"), lesson.id, w.staff["sub"], "Болезнь учителя")
    assert change.kind == "substitution" and set(change.teacher_ids) == {w.staff["math"], w.staff["sub"]}
    assert "ведёт Соколова А. С. вместо Иванова А. С." in change.text
    with reading() as tx:
        row = tx.exec(select(Substitution).where(Substitution.lesson_id == lesson.id)).one()
        assert (row.absent_teacher_id, row.substitute_teacher_id, row.same_subject) == (
            w.staff["math"], w.staff["sub"], True)
        assert tx.get(Lesson, lesson.id).teacher_id == w.staff["sub"]
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "lesson.substituted")).one().entity_id == str(
            lesson.id)
    # the to-do: the lesson is the substitute's now, no longer the absent teacher's
    assert lesson.id in {i.lesson_id for i in todo.overdue(w.actor("sub"))}
    assert lesson.id not in {i.lesson_id for i in todo.overdue(w.actor("math"))}
    # the journal: the substitute fills it, the absent teacher cannot
    alekseev = w.pupils["Алексеев"]
    saved = journal.save_cells(w.actor("sub"), [CellChange(alekseev, lesson.id, None, "", "5")])
    assert saved.ok and saved.saved == 1
    refused = journal.save_cells(w.actor("math"), [CellChange(alekseev, lesson.id, None, "", "4")])
    assert not refused.ok and "уроки, которые ведёте не вы" in refused.errors[0].message
    detail = lessons.detail(w.actor("sub"), lesson.id)
    assert detail.editable
    grid = journal.load_grid(w.actor("math"), w.classes["5А"], w.subjects["math"], period_id=w.periods[2])
    assert lesson.id not in grid.editable_lessons
    # the timetables show it: the substitute's week has it, the absent teacher's shows it taken away
    sub_week = timetable_views.teacher_week(w.actor("sub"), w.school_id, w.staff["sub"], day)
    [cell] = sub_week.cells[(day, 1)]
    assert cell.teacher_name == "Соколова А. С." and "замена: ведёт Соколова А. С. вместо Иванова А. С." in cell.note
    math_week = timetable_views.teacher_week(w.actor("math"), w.school_id, w.staff["math"], day)
    [cell] = [c for c in math_week.cells[(day, 1)] if c.class_name == "5А"]
    assert cell.teacher_name == "Соколова А. С."
    class_week = timetable_views.class_week(w.actor("ct5"), w.classes["5А"], day)
    assert any(c.changed for c in class_week.cells[(day, 1)])
    changes = timetable_views.changes(w.actor("admin"), w.school_id, day, day)
    assert [(c.kind, c.lesson_id) for c in changes] == [("замена", lesson.id)]


def test_a_lesson_left_without_a_teacher_is_missed(w):
    lesson = lesson_on(w, "rus", date(2026, 11, 18))
    change = substitutions.substitute(w.actor("admin"), lesson.id, None, "Болезнь учителя")
    assert change.kind == "missed" and "урок не проведён" in change.text
    with reading() as tx:
        row = tx.get(Lesson, lesson.id)
        assert (row.status, row.teacher_id) == ("missed", None)
        sub = tx.exec(select(Substitution).where(Substitution.lesson_id == lesson.id)).one()
        assert (sub.absent_teacher_id, sub.substitute_teacher_id, sub.same_subject) == (w.staff["rus"], None, False)
    substitutions.restore(w.actor("admin"), lesson.id)
    with reading() as tx:
        row = tx.get(Lesson, lesson.id)
        assert (row.status, row.teacher_id) == ("scheduled", w.staff["rus"])
        assert not tx.exec(select(Substitution).where(Substitution.lesson_id == lesson.id)).all()


def test_an_illness_over_a_date_range(w):
    admin = w.actor("admin")
    plan = substitutions.absence_plan(admin, w.staff["math"], date(2026, 11, 23), date(2026, 11, 27))
    assert [p.lesson_date.day for p in plan] == [23, 24, 25, 26, 27]
    best = plan[0].candidates[0]
    assert best.free and best.same_subject and best.staff_id == w.staff["sub"]
    busy = next(c for c in plan[0].candidates if c.staff_id == w.staff["rus"])
    assert busy.free  # Русский язык is lesson 2: free during lesson 1
    choices = {p.lesson_id: w.staff["sub"] for p in plan}
    choices[plan[-1].lesson_id] = w.staff["rus"]  # another subject
    out = substitutions.substitute_many(admin, choices, "Курсы повышения квалификации")
    assert len(out) == 5
    with reading() as tx:
        rows = {s.lesson_id: s for s in tx.exec(select(Substitution)).all()}
    assert rows[plan[-1].lesson_id].same_subject is False and rows[plan[0].lesson_id].same_subject is True
    assert substitutions.absence_plan(admin, w.staff["math"], date(2026, 11, 23), date(2026, 11, 27)) == []


def test_a_busy_substitute_is_refused_and_nothing_changes(w):
    monday = date(2026, 11, 23)
    with reading() as tx:
        eng = {l.subgroup_id: l for l in tx.exec(select(Lesson).where(
            Lesson.class_id == w.classes["5А"], Lesson.subject_id == w.subjects["eng"],
            Lesson.lesson_date == monday)).all()}
    group1, group2 = eng[w.groups[("eng", 1)]], eng[w.groups[("eng", 2)]]
    # the teacher of group 2 teaches at that very time
    with pytest.raises(SubstitutionError, match="Кузнецова А. С. в это время ведёт урок \\(5А Английский язык\\)"):
        substitutions.substitute(w.actor("admin"), group1.id, w.staff["eng2"])
    # one substitute for both groups at once, in one request: refused as a whole
    with pytest.raises(SubstitutionError, match="Соколова А. С. в это время ведёт урок"):
        substitutions.substitute_many(w.actor("admin"), {group1.id: w.staff["sub"], group2.id: w.staff["sub"]})
    with reading() as tx:
        assert not tx.exec(select(Substitution)).all()
        assert tx.get(Lesson, group1.id).teacher_id == w.staff["eng1"]


def test_only_managers_substitute(w):
    lesson = lesson_on(w, "math", date(2026, 11, 24))
    with pytest.raises(AccessDenied, match="замены и изменения уроков"):
        substitutions.substitute(w.actor("math"), lesson.id, w.staff["sub"])
    with pytest.raises(AccessDenied):
        substitutions.substitute(w.actor("deputy6"), lesson.id, w.staff["sub"])


def test_cancel_and_move_and_regeneration_keeps_them(w):
    admin = w.actor("admin")
    thursday = date(2026, 11, 26)
    rus = lesson_on(w, "rus", thursday)
    substitutions.cancel(admin, rus.id, "Экскурсия")
    with pytest.raises(SubstitutionError, match="уже отменён"):
        substitutions.cancel(admin, rus.id, "ещё раз")
    math = lesson_on(w, "math", thursday)
    # lesson 1 on Thursday → Friday lesson 4 (free), room 12
    friday = date(2026, 11, 27)
    with pytest.raises(SubstitutionError, match="у класса 5А в это время урок"):
        substitutions.move(admin, math.id, friday, 3)
    with pytest.raises(SubstitutionError, match="не учебный день"):
        substitutions.move(admin, math.id, date(2026, 12, 30), 4)
    change = substitutions.move(admin, math.id, friday, 4, "12", "Совещание")
    assert "перенесён на 27.11.2026, 4 урок, кабинет 12" in change.text
    with reading() as tx:
        moved = tx.get(Lesson, math.id)
        assert (moved.lesson_date, moved.lesson_number, moved.room, str(moved.starts_at)) == (friday, 4, "12",
                                                                                                "11:35:00")
        assert tx.exec(select(LessonMove)).one().from_date == thursday
    before = timetable_lessons.generate(admin, w.school_id, class_ids=[w.classes["5А"]])
    assert (before.created, before.deleted, before.updated) == (0, 0, 0)
    with reading() as tx:
        thursday_math = tx.exec(select(Lesson).where(Lesson.class_id == w.classes["5А"],
                                                     Lesson.subject_id == w.subjects["math"],
                                                     Lesson.lesson_date == thursday)).all()
        assert thursday_math == []  # not made again on the day it was moved from
        assert tx.get(Lesson, rus.id).status == "cancelled"
    week = timetable_views.class_week(w.actor("ct5"), w.classes["5А"], thursday)
    [cell] = week.cells[(friday, 4)]
    assert "перенесён с 26.11, 1 урок" in cell.note
    [cancelled] = week.cells[(thursday, 2)]
    assert cancelled.status == "cancelled" and "ОТМЕНЁН" in cancelled.text()
    kinds = [c.kind for c in timetable_views.changes(admin, w.school_id, thursday, friday, class_id=w.classes["5А"])]
    assert sorted(kinds) == ["отменён", "перенос"]
    # a lesson with marks cannot be cancelled
    tue = lesson_on(w, "math", date(2026, 11, 17))
    journal.save_cells(w.actor("math"), [CellChange(w.pupils["Алексеев"], tue.id, None, "", "4")])
    with pytest.raises(SubstitutionError, match="нельзя отменить — в нём есть отметки, посещаемость"):
        substitutions.cancel(admin, tue.id, "ошибка")
