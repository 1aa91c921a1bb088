"""Results of final works and exams (regulation 2.2): ВПР, ОГЭ and ЕГЭ per pupil and subject.

Entered on a grid per class and subject (the administrator for the school, a deputy for their
parallels: policy «exam.edit») or imported from Excel with the roster's row-by-row checking
(importers/exams.py: every bad row reported by row and column, all or nothing unless only the good
rows are asked for, re-importing the same file changes nothing). The ranges are pure rules
(services/rules/exams.py). A result is one per (pupil, school year, kind, subject): entering it
again corrects it, clearing a row of the grid removes it; every change is audited.

Shown in the pupil's diary (services/journal/diary.py, policy «diary.view»), in the attestation summary
(services/reports/attestation.py) and compared with the year marks by the indicator
«exam_objectivity» (checks/ind_quality.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from importers import excel
from importers.excel import ERROR, Problem
from importers.exams import EXAMS as SPEC
from importers.parsers import name_key
from models import AcademicYear, Enrollment, ExamResult, PeriodMark, SchoolClass, Student, StudyPeriod, Subject
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target
from services.rules import exams as rules

KINDS = rules.KINDS


class ExamError(ValueError):
    """str(e) is a Russian message; nothing was written."""


# ------------------------------------------------------------------ reading
@dataclass(frozen=True)
class ClassChoice:
    class_id: int
    name: str
    grade: int


def classes(actor: Actor, school_id: int, start_year: int | None = None) -> list[ClassChoice]:
    """The classes of the year whose results the actor may see (a deputy: their parallels)."""
    start_year = start_year if start_year is not None else clock.school_year_of(clock.today())
    with reading() as tx:
        policy.require_in_school(actor, "exam.view", school_target(tx, school_id, entity="exam_result"))
        rows = tx.exec(select(SchoolClass).join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
                       .where(SchoolClass.school_id == school_id, AcademicYear.start_year == start_year)
                       .order_by(SchoolClass.grade, SchoolClass.name)).all()
        return [ClassChoice(c.id, c.name, c.grade) for c in rows
                if policy.allowed(actor, "exam.view", targets.for_class(tx, c.id))]


def subjects(actor: Actor, school_id: int) -> dict[int, str]:
    with reading() as tx:
        policy.require_in_school(actor, "exam.view", school_target(tx, school_id, entity="exam_result"))
        return dict(tx.exec(select(Subject.id, Subject.name).where(Subject.school_id == school_id)
                            .order_by(Subject.name)).all())


@dataclass(frozen=True)
class GridRow:
    student_id: int
    pupil: str
    primary_score: int | None = None
    test_score: int | None = None
    mark: int | None = None
    held_on: date | None = None


@dataclass(frozen=True)
class Grid:
    class_id: int
    class_name: str
    grade: int
    kind: str
    subject_id: int
    subject: str
    held_on: date | None          # the date most results of the grid carry
    rows: tuple[GridRow, ...]
    editable: bool


def _pupils_of_class(tx: Session, class_id: int) -> list[tuple[int, str]]:
    rows = tx.exec(select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
                   .join(Enrollment, Enrollment.student_id == Student.id)
                   .where(Enrollment.class_id == class_id).distinct()
                   .order_by(Student.last_name, Student.first_name, Student.middle_name)).all()
    seen, out = set(), []
    for sid, last, first, middle in rows:
        if sid not in seen:
            seen.add(sid)
            out.append((sid, " ".join(x for x in (last, first, middle) if x)))
    return out


def _class_and_subject(tx: Session, school_id: int, class_id: int, subject_id: int) -> tuple[SchoolClass, Subject]:
    klass = tx.get(SchoolClass, class_id)
    subject = tx.get(Subject, subject_id)
    if klass is None or klass.school_id != school_id or subject is None or subject.school_id != school_id:
        raise ExamError("Класс или предмет не найден в этой школе.")
    return klass, subject


def grid(actor: Actor, school_id: int, class_id: int, kind: str, subject_id: int) -> Grid:
    """Every pupil of the class with their result of `kind` in the subject (empty when none)."""
    with reading() as tx:
        target = targets.for_class(tx, class_id, subject_id)   # another school's class: refused there
        policy.require(actor, "exam.view", target)
        if kind not in KINDS:
            raise ExamError("Вид работы: ВПР, ОГЭ или ЕГЭ.")
        klass, subject = _class_and_subject(tx, school_id, class_id, subject_id)
        pupils = _pupils_of_class(tx, class_id)
        found = {r.student_id: r for r in tx.exec(select(ExamResult).where(
            ExamResult.school_id == school_id, ExamResult.year_id == klass.year_id, ExamResult.kind == kind,
            ExamResult.subject_id == subject_id, ExamResult.student_id.in_([p[0] for p in pupils] or [0]))).all()}
        editable = policy.allowed(actor, "exam.edit", target)
    rows = tuple(GridRow(sid, name, *((found[sid].primary_score, found[sid].test_score, found[sid].mark,
                                       found[sid].held_on) if sid in found else ()))
                 for sid, name in pupils)
    dates = [r.held_on for r in rows if r.held_on]
    usual = max(set(dates), key=dates.count) if dates else None
    return Grid(class_id, klass.name, klass.grade, kind, subject_id, subject.name, usual, rows, editable)


# ------------------------------------------------------------------ writing
@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


def _values(r: ExamResult) -> dict:
    return {"student_id": r.student_id, "kind": r.kind, "subject_id": r.subject_id, "held_on": r.held_on,
            "primary_score": r.primary_score, "test_score": r.test_score, "mark": r.mark}


def _upsert(tx: Session, actor: Actor, school_id: int, year_id: int, class_id: int | None, student_id: int,
            kind: str, subject_id: int, held_on: date, primary: int, test: int | None, mark: int | None,
            source: str = "") -> str:
    row = tx.exec(select(ExamResult).where(
        ExamResult.school_id == school_id, ExamResult.year_id == year_id, ExamResult.kind == kind,
        ExamResult.subject_id == subject_id, ExamResult.student_id == student_id)).first()
    new = {"held_on": held_on, "primary_score": primary, "test_score": test, "mark": mark}
    if row is None:
        row = ExamResult(school_id=school_id, year_id=year_id, class_id=class_id, student_id=student_id, kind=kind,
                         subject_id=subject_id, entered_at=clock.now(),
                         entered_by_user_id=None if actor.is_system else actor.user_id, **new)
        tx.add(row)
        tx.flush()
        audit.record(tx, actor, "exam.result_created", school_id=school_id, entity="exam_result", entity_id=row.id,
                     new={**_values(row), **({"import": source} if source else {})})
        return "created"
    if all(getattr(row, k) == v for k, v in new.items()):
        return "unchanged"
    old = _values(row)
    for k, v in new.items():
        setattr(row, k, v)
    row.class_id = class_id or row.class_id
    row.entered_at, row.entered_by_user_id = clock.now(), None if actor.is_system else actor.user_id
    tx.add(row)
    audit.record(tx, actor, "exam.result_updated", school_id=school_id, entity="exam_result", entity_id=row.id,
                 old=old, new={**_values(row), **({"import": source} if source else {})})
    return "updated"


def save_grid(actor: Actor, school_id: int, class_id: int, kind: str, subject_id: int, held_on: date,
              rows: list[GridRow]) -> SaveResult:
    """Save the grid of a class: a row with a score is a result (checked by the rules), a row left
    empty removes the pupil's result. One bad row stops the whole save (ExamError lists each)."""
    with transaction() as tx:
        target = targets.for_class(tx, class_id, subject_id)   # another school's class: refused there
        policy.require(actor, "exam.edit", target)
        if kind not in KINDS:
            raise ExamError("Вид работы: ВПР, ОГЭ или ЕГЭ.")
        if held_on is None:
            raise ExamError("Укажите дату работы.")
        klass, subject = _class_and_subject(tx, school_id, class_id, subject_id)
        targets.require_pupils_of(tx, actor, "exam.edit", target, [r.student_id for r in rows])
        year = tx.get(AcademicYear, klass.year_id)
        names = dict(_pupils_of_class(tx, class_id))
        problems = []
        for r in rows:
            if r.primary_score is None and r.test_score is None and r.mark is None:
                continue
            for p in rules.check(kind, r.primary_score, r.test_score, r.mark, grade=klass.grade, held_on=held_on,
                                 today=clock.today(), year_start=year.start_year):
                problems.append(f"{names.get(r.student_id, r.student_id)}: {p.message}")
        if problems:
            raise ExamError("Ничего не сохранено. " + "; ".join(dict.fromkeys(problems)) + ".")
        out = SaveResult()
        for r in rows:
            if r.primary_score is None and r.test_score is None and r.mark is None:
                old = tx.exec(select(ExamResult).where(
                    ExamResult.school_id == school_id, ExamResult.year_id == year.id, ExamResult.kind == kind,
                    ExamResult.subject_id == subject_id, ExamResult.student_id == r.student_id)).first()
                if old is not None:
                    audit.record(tx, actor, "exam.result_deleted", school_id=school_id, entity="exam_result",
                                 entity_id=old.id, old=_values(old))
                    tx.delete(old)
                    out.deleted += 1
                continue
            outcome = _upsert(tx, actor, school_id, year.id, class_id, r.student_id, kind, subject_id, held_on,
                              r.primary_score, r.test_score, r.mark)
            setattr(out, outcome, getattr(out, outcome) + 1)
        return out


