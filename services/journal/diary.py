"""The diary (ЭД, R-JRN-7) of one pupil, for the pupil, their parents and the class teacher:
the week's lessons with topics, homework, marks and attendance; marks per subject for a
period with averages; what is new since the last visit."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from models import (
    Attachment, Attendance, PeriodMark, DiaryVisit, Enrollment, Guardian, Homework, HomeworkMiss, Lesson, Mark, School, SchoolClass,
    Student, StudentGuardian, StudyPeriod, Subject, SubgroupMember, Work, WorkType,
)
from models.db import reading, transaction
from services.core import attachments, clock, data_views, policy, targets
from services.core.actor import Actor
from services.core.attachments import FileData
from services.core.policy import Target
from services.journal.grid import current_period
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
    homework_due_on: date | None = None  # the homework set at this lesson is due then (greyed here)
    homework_detail: str = ""  # its pages, exercises and minutes
    homework_file: str = ""  # its file's name, or ""


@dataclass(frozen=True)
class DueHomework:
    """Homework due on a day of the diary, set at an earlier lesson."""
    lesson_id: int  # the lesson it was set at (its file is read through it)
    subject: str
    set_on: date
    text: str
    detail: str  # pages, exercises, minutes
    file_name: str
    not_done: bool


@dataclass(frozen=True)
class DiaryDay:
    day: date
    title: str
    lessons: tuple[DiaryLesson, ...]
    homework_due: tuple[DueHomework, ...] = ()  # what is to be done for this day


@dataclass(frozen=True)
class SubjectMarks:
    subject: str
    marks: tuple[tuple[date, DiaryMark], ...]
    average: float | None
    weighted: float | None
    absences: int
    lates: int
    period_mark: str = ""  # the mark for the period, once the teacher has set it


@dataclass(frozen=True)
class ResultRow:
    """A subject's marks that close periods and the year: period, annual, exam, final."""
    subject: str
    by_period: dict[int, str]  # period id → mark
    annual: str
    exam: str
    final: str


@dataclass(frozen=True)
class Results:
    year_periods: tuple[tuple[int, str], ...]  # (period id, name) of the year, in order
    rows: tuple[ResultRow, ...]


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
    rows = tx.exec(select(Lesson, Subject.name, Homework)
                   .join(Subject, Subject.id == Lesson.subject_id)
                   .join(Homework, (Homework.school_id == school_id) & (Homework.lesson_id == Lesson.id),
                         isouter=True)  # school_id first, as the index: else a scan per lesson
                   .where(Lesson.school_id == school_id, Lesson.class_id.in_(class_ids),
                          Lesson.lesson_date >= start, Lesson.lesson_date <= end, Lesson.status != "cancelled")
                   .order_by(Lesson.lesson_date, Lesson.lesson_number)).all()
    out, seen = [], set()
    for lesson, subject, hw in rows:
        if lesson.id in seen:
            continue
        if not _inside(classes, lesson.class_id, lesson.lesson_date):
            continue
        if lesson.subgroup_id is not None and not _inside(groups, lesson.subgroup_id, lesson.lesson_date):
            continue
        seen.add(lesson.id)
        out.append((lesson, subject, hw))
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
        due = _due(tx, target.school_id, student_id, start, end)
        hw_ids = [hw.id for *_, hw in lessons if hw] + [hw.id for _, _, hw in due]
        misses = set(tx.exec(select(HomeworkMiss.homework_id).where(
            HomeworkMiss.student_id == student_id, HomeworkMiss.homework_id.in_(hw_ids))).all()) if hw_ids else set()
        files = _file_names(tx, [hw.attachment_id for *_, hw in lessons + due if hw and hw.attachment_id])
    data_views.note(actor, target, "diary")
    result = Week(student_id, f"{st.first_name} {st.last_name}", start)
    by_day = defaultdict(list)
    for lesson, subject, hw in lessons:
        status = att.get(lesson.id)
        by_day[lesson.lesson_date].append(DiaryLesson(
            lesson.id, lesson.lesson_date, lesson.lesson_number, lesson.starts_at, lesson.ends_at, subject,
            lesson.topic, hw.text if hw else "", hw is not None and hw.id in misses, tuple(marks.get(lesson.id, ())),
            ATTENDANCE_LETTERS.get(status, "") if status else "", ATTENDANCE_TITLES.get(status, "") if status else "",
            hw.due_on if hw else None, homework_detail(hw), files.get(hw.attachment_id, "") if hw else ""))
    due_by_day = defaultdict(list)
    for lesson, subject, hw in due:
        due_by_day[hw.due_on].append(DueHomework(lesson.id, subject, lesson.lesson_date, hw.text, homework_detail(hw),
                                                 files.get(hw.attachment_id, ""), hw.id in misses))
    for i in range(6):
        day = start + timedelta(days=i)
        result.days.append(DiaryDay(day, f"{WEEKDAYS[i]}, {day:%d.%m}", tuple(by_day.get(day, ())),
                                    tuple(due_by_day.get(day, ()))))
    result.new_marks = sum(m.is_new for d in result.days for l in d.lessons for m in l.marks)
    return result


def homework_detail(hw: Homework | None) -> str:
    """«стр. 12–14; № 5, 7; ~25 мин» — what a homework asks besides its text."""
    if hw is None:
        return ""
    parts = [f"стр. {hw.pages}" if hw.pages else "", hw.tasks, f"~{hw.minutes} мин" if hw.minutes else ""]
    return "; ".join(p for p in parts if p)


