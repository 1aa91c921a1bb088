"""The pupil's summary sheet for parents who do not use the electronic diary (1.14, R-REP-2),
and the class teacher's report to parents on progress and attendance (5.3).

A sheet covers a span of days inside one study period (default: the last school week): every
lesson held, by subject, with its date, the pupil's marks and attendance; per subject the
average and the weighted average (services/rules/averages: «осв», «н/а», «зач», «незач» are
not numbers; a double mark «5/4» counts twice), the number of lates and of missed lessons with
their reasons (Н — без уважительной причины, Б — по болезни, У — по уважительной причине).

One pupil, a class (a sheet per pupil), a parallel or the whole school (a sheet per pupil and
class, class after class). A pupil who changed class inside the span appears in each class
with the lessons of the days they were there; the sheet of one pupil covers all their classes.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import and_
from sqlmodel import select

from models import (
    Attendance, CurriculumItem, Lesson, Mark, PeriodMark, RoleGrant, SchoolClass, Student, StudyPeriod, Subject,
    SubgroupMember, User, Work, WorkType,
)
from models.db import reading
from services.core import clock, policy, targets
from services.core.actor import Actor
from services.reports.common import (
    ReportError, SchoolHead, Stay, all_periods, check_range, class_sort_key, full_name, has_lessons_fn,
    last_school_week, period_containing, school_head, span_text, stays,
)
from services.core.schools import school_target
from services.rules import averages
from services.rules.cells import ATTENDANCE_LETTERS

SHEET_ACTION = "report.weekly_sheet"
CLASS_ACTION = "report.class_progress"
HIDDEN_STATUSES = ("cancelled", "missed")  # not held: not on the sheet
REASONS = {"absent": "без уважительной причины", "ill": "по болезни", "excused": "по уважительной причине"}


@dataclass(frozen=True)
class SheetWork:
    marks: tuple[str, ...]     # one work's marks: («5», «4») for «5/4»
    work_type: str
    weight: float


@dataclass(frozen=True)
class SheetLesson:
    lesson_id: int
    lesson_date: date
    number: int
    topic: str
    works: tuple[SheetWork, ...]
    attendance: str            # absent | ill | excused | late | ""

    @property
    def marks_text(self) -> str:
        return ", ".join("/".join(w.marks) for w in self.works if w.marks)

    @property
    def text(self) -> str:
        """As in the journal: «Н», «5/4», «О 5»."""
        parts = [ATTENDANCE_LETTERS[self.attendance]] if self.attendance else []
        if self.marks_text:
            parts.append(self.marks_text)
        return " ".join(parts)


@dataclass(frozen=True)
class SheetSubject:
    subject_id: int
    name: str
    no_attestation: bool
    lessons: tuple[SheetLesson, ...]
    average: float | None
    weighted: float | None
    lates: int
    absent: int
    ill: int
    excused: int
    period_mark: str = ""

    @property
    def missed(self) -> int:
        return self.absent + self.ill + self.excused

    @property
    def marks(self) -> list[str]:
        return [m for lesson in self.lessons for w in lesson.works for m in w.marks]


@dataclass(frozen=True)
class PupilSheet:
    student_id: int
    name: str
    class_id: int | None       # None for one pupil's sheet over several classes
    class_name: str
    note: str                  # «в классе с 12.11.2026»
    subjects: tuple[SheetSubject, ...]

    @property
    def lates(self) -> int:
        return sum(s.lates for s in self.subjects)

    @property
    def absent(self) -> int:
        return sum(s.absent for s in self.subjects)

    @property
    def ill(self) -> int:
        return sum(s.ill for s in self.subjects)

    @property
    def excused(self) -> int:
        return sum(s.excused for s in self.subjects)

    @property
    def missed(self) -> int:
        return self.absent + self.ill + self.excused

    @property
    def lessons(self) -> int:
        return sum(len(s.lessons) for s in self.subjects)


@dataclass
class SheetsReport:
    kind: str                  # weekly | class_report
    school: SchoolHead
    date_from: date
    date_to: date
    period_id: int
    period_name: str
    scope_title: str
    made_at: datetime
    sheets: list[PupilSheet] = field(default_factory=list)
    class_teachers: dict[int, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        if self.kind == "class_report":
            return "Отчёт об успеваемости и посещаемости"
        return "Сводная ведомость успеваемости и посещаемости ученика"

    @property
    def span(self) -> str:
        return span_text(self.date_from, self.date_to)

    @property
    def subjects(self) -> list[tuple[int, str]]:
        seen: dict[int, str] = {}
        for sheet in self.sheets:
            for s in sheet.subjects:
                seen.setdefault(s.subject_id, s.name)
        return sorted(seen.items())


Progress = Callable[[int, int, str], None]


# ----------------------------------------------------------------------------- entry points
def default_range(actor: Actor, school_id: int, class_ids: list[int] | None = None,
                  kind: str = "weekly") -> tuple[date, date]:
    """The last school week (1.14: «рекомендованный период — прошедшая учебная неделя»); for the
    class teacher's report (5.3) the study period up to the end of that week."""
    with reading() as tx:
        head = school_head(tx, school_id)
        periods = all_periods(tx, school_id)
        start, end = last_school_week(periods, clock.today(head.timezone), has_lessons_fn(tx, school_id, class_ids))
    if kind == "class_report":
        period = period_containing(periods, end)
        if period is not None:
            start = period.starts_on
    return start, end