# ------------------------------------------------------------------ the pupil's own results
@dataclass(frozen=True)
class PupilResult:
    kind: str                  # ВПР | ОГЭ | ЕГЭ
    subject: str
    held_on: date
    primary_score: int
    test_score: int | None
    mark: int | None
    year_mark: int | None       # what the mark is compared with (annual, else the last period's)

    @property
    def text(self) -> str:
        return rules.describe(self.kind, self.primary_score, self.test_score, self.mark)


def year_marks(tx: Session, school_id: int, year_id: int, student_ids, subject_ids) -> dict:
    """(student, subject) → (annual numeric or None, [(period end, numeric)]) for rules.year_mark."""
    out: dict[tuple[int, int], tuple[int | None, list]] = {}
    if not student_ids or not subject_ids:
        return out
    rows = tx.exec(select(PeriodMark.student_id, PeriodMark.subject_id, PeriodMark.kind, PeriodMark.numeric,
                          StudyPeriod.ends_on)
                   .join(StudyPeriod, StudyPeriod.id == PeriodMark.period_id, isouter=True)
                   .where(PeriodMark.school_id == school_id, PeriodMark.year_id == year_id,
                          PeriodMark.kind.in_(("period", "annual")),
                          PeriodMark.student_id.in_(list(student_ids)),
                          PeriodMark.subject_id.in_(list(subject_ids)))).all()
    for sid, subj, kind, numeric, ends_on in rows:
        annual, periods = out.get((sid, subj), (None, []))
        if kind == "annual":
            annual = numeric
        elif ends_on is not None:
            periods = [*periods, (ends_on, numeric)]
        out[(sid, subj)] = (annual, periods)
    return out