def _file_names(tx: Session, attachment_ids: list[int]) -> dict[int, str]:
    if not attachment_ids:
        return {}
    return dict(tx.exec(select(Attachment.id, Attachment.name).where(Attachment.id.in_(attachment_ids))).all())


# how far back a homework may have been set (services/journal/lessons.py refuses a due date further away)
_HOMEWORK_REACH = timedelta(days=60)


def _due(tx: Session, school_id: int, student_id: int, start: date, end: date):
    """(lesson set at, subject, homework) of the pupil's homework due between start and end."""
    classes, groups = _spans(tx, student_id, start - _HOMEWORK_REACH, end)
    class_ids = sorted({c for c, _, _ in classes})
    if not class_ids:
        return []
    rows = tx.exec(select(Lesson, Subject.name, Homework)
                   .join(Lesson, (Lesson.school_id == Homework.school_id) & (Lesson.id == Homework.lesson_id))
                   .join(Subject, Subject.id == Lesson.subject_id)
                   .where(Homework.school_id == school_id, Homework.due_on >= start, Homework.due_on <= end,
                          Lesson.class_id.in_(class_ids), Lesson.status != "cancelled")
                   .order_by(Homework.due_on, Lesson.lesson_date, Lesson.lesson_number)).all()
    return [(lesson, subject, hw) for lesson, subject, hw in rows
            if _inside(classes, lesson.class_id, lesson.lesson_date)
            and (lesson.subgroup_id is None or _inside(groups, lesson.subgroup_id, lesson.lesson_date))]


def homework_file(actor: Actor, student_id: int, lesson_id: int) -> FileData | None:
    """The file of the homework set at one of the pupil's lessons, for those who read the pupil's diary."""
    with reading() as tx:
        target = targets.for_student(tx, student_id)
        policy.require(actor, "diary.view", target)
        lesson = tx.get(Lesson, lesson_id)
        if lesson is None or lesson.school_id != target.school_id or lesson_id not in {
                l.id for l, *_ in _lessons(tx, target.school_id, student_id, lesson.lesson_date, lesson.lesson_date)}:
            return None
        hw = tx.exec(select(Homework).where(Homework.school_id == lesson.school_id,
                                            Homework.lesson_id == lesson_id)).first()
        return attachments.read(tx, hw.attachment_id) if hw is not None and hw.attachment_id else None


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
        closing = dict(tx.exec(select(Subject.name, PeriodMark.value)
                               .join(Subject, Subject.id == PeriodMark.subject_id)
                               .where(PeriodMark.school_id == target.school_id, PeriodMark.student_id == student_id,
                                      PeriodMark.kind == "period", PeriodMark.period_id == period.id)).all())
    data_views.note(actor, target, "marks")
    per_subject: dict[str, dict] = {subject: {"marks": [], "abs": 0, "late": 0} for subject in closing}
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
                                averages.weighted_average((m.value, m.weight) for _, m in ms), s["abs"], s["late"],
                                closing.get(subject, "")))
    return period.name, out


def periods_of(actor: Actor, student_id: int) -> tuple[list[tuple[int, str]], int | None]:
    """The study periods of the pupil's current year, (id, name) in order, and the current one's id."""
    with reading() as tx:
        target = targets.for_student(tx, student_id)
        policy.require(actor, "diary.view", target)
        current = current_period(tx, target.school_id, clock.today())
        if current is None:
            return [], None
        periods = tx.exec(select(StudyPeriod.id, StudyPeriod.name).where(
            StudyPeriod.school_id == target.school_id, StudyPeriod.year_id == current.year_id)
            .order_by(StudyPeriod.starts_on)).all()
    return [(i, name) for i, name in periods], current.id


def results(actor: Actor, student_id: int) -> Results:
    """The pupil's period, annual, exam and final marks of the current year, per subject."""
    with reading() as tx:
        target = targets.for_student(tx, student_id)
        policy.require(actor, "diary.view", target)
        current = current_period(tx, target.school_id, clock.today())
        if current is None:
            return Results((), ())
        periods = tuple(tx.exec(select(StudyPeriod.id, StudyPeriod.name).where(
            StudyPeriod.school_id == target.school_id, StudyPeriod.year_id == current.year_id)
            .order_by(StudyPeriod.starts_on)).all())
        rows = tx.exec(select(Subject.name, PeriodMark.kind, PeriodMark.period_id, PeriodMark.value)
                       .join(Subject, Subject.id == PeriodMark.subject_id)
                       .where(PeriodMark.school_id == target.school_id, PeriodMark.student_id == student_id,
                              PeriodMark.year_id == current.year_id)).all()
    data_views.note(actor, target, "marks")
    by_subject: dict[str, dict] = defaultdict(lambda: {"period": {}, "annual": "", "exam": "", "final": ""})
    for subject, kind, period_id, value in rows:
        if kind == "period":
            by_subject[subject]["period"][period_id] = value
        elif kind in ("annual", "exam", "final"):
            by_subject[subject][kind] = value
    return Results(tuple((i, n) for i, n in periods), tuple(
        ResultRow(subject, v["period"], v["annual"], v["exam"], v["final"])
        for subject, v in sorted(by_subject.items())))


def exam_results(actor: Actor, student_id: int):
    """The pupil's results of ВПР, ОГЭ and ЕГЭ of every year, newest first (services/reports/exams.py; the
    parent and the pupil see their own, policy «diary.view»)."""
    from services.reports import exams
    return exams.pupil_results(actor, student_id)


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
    from services.people import rosters
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