def for_pupil(actor: Actor, student_id: int, date_from: date | None = None, date_to: date | None = None,
              *, kind: str = "weekly") -> SheetsReport:
    """One pupil's sheet over every class they were in during the span."""
    with reading() as tx:
        student = tx.get(Student, student_id)
        if student is None:
            raise ReportError(f"Ученик с номером {student_id} не найден.")
        school_id = student.school_id
        head, periods, start, end, period = _span(tx, school_id, date_from, date_to, None)
        policy.require(actor, _action(kind), targets.for_student(tx, student_id, on=end))
        mine = stays(tx, school_id, start, end, student_ids=[student_id])
        if not mine:
            raise ReportError(f"{full_name(student.last_name, student.first_name)} не числится ни в одном классе "
                              f"с {start:%d.%m.%Y} по {end:%d.%m.%Y}.")
        classes = {c.id: c for c in tx.exec(select(SchoolClass).where(
            SchoolClass.id.in_(sorted({s.class_id for s in mine})))).all()}
        data = _load(tx, school_id, sorted(classes), mine, start, end, period, clock.today(head.timezone))
    report = SheetsReport(kind, head, start, end, period.id, period.name,
                          full_name(student.last_name, student.first_name), clock.now(),
                          class_teachers=data.teachers)
    names = " → ".join(c.name for c in sorted(classes.values(), key=lambda c: min(
        s.starts_on for s in mine if s.class_id == c.id)))
    report.sheets.append(_sheet(data, student_id, None, names, mine, start, end))
    return report


def for_class(actor: Actor, class_id: int, date_from: date | None = None, date_to: date | None = None,
              *, kind: str = "weekly") -> SheetsReport:
    """A sheet for every pupil who was in the class during the span (one page each)."""
    with reading() as tx:
        target = targets.for_class(tx, class_id)
        if target.school_id is None:
            raise ReportError(f"Класс с номером {class_id} не найден.")
        policy.require(actor, _action(kind), target)
        head, periods, start, end, period = _span(tx, target.school_id, date_from, date_to, [class_id])
        cls = tx.get(SchoolClass, class_id)
        return _classes_report(tx, kind, head, [cls], start, end, period, f"{cls.name} класс", None)


