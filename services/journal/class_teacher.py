"""The class teacher's views (R-JRN-8): every subject's journal of the class, daily attendance with
reasons across all the day's lessons, and the class's marks summary."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import select

from models import (
    Attendance, CurriculumItem, Enrollment, Lesson, Mark, PeriodMark, SchoolClass, Student, StudyPeriod,
    Subject, SubgroupMember, Work, WorkType,
)
from models.db import reading, transaction
from services.comms import mail
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.journal.grid import current_period
from services.rules import averages
from services.rules.cells import ATTENDANCE_CODES, ATTENDANCE_LETTERS


class ClassError(ValueError):
    pass


@dataclass(frozen=True)
class ClassInfo:
    id: int
    name: str
    grade: int


@dataclass(frozen=True)
class SubjectRef:
    id: int
    name: str
    subgroup_ids: tuple[int, ...]


def my_classes(actor: Actor) -> list[ClassInfo]:
    ids = [g.class_id for g in actor.grants_of("class_teacher") if g.class_id]
    if not ids:
        return []
    with reading() as tx:
        return [ClassInfo(c.id, c.name, c.grade) for c in tx.exec(
            select(SchoolClass).where(SchoolClass.id.in_(ids)).order_by(SchoolClass.grade, SchoolClass.name)).all()]


def subjects_of_class(actor: Actor, class_id: int) -> list[SubjectRef]:
    with reading() as tx:
        policy.require(actor, "journal.view", targets.for_class(tx, class_id))
        rows = tx.exec(select(Subject.id, Subject.name, Lesson.subgroup_id)
                       .join(Lesson, Lesson.subject_id == Subject.id)
                       .where(Lesson.class_id == class_id).distinct()).all()
        names = dict(tx.exec(select(Subject.id, Subject.name).join(
            CurriculumItem, CurriculumItem.subject_id == Subject.id).where(CurriculumItem.class_id == class_id)).all())
    groups = defaultdict(set)
    for sid, name, gid in rows:
        names[sid] = name
        if gid:
            groups[sid].add(gid)
    return [SubjectRef(sid, names[sid], tuple(sorted(groups.get(sid, ())))) for sid in sorted(names, key=names.get)]


@dataclass(frozen=True)
class DayLesson:
    lesson_id: int
    number: int
    subject: str
    subgroup_id: int | None


@dataclass
class DayAttendance:
    class_id: int
    day: date
    lessons: list[DayLesson]
    pupils: list[tuple[int, str]]
    cells: dict[tuple[int, int], str]  # (student_id, lesson_id) → «Н» «Б» «У» «О», "" or «—» (not their lesson)


def day_attendance(actor: Actor, class_id: int, day: date) -> DayAttendance:
    with reading() as tx:
        policy.require(actor, "attendance.class_day", targets.for_class(tx, class_id))
        lessons = tx.exec(select(Lesson, Subject.name).join(Subject, Subject.id == Lesson.subject_id)
                          .where(Lesson.class_id == class_id, Lesson.lesson_date == day,
                                 Lesson.status != "cancelled").order_by(Lesson.lesson_number)).all()
        pupils = tx.exec(select(Student.id, Student.last_name, Student.first_name)
                         .join(Enrollment, Enrollment.student_id == Student.id)
                         .where(Enrollment.class_id == class_id, Enrollment.starts_on <= day,
                                or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= day))
                         .order_by(Student.last_name, Student.first_name)).all()
        ids = [l.id for l, _ in lessons]
        statuses = {(a.student_id, a.lesson_id): a.status for a in tx.exec(
            select(Attendance).where(Attendance.lesson_id.in_(ids))).all()} if ids else {}
        groups = {l.subgroup_id for l, _ in lessons if l.subgroup_id}
        members = set(tx.exec(select(SubgroupMember.subgroup_id, SubgroupMember.student_id).where(
            SubgroupMember.subgroup_id.in_(groups), SubgroupMember.starts_on <= day,
            or_(SubgroupMember.ends_on.is_(None), SubgroupMember.ends_on >= day))).all()) if groups else set()
    result = DayAttendance(class_id, day, [DayLesson(l.id, l.lesson_number, name, l.subgroup_id) for l, name in lessons],
                           [(sid, f"{last} {first}") for sid, last, first in pupils], {})
    for sid, _ in result.pupils:
        for l in result.lessons:
            if l.subgroup_id and (l.subgroup_id, sid) not in members:
                result.cells[(sid, l.lesson_id)] = "—"
            else:
                status = statuses.get((sid, l.lesson_id))
                result.cells[(sid, l.lesson_id)] = ATTENDANCE_LETTERS[status] if status else ""
    return result


def save_day_attendance(actor: Actor, class_id: int, day: date, changes: dict[tuple[int, int], tuple[str, str]]) -> int:
    """changes: (student_id, lesson_id) → (old letter, new letter). All or nothing."""
    now = clock.now()
    with transaction() as tx:
        policy.require(actor, "attendance.class_day", targets.for_class(tx, class_id))
        lessons = {l.id: l for l in tx.exec(select(Lesson).where(Lesson.class_id == class_id,
                                                                  Lesson.lesson_date == day)).all()}
        enrolled = set(tx.exec(select(Enrollment.student_id).where(
            Enrollment.class_id == class_id, Enrollment.starts_on <= day,
            or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= day))).all())
        rows = {(a.student_id, a.lesson_id): a for a in tx.exec(
            select(Attendance).where(Attendance.lesson_id.in_(list(lessons)))).all()} if lessons else {}
        problems, count, told = [], 0, []
        for (sid, lid), (old, new) in changes.items():
            new = (new or "").strip().upper()
            if lid not in lessons or sid not in enrolled:
                problems.append("Ученик или урок не относятся к этому классу и дню.")
                continue
            if new and new not in ATTENDANCE_CODES:
                problems.append(f"«{new}» — допустимо: Н, Б, У, О или пусто.")
                continue
            row = rows.get((sid, lid))
            now_letter = ATTENDANCE_LETTERS[row.status] if row else ""
            if now_letter != (old or ""):
                problems.append(f"Посещаемость урока №{lessons[lid].lesson_number} уже изменили. Обновите страницу.")
                continue
            if now_letter == new:
                continue
            status = ATTENDANCE_CODES.get(new)
            if row and not status:
                tx.delete(row)
            elif row:
                row.status, row.version, row.entered_at, row.entered_by_user_id = status, row.version + 1, now, actor.user_id
                tx.add(row)
            else:
                tx.add(Attendance(school_id=lessons[lid].school_id, lesson_id=lid, student_id=sid, status=status,
                                  entered_at=now, entered_by_user_id=actor.user_id))
            audit.record(tx, actor, "attendance.changed", school_id=lessons[lid].school_id, entity="attendance",
                         entity_id=f"{lid}:{sid}", old=row.status if row else None, new=status,
                         detail=f"class day {day}; lesson={lid}; student={sid}")
            count += 1
            if status in mail.ABSENCE_TITLES:
                told.append(mail.JournalChange(lessons[lid].school_id, sid, lessons[lid].subject_id, day, (), status))
        if problems:
            raise ClassError(" ".join(dict.fromkeys(problems)))
        mail.journal_saved(tx, told)  # letters to subscribed families (issue 16), in this transaction
        return count


@dataclass
class MarksSummary:
    period_name: str
    subjects: list[tuple[int, str]]
    pupils: list[tuple[int, str]]
    weighted: dict[tuple[int, int], float | None]   # (student, subject) → weighted average
    period_marks: dict[tuple[int, int], str]


def marks_summary(actor: Actor, class_id: int, period_id: int | None = None) -> MarksSummary:
    with reading() as tx:
        target = targets.for_class(tx, class_id)
        policy.require(actor, "journal.view", target)
        period = tx.get(StudyPeriod, period_id) if period_id else current_period(tx, target.school_id, clock.today())
        if period is None:
            raise ClassError("Не заданы учебные периоды школы.")
        rows = tx.exec(select(Mark.student_id, Lesson.subject_id, Mark.value, WorkType.weight)
                       .join(Work, Work.id == Mark.work_id).join(Lesson, Lesson.id == Work.lesson_id)
                       .join(WorkType, WorkType.id == Work.work_type_id)
                       .where(Lesson.school_id == target.school_id, Lesson.class_id == class_id,
                              Lesson.lesson_date >= period.starts_on, Lesson.lesson_date <= period.ends_on)).all()
        subjects = tx.exec(select(Subject.id, Subject.name).join(CurriculumItem, CurriculumItem.subject_id == Subject.id)
                           .where(CurriculumItem.class_id == class_id).order_by(Subject.name)).all()
        pupils = tx.exec(select(Student.id, Student.last_name, Student.first_name)
                         .join(Enrollment, Enrollment.student_id == Student.id)
                         .where(Enrollment.class_id == class_id, Enrollment.starts_on <= period.ends_on,
                                or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= period.starts_on))
                         .distinct().order_by(Student.last_name, Student.first_name)).all()
        pm = tx.exec(select(PeriodMark.student_id, PeriodMark.subject_id, PeriodMark.value).where(
            PeriodMark.class_id == class_id, PeriodMark.period_id == period.id, PeriodMark.kind == "period")).all()
    marks = defaultdict(list)
    for sid, subj, value, weight in rows:
        marks[(sid, subj)].append((value, weight))
    return MarksSummary(period.name, [tuple(s) for s in subjects], [(sid, f"{l} {f}") for sid, l, f in pupils],
                        {k: averages.weighted_average(v) for k, v in marks.items()},
                        {(sid, subj): v for sid, subj, v in pm})
