"""The journal grid (R-JRN-1): pupils by works for one class (or subgroup), subject and period;
loading it in a handful of queries (saving edited cells: services/journal/save.py).

A column is a work (one lesson, one work type). A lesson with no work yet shows one column
for its default work («Работа на уроке»), created on the first save. Attendance belongs to
the lesson and is shown in the lesson's first column.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from models import (
    AcademicYear, Attendance, CurriculumItem, Enrollment, Homework, Lesson, Mark, PeriodMark, SchoolClass,
    SchoolSettings, Student, StudyPeriod, Subgroup, SubgroupMember, Subject, TeachingAssignment, Work, WorkType,
)
from models.db import reading
from services.core import clock, policy, targets
from services.core.actor import Actor
from services.core.policy import Target
from services.journal import period_owner, save as journal_save
# what a save takes and gives (services/journal/edits.py), part of this module's interface: journal.SaveResult …
from services.journal.edits import CellChange, CellProblem, JournalError, SaveResult, closed_message, person_name
from services.rules import averages
from services.rules.cells import Cell, format_cell
from services.rules.work_types import show_weight

OUTSIDE = "—"  # a cell outside the pupil's enrolment


@dataclass(frozen=True)
class Column:
    lesson_id: int
    work_id: int | None          # None: the lesson's default work, not created yet
    lesson_date: date
    lesson_number: int
    work_type_id: int
    work_type: str
    weight: float
    first_of_lesson: bool        # carries the lesson's attendance
    topic: str
    label: str                   # unique header: «10.11 №2», «10.11 №2 К»
    help: str                    # tooltip: work type and weight, topic
    teacher_id: int | None


@dataclass(frozen=True)
class Pupil:
    student_id: int
    name: str
    spans: tuple[tuple[date, date | None], ...]  # enrolment intervals in the class / subgroup

    def enrolled_on(self, day: date) -> bool:
        return any(s <= day and (e is None or day <= e) for s, e in self.spans)


@dataclass(frozen=True)
class PupilSummary:
    average: float | None
    weighted: float | None
    absences: int
    lates: int
    period_mark: str
    suggested: int | None
    period_mark_owner: str = ""  # the other class that sets this pupil's period mark (read-only here)


@dataclass
class Grid:
    school_id: int
    class_id: int
    class_name: str
    subject_id: int
    subject_name: str
    subgroup_id: int | None
    period_id: int
    period_name: str
    marking: str
    no_attestation: bool
    tz: str
    edit_window: str
    columns: list[Column]
    pupils: list[Pupil]
    cells: dict[tuple[int, str], str]            # (student_id, column label) → text
    summaries: dict[int, PupilSummary]
    editable_lessons: frozenset[int]
    homework: dict[int, str] = field(default_factory=dict)  # lesson_id → text
    year_closed: bool = False                    # the class's school year is closed: read-only
    year_name: str = ""                          # «2025/2026»
    mark_round_from: int = 50                    # the school's rounding of the suggestion, hundredths

    def column(self, label: str) -> Column:
        return next(c for c in self.columns if c.label == label)


# ----------------------------------------------------------------------------- helpers
def _settings(tx: Session, school_id: int) -> SchoolSettings:
    return tx.get(SchoolSettings, school_id) or SchoolSettings(school_id=school_id)


def current_period(tx: Session, school_id: int, day: date) -> StudyPeriod | None:
    """The study period containing `day`, else the last one that began before it."""
    periods = tx.exec(select(StudyPeriod).where(StudyPeriod.school_id == school_id)
                      .order_by(StudyPeriod.starts_on)).all()
    best = None
    for p in periods:
        if p.starts_on <= day:
            best = p
            if day <= p.ends_on:
                return p
    return best or (periods[0] if periods else None)


def _pupils(tx: Session, school_id: int, class_id: int, subgroup_id: int | None,
            start: date, end: date) -> list[Pupil]:
    rows = tx.exec(
        select(Student.id, Student.last_name, Student.first_name, Enrollment.starts_on, Enrollment.ends_on)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.school_id == school_id, Enrollment.class_id == class_id,
               Enrollment.starts_on <= end, or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= start))
    ).all()
    spans: dict[int, list] = defaultdict(list)
    names = {}
    for sid, last, first, s, e in rows:
        spans[sid].append((s, e))
        names[sid] = person_name(last, first)
    if subgroup_id is not None:
        members = tx.exec(select(SubgroupMember.student_id, SubgroupMember.starts_on, SubgroupMember.ends_on)
                          .where(SubgroupMember.school_id == school_id,
                                 SubgroupMember.subgroup_id == subgroup_id)).all()
        sub_spans: dict[int, list] = defaultdict(list)
        for sid, s, e in members:
            sub_spans[sid].append((s, e))
        clipped = {}
        for sid, class_spans in spans.items():
            both = []
            for cs, ce in class_spans:
                for ss, se in sub_spans.get(sid, []):
                    lo = max(cs, ss)
                    hi = ce if se is None else (se if ce is None else min(ce, se))
                    if hi is None or lo <= hi:
                        both.append((lo, hi))
            if both:
                clipped[sid] = both
        spans = clipped
    pupils = [Pupil(sid, names[sid], tuple(sorted(sp))) for sid, sp in spans.items()]
    return sorted(pupils, key=lambda p: p.name)


def _label(d: date, number: int, suffix: str, seen: set[str]) -> str:
    base = f"{d:%d.%m} №{number}{suffix}"
    label, n = base, 2
    while label in seen:
        label, n = f"{base} ({n})", n + 1
    seen.add(label)
    return label


def _abbr(work_type: str) -> str:
    return "".join(w[0] for w in work_type.split()[:2]).upper()


# ----------------------------------------------------------------------------- loading
def load_grid(actor: Actor, class_id: int, subject_id: int, *, period_id: int | None = None,
              subgroup_id: int | None = None, date_from: date | None = None,
              date_to: date | None = None) -> Grid:
    """The grid of one class (or subgroup) and subject. Columns are the works of the lessons
    between date_from and date_to (default: two weeks either side of today, inside the
    period); averages, absences and the period mark cover the whole period."""
    with reading() as tx:
        target = targets.for_class(tx, class_id, subject_id)
        policy.require(actor, "journal.view", target)
        school_id = target.school_id
        settings = _settings(tx, school_id)  # one query; the identity map serves it again
        today = clock.today(settings.timezone)
        period = tx.get(StudyPeriod, period_id) if period_id else current_period(tx, school_id, today)
        if period is None or period.school_id != school_id:
            raise JournalError("Не заданы учебные периоды школы.")
        meta = tx.exec(
            select(SchoolClass.name, Subject.name, CurriculumItem.marking, CurriculumItem.no_attestation,
                   AcademicYear.start_year, AcademicYear.is_closed)
            .select_from(SchoolClass)
            .join(Subject, Subject.id == subject_id)
            .join(AcademicYear, AcademicYear.id == SchoolClass.year_id, isouter=True)
            .join(CurriculumItem, and_(CurriculumItem.class_id == SchoolClass.id,
                                       CurriculumItem.subject_id == subject_id), isouter=True)
            .where(SchoolClass.id == class_id)).first()
        class_name, subject_name, marking, no_attestation, start_year, year_closed = meta
        lesson_filter = [Lesson.school_id == school_id, Lesson.class_id == class_id,
                         Lesson.subject_id == subject_id, Lesson.lesson_date >= period.starts_on,
                         Lesson.lesson_date <= period.ends_on, Lesson.status != "cancelled"]
        lesson_filter.append(Lesson.subgroup_id == subgroup_id if subgroup_id else Lesson.subgroup_id.is_(None))
        rows = tx.exec(select(Lesson, Homework.text)  # school_id in the join: the index begins with it
                       .join(Homework, and_(Homework.school_id == school_id, Homework.lesson_id == Lesson.id),
                             isouter=True)
                       .where(*lesson_filter).order_by(Lesson.lesson_date, Lesson.lesson_number)).all()
        lessons, homework = [], {}
        for lesson, hw_text in rows:
            if lesson.id not in homework:
                lessons.append(lesson)
            if hw_text and not homework.get(lesson.id):
                homework[lesson.id] = hw_text
            homework.setdefault(lesson.id, "")
        lesson_ids = [l.id for l in lessons]
        work_types = {w.id: w for w in tx.exec(select(WorkType).where(WorkType.school_id == school_id)).all()}
        default_type = next((w for w in work_types.values() if w.is_default), None)
        # works and their marks in one query (a work without marks comes once, with NULLs)
        work_rows = tx.exec(select(Work, Mark.student_id, Mark.position, Mark.value)
                            .join(Mark, and_(Mark.work_id == Work.id, Mark.school_id == school_id), isouter=True)
                            .where(Work.school_id == school_id, Work.lesson_id.in_(lesson_ids))
                            .order_by(Work.lesson_id, Work.id)).all() if lesson_ids else []
        works, marks, seen_works = [], [], set()
        for work, sid, pos, value in work_rows:
            if work.id not in seen_works:
                seen_works.add(work.id)
                works.append(work)
            if sid is not None:
                marks.append((sid, work.id, pos, value))
        attendance = tx.exec(select(Attendance.student_id, Attendance.lesson_id, Attendance.status)
                             .where(Attendance.school_id == school_id,
                                    Attendance.lesson_id.in_(lesson_ids))).all() if lesson_ids else []
        pupils = _pupils(tx, school_id, class_id, subgroup_id, period.starts_on, period.ends_on)
        # by pupil: the index (school_id, student_id, subject_id) answers without a scan of the year
        pmarks = tx.exec(select(PeriodMark.student_id, PeriodMark.value)
                         .where(PeriodMark.school_id == school_id,
                                PeriodMark.student_id.in_([p.student_id for p in pupils]),
                                PeriodMark.subject_id == subject_id, PeriodMark.kind == "period",
                                PeriodMark.period_id == period.id)).all() if pupils else []
        # pupils who changed class during the period (R-CON-4): their other classes and their marks
        # there, in one query (none when nobody moved)
        elsewhere = period_owner.elsewhere(
            tx, school_id, subject_id, class_id,
            [p.student_id for p in pupils if not (p.enrolled_on(period.starts_on) and p.enrolled_on(period.ends_on))],
            period.starts_on, period.ends_on)

    lo = date_from or max(period.starts_on, today - timedelta(days=14))
    hi = date_to or min(period.ends_on, today + timedelta(days=14))
    works_by_lesson: dict[int, list[Work]] = defaultdict(list)
    for w in works:
        works_by_lesson[w.lesson_id].append(w)
    columns: list[Column] = []
    column_of_work: dict[int, Column] = {}
    seen: set[str] = set()
    for lesson in lessons:
        lesson_works = works_by_lesson.get(lesson.id) or [None]
        for i, w in enumerate(lesson_works):
            wt = work_types.get(w.work_type_id) if w else default_type
            if wt is None:
                continue
            suffix = "" if wt.is_default else f" {_abbr(wt.name)}"
            col = Column(
                lesson_id=lesson.id, work_id=w.id if w else None, lesson_date=lesson.lesson_date,
                lesson_number=lesson.lesson_number, work_type_id=wt.id, work_type=wt.name,
                weight=wt.weight, first_of_lesson=i == 0, topic=lesson.topic,
                label=_label(lesson.lesson_date, lesson.lesson_number, suffix, seen),
                help=f"{wt.name}, вес {show_weight(wt.weight)}" + (f" — {lesson.topic}" if lesson.topic else ""),
                teacher_id=lesson.teacher_id)
            if w:
                column_of_work[w.id] = col
            if lo <= lesson.lesson_date <= hi:
                columns.append(col)
    visible = {c.label for c in columns}

    cell_marks: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
    per_pupil_marks: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for sid, wid, pos, value in marks:
        col = column_of_work.get(wid)
        if col is None:
            continue
        per_pupil_marks[sid].append((value, col.weight))
        if col.label in visible:
            cell_marks[(sid, col.label)].append((pos, value))
    first_col = {c.lesson_id: c.label for c in columns if c.first_of_lesson}
    cell_att: dict[tuple[int, str], str] = {}
    absences: dict[int, int] = defaultdict(int)
    lates: dict[int, int] = defaultdict(int)
    for sid, lid, status in attendance:
        if status == "late":
            lates[sid] += 1
        else:
            absences[sid] += 1
        if lid in first_col:
            cell_att[(sid, first_col[lid])] = status

    cells: dict[tuple[int, str], str] = {}
    for p in pupils:
        for c in columns:
            key = (p.student_id, c.label)
            if not p.enrolled_on(c.lesson_date):
                cells[key] = OUTSIDE
                continue
            ms = tuple(v for _, v in sorted(cell_marks.get(key, [])))
            cells[key] = format_cell(Cell(ms, cell_att.get(key)))
    for sid, value, weight in elsewhere.marks:
        per_pupil_marks[sid].append((value, weight))
    period_values = dict(pmarks)
    summaries = {}
    for p in pupils:
        values = per_pupil_marks.get(p.student_id, [])
        weighted = averages.weighted_average(values)
        summaries[p.student_id] = PupilSummary(
            average=averages.average(v for v, _ in values), weighted=weighted,
            absences=absences.get(p.student_id, 0), lates=lates.get(p.student_id, 0),
            period_mark=period_values.get(p.student_id, ""),
            suggested=averages.round_mark(weighted, settings.mark_round_from),
            period_mark_owner=elsewhere.owner(p.student_id, class_id, p.spans, period.starts_on, period.ends_on))
    editable = frozenset() if year_closed else frozenset(
        c.lesson_id for c in columns if c.teacher_id in actor.staff_ids)
    return Grid(
        school_id=school_id, class_id=class_id, class_name=class_name, subject_id=subject_id,
        subject_name=subject_name, subgroup_id=subgroup_id, period_id=period.id, period_name=period.name,
        marking=marking or "five", no_attestation=bool(no_attestation),
        tz=settings.timezone, edit_window=settings.edit_window, columns=columns, pupils=pupils,
        cells=cells, summaries=summaries, editable_lessons=editable,
        homework=homework, year_closed=bool(year_closed),
        year_name=f"{start_year}/{start_year + 1}" if start_year else "", mark_round_from=settings.mark_round_from)


def diff(grid: Grid, edited: dict[tuple[int, str], str]) -> list[CellChange]:
    """The changes between the grid as loaded and the edited texts ((student_id, label) → text)."""
    changes = []
    for (sid, label), new in edited.items():
        old = grid.cells.get((sid, label))
        new = "" if new is None else str(new).strip()
        if old is None or old == new or (old == OUTSIDE and new in ("", OUTSIDE)):
            continue
        col = grid.column(label)
        changes.append(CellChange(sid, col.lesson_id, col.work_id, old, new))
    return changes


# ----------------------------------------------------------------------------- saving
def save_cells(actor: Actor, changes: list[CellChange], *, partial: bool = False) -> SaveResult:
    """Save edited cells in one transaction (services/journal/save.py: every cell re-checked on
    the server; with errors or conflicts nothing is saved, unless `partial`)."""
    return journal_save.save_cells(actor, changes, partial=partial)


def closed_year(tx: Session, class_ids) -> str | None:
    """The Russian refusal when any of these classes belongs to a closed school year, else None.
    A closed year is frozen (services/planning/year_close.py): its journal is read-only."""
    ids = sorted(set(class_ids))
    if not ids:
        return None
    start_year = tx.exec(select(AcademicYear.start_year)
                         .join(SchoolClass, SchoolClass.year_id == AcademicYear.id)
                         .where(SchoolClass.id.in_(ids), AcademicYear.is_closed.is_(True))).first()
    return None if start_year is None else closed_message(start_year)


def require_open_year(tx: Session, class_ids) -> None:
    message = closed_year(tx, class_ids)
    if message:
        raise JournalError(message)


# ----------------------------------------------------------------------------- choosing a journal
@dataclass(frozen=True)
class JournalChoice:
    """One journal the actor may open: a class (or subgroup) and a subject."""
    class_id: int
    class_name: str
    subject_id: int
    subject_name: str
    subgroup_id: int | None
    subgroup_name: str
    year_id: int
    own: bool  # the actor teaches it (by assignment, or substitutes in it)

    @property
    def label(self) -> str:
        group = f" ({self.subgroup_name})" if self.subgroup_name else ""
        return f"{self.class_name}{group} — {self.subject_name}"


@dataclass(frozen=True)
class PeriodChoice:
    id: int
    name: str
    starts_on: date
    ends_on: date


def choices(actor: Actor, school_id: int) -> list[JournalChoice]:
    """The journals of the school's current year the actor may open: their own first (their
    teaching assignments and the lessons they substitute in from a month ago to two weeks
    ahead), then, for the roles that read journals, the others the policy allows."""
    from services.people import rosters  # late: rosters imports importers, which this module need not load

    today = clock.today()
    with reading() as tx:
        year = rosters.current_year(tx, school_id, today)
        if year is None:
            return []
        cols = (SchoolClass.id, SchoolClass.name, SchoolClass.grade, SchoolClass.letter, Subject.id, Subject.name,
                Subgroup.id, Subgroup.name)
        assigned = tx.exec(
            select(*cols, TeachingAssignment.teacher_id)
            .select_from(TeachingAssignment)
            .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .join(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id, isouter=True)
            .where(TeachingAssignment.school_id == school_id, SchoolClass.year_id == year.id)).all()
        substituted = tx.exec(
            select(*cols).select_from(Lesson)
            .join(SchoolClass, SchoolClass.id == Lesson.class_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .join(Subgroup, Subgroup.id == Lesson.subgroup_id, isouter=True)
            .where(Lesson.school_id == school_id, Lesson.teacher_id.in_(sorted(actor.staff_ids)),
                   Lesson.lesson_date >= today - timedelta(days=30), Lesson.lesson_date <= today + timedelta(days=14),
                   SchoolClass.year_id == year.id)
            .distinct()).all() if actor.staff_ids else []
    found: dict[tuple, JournalChoice] = {}
    order: dict[tuple, tuple] = {}

    def add(row, own: bool) -> None:
        cid, cname, grade, letter, sid, sname, gid, gname = row[:8]
        key = (cid, sid, gid)
        if key in found and (found[key].own or not own):
            return
        found[key] = JournalChoice(cid, cname, sid, sname, gid, gname or "", year.id, own)
        order[key] = (not own, grade, letter, sname, gname or "")

    for row in assigned:
        if row[8] in actor.staff_ids:
            add(row, True)
    for row in substituted:
        add(row, True)
    for row in assigned:
        key = (row[0], row[4], row[6])
        if key in found:
            continue
        target = Target(school_id=school_id, class_id=row[0], grade=row[2], subject_id=row[4], entity="class",
                        entity_id=row[0])
        if policy.allowed(actor, "journal.view", target):
            add(row, False)
    return [found[k] for k in sorted(found, key=order.get)]


def periods(school_id: int, year_id: int) -> tuple[list[PeriodChoice], int | None]:
    """The study periods of a year and the current one (by today's date)."""
    with reading() as tx:
        rows = tx.exec(select(StudyPeriod).where(StudyPeriod.school_id == school_id, StudyPeriod.year_id == year_id)
                       .order_by(StudyPeriod.starts_on)).all()
        settings = _settings(tx, school_id)
    today = clock.today(settings.timezone)
    found = [PeriodChoice(p.id, p.name, p.starts_on, p.ends_on) for p in rows]
    current = next((p.id for p in found if p.starts_on <= today <= p.ends_on), None)
    if current is None and found:
        before = [p.id for p in found if p.starts_on <= today]
        current = before[-1] if before else found[0].id
    return found, current