def for_school(actor: Actor, school_id: int, date_from: date | None = None, date_to: date | None = None,
               *, grade: int | None = None, kind: str = "weekly", progress: Progress | None = None) -> SheetsReport:
    """Every class of the school (or of one parallel), class after class."""
    with reading() as tx:
        policy.require(actor, _action(kind), school_target(tx, school_id, grade=grade))
        head, periods, start, end, period = _span(tx, school_id, date_from, date_to, None)
        classes = [c for c in tx.exec(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                                SchoolClass.year_id == period.year_id)).all()
                   if grade is None or c.grade == grade]
        classes = [c for c in classes if policy.allowed(actor, _action(kind), targets.for_class(tx, c.id))]
        classes.sort(key=class_sort_key)
        title = f"{grade} классы" if grade is not None else "вся школа"
        return _classes_report(tx, kind, head, classes, start, end, period, title, progress)


# ----------------------------------------------------------------------------- the work
def _action(kind: str) -> str:
    if kind not in ("weekly", "class_report"):
        raise ReportError(f"Неизвестный вид отчёта «{kind}».")
    return CLASS_ACTION if kind == "class_report" else SHEET_ACTION


def _span(tx, school_id: int, date_from: date | None, date_to: date | None, class_ids):
    head = school_head(tx, school_id)
    periods = all_periods(tx, school_id)
    if date_from is None and date_to is None:
        start, end = last_school_week(periods, clock.today(head.timezone), has_lessons_fn(tx, school_id, class_ids))
    else:
        start = date_from or date_to
        end = date_to or date_from
    period = check_range(periods, start, end)
    return head, periods, start, end, period


def _classes_report(tx, kind, head, classes, start, end, period, title, progress) -> SheetsReport:
    report = SheetsReport(kind, head, start, end, period.id, period.name, title, clock.now())
    ids = [c.id for c in classes]
    if not ids:
        return report
    all_stays = stays(tx, head.id, start, end, class_ids=ids)
    data = _load(tx, head.id, ids, all_stays, start, end, period, clock.today(head.timezone))
    report.class_teachers = data.teachers
    by_class: dict[int, list[Stay]] = defaultdict(list)
    for s in all_stays:
        by_class[s.class_id].append(s)
    for n, cls in enumerate(classes):
        pupils = sorted({s.student_id for s in by_class.get(cls.id, [])}, key=lambda p: (data.names.get(p, ""), p))
        for sid in pupils:
            report.sheets.append(_sheet(data, sid, cls.id, cls.name,
                                        [s for s in by_class[cls.id] if s.student_id == sid], start, end))
        if progress is not None:
            progress(n + 1, len(classes), cls.name)
    return report


@dataclass
class _Data:
    names: dict[int, str]
    lessons_by_class: dict[int, list]              # class id → [Lesson row]
    subjects: dict[int, str]
    no_attestation: set[tuple[int, int]]           # (class id, subject id)
    groups: dict[tuple[int, int], list]            # (subgroup, student) → [(start, end)]
    works: dict[tuple[int, int], list[SheetWork]]  # (lesson, student) → works with marks
    attendance: dict[tuple[int, int], str]         # (lesson, student) → status
    period_marks: dict[tuple[int, int], list]      # (student, subject) → [(class id, value)]
    teachers: dict[int, str]


