"""The journal grid: pupils by works for one class (or subgroup), subject and period;
loading it in a handful of queries and saving edited cells in one transaction.

A column is a work (one lesson, one work type). A lesson with no work yet shows one column
for its default work («Работа на уроке»), created on the first save. Attendance belongs to
the lesson and is shown in the lesson's first column.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, or_
from sqlmodel import Session, select

from models import (
    AcademicYear, Attendance, CurriculumItem, Enrollment, Homework, Lesson, Mark, PeriodMark, School, SchoolClass,
    SchoolSettings, Student, StudyPeriod, Subgroup, SubgroupMember, Subject, TeachingAssignment, Work, WorkType,
)
from models.db import reading, transaction
from services import audit, clock, policy, targets
from services.actor import Actor
from services.policy import Target
from services.rules import averages
from services.rules.cells import Cell, CellError, format_cell, numeric, parse_cell
from services.rules.edit_window import EDIT_WINDOWS, edit_window_end

OUTSIDE = "—"  # a cell outside the pupil's enrolment


class JournalError(ValueError):
    """str(e) is a Russian message for the user."""


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

    def column(self, label: str) -> Column:
        return next(c for c in self.columns if c.label == label)


@dataclass(frozen=True)
class CellChange:
    student_id: int
    lesson_id: int
    work_id: int | None
    old: str
    new: str


@dataclass(frozen=True)
class CellProblem:
    student_id: int
    pupil: str
    lesson_date: date | None
    message: str


@dataclass
class SaveResult:
    saved: int = 0
    errors: list[CellProblem] = field(default_factory=list)
    conflicts: list[CellProblem] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts


# ----------------------------------------------------------------------------- helpers
def _name(last: str, first: str) -> str:
    return f"{last} {first}".strip()


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
        names[sid] = _name(last, first)
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
                help=f"{wt.name}, вес {wt.weight:g}" + (f" — {lesson.topic}" if lesson.topic else ""),
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
    period_values = dict(pmarks)
    summaries = {}
    for p in pupils:
        values = per_pupil_marks.get(p.student_id, [])
        weighted = averages.weighted_average(values)
        summaries[p.student_id] = PupilSummary(
            average=averages.average(v for v, _ in values), weighted=weighted,
            absences=absences.get(p.student_id, 0), lates=lates.get(p.student_id, 0),
            period_mark=period_values.get(p.student_id, ""), suggested=averages.round_mark(weighted))
    editable = frozenset() if year_closed else frozenset(
        c.lesson_id for c in columns if c.teacher_id in actor.staff_ids)
    return Grid(
        school_id=school_id, class_id=class_id, class_name=class_name, subject_id=subject_id,
        subject_name=subject_name, subgroup_id=subgroup_id, period_id=period.id, period_name=period.name,
        marking=marking or "five", no_attestation=bool(no_attestation),
        tz=settings.timezone, edit_window=settings.edit_window, columns=columns, pupils=pupils,
        cells=cells, summaries=summaries, editable_lessons=editable,
        homework=homework, year_closed=bool(year_closed),
        year_name=f"{start_year}/{start_year + 1}" if start_year else "")


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
    """Save edited cells in one transaction.

    Every cell is re-checked on the server: the lesson must be the actor's to fill, the pupil
    enrolled on its date, the text valid, a changed or deleted mark inside the edit window, and
    the cell unchanged since it was loaded (else a conflict: nothing is overwritten). With
    errors or conflicts nothing is saved, unless `partial` asks to save the good cells."""
    result = SaveResult()
    if not changes:
        return result
    refused: list = []
    _save(actor, changes, partial, result, refused)
    if refused:  # audited after the refused transaction has ended (SQLite has one writer)
        _audit_denial(actor, *refused)
    elif result.errors:  # cells the server refused (a mark of 9, a pupil not in the class, …): a trace
        _audit_refused(actor, changes, result)
    return result


def _audit_refused(actor: Actor, changes: list[CellChange], result: SaveResult) -> None:
    reasons = "; ".join(dict.fromkeys(p.message for p in result.errors[:5]))
    with reading() as tx:
        schools = set(tx.exec(select(Lesson.school_id).where(
            Lesson.id.in_(sorted({c.lesson_id for c in changes})))).all())
    audit.record_now(actor, "journal.save_refused", school_id=min(schools) if len(schools) == 1 else None,
                     entity="lesson",
                     entity_id=",".join(map(str, sorted({c.lesson_id for c in changes})))[:64],
                     detail=f"отклонено клеток {len(result.errors)} из {len(changes)}, сохранено {result.saved}: "
                            f"{reasons}")


# The save's statements are built once: on PostgreSQL, building a statement costs more CPU than
# running it, and a teacher's save is the busiest write of the system (bench/load.py).
_ids = lambda name: bindparam(name, expanding=True)  # noqa: E731  a list bound at execution
_SAVE_LESSONS = (
    # the lessons, with what the policy, the closed year, the edit window and the marking need;
    # their rows locked in id order: two sessions saving cells of one lesson take turns, so that
    # the second sees the work the first made instead of making another column
    select(Lesson.id, Lesson.school_id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id,
           Lesson.teacher_id, Lesson.lesson_date, Lesson.attendance_taken_at, School.municipality_id,
           SchoolClass.grade, AcademicYear.is_closed, AcademicYear.start_year, SchoolSettings.timezone,
           SchoolSettings.edit_window, CurriculumItem.marking)
    .join(School, School.id == Lesson.school_id)
    .join(SchoolClass, SchoolClass.id == Lesson.class_id)
    .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
    .outerjoin(SchoolSettings, SchoolSettings.school_id == Lesson.school_id)
    .outerjoin(CurriculumItem, and_(CurriculumItem.school_id == Lesson.school_id,
                                    CurriculumItem.class_id == Lesson.class_id,
                                    CurriculumItem.subject_id == Lesson.subject_id))
    .where(Lesson.id.in_(_ids("lesson_ids"))).order_by(Lesson.id).with_for_update(of=Lesson))
_SAVE_SPANS = (  # school_id first, as every index of these tables begins with it (else a full scan)
    select(Enrollment.student_id, Enrollment.class_id, Enrollment.starts_on, Enrollment.ends_on)
    .where(Enrollment.school_id.in_(_ids("school_ids")), Enrollment.class_id.in_(_ids("class_ids")),
           Enrollment.student_id.in_(_ids("student_ids"))))
_SAVE_GROUP_SPANS = (
    select(SubgroupMember.student_id, SubgroupMember.subgroup_id, SubgroupMember.starts_on, SubgroupMember.ends_on)
    .where(SubgroupMember.subgroup_id.in_(_ids("subgroup_ids")), SubgroupMember.student_id.in_(_ids("student_ids"))))
_SAVE_WORK_MARKS = (  # the lessons' works, each with these pupils' marks (none: one row of NULLs)
    select(Work.id, Work.lesson_id, Mark.id.label("mark_id"), Mark.student_id, Mark.position, Mark.value,
           Mark.version)
    .outerjoin(Mark, and_(Mark.school_id == Work.school_id, Mark.work_id == Work.id,
                          Mark.student_id.in_(_ids("student_ids"))))
    .where(Work.school_id.in_(_ids("school_ids")), Work.lesson_id.in_(_ids("lesson_ids"))))
_SAVE_ATTENDANCE = (
    select(Attendance.id, Attendance.student_id, Attendance.lesson_id, Attendance.status, Attendance.version)
    .where(Attendance.school_id.in_(_ids("school_ids")), Attendance.lesson_id.in_(_ids("lesson_ids")),
           Attendance.student_id.in_(_ids("student_ids"))))
_MARKS, _ATTENDANCE = Mark.__table__, Attendance.__table__
_MARK_INSERT = _MARKS.insert()
_MARK_UPDATE = _MARKS.update().where(_MARKS.c.id == bindparam("mark_id")).values(
    value=bindparam("value"), numeric=bindparam("numeric"), updated_at=bindparam("updated_at"),
    version=bindparam("version"), entered_by_user_id=bindparam("entered_by_user_id"))
_MARK_DELETE = _MARKS.delete().where(_MARKS.c.id.in_(_ids("ids")))
_ATT_INSERT = _ATTENDANCE.insert()
_ATT_UPDATE = _ATTENDANCE.update().where(_ATTENDANCE.c.id == bindparam("att_id")).values(
    status=bindparam("status"), version=bindparam("version"), entered_at=bindparam("entered_at"),
    entered_by_user_id=bindparam("entered_by_user_id"))
_ATT_DELETE = _ATTENDANCE.delete().where(_ATTENDANCE.c.id.in_(_ids("ids")))
_TAKEN = Lesson.__table__.update().where(Lesson.__table__.c.id.in_(_ids("ids"))).values(
    attendance_taken_at=bindparam("now"))
_WORK_INSERT = Work.__table__.insert().returning(Work.__table__.c.id)


@dataclass(frozen=True)
class _OldMark:
    id: int
    value: str
    version: int


@dataclass(frozen=True)
class _OldAttendance:
    id: int
    status: str
    version: int


@dataclass
class _Writes:
    """The rows one save writes, sent at its end a statement per kind."""
    mark_inserts: list[dict] = field(default_factory=list)
    mark_updates: list[dict] = field(default_factory=list)
    mark_deletes: list[int] = field(default_factory=list)
    att_inserts: list[dict] = field(default_factory=list)
    att_updates: list[dict] = field(default_factory=list)
    att_deletes: list[int] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)
    events: list[dict] = field(default_factory=list)

    def send(self, conn, now: datetime) -> None:
        if self.mark_deletes:
            conn.execute(_MARK_DELETE, {"ids": self.mark_deletes})
        if self.mark_updates:
            conn.execute(_MARK_UPDATE, self.mark_updates)
        if self.mark_inserts:
            conn.execute(_MARK_INSERT, self.mark_inserts)
        if self.att_deletes:
            conn.execute(_ATT_DELETE, {"ids": self.att_deletes})
        if self.att_updates:
            conn.execute(_ATT_UPDATE, self.att_updates)
        if self.att_inserts:
            conn.execute(_ATT_INSERT, self.att_inserts)
        if self.taken:
            conn.execute(_TAKEN, {"ids": sorted(self.taken), "now": now})
        if self.events:
            audit.record_rows(conn, self.events)


def _save(actor: Actor, changes: list[CellChange], partial: bool, result: SaveResult, refused: list) -> None:
    now = clock.now()
    with transaction() as tx:
        conn = tx.connection()
        lesson_ids = sorted({c.lesson_id for c in changes})
        student_ids = sorted({c.student_id for c in changes})
        lessons = {l.id: l for l in conn.execute(_SAVE_LESSONS, {"lesson_ids": lesson_ids})}
        school_ids = sorted({l.school_id for l in lessons.values()})
        names: dict[int, str] = {}

        def name_of(sid: int) -> str:  # only a refused cell needs the pupil's name: read on demand
            if not names:
                names.update({i: _name(last, first) for i, last, first in tx.exec(
                    select(Student.id, Student.last_name, Student.first_name)
                    .where(Student.id.in_(student_ids))).all()} or {0: ""})
            return names.get(sid, f"ученик {sid}")
        denied = sorted(lid for lid, l in lessons.items() if not policy.allowed(actor, "journal.edit", targets.of_lesson(
            lid, l.school_id, l.municipality_id, l.class_id, l.grade, l.subject_id, l.teacher_id)))
        if denied or len(lessons) < len(lesson_ids):
            missing = [lid for lid in lesson_ids if lid not in lessons]
            refused.extend([denied + missing, set(school_ids)])
            result.errors.append(CellProblem(0, "", None, "Недостаточно прав: заполнение журнала урока. "
                                             "Среди изменённых клеток есть уроки, которые ведёте не вы."))
            return
        closed = min((l.start_year for l in lessons.values() if l.is_closed), default=None)
        if closed is not None:
            result.errors.append(CellProblem(0, "", None, _closed_message(closed)))
            return
        spans = _enrolment_spans(conn, school_ids, lessons.values(), student_ids)
        works: dict[int, int] = {}  # work id → its lesson
        lesson_works: dict[int, list[int]] = defaultdict(list)
        current_marks: dict[tuple[int, int], list] = defaultdict(list)
        for wid, lid, mid, sid, position, value, version in conn.execute(_SAVE_WORK_MARKS, {
                "student_ids": student_ids, "school_ids": school_ids, "lesson_ids": lesson_ids}):
            if wid not in works:
                works[wid] = lid
            if mid is not None:
                current_marks[(sid, wid)].append((position, _OldMark(mid, value, version)))
        for wid in sorted(works):
            lesson_works[works[wid]].append(wid)
        current_att = {(sid, lid): _OldAttendance(aid, status, version)
                       for aid, sid, lid, status, version in conn.execute(_SAVE_ATTENDANCE, {
                           "school_ids": school_ids, "lesson_ids": lesson_ids, "student_ids": student_ids})}

        planned = []
        for ch in changes:
            lesson = lessons[ch.lesson_id]

            def problem(msg, bucket=result.errors):
                bucket.append(CellProblem(ch.student_id, name_of(ch.student_id), lesson.lesson_date, msg))

            if ch.work_id is not None and works.get(ch.work_id) != lesson.id:
                problem("Работа не относится к этому уроку.")
                continue
            if not _enrolled(spans, ch.student_id, lesson):
                problem(f"{name_of(ch.student_id)} не числится в классе (группе) на {lesson.lesson_date:%d.%m.%Y}.")
                continue
            try:
                cell = parse_cell(ch.new, marking=lesson.marking or "five")
            except CellError as e:
                problem(f"{name_of(ch.student_id)}, {lesson.lesson_date:%d.%m.%Y}: {e}")
                continue
            first = lesson_works[lesson.id][0] if lesson_works.get(lesson.id) else None
            carries_attendance = ch.work_id is None or ch.work_id == first
            wid = ch.work_id if ch.work_id is not None else first  # another session may have made it
            old_marks = [m for _, m in sorted(current_marks.get((ch.student_id, wid), []),
                                              key=lambda pm: pm[0])] if wid else []
            att = current_att.get((ch.student_id, lesson.id))
            now_text = format_cell(Cell(tuple(m.value for m in old_marks),
                                        att.status if (att and carries_attendance) else None))
            if now_text != ch.old:
                problem(f"{name_of(ch.student_id)}, {lesson.lesson_date:%d.%m.%Y}: клетку уже изменили "
                        f"(сейчас «{now_text or 'пусто'}», у вас было «{ch.old or 'пусто'}»). "
                        "Обновите журнал и внесите изменение заново.", result.conflicts)
                continue
            if not carries_attendance and cell.attendance is not None:
                problem(f"{name_of(ch.student_id)}, {lesson.lesson_date:%d.%m.%Y}: "
                        "посещаемость отмечается в первом столбце урока.")
                continue
            old_values = tuple(m.value for m in old_marks)
            if old_values and old_values != cell.marks:
                window = lesson.edit_window or _DEFAULT_SETTINGS.edit_window
                end = edit_window_end(lesson.lesson_date, window, clock.zone(lesson.timezone or _DEFAULT_SETTINGS.timezone))
                if now > end:
                    problem(f"{name_of(ch.student_id)}, {lesson.lesson_date:%d.%m.%Y}: срок изменения отметок истёк "
                            f"{end:%d.%m.%Y в %H:%M} («{EDIT_WINDOWS[window].title}»).")
                    continue
            planned.append((ch, lesson, cell, old_marks, att, carries_attendance, wid))

        if (result.errors or result.conflicts) and not partial:
            tx.rollback()
            return
        writes, default_type = _Writes(), None
        for ch, lesson, cell, old_marks, att, carries_attendance, wid in planned:
            if wid is None and lesson_works.get(lesson.id):
                wid = lesson_works[lesson.id][0]  # made by an earlier cell of this save
            if wid is None and cell.marks:
                if default_type is None:  # only a new work needs it: read on demand
                    default_type = tx.exec(select(WorkType.id).where(WorkType.school_id == lesson.school_id,
                                                                     WorkType.is_default.is_(True))).first()
                if default_type is None:
                    raise JournalError("В школе не задан вид работы по умолчанию.")
                wid = conn.execute(_WORK_INSERT, {"school_id": lesson.school_id, "lesson_id": lesson.id,
                                                  "work_type_id": default_type, "title": "",
                                                  "created_at": now}).scalar_one()
                works[wid] = lesson.id
                lesson_works[lesson.id].insert(0, wid)
            _plan_marks(writes, actor, lesson, ch.student_id, wid, old_marks, cell.marks, now)
            if carries_attendance:
                _plan_attendance(writes, actor, lesson, ch.student_id, att, cell.attendance, now)
                if lesson.attendance_taken_at is None:
                    writes.taken.add(lesson.id)
            result.saved += 1
        writes.send(conn, now)
    result.committed = result.saved > 0


_DEFAULT_SETTINGS = SchoolSettings(school_id=0)


def _closed_message(start_year: int) -> str:
    return (f"Учебный год {start_year}/{start_year + 1} закрыт: его журнал доступен только для чтения, "
            "отметки, посещаемость и уроки в нём не изменяются.")


def closed_year(tx: Session, class_ids) -> str | None:
    """The Russian refusal when any of these classes belongs to a closed school year, else None.
    A closed year is frozen (services/year_close.py): its journal is read-only."""
    ids = sorted(set(class_ids))
    if not ids:
        return None
    start_year = tx.exec(select(AcademicYear.start_year)
                         .join(SchoolClass, SchoolClass.year_id == AcademicYear.id)
                         .where(SchoolClass.id.in_(ids), AcademicYear.is_closed.is_(True))).first()
    return None if start_year is None else _closed_message(start_year)


def require_open_year(tx: Session, class_ids) -> None:
    message = closed_year(tx, class_ids)
    if message:
        raise JournalError(message)


def _audit_denial(actor: Actor, lesson_ids: list[int], school_ids: set[int]) -> None:
    audit.record_now(actor, "access.denied", school_id=min(school_ids) if len(school_ids) == 1 else None,
                     entity="lesson", entity_id=",".join(map(str, lesson_ids))[:64],
                     detail="journal.edit: попытка изменить клетки чужих или несуществующих уроков")


def _enrolment_spans(conn, school_ids, lessons, student_ids) -> dict:
    spans: dict[tuple, list] = defaultdict(list)
    for sid, cid, s, e in conn.execute(_SAVE_SPANS, {"school_ids": list(school_ids), "student_ids": student_ids,
                                                     "class_ids": sorted({l.class_id for l in lessons})}):
        spans[("class", cid, sid)].append((s, e))
    subgroup_ids = sorted({l.subgroup_id for l in lessons if l.subgroup_id})
    if subgroup_ids:
        for sid, gid, s, e in conn.execute(_SAVE_GROUP_SPANS, {"subgroup_ids": subgroup_ids,
                                                               "student_ids": student_ids}):
            spans[("group", gid, sid)].append((s, e))
    return spans


def _enrolled(spans, student_id: int, lesson) -> bool:
    def inside(key):
        return any(s <= lesson.lesson_date and (e is None or lesson.lesson_date <= e) for s, e in spans.get(key, []))
    if not inside(("class", lesson.class_id, student_id)):
        return False
    return lesson.subgroup_id is None or inside(("group", lesson.subgroup_id, student_id))


def _plan_marks(writes: _Writes, actor: Actor, lesson, student_id: int, work_id: int | None,
                old_marks: list[_OldMark], new_values: tuple[str, ...], now: datetime) -> None:
    old_values = tuple(m.value for m in old_marks)
    if old_values == new_values:
        return
    by = actor.user_id or None
    for pos in range(max(len(old_marks), len(new_values))):
        existing = old_marks[pos] if pos < len(old_marks) else None
        value = new_values[pos] if pos < len(new_values) else None
        if existing is not None and value is None:
            writes.mark_deletes.append(existing.id)
        elif existing is not None and existing.value != value:
            writes.mark_updates.append({"mark_id": existing.id, "value": value, "numeric": numeric(value),
                                        "updated_at": now, "version": existing.version + 1,
                                        "entered_by_user_id": by})
        elif existing is None and value is not None:
            writes.mark_inserts.append({"school_id": lesson.school_id, "work_id": work_id, "student_id": student_id,
                                        "position": pos, "value": value, "numeric": numeric(value),
                                        "entered_at": now, "entered_by_user_id": by, "updated_at": None,
                                        "version": 1})
    writes.events.append(audit.values(
        actor, "mark.changed", school_id=lesson.school_id, entity="mark", entity_id=f"{work_id}:{student_id}",
        old={"marks": list(old_values)} if old_values else None,
        new={"marks": list(new_values)} if new_values else None, at=now,
        detail=f"lesson={lesson.id}; date={lesson.lesson_date}; class={lesson.class_id}; "
               f"subject={lesson.subject_id}; student={student_id}"))


def _plan_attendance(writes: _Writes, actor: Actor, lesson, student_id: int, att: _OldAttendance | None,
                     status: str | None, now: datetime) -> None:
    old = att.status if att else None
    if old == status:
        return
    by = actor.user_id or None
    if att is not None and status is None:
        writes.att_deletes.append(att.id)
    elif att is not None:
        writes.att_updates.append({"att_id": att.id, "status": status, "version": att.version + 1,
                                   "entered_at": now, "entered_by_user_id": by})
    else:
        writes.att_inserts.append({"school_id": lesson.school_id, "lesson_id": lesson.id, "student_id": student_id,
                                   "status": status, "entered_at": now, "entered_by_user_id": by, "version": 1})
    writes.events.append(audit.values(
        actor, "attendance.changed", school_id=lesson.school_id, entity="attendance",
        entity_id=f"{lesson.id}:{student_id}", old=old, new=status, at=now,
        detail=f"lesson={lesson.id}; date={lesson.lesson_date}; student={student_id}"))


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
    from services import rosters  # late: rosters imports importers, which this module need not load

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