def pupil_results(actor: Actor, student_id: int) -> list[PupilResult]:
    """The pupil's results of every year, newest first, for the diary (parents and the pupil see their own)."""
    with reading() as tx:
        target = targets.for_student(tx, student_id)
        policy.require(actor, "diary.view", target)
        rows = tx.exec(select(ExamResult, Subject.name).join(Subject, Subject.id == ExamResult.subject_id)
                       .where(ExamResult.school_id == target.school_id, ExamResult.student_id == student_id)
                       .order_by(ExamResult.held_on.desc(), Subject.name)).all()
        marks: dict = {}
        for year_id in {r.year_id for r, _ in rows}:
            marks.update({(year_id, *k): v for k, v in year_marks(
                tx, target.school_id, year_id, [student_id], {r.subject_id for r, _ in rows}).items()})
    out = []
    for r, subject in rows:
        annual, periods = marks.get((r.year_id, student_id, r.subject_id), (None, []))
        out.append(PupilResult(KINDS[r.kind], subject, r.held_on, r.primary_score, r.test_score, r.mark,
                               rules.year_mark(annual, periods, r.held_on) if r.mark is not None else None))
    return out


# ------------------------------------------------------------------ import
@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    skipped_rows: int = 0
    committed: bool = False
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"ok": self.committed, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rows": self.rows, "skipped_rows": self.skipped_rows,
                "errors": [p.as_dict() for p in self.errors], "warnings": [p.as_dict() for p in self.warnings]}


def _year(tx: Session, school_id: int, day: date) -> AcademicYear | None:
    return tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                              AcademicYear.start_year == clock.school_year_of(day))).first()


