"""Per-lesson data, period marks, the teacher's to-do, the class teacher's day and the diary
(R-JRN-2, R-JRN-4, R-JRN-5, R-JRN-7, R-JRN-8),
against real databases."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import Homework, HomeworkMiss, Lesson, PeriodMark
from models.db import reading
from services.core import auth
from services.core.policy import AccessDenied
from services.journal import class_teacher, diary, grid as journal, lessons, period_marks, todo
from services.journal.period_marks import PeriodMarkChange
from tests.integration import journal_world
from tests.integration.test_journal import edit, grid

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def jw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    return journal_world.build()


def actor(jw, login):
    with reading() as tx:
        return auth.load_actor(tx, jw.users[login])


def lesson_id(jw, key, day):
    return jw.lessons[(key, date(2026, 11, day))]


def test_lesson_topic_homework_and_misses(jw):
    math = actor(jw, "math")
    lid = lesson_id(jw, "math", 10)
    d = lessons.detail(math, lid)
    assert d.editable and d.topic == "" and d.homework_due == datetime(2026, 11, 10, 13, 10, tzinfo=MSK)
    v = lessons.save(math, lid, version=d.version, topic="Натуральные числа", held=True,
                     homework_text="№ 12, 13", homework_minutes=25)
    with pytest.raises(lessons.LessonError, match="другом окне"):
        lessons.save(math, lid, version=d.version, topic="Другое", held=True)
    nxt = lesson_id(jw, "math", 12)
    d2 = lessons.detail(math, nxt)
    assert d2.previous_homework_text == "№ 12, 13"
    lessons.save(math, nxt, version=d2.version, topic="Сложение", held=True,
                 previous_misses=frozenset({jw.pupils["Борисова"]}))
    with reading() as tx:
        assert tx.get(Lesson, lid).version == v and tx.get(Lesson, lid).topic_entered_at is not None
        hw = tx.exec(select(Homework).where(Homework.lesson_id == lid)).one()
        assert hw.minutes == 25
        assert [m.student_id for m in tx.exec(select(HomeworkMiss)).all()] == [jw.pupils["Борисова"]]
    with pytest.raises(AccessDenied):
        lessons.save(actor(jw, "rus"), lid, version=v, topic="x", held=True)


def test_second_work_gets_its_own_column(jw):
    math = actor(jw, "math")
    lid = lesson_id(jw, "math", 12)
    lessons.add_work(math, lid, jw.work_types["Контрольная работа"])
    g = grid(jw)
    labels = [c.label for c in g.columns if c.lesson_id == lid]
    assert labels == ["12.11 №2", "12.11 №2 КР"]
    kr = next(c for c in g.columns if c.label == "12.11 №2 КР")
    assert kr.weight == 2.0 and "Контрольная работа, вес 2" in kr.help
    a = jw.pupils["Алексеев"]
    res = journal.save_cells(math, journal.diff(g, {(a, "12.11 №2"): "5", (a, "12.11 №2 КР"): "3"}))
    assert res.committed
    assert grid(jw).summaries[a].weighted == pytest.approx((5 + 6) / 3)
    with pytest.raises(lessons.LessonError, match="уже есть отметки"):
        lessons.remove_work(math, kr.work_id)


def test_period_marks_suggested_saved_and_refused_for_no_attestation(jw):
    math = actor(jw, "math")
    a = jw.pupils["Алексеев"]
    journal.save_cells(math, edit(grid(jw), Алексеев_10="5", Алексеев_12="4"))
    assert grid(jw).summaries[a].suggested == 5  # 4.5 rounds half up
    assert period_marks.save(math, jw.class_id, jw.math, jw.period_id, [PeriodMarkChange(a, "", "5")]) == 1
    assert grid(jw).summaries[a].period_mark == "5"
    with pytest.raises(period_marks.PeriodMarkError, match="уже изменили"):
        period_marks.save(math, jw.class_id, jw.math, jw.period_id, [PeriodMarkChange(a, "", "4")])
    with pytest.raises(period_marks.PeriodMarkError, match="допустимо"):
        period_marks.save(math, jw.class_id, jw.math, jw.period_id, [PeriodMarkChange(a, "5", "6")])
    from models import CurriculumItem
    from models.db import transaction
    with transaction() as tx:
        item = tx.exec(select(CurriculumItem).where(CurriculumItem.subject_id == jw.rus)).one()
        item.no_attestation = True
        tx.add(item)
    with pytest.raises(period_marks.PeriodMarkError, match="Без аттестации"):
        period_marks.save(actor(jw, "rus"), jw.class_id, jw.rus, jw.period_id, [PeriodMarkChange(a, "", "5")])
    with reading() as tx:
        assert len(tx.exec(select(PeriodMark)).all()) == 1


def test_todo_lists_what_is_overdue_now(jw, frozen_clock):
    math = actor(jw, "math")
    frozen_clock(datetime(2026, 11, 12, 21, 0, 1, tzinfo=MSK))
    items = todo.overdue(math)
    kinds = {(i.lesson_date.day, i.kind) for i in items}
    # 10 Nov: marks (after 21:00), homework, topic; attendance is due by 12 Nov 23:59:59
    assert {(10, "marks"), (10, "homework"), (10, "topic")} <= kinds
    assert (10, "attendance") not in kinds
    assert (12, "marks") in kinds  # 21:00:01 on the lesson day
    frozen_clock(datetime(2026, 11, 13, 0, 0, 0, tzinfo=MSK))
    assert (10, "attendance") in {(i.lesson_date.day, i.kind) for i in todo.overdue(math)}
    journal.save_cells(math, edit(grid(jw), Алексеев_10="5"))
    assert not {(10, "marks"), (10, "attendance")} & {(i.lesson_date.day, i.kind) for i in todo.overdue(math)}
    assert all(i.subject_id == jw.math for i in items)  # only the actor's own lessons


def test_class_teacher_day_attendance(jw):
    ct = actor(jw, "ct")
    day = date(2026, 11, 10)
    view = class_teacher.day_attendance(ct, jw.class_id, day)
    assert [l.subject for l in view.lessons] == ["Математика", "Русский язык"]
    a = jw.pupils["Алексеев"]
    changes = {(a, l.lesson_id): ("", "Б") for l in view.lessons}
    assert class_teacher.save_day_attendance(ct, jw.class_id, day, changes) == 2
    g = grid(jw)
    assert g.cells[(a, "10.11 №2")] == "Б"
    with pytest.raises(class_teacher.ClassError, match="уже изменили"):
        class_teacher.save_day_attendance(ct, jw.class_id, day, changes)
    with pytest.raises(AccessDenied):
        class_teacher.day_attendance(actor(jw, "math"), jw.class_id, day)
    # the class teacher reads every subject's journal of the class, read-only
    view = journal.load_grid(ct, jw.class_id, jw.rus, period_id=jw.period_id)
    assert view.editable_lessons == frozenset()
    summary = class_teacher.marks_summary(ct, jw.class_id, jw.period_id)
    assert [name for _, name in summary.subjects] == ["Математика", "Русский язык"]


def test_diary_week_and_marks_for_the_parent(jw, frozen_clock):
    math = actor(jw, "math")
    parent = actor(jw, "parent")
    a = jw.pupils["Алексеев"]
    assert [c.student_id for c in diary.children_of(parent)] == [a]
    journal.save_cells(math, edit(grid(jw), Алексеев_10="5/4", Алексеев_12="Н"))
    week = diary.week(parent, a, date(2026, 11, 10))
    assert week.week_start == date(2026, 11, 9)
    tuesday = week.days[1]
    assert [(l.subject, [m.value for m in l.marks]) for l in tuesday.lessons] == [
        ("Математика", ["5", "4"]), ("Русский язык", [])]
    assert tuesday.lessons[0].marks[0].work_type == "Работа на уроке"
    assert week.days[3].lessons[0].attendance == "Н"
    assert week.new_marks == 0  # the first visit: nothing to compare with
    diary.mark_seen(parent, a)
    frozen_clock(datetime(2026, 11, 20, 13, 0, tzinfo=MSK))
    journal.save_cells(math, edit(grid(jw), Алексеев_17="3"))
    frozen_clock(datetime(2026, 11, 20, 14, 0, tzinfo=MSK))
    later = diary.week(parent, a, date(2026, 11, 17))
    assert later.new_marks == 1
    name, subjects = diary.marks_by_subject(parent, a, jw.period_id)
    math_row = next(s for s in subjects if s.subject == "Математика")
    assert [m.value for _, m in math_row.marks] == ["5", "4", "3"] and math_row.absences == 1
    assert math_row.average == pytest.approx(4.0)
    for other in (jw.pupils["Борисова"], jw.pupils["Васильев"], jw.pupils["Григорьева"]):
        with pytest.raises(AccessDenied):
            diary.week(parent, other)
        with pytest.raises(AccessDenied):
            diary.marks_by_subject(parent, other)