def _load(tx, school_id: int, class_ids: list[int], the_stays: list[Stay], start: date, end: date,
          period: StudyPeriod, today: date) -> _Data:
    """Everything the sheets need, in a fixed number of queries whatever the number of pupils."""
    student_ids = sorted({s.student_id for s in the_stays})
    last = min(end, today)
    lesson_filter = and_(Lesson.school_id == school_id, Lesson.class_id.in_(class_ids), Lesson.lesson_date >= start,
                         Lesson.lesson_date <= last, Lesson.status.notin_(HIDDEN_STATUSES))
    lessons = tx.exec(select(Lesson.id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id, Lesson.lesson_date,
                             Lesson.lesson_number, Lesson.topic).where(lesson_filter)
                      .order_by(Lesson.lesson_date, Lesson.lesson_number, Lesson.id)).all() if start <= last else []
    by_class: dict[int, list] = defaultdict(list)
    for row in lessons:
        by_class[row.class_id].append(row)
    names = {sid: full_name(l, f) for sid, l, f in tx.exec(
        select(Student.id, Student.last_name, Student.first_name).where(Student.id.in_(student_ids))).all()} \
        if student_ids else {}
    subjects = dict(tx.exec(select(Subject.id, Subject.name).where(Subject.school_id == school_id)).all())
    no_att = {(c, s) for c, s in tx.exec(select(CurriculumItem.class_id, CurriculumItem.subject_id).where(
        CurriculumItem.school_id == school_id, CurriculumItem.class_id.in_(class_ids),
        CurriculumItem.no_attestation.is_(True))).all()}
    group_ids = sorted({row.subgroup_id for row in lessons if row.subgroup_id})
    groups: dict[tuple[int, int], list] = defaultdict(list)
    if group_ids:
        for gid, sid, s, e in tx.exec(select(SubgroupMember.subgroup_id, SubgroupMember.student_id,
                                             SubgroupMember.starts_on, SubgroupMember.ends_on)
                                      .where(SubgroupMember.school_id == school_id,
                                             SubgroupMember.subgroup_id.in_(group_ids))).all():
            groups[(gid, sid)].append((s, e))
    works: dict[tuple[int, int], dict[int, list]] = defaultdict(dict)
    attendance: dict[tuple[int, int], str] = {}
    if lessons:
        for lid, wid, sid, pos, value, weight, wt_name in tx.exec(
                select(Work.lesson_id, Work.id, Mark.student_id, Mark.position, Mark.value, WorkType.weight,
                       WorkType.name)
                .join(Mark, Mark.work_id == Work.id).join(WorkType, WorkType.id == Work.work_type_id)
                .join(Lesson, Lesson.id == Work.lesson_id)
                .where(lesson_filter, Mark.school_id == school_id)
                .order_by(Work.lesson_id, Work.id, Mark.position)).all():
            entry = works[(lid, sid)].setdefault(wid, [wt_name, weight, []])
            entry[2].append(value)
        for lid, sid, status in tx.exec(select(Attendance.lesson_id, Attendance.student_id, Attendance.status)
                                        .join(Lesson, Lesson.id == Attendance.lesson_id)
                                        .where(lesson_filter, Attendance.school_id == school_id)).all():
            attendance[(lid, sid)] = status
    period_marks: dict[tuple[int, int], list] = defaultdict(list)
    if student_ids:
        for sid, subj, cls, value in tx.exec(select(PeriodMark.student_id, PeriodMark.subject_id, PeriodMark.class_id,
                                                    PeriodMark.value)
                                             .where(PeriodMark.school_id == school_id, PeriodMark.kind == "period",
                                                    PeriodMark.period_id == period.id,
                                                    PeriodMark.student_id.in_(student_ids))).all():
            period_marks[(sid, subj)].append((cls, value))
    teachers: dict[int, str] = {}
    for cid, l, f, m in tx.exec(select(RoleGrant.class_id, User.last_name, User.first_name, User.middle_name)
                                .join(User, User.id == RoleGrant.user_id)
                                .where(RoleGrant.role == "class_teacher", RoleGrant.class_id.in_(class_ids),
                                       RoleGrant.revoked_at.is_(None)).order_by(RoleGrant.id)).all():
        teachers.setdefault(cid, full_name(l, f, m))
    return _Data(names, by_class, subjects, no_att, groups,
                 {k: [SheetWork(tuple(v[2]), v[0], v[1]) for _, v in sorted(ws.items())] for k, ws in works.items()},
                 attendance, period_marks, teachers)


def _in_group(data: _Data, gid: int | None, sid: int, day: date) -> bool:
    if gid is None:
        return True
    return any(s <= day and (e is None or day <= e) for s, e in data.groups.get((gid, sid), ()))


