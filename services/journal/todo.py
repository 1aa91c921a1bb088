"""The teacher's to-do: what is overdue now in the lessons they teach (SPEC.md §10, R-JRN-4)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from models import (
    AcademicYear, CurriculumItem, Enrollment, Holiday, Homework, Lesson, Mark, PeriodMark, SchoolClass, SchoolSettings,
    StudyPeriod, Subject, SubgroupMember, TeachingAssignment, Work,
)
from models.db import reading
from services.core import clock
from services.core.actor import Actor
from services.rules import deadlines

KINDS = {"marks": "Нет отметок за урок", "homework": "Не записано домашнее задание",
         "attendance": "Не отмечена посещаемость", "topic": "Не записана тема урока"}


@dataclass(frozen=True)
class TodoItem:
    kind: str
    title: str
    lesson_id: int
    class_id: int
    class_name: str
    subject_id: int
    subject_name: str
    lesson_date: date
    lesson_number: int
    due: datetime
    subgroup_id: int | None = None  # the journal of a subgroup, when the lesson is one's


def overdue(actor: Actor, days: int = 30) -> list[TodoItem]:
    """Overdue items of the actor's own lessons (as teacher or substitute) of the last `days` days."""
    if not actor.staff_ids:
        return []
    now = clock.now()
    items: list[TodoItem] = []
    with reading() as tx:
        since = clock.today() - timedelta(days=days)
        rows = tx.exec(select(Lesson, SchoolClass.name, SchoolClass.grade, Subject.name, SchoolSettings)
                       .join(SchoolClass, SchoolClass.id == Lesson.class_id)
                       .join(Subject, Subject.id == Lesson.subject_id)
                       .join(SchoolSettings, SchoolSettings.school_id == Lesson.school_id, isouter=True)
                       .where(Lesson.teacher_id.in_(actor.staff_ids), Lesson.lesson_date >= since,
                              Lesson.lesson_date <= clock.today(), Lesson.status == "scheduled")
                       .order_by(Lesson.lesson_date, Lesson.lesson_number)).all()
        ids = [l.id for l, *_ in rows]
        with_marks = set(tx.exec(select(Work.lesson_id).join(Mark, Mark.work_id == Work.id)
                                 .where(Work.lesson_id.in_(ids)).group_by(Work.lesson_id)).all()) if ids else set()
        with_hw = set(tx.exec(select(Homework.lesson_id).where(Homework.lesson_id.in_(ids))).all()) if ids else set()
    for lesson, class_name, grade, subject_name, settings in rows:
        tz = clock.zone(settings.timezone if settings else None)
        hour = settings.mark_deadline_hour if settings else 21
        ended = datetime.combine(lesson.lesson_date, lesson.ends_at, tz)
        if now < ended:
            continue

        def add(kind, due):
            items.append(TodoItem(kind, KINDS[kind], lesson.id, lesson.class_id, class_name, lesson.subject_id,
                                  subject_name, lesson.lesson_date, lesson.lesson_number, due, lesson.subgroup_id))

        if not lesson.topic:
            add("topic", ended)
        if grade >= 2 and lesson.id not in with_marks:
            due = deadlines.mark_due(lesson.lesson_date, tz, 0, hour)
            if now > due:
                add("marks", due)
        if grade >= 2 and lesson.id not in with_hw and not lesson.no_homework:
            due = deadlines.homework_due(lesson.lesson_date, lesson.ends_at, tz,
                                         settings.homework_deadline_hours if settings else 3)
            if now > due:
                add("homework", due)
        if lesson.attendance_taken_at is None:
            due = deadlines.attendance_due(lesson.lesson_date, tz, settings.attendance_deadline_days if settings else 2)
            if now > due:
                add("attendance", due)
    return items


@dataclass(frozen=True)
class PeriodMarksDue:
    """A class (or subgroup) and subject of the teacher's whose marks for an ended period are missing."""
    class_id: int
    class_name: str
    subject_id: int
    subject_name: str
    subgroup_id: int | None
    period_id: int
    period_name: str
    period_ends_on: date
    due: datetime
    missing: int  # pupils without a mark for the period
    pupils: int


def period_marks_overdue(actor: Actor) -> list[PeriodMarksDue]:
    """The teacher's classes and subjects whose period marks are missing after they were due: by
    the end of the holidays after the period (1.13). Subjects «Без аттестации» owe none."""
    if not actor.staff_ids:
        return []
    now = clock.now()
    out: list[PeriodMarksDue] = []
    with reading() as tx:
        rows = tx.exec(select(TeachingAssignment, SchoolClass, Subject.name, SchoolSettings.timezone)
                       .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
                       .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
                       .join(Subject, Subject.id == TeachingAssignment.subject_id)
                       .join(SchoolSettings, SchoolSettings.school_id == TeachingAssignment.school_id, isouter=True)
                       .where(TeachingAssignment.teacher_id.in_(actor.staff_ids), AcademicYear.is_closed.is_(False))
                       .order_by(SchoolClass.grade, SchoolClass.letter, Subject.name)).all()
        for ta, cls, subject_name, tz_name in rows:
            item = tx.exec(select(CurriculumItem.no_attestation).where(
                CurriculumItem.school_id == ta.school_id, CurriculumItem.class_id == ta.class_id,
                CurriculumItem.subject_id == ta.subject_id)).first()
            if item:
                continue
            tz = clock.zone(tz_name)
            vacations = [(h.starts_on, h.ends_on) for h in tx.exec(select(Holiday).where(
                Holiday.school_id == ta.school_id, Holiday.year_id == cls.year_id, Holiday.kind == "vacation")).all()]
            for period in tx.exec(select(StudyPeriod).where(
                    StudyPeriod.school_id == ta.school_id, StudyPeriod.year_id == cls.year_id)
                    .order_by(StudyPeriod.starts_on)).all():
                due = deadlines.period_marks_due(period.ends_on, vacations, tz)
                if now <= due:
                    continue
                pupils = set(tx.exec(select(Enrollment.student_id).where(
                    Enrollment.school_id == ta.school_id, Enrollment.class_id == ta.class_id,
                    Enrollment.starts_on <= period.ends_on,
                    (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= period.ends_on))).all())
                if ta.subgroup_id:
                    pupils &= set(tx.exec(select(SubgroupMember.student_id).where(
                        SubgroupMember.subgroup_id == ta.subgroup_id, SubgroupMember.starts_on <= period.ends_on,
                        (SubgroupMember.ends_on.is_(None)) | (SubgroupMember.ends_on >= period.ends_on))).all())
                marked = set(tx.exec(select(PeriodMark.student_id).where(
                    PeriodMark.school_id == ta.school_id, PeriodMark.subject_id == ta.subject_id,
                    PeriodMark.kind == "period", PeriodMark.period_id == period.id,
                    PeriodMark.student_id.in_(sorted(pupils)))).all()) if pupils else set()
                if pupils - marked:
                    out.append(PeriodMarksDue(cls.id, cls.name, ta.subject_id, subject_name, ta.subgroup_id,
                                              period.id, period.name, period.ends_on, due, len(pupils - marked),
                                              len(pupils)))
    return out