def _pupils_on(tx: Session, school_id: int, year_id: int) -> list[tuple[int, tuple, int, str, int, date, date | None]]:
    """(student, name key, class id, class name, grade, from, to) of every enrolment in a class of the year."""
    rows = tx.exec(select(Student.id, Student.last_name, Student.first_name, Student.middle_name, SchoolClass.id,
                          SchoolClass.name, SchoolClass.grade, Enrollment.starts_on, Enrollment.ends_on)
                   .join(Enrollment, Enrollment.student_id == Student.id)
                   .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                   .where(Student.school_id == school_id, SchoolClass.year_id == year_id)).all()
    return [(r[0], name_key(r[1], r[2], r[3]), r[4], r[5], r[6], r[7], r[8]) for r in rows]


def import_results(actor: Actor, school_id: int, source: bytes | str | Path, filename: str = "", *,
                   only_valid: bool = False, dry_run: bool = False) -> ImportResult:
    """Import results from a workbook. Every row is checked first; nothing is written when a row
    is wrong, unless only_valid (then the good rows are)."""
    with reading() as tx:  # permission first: no file is read for someone who may not import
        policy.require_in_school(actor, "exam.edit", school_target(tx, school_id, entity="exam_import"))
    result = ImportResult()
    parsed = excel.read_parsed(SPEC, source, filename, result)
    if parsed is None:
        return result
    with transaction() as tx:
        base = school_target(tx, school_id, entity="exam_import")
        policy.require(actor, "exam.edit", base)
        today = clock.today()
        subject_ids = {name_key(n): i for i, n in tx.exec(select(Subject.id, Subject.name)
                                                          .where(Subject.school_id == school_id)).all()}
        years: dict[int, AcademicYear | None] = {}
        pupils_by_year: dict[int, list] = {}
        plan = []
        for row in parsed.rows:
            if not row.ok:
                continue
            day: date = row.get("held_on")
            if day > today:
                row.add("held_on", "дата в будущем")
                continue
            start = clock.school_year_of(day)
            if start not in years:
                years[start] = _year(tx, school_id, day)
            year = years[start]
            if year is None:
                row.add("held_on", f"в школе нет {start}/{start + 1} учебного года")
                continue
            subject_id = subject_ids.get(name_key(row.get("subject")))
            if subject_id is None:
                row.add("subject", "такого предмета нет в учебных предметах школы")
                continue
            pupils = pupils_by_year.get(year.id)
            if pupils is None:
                pupils = pupils_by_year[year.id] = _pupils_on(tx, school_id, year.id)
            last, first, middle = row.get("full_name")
            want = name_key(last, first, middle)
            klass = row.get("class_name")
            found = [p for p in pupils if (p[1] == want or (not middle and p[1][:2] == want[:2]))
                     and (not klass or p[3] == klass)]
            ids = {p[0] for p in found}
            if not ids:
                where = f" в классе {klass}" if klass else ""
                row.add("full_name", f"ученик не найден{where} в {start}/{start + 1} учебном году")
                continue
            if len(ids) > 1:
                row.add("class_name" if not klass else "full_name",
                        "в школе несколько учеников с таким ФИО — укажите класс" if not klass
                        else "несколько учеников с таким ФИО в классе — укажите отчество")
                continue
            # the class that day (else the latest of the year)
            on_day = [p for p in found if p[5] <= day and (p[6] is None or p[6] >= day)]
            _, _, class_id, _, grade, _, _ = max(on_day or found, key=lambda p: p[5])
            for problem in rules.check(row.get("kind"), row.get("primary_score"), row.get("test_score"),
                                       row.get("mark"), grade=grade):
                row.add("class_name" if problem.field == "grade" else problem.field, problem.message)
            if not row.ok:
                continue
            if not policy.allowed(actor, "exam.edit", targets.for_class(tx, class_id)):
                row.add("class_name", "этот класс вне ваших параллелей")
                continue
            plan.append((row, year, ids.pop(), class_id, subject_id))
        bad = [p for r in parsed.rows for p in r.problems if p.severity == ERROR]
        result.errors = bad
        result.skipped_rows = sum(1 for r in parsed.rows if not r.ok)
        if bad and not only_valid:
            tx.rollback()
            return result
        for row, year, student_id, class_id, subject_id in plan:
            outcome = _upsert(tx, actor, school_id, year.id, class_id, student_id, row.get("kind"), subject_id,
                              row.get("held_on"), row.get("primary_score"), row.get("test_score"), row.get("mark"),
                              source=filename or "файл")
            setattr(result, outcome, getattr(result, outcome) + 1)
        if dry_run:
            tx.rollback()
            return result
        result.committed = True
    return result


def template() -> bytes:
    return excel.template(SPEC)
