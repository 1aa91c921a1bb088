"""The diary (ЭД) of one pupil, for the pupil, their parents and the class teacher:
the week's lessons with topics, homework, marks and attendance; marks per subject for a
period with averages; what is new since the last visit."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from models import (
    Attendance, DiaryVisit, Enrollment, Guardian, Homework, HomeworkMiss, Lesson, Mark, School, SchoolClass,
    Student, StudentGuardian, StudyPeriod, Subject, SubgroupMember, Work, WorkType,
)
from models.db import reading, transaction
from services import clock, policy, targets
from services.actor import Actor
from services.policy import Target
from services.journal import current_period
from services.rules import averages
from services.rules.cells import ATTENDANCE_LETTERS, ATTENDANCE_TITLES

WEEKDAYS = ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье")


@dataclass(frozen=True)
class DiaryMark:
    value: str
    work_type: str
    weight: float
    entered_at: datetime
    is_new: bool


@dataclass(frozen=True)
class DiaryLesson:
    lesson_id: int
    lesson_date: date
    number: int
    starts_at: time
    ends_at: time
    subject: str
    topic: str
    homework: str
    homework_not_done: bool
    marks: tuple[DiaryMark, ...]
    attendance: str  # «Н», «Б», «У», «О» or ""
    attendance_title: str


@dataclass(frozen=True)
class DiaryDay:
    day: date
    title: str
    lessons: tuple[DiaryLesson, ...]


@dataclass(frozen=True)
class SubjectMarks:
    subject: str
    marks: tuple[tuple[date, DiaryMark], ...]
    average: float | None
    weighted: float | None
    absences: int
    lates: int


@dataclass(frozen=True)
class Child:
    student_id: int
    name: str
    class_name: str


@dataclass
class Week:
    student_id: int
    name: str
    week_start: date
    days: list[DiaryDay] = field(default_factory=list)
    new_marks: int = 0


def children_of(actor: Actor) -> list[Child]:
    """The pupils whose diary the actor reads as a parent or as the pupil."""
    ids = sorted(actor.children | actor.student_ids)
    if not ids:
        return []
    today = clock.today()
    with reading() as tx:
        rows = tx.exec(select(Student.id, Student.last_name, Student.first_name, SchoolClass.name)
                       .join(Enrollment, and_(Enrollment.student_id == Student.id, Enrollment.starts_on <= today,
                                              or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= today)),
                             isouter=True)
                       .join(SchoolClass, SchoolClass.id == Enrollment.class_id, isouter=True)
                       .where(Student.id.in_(ids)).order_by(Student.first_name)).all()
    seen, out = set(), []
    for sid, last, first, cls in rows:
        if sid not in seen:
            seen.add(sid)
            out.append(Child(sid, f"{first} {last}", cls or ""))
    return out


def _spans(tx: Session, student_id: int, start: date, end: date):
    classes = tx.exec(select(Enrollment.class_id, Enrollment.starts_on, Enrollment.ends_on).where(
        Enrollment.student_id == student_id, Enrollment.starts_on <= end,
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= start))).all()
    groups = tx.exec(select(SubgroupMember.subgroup_id, SubgroupMember.starts_on, SubgroupMember.ends_on).where(
        SubgroupMember.student_id == student_id, SubgroupMember.starts_on <= end,
        or_(SubgroupMember.ends_on.is_(None), SubgroupMember.ends_on >= start))).all()
    return classes, groups


def _inside(spans, key, day):
    return any(k == key and s <= day and (e is None or day <= e) for k, s, e in spans)


def _lessons(tx: Session, school_id: int, student_id: int, start: date, end: date):
    classes, groups = _spans(tx, student_id, start, end)
    class_ids = sorted({c for c, _, _ in classes})
    if not class_ids:
        return []
    rows = tx.exec(select(Lesson, Subject.name, Homework.text, Homework.id)
                   .join(Subject, Subject.id == Lesson.subject_id)
                   .join(Homework, (Homework.school_id == school_id) & (Homework.lesson_id == Lesson.id),
                         isouter=True)  # school_id first, as the index: else a scan per lesson
                   .where(Lesson.school_id == school_id, Lesson.class_id.in_(class_ids),
                          Lesson.lesson_date >= start, Lesson.lesson_date <= end, Lesson.status != "cancelled")
                   .order_by(Lesson.lesson_date, Lesson.lesson_number)).all()
    out, seen = [], set()
    for lesson, subject, hw_text, hw_id in rows:
        if lesson.id in seen:
            continue
        if not _inside(classes, lesson.class_id, lesson.lesson_date):
            continue
        if lesson.subgroup_id is not None and not _inside(groups, lesson.subgroup_id, lesson.lesson_date):
            continue
        seen.add(lesson.id)
        out.append((lesson, subject, hw_text or "", hw_id))
    return out


def _marks(tx: Session, school_id: int, student_id: int, lesson_ids: list[int], last_seen: datetime | None):
    if not lesson_ids:
        return {}
    by_lesson = defaultdict(list)
    for lesson_id, value, entered_at, wt_name, weight in tx.exec(
            select(Work.lesson_id, Mark.value, Mark.entered_at, WorkType.name, WorkType.weight)
            .join(Work, Work.id == Mark.work_id).join(WorkType, WorkType.id == Work.work_type_id)
            .where(Mark.school_id == school_id, Mark.student_id == student_id, Work.lesson_id.in_(lesson_ids))
            .order_by(Work.id, Mark.position)).all():
        by_lesson[lesson_id].append(DiaryMark(value, wt_name, weight, entered_at,
                                              last_seen is not None and entered_at > last_seen))
    return by_lesson


def _last_seen(tx: Session, actor: Actor, student_id: int) -> datetime | None:
    return tx.exec(select(DiaryVisit.seen_at).where(DiaryVisit.user_id == actor.user_id,
                                                    DiaryVisit.student_id == student_id)).first()


_STORED = object()  # week(since=...) not given: marks after the actor's stored visit are new


def week(actor: Actor, student_id: int, week_start: date | None = None, since=_STORED) -> Week:
    """The pupil's week (Monday to Saturday) with everything the diary shows. Marks entered after
    `since` (by default the actor's last stored visit; None: none) are new."""
    start = week_start or clock.today()
    start = start - timedelta(days=start.weekday())
    end = start + timedelta(days=6)
    with reading() as tx:
        target = targets.for_student(tx, student_id)
        policy.require(actor, "diary.view", target)
        st = tx.get(Student, student_id)
        last_seen = _last_seen(tx, actor, student_id) if since is _STORED else since
        lessons = _lessons(tx, target.school_id, student_id, start, end)
        ids = [l.id for l, *_ in lessons]
        marks = _marks(tx, target.school_id, student_id, ids, last_seen)
        att = dict(tx.exec(select(Attendance.lesson_id, Attendance.status).where(
            Attendance.school_id == target.school_id, Attendance.student_id == student_id,
            Attendance.lesson_id.in_(ids))).all()) if ids else {}
        hw_ids = [h for *_, h in lessons if h]
        misses = set(tx.exec(select(HomeworkMiss.homework_id).where(
            HomeworkMiss.student_id == student_id, HomeworkMiss.homework_id.in_(hw_ids))).all()) if hw_ids else set()
    result = Week(student_id, f"{st.first_name} {st.last_name}", start)
    by_day = defaultdict(list)
    for lesson, subject, hw_text, hw_id in lessons:
        status = att.get(lesson.id)
        by_day[lesson.lesson_date].append(DiaryLesson(
            lesson.id, lesson.lesson_date, lesson.lesson_number, lesson.starts_at, lesson.ends_at, subject,
            lesson.topic, hw_text, hw_id in misses, tuple(marks.get(lesson.id, ())),
            ATTENDANCE_LETTERS.get(status, "") if status else "", ATTENDANCE_TITLES.get(status, "") if status else ""))
    for i in range(6):
        day = start + timedelta(days=i)
        result.days.append(DiaryDay(day, f"{WEEKDAYS[i]}, {day:%d.%m}", tuple(by_day.get(day, ()))))
    result.new_marks = sum(m.is_new for d in result.days for l in d.lessons for m in l.marks)
    return result


def marks_by_subject(actor: Actor, student_id: int, period_id: int | None = None) -> tuple[str, list[SubjectMarks]]:
    """(period name, per subject: marks with dates, average, weighted average, absences, lates)."""
    with reading() as tx:
        target = targets.for_student(tx, student_id)
        policy.require(actor, "diary.view", target)
        period = tx.get(StudyPeriod, period_id) if period_id else current_period(tx, target.school_id, clock.today())
        if period is None or period.school_id != target.school_id:
            return "", []
        last_seen = _last_seen(tx, actor, student_id)
        lessons = _lessons(tx, target.school_id, student_id, period.starts_on, min(period.ends_on, clock.today()))
        ids = [l.id for l, *_ in lessons]
        marks = _marks(tx, target.school_id, student_id, ids, last_seen)
        att = dict(tx.exec(select(Attendance.lesson_id, Attendance.status).where(
            Attendance.student_id == student_id, Attendance.lesson_id.in_(ids))).all()) if ids else {}
    per_subject: dict[str, dict] = {}
    for lesson, subject, *_ in lessons:
        s = per_subject.setdefault(subject, {"marks": [], "abs": 0, "late": 0})
        s["marks"].extend((lesson.lesson_date, m) for m in marks.get(lesson.id, ()))
        status = att.get(lesson.id)
        if status == "late":
            s["late"] += 1
        elif status:
            s["abs"] += 1
    out = []
    for subject in sorted(per_subject):
        s = per_subject[subject]
        ms = tuple(s["marks"])
        out.append(SubjectMarks(subject, ms, averages.average(m.value for _, m in ms),
                                averages.weighted_average((m.value, m.weight) for _, m in ms), s["abs"], s["late"]))
    return period.name, out


def mark_seen(actor: Actor, student_id: int) -> datetime | None:
    """Remember this visit: marks entered after it will be shown as new next time. Returns the
    visit before this one (None: the first), after which this visit's new marks were entered."""
    if not (student_id in actor.children or student_id in actor.student_ids):
        return None  # staff reading a diary do not move the family's «new» marker
    now = clock.now()
    with transaction() as tx:
        visit = tx.exec(select(DiaryVisit).where(DiaryVisit.user_id == actor.user_id,
                                                 DiaryVisit.student_id == student_id)).first()
        before = visit.seen_at if visit is not None else None
        if visit is None:
            school_id = tx.get(Student, student_id).school_id
            visit = DiaryVisit(school_id=school_id, user_id=actor.user_id, student_id=student_id, seen_at=now)
        visit.seen_at = now
        tx.add(visit)
    return before


@dataclass(frozen=True)
class ClassPupils:
    class_id: int
    class_name: str
    pupils: tuple[tuple[int, str], ...]


def readable_classes(actor: Actor, school_id: int) -> list[ClassPupils]:
    """For staff who read diaries (class teacher, deputy, director, administrator): the classes of
    the school's current year whose pupils' diaries the policy lets them read, with the pupils."""
    from services import rosters
    today = clock.today()
    with reading() as tx:
        year = rosters.current_year(tx, school_id, today)
        if year is None:
            return []
        classes = tx.exec(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                    SchoolClass.year_id == year.id)
                          .order_by(SchoolClass.grade, SchoolClass.letter)).all()
        municipality_id = tx.exec(select(School.municipality_id).where(School.id == school_id)).one()
        allowed = [c for c in classes if policy.allowed(actor, "diary.view", Target(
            school_id=school_id, municipality_id=municipality_id, class_id=c.id, grade=c.grade,
            entity="class", entity_id=c.id))]
        if not allowed:
            return []
        day = rosters.in_year(year, today)
        rows = tx.exec(select(Enrollment.class_id, Student.id, Student.last_name, Student.first_name)
                       .join(Student, Student.id == Enrollment.student_id)
                       .where(Enrollment.class_id.in_([c.id for c in allowed]), Enrollment.starts_on <= day,
                              or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= day))
                       .order_by(Student.last_name, Student.first_name)).all()
    pupils: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for class_id, sid, last, first in rows:
        pupils[class_id].append((sid, f"{last} {first}"))
    return [ClassPupils(c.id, c.name, tuple(pupils.get(c.id, ()))) for c in allowed]
