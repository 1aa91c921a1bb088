"""The timetable editor and lesson generation (R-PLAN-3) on SQLite and PostgreSQL: conflicts refused with
their reason, a change from a date keeps earlier lessons and every lesson that holds data."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from models import AuditEvent, Homework, Lesson, Mark, TeachingAssignment, TimetableSlot, Work, WorkType
from models.db import reading, transaction
from services.core.policy import AccessDenied
from services.planning import timetable, timetable_lessons
from services.planning.timetable import SlotRow, TimetableError
from tests.integration import timetable_world
from tests.integration.timetable_world import rows_5a

START = date(2026, 9, 1)


@pytest.fixture
def w(db_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    return timetable_world.build()


def lessons_of(w, name="5А", **where):
    with reading() as tx:
        stmt = select(Lesson).where(Lesson.class_id == w.classes[name])
        for k, v in where.items():
            stmt = stmt.where(getattr(Lesson, k) == v)
        return list(tx.exec(stmt.order_by(Lesson.lesson_date, Lesson.lesson_number, Lesson.subgroup_id)).all())


def test_a_week_saved_makes_the_year_of_lessons(w):
    deputy = w.actor("deputy5")
    result = timetable.save_class(deputy, w.classes["5А"], rows_5a(w), START)
    assert (result.created, result.closed) == (17, 0)
    assert result.lessons.created > 0 and result.lessons.kept == []
    math = lessons_of(w, subject_id=w.subjects["math"])
    days = {l.lesson_date for l in math}
    assert date(2026, 11, 4) not in days and not any(date(2026, 10, 24) <= d <= date(2026, 11, 4) for d in days)
    assert min(days) == date(2026, 9, 1) and max(days) == date(2027, 5, 26)
    first = math[0]
    assert (first.lesson_number, str(first.starts_at), first.room, first.teacher_id) == (1, "08:30:00", "10",
                                                                                          w.staff["math"])
    assert first.period_id == w.periods[1] and math[-1].period_id == w.periods[4]
    view = timetable.load_class(deputy, w.classes["5А"], date(2026, 11, 16))
    assert view.editable and len(view.rows) == 17
    hours = {h.subject_name: h.status for h in view.hours}
    assert hours == {"Английский язык": "совпадает", "Информатика": "совпадает", "Математика": "совпадает",
                     "Русский язык": "совпадает"}
    assert view.grid()[(1, 3)] == ["Английский язык (1 группа) — Смирнова А. С., каб. 21",
                                   "Английский язык (2 группа) — Кузнецова А. С., каб. 22"]
    with reading() as tx:  # the timetable gave the teachers their load
        assert tx.exec(select(TeachingAssignment).where(TeachingAssignment.class_id == w.classes["5А"])).all()
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "timetable.changed")).one()
        assert "Пн, 1 урок: Математика — Иванова А. С., каб. 10" in event.new
    again = timetable.save_class(deputy, w.classes["5А"], rows_5a(w), START)
    assert (again.created, again.closed, again.unchanged) == (0, 0, 17)
    assert again.lessons.created == again.lessons.deleted == again.lessons.updated == 0


def test_conflicts_are_refused_with_their_reason_and_change_nothing(w):
    admin = w.actor("admin")
    timetable.save_class(admin, w.classes["5А"], rows_5a(w), START)
    S, T = w.subjects, w.staff
    # the teacher of 5А's Monday first lesson put into 5Б at the same time
    clash = [SlotRow(1, 1, S["math"], T["math"], "15")]
    with pytest.raises(TimetableError) as e:
        timetable.save_class(admin, w.classes["5Б"], clash, date(2026, 11, 16))
    assert "Учитель Иванова А. С. в двух местах сразу: Пн, 1 урок — 5Б Математика и 5А Математика." in str(e.value)
    room = [SlotRow(1, 1, S["math"], T["rus"], "10")]
    with pytest.raises(TimetableError, match="Кабинет 10 занят дважды"):
        timetable.save_class(admin, w.classes["5Б"], room, date(2026, 11, 16))
    with pytest.raises(TimetableError, match="«Химия» нет в учебном плане класса 5Б"):
        timetable.save_class(admin, w.classes["5Б"], [SlotRow(2, 5, S["chem"], T["rus"], "")], date(2026, 11, 16))
    # Informatics group 2 beside English group 1 on Monday: Борисова is in both
    crossing = rows_5a(w) + [SlotRow(1, 4, S["inf"], T["inf"], "30", w.groups[("inf", 2)]),
                             SlotRow(1, 4, S["eng"], T["eng1"], "21", w.groups[("eng", 1)])]
    with pytest.raises(TimetableError, match="одни и те же ученики"):
        timetable.save_class(admin, w.classes["5А"], crossing, date(2026, 11, 16))
    with pytest.raises(TimetableError, match="Строка 1: 9 урока нет в расписании звонков"):
        timetable.save_class(admin, w.classes["5Б"], [SlotRow(1, 9, S["math"], T["rus"])], date(2026, 11, 16))
    assert lessons_of(w, "5Б") == []
    with reading() as tx:
        assert not tx.exec(select(TimetableSlot).where(TimetableSlot.class_id == w.classes["5Б"])).all()
    preview = timetable.preview(admin, w.classes["5Б"], clash, date(2026, 11, 16))
    assert preview.problems and "в двух местах" in preview.problems[0]
    assert preview.grid[(1, 1)] == ["Математика — Иванова А. С., каб. 15"]
    assert timetable.check_school(admin, w.school_id) == []


def test_a_deputy_edits_only_their_parallels(w):
    with pytest.raises(AccessDenied, match="изменение расписания"):
        timetable.save_class(w.actor("deputy6"), w.classes["5А"], rows_5a(w), START)
    view = timetable.load_class(w.actor("deputy6"), w.classes["5А"])
    assert not view.editable
    with pytest.raises(AccessDenied):
        timetable.save_class(w.actor("math"), w.classes["5А"], rows_5a(w), START)


def _give_data(w, lesson_id, kind):
    now = datetime(2026, 11, 16, 7, 0, tzinfo=timezone.utc)
    with transaction() as tx:
        lesson = tx.get(Lesson, lesson_id)
        if kind == "topic":
            lesson.topic = "Дроби"
            tx.add(lesson)
        elif kind == "homework":
            tx.add(Homework(school_id=w.school_id, lesson_id=lesson_id, text="№ 5", entered_at=now))
        elif kind == "mark":
            wt = tx.exec(select(WorkType.id)).first()
            work = Work(school_id=w.school_id, lesson_id=lesson_id, work_type_id=wt, created_at=now)
            tx.add(work)
            tx.flush()
            tx.add(Mark(school_id=w.school_id, work_id=work.id, student_id=w.pupils["Алексеев"], value="5",
                        numeric=5, entered_at=now))


def test_a_change_from_a_date_keeps_earlier_lessons_and_every_lesson_with_data(w):
    deputy = w.actor("deputy5")
    timetable.save_class(deputy, w.classes["5А"], rows_5a(w), START)
    S, T = w.subjects, w.staff
    before = {l.id: (l.lesson_date, l.lesson_number, l.subject_id) for l in lessons_of(w)}
    earlier = {i for i, (d, _, _) in before.items() if d < date(2026, 11, 23)}
    tuesdays_rus = lessons_of(w, subject_id=S["rus"], lesson_number=2)
    rus_dec1 = next(l for l in tuesdays_rus if l.lesson_date == date(2026, 12, 1))
    rus_dec8 = next(l for l in tuesdays_rus if l.lesson_date == date(2026, 12, 8))
    math_dec7 = next(l for l in lessons_of(w, subject_id=S["math"]) if l.lesson_date == date(2026, 12, 7))
    _give_data(w, rus_dec1.id, "mark")        # a test written ahead of time
    _give_data(w, rus_dec8.id, "homework")
    _give_data(w, math_dec7.id, "topic")
    # from 23 November: Tuesday's Russian lesson is gone (Информатика group 1 moves there) and
    # Monday's Mathematics moves from lesson 1 to lesson 4 with another room
    rows = [r for r in rows_5a(w) if not (r.weekday == 2 and r.lesson_number == 2)
            and not (r.weekday == 1 and r.lesson_number == 1)]
    rows.append(SlotRow(1, 4, S["math"], T["math"], "12"))
    rows = [SlotRow(2, 2, r.subject_id, r.teacher_id, r.room, r.subgroup_id) if r.subject_id == S["inf"]
            and r.weekday == 2 else r for r in rows]
    result = timetable.save_class(deputy, w.classes["5А"], rows, date(2026, 11, 23))
    after = {l.id: l for l in lessons_of(w)}
    assert earlier <= set(after), "lessons before the date stay"
    assert all((after[i].lesson_date, after[i].lesson_number, after[i].subject_id) == before[i] for i in earlier)
    # the Russian lessons with a mark and with homework are kept, and listed for a person
    assert rus_dec1.id in after and rus_dec8.id in after
    kept = {k.lesson_id: k for k in result.lessons.kept}
    assert set(kept) == {rus_dec1.id, rus_dec8.id}
    assert "есть отметки" in kept[rus_dec1.id].reason and "домашнее задание" in kept[rus_dec8.id].reason
    # the Monday mathematics lesson with a topic went on as the lesson 4 one, its topic with it
    moved = after[math_dec7.id]
    assert (moved.lesson_number, moved.room, moved.topic) == (4, "12", "Дроби")
    # lessons without data of the old Tuesday slot are gone from the date on
    assert not [l for l in lessons_of(w, subject_id=S["rus"], lesson_number=2)
                if l.lesson_date >= date(2026, 11, 23) and l.lesson_date.isoweekday() == 2
                and l.id not in (rus_dec1.id, rus_dec8.id)]
    # pending lists them until resolved; keep one as an extra lesson, delete the other refused
    pending = timetable_lessons.pending(deputy, w.school_id)
    assert {p.lesson_id for p in pending} == {rus_dec1.id, rus_dec8.id}
    with pytest.raises(timetable_lessons.GenerationError, match="нельзя удалить: в нём есть отметки"):
        timetable_lessons.resolve(deputy, rus_dec1.id, "delete")
    timetable_lessons.resolve(deputy, rus_dec1.id, "keep")
    with reading() as tx:
        assert tx.get(Lesson, rus_dec1.id).slot_id is None
    assert {p.lesson_id for p in timetable_lessons.pending(deputy, w.school_id)} == {rus_dec8.id}
    # regenerating the whole year again changes nothing and keeps the Dec 8 lesson
    again = timetable_lessons.generate(deputy, w.school_id, class_ids=[w.classes["5А"]])
    assert (again.created, again.deleted, again.updated) == (0, 0, 0)
    assert [k.lesson_id for k in again.kept] == [rus_dec8.id]


def test_an_empty_timetable_from_a_date_removes_future_lessons_without_data(w):
    admin = w.actor("admin")
    timetable.save_class(admin, w.classes["5А"], rows_5a(w), START)
    lesson = lessons_of(w, subject_id=w.subjects["math"])[-1]
    _give_data(w, lesson.id, "topic")
    result = timetable.save_class(admin, w.classes["5А"], [], date(2027, 5, 1))
    assert result.closed == 17 and [k.lesson_id for k in result.lessons.kept] == [lesson.id]
    assert {l.id for l in lessons_of(w) if l.lesson_date >= date(2027, 5, 1)} == {lesson.id}
    with reading() as tx:  # the old slots are closed the day before, not deleted
        slots = tx.exec(select(TimetableSlot).where(TimetableSlot.class_id == w.classes["5А"])).all()
        assert {s.valid_to for s in slots} == {date(2027, 4, 30)}


def test_a_change_later_than_its_start_replaces_a_scheduled_version(w):
    admin = w.actor("admin")
    timetable.save_class(admin, w.classes["5Б"], [SlotRow(2, 1, w.subjects["math"], w.staff["math"], "10")],
                         date(2026, 12, 1))
    timetable.save_class(admin, w.classes["5Б"], [SlotRow(3, 1, w.subjects["math"], w.staff["math"], "10")],
                         date(2026, 11, 23))
    with reading() as tx:
        slots = tx.exec(select(TimetableSlot).where(TimetableSlot.class_id == w.classes["5Б"])).all()
    assert [(s.weekday, s.valid_from) for s in slots] == [(3, date(2026, 11, 23))]  # the emptied one is removed
    days = {l.lesson_date.isoweekday() for l in lessons_of(w, "5Б")}
    assert days == {3}
