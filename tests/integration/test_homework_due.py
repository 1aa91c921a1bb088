"""Homework arrives (issue 16, item 1): a due date (the next lesson of the subject by default, the
teacher may change it); the diary shows it on the day it is due and, greyed, on the day it was
set; the teacher's file, pages, exercises and minutes reach the pupil and the parents; «Не задано»
makes a lesson without homework no item of the to-do (the control plan reports only homework written
late since issue 18)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from models import AuditEvent, Homework, Lesson
from models.db import reading
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from services.journal import diary, lessons, todo
from tests.integration.test_all_present import MSK, actor, control_findings, jw  # noqa: F401 (fixture)

CARD = "Решить № 12–15 на карточке".encode()


def day(week, d: int):
    return next(x for x in week.days if x.day == date(2026, 11, d))


def test_homework_is_due_on_the_next_lesson_and_reaches_the_family_with_its_file(jw):
    math, parent = actor(jw, "math"), actor(jw, "parent")
    a = jw.pupils["Алексеев"]
    tenth = jw.lessons[("math", date(2026, 11, 10))]
    d = lessons.detail(math, tenth)
    assert d.homework_due_on == date(2026, 11, 12) and not d.no_homework  # math is on Tue and Thu
    lessons.save(math, tenth, version=d.version, topic="Дроби", held=True, homework_text="Повторить правило",
                 homework_pages="12–14", homework_tasks="№ 12–15", homework_minutes=25,
                 homework_file=Upload("Карточка.txt", CARD))
    with reading() as tx:
        assert tx.exec(select(Homework.due_on).where(Homework.lesson_id == tenth)).one() == date(2026, 11, 12)

    week = diary.week(parent, a, date(2026, 11, 9))
    due = day(week, 12).homework_due
    assert [(h.subject, h.text, h.detail, h.file_name, h.set_on) for h in due] == [
        ("Математика", "Повторить правило", "стр. 12–14; № 12–15; ~25 мин", "Карточка.txt", date(2026, 11, 10))]
    assert day(week, 10).homework_due == ()
    set_at = next(l for l in day(week, 10).lessons if l.subject == "Математика")
    assert set_at.homework == "Повторить правило" and set_at.homework_due_on == date(2026, 11, 12)

    got = diary.homework_file(parent, a, tenth)  # the family reads the teacher's file through the diary
    assert got.name == "Карточка.txt" and got.data == CARD
    with pytest.raises(AccessDenied):  # not their child
        diary.homework_file(parent, jw.pupils["Борисова"], tenth)
    # a pupil who joined the class after the lesson has no such lesson: no file
    assert diary.homework_file(actor(jw, "ct"), jw.pupils["Григорьева"], tenth) is None

    # the teacher moves the due date: it leaves Thursday for the next Tuesday
    d = lessons.detail(math, tenth)
    lessons.save(math, tenth, version=d.version, topic="Дроби", held=True, homework_text="Повторить правило",
                 homework_pages="12–14", homework_tasks="№ 12–15", homework_minutes=25,
                 homework_due_on=date(2026, 11, 17))
    assert day(diary.week(parent, a, date(2026, 11, 9)), 12).homework_due == ()
    assert [h.text for h in day(diary.week(parent, a, date(2026, 11, 16)), 17).homework_due] == ["Повторить правило"]
    with reading() as tx:
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "lesson.changed")
                        .order_by(AuditEvent.id.desc())).first()
    assert "2026-11-17" in event.new


def test_a_due_date_is_checked_and_nothing_is_saved_half_way(jw):
    math = actor(jw, "math")
    twelfth = jw.lessons[("math", date(2026, 11, 12))]
    d = lessons.detail(math, twelfth)
    for bad, reason in ((date(2026, 11, 12), "позже дня урока"), (date(2026, 11, 1), "позже дня урока"),
                        (date(2027, 2, 1), "не позже чем через 60 дней")):
        with pytest.raises(lessons.LessonError, match=reason):
            lessons.save(math, twelfth, version=d.version, topic="Дроби", held=True, homework_text="№ 1",
                         homework_due_on=bad)
    with pytest.raises(lessons.LessonError, match="Не задано"):
        lessons.save(math, twelfth, version=d.version, topic="Дроби", held=True, homework_text="№ 1",
                     no_homework=True)
    with reading() as tx:
        lesson = tx.get(Lesson, twelfth)
        assert lesson.version == d.version and lesson.topic == "" and not lesson.no_homework
        assert tx.exec(select(Homework)).all() == []
    # the last lesson of the period has no next lesson: no default, the teacher names a day
    assert lessons.detail(math, jw.lessons[("math", date(2026, 11, 19))]).homework_due_on is None


def test_not_given_is_no_finding_and_no_todo_item(jw):
    math = actor(jw, "math")
    twelfth, seventeenth = jw.lessons[("math", date(2026, 11, 12))], jw.lessons[("math", date(2026, 11, 17))]

    def homework_todo():
        return {i.lesson_date for i in todo.overdue(math) if i.kind == "homework"}

    assert {date(2026, 11, 12), date(2026, 11, 17)} <= homework_todo()
    d = lessons.detail(math, twelfth)
    lessons.save(math, twelfth, version=d.version, topic="Контрольная работа", held=True, no_homework=True)
    assert lessons.detail(math, twelfth).no_homework
    assert date(2026, 11, 12) not in homework_todo() and date(2026, 11, 17) in homework_todo()
    # the control plan (issue 18) reports only homework written late: no lesson without homework is a finding
    assert control_findings(jw, "ctl_homework_entered", None) == set()
    with pytest.raises(AccessDenied):
        lessons.save(actor(jw, "rus"), seventeenth, version=1, topic="x", held=True, no_homework=True)