def _sheet(data: _Data, student_id: int, class_id: int | None, class_name: str, mine: list[Stay],
           start: date, end: date) -> PupilSheet:
    per_subject: dict[int, list[SheetLesson]] = defaultdict(list)
    subject_classes: dict[int, set[int]] = defaultdict(set)
    for stay in mine:
        for row in data.lessons_by_class.get(stay.class_id, ()):
            if not stay.covers(row.lesson_date) or not _in_group(data, row.subgroup_id, student_id, row.lesson_date):
                continue
            per_subject[row.subject_id].append(SheetLesson(
                row.id, row.lesson_date, row.lesson_number, row.topic or "",
                tuple(data.works.get((row.id, student_id), ())), data.attendance.get((row.id, student_id), "")))
            subject_classes[row.subject_id].add(stay.class_id)
    subjects = []
    for subj in sorted(per_subject):
        lessons = tuple(sorted({l.lesson_id: l for l in per_subject[subj]}.values(),
                               key=lambda l: (l.lesson_date, l.number, l.lesson_id)))
        weighted_marks = [(m, w.weight) for l in lessons for w in l.works for m in w.marks]
        statuses = [l.attendance for l in lessons]
        classes = subject_classes[subj]
        no_att = all((c, subj) in data.no_attestation for c in classes)
        pm = [v for c, v in data.period_marks.get((student_id, subj), ()) if class_id is None or c in (class_id, None)]
        subjects.append(SheetSubject(
            subj, data.subjects.get(subj, str(subj)), no_att, lessons,
            averages.average(m for m, _ in weighted_marks), averages.weighted_average(weighted_marks),
            statuses.count("late"), statuses.count("absent"), statuses.count("ill"), statuses.count("excused"),
            "" if no_att else (pm[-1] if pm else "")))
    first = min(s.starts_on for s in mine)
    last = max((s.ends_on for s in mine if s.ends_on is not None), default=None)
    notes = []
    if first > start:
        notes.append(f"в классе с {first:%d.%m.%Y}")
    if last is not None and last < end and all(s.ends_on is not None for s in mine):
        notes.append(f"в классе по {last:%d.%m.%Y}")
    return PupilSheet(student_id, data.names.get(student_id, f"ученик {student_id}"), class_id, class_name,
                      "; ".join(notes) if class_id is not None else "", tuple(subjects))


@dataclass(frozen=True)
class ClassChoice:
    id: int
    name: str
    grade: int


def classes_for(actor: Actor, school_id: int, action: str = SHEET_ACTION) -> list[ClassChoice]:
    """The classes of the current year for which the actor may do `action` (for the screens)."""
    with reading() as tx:
        head = school_head(tx, school_id)
        periods = all_periods(tx, school_id)
        today = clock.today(head.timezone)
        current = period_containing(periods, today) or next((p for p in reversed(periods) if p.starts_on <= today),
                                                             periods[0] if periods else None)
        stmt = select(SchoolClass).where(SchoolClass.school_id == school_id)
        if current is not None:
            stmt = stmt.where(SchoolClass.year_id == current.year_id)
        classes = sorted(tx.exec(stmt).all(), key=class_sort_key)
        return [ClassChoice(c.id, c.name, c.grade) for c in classes
                if policy.allowed(actor, action, targets.for_class(tx, c.id))]


def pupils_of(actor: Actor, class_id: int, date_from: date, date_to: date) -> list[tuple[int, str]]:
    """The pupils of a class over a span (for choosing one pupil on the screen)."""
    with reading() as tx:
        target = targets.for_class(tx, class_id)
        policy.require(actor, SHEET_ACTION, target)
        ids = sorted({s.student_id for s in stays(tx, target.school_id, date_from, date_to, class_ids=[class_id])})
        rows = tx.exec(select(Student.id, Student.last_name, Student.first_name).where(Student.id.in_(ids))).all() \
            if ids else []
    return sorted(((sid, full_name(l, f)) for sid, l, f in rows), key=lambda r: (r[1], r[0]))
