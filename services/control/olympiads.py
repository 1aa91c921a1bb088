"""Olympiad results per pupil and the school's olympiad venues: entered by hand or imported
from Excel (validated like every import: every bad row reported, all or nothing unless the user
asks for the good rows only, re-importing the same file changes nothing). They feed the
«Олимпиады» category of the indicators.

A result is identified by (pupil, school year, olympiad, stage, subject): entering it again
updates its status and date.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from checks.ind_olympiads import OLYMPIADS, STAGES, STATUSES
from importers import excel
from importers.excel import ERROR, Problem
from importers.olympiads import OLYMPIADS as SPEC
from importers.parsers import name_key
from models import AcademicYear, Enrollment, OlympiadResult, OlympiadVenue, SchoolClass, Student
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target


class OlympiadError(ValueError):
    """str(e) is a Russian message."""


@dataclass(frozen=True)
class ResultRow:
    id: int
    student_id: int
    pupil: str
    class_name: str
    olympiad: str
    stage: str
    subject: str
    status: str
    held_on: date | None


def _year_of(tx: Session, school_id: int, day: date | None) -> AcademicYear:
    start = clock.school_year_of(day or clock.today())
    year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                              AcademicYear.start_year == start)).first()
    if year is None:
        raise OlympiadError(f"В школе нет учебного года {start}/{start + 1}.")
    return year


def _validate(olympiad: str, stage: str, status: str, subject: str) -> tuple[str, str, str, str]:
    if olympiad not in OLYMPIADS:
        raise OlympiadError(f"Неизвестная олимпиада «{olympiad}».")
    stage = stage or ""
    if olympiad == "vsosh" and stage not in STAGES:
        raise OlympiadError("Для ВсОШ укажите этап: школьный, муниципальный, региональный или заключительный.")
    if stage and stage not in STAGES:
        raise OlympiadError(f"Неизвестный этап «{stage}».")
    if status not in STATUSES:
        raise OlympiadError(f"Неизвестный статус «{status}»: участник, призёр или победитель.")
    subject = " ".join((subject or "").split())
    if len(subject) > 120:
        raise OlympiadError("Название предмета длиннее 120 знаков.")
    return olympiad, stage, status, subject


def _upsert(tx: Session, school_id: int, year_id: int, student_id: int, olympiad: str, stage: str, subject: str,
            status: str, held_on: date | None) -> tuple[str, OlympiadResult, dict | None]:
    """'created' | 'updated' | 'unchanged', the row, its old values."""
    rows = tx.exec(select(OlympiadResult).where(
        OlympiadResult.school_id == school_id, OlympiadResult.year_id == year_id,
        OlympiadResult.student_id == student_id, OlympiadResult.olympiad == olympiad,
        OlympiadResult.stage == stage)).all()
    row = next((r for r in rows if name_key(r.subject_name) == name_key(subject)), None)
    if row is None:
        row = OlympiadResult(school_id=school_id, year_id=year_id, student_id=student_id, olympiad=olympiad,
                             stage=stage, subject_name=subject, status=status, held_on=held_on)
        tx.add(row)
        tx.flush()
        return "created", row, None
    old = {"status": row.status, "held_on": row.held_on}
    if row.status == status and (held_on is None or row.held_on == held_on):
        return "unchanged", row, old
    row.status = status
    if held_on is not None:
        row.held_on = held_on
    tx.add(row)
    return "updated", row, old


def save_result(actor: Actor, school_id: int, student_id: int, olympiad: str, stage: str, subject: str,
                status: str, held_on: date | None = None) -> int:
    """Enter (or correct) one pupil's result; returns its id."""
    olympiad, stage, status, subject = _validate(olympiad, stage, status, subject)
    if held_on is not None and held_on > clock.today():
        raise OlympiadError("Дата олимпиады не может быть в будущем.")
    with transaction() as tx:
        target = targets.for_student(tx, student_id, held_on)
        if target.school_id != school_id:
            raise OlympiadError("Ученик не найден в этой школе.")
        policy.require(actor, "olympiad.edit", target)
        year = _year_of(tx, school_id, held_on)
        outcome, row, old = _upsert(tx, school_id, year.id, student_id, olympiad, stage, subject, status, held_on)
        if outcome != "unchanged":
            audit.record(tx, actor, f"olympiad.result_{outcome}", school_id=school_id, entity="olympiad_result",
                         entity_id=row.id, old=old, new={"student_id": student_id, "olympiad": olympiad,
                                                          "stage": stage, "subject": subject, "status": status,
                                                          "held_on": held_on})
        return row.id


def delete_result(actor: Actor, result_id: int) -> None:
    with transaction() as tx:
        row = tx.get(OlympiadResult, result_id)
        if row is None:
            raise OlympiadError("Результат не найден.")
        policy.require(actor, "olympiad.edit", targets.for_student(tx, row.student_id, row.held_on))
        old = {"student_id": row.student_id, "olympiad": row.olympiad, "stage": row.stage,
               "subject": row.subject_name, "status": row.status}
        tx.delete(row)
        audit.record(tx, actor, "olympiad.result_deleted", school_id=row.school_id, entity="olympiad_result",
                     entity_id=result_id, old=old)


def _may_read(actor: Actor, tx: Session, school_id: int, entity: str, named: bool = True):
    """Named pupils (results, the pupils to choose from): those who enter results and those who
    may see the pupils behind an indicator (indicators.drilldown); the coordinator and monitoring
    see the olympiads as aggregates only (the indicators). The venues name nobody: whoever sees
    the indicators sees them."""
    base = school_target(tx, school_id, entity=entity)
    also = "indicators.drilldown" if named else "indicators.view"
    if not (policy.allowed(actor, "olympiad.edit", base) or policy.allowed(actor, also, base)):
        policy.require(actor, "olympiad.edit", base)  # refused: audited, with its message
    return base


def results(actor: Actor, school_id: int, start_year: int | None = None) -> list[ResultRow]:
    """The results of a school year (default the current one); a deputy sees their parallels."""
    from services.control.indicators import deputy_limits

    start_year = start_year if start_year is not None else clock.school_year_of(clock.today())
    with reading() as tx:
        _may_read(actor, tx, school_id, "olympiad_result")
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                                  AcademicYear.start_year == start_year)).first()
        if year is None:
            return []
        rows = tx.exec(select(OlympiadResult, Student).join(Student, Student.id == OlympiadResult.student_id)
                       .where(OlympiadResult.school_id == school_id, OlympiadResult.year_id == year.id)
                       .order_by(Student.last_name, Student.first_name, OlympiadResult.olympiad,
                                 OlympiadResult.stage, OlympiadResult.subject_name)).all()
        classes = {}
        for student_id, name, grade in tx.exec(
                select(Enrollment.student_id, SchoolClass.name, SchoolClass.grade)
                .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                .where(Enrollment.school_id == school_id, SchoolClass.year_id == year.id)
                .order_by(Enrollment.starts_on)).all():
            classes[student_id] = (name, grade)
    limits = deputy_limits(actor, school_id)
    grades = limits[0] if limits else frozenset()
    out = []
    for r, st in rows:
        name, grade = classes.get(st.id, ("", None))
        if grades and grade not in grades:
            continue
        out.append(ResultRow(r.id, st.id, f"{st.last_name} {st.first_name}", name, r.olympiad, r.stage,
                             r.subject_name, r.status, r.held_on))
    return out


def pupil_choices(actor: Actor, school_id: int) -> dict[str, int]:
    """«5А · Иванов Иван» → pupil id, for the pupils in a class today (a deputy: their parallels)."""
    from services.control.indicators import deputy_limits

    today = clock.today()
    with reading() as tx:
        _may_read(actor, tx, school_id, "olympiad_result")
        rows = tx.exec(select(Student.id, Student.last_name, Student.first_name, SchoolClass.name, SchoolClass.grade)
                       .join(Enrollment, Enrollment.student_id == Student.id)
                       .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                       .where(Student.school_id == school_id, Enrollment.starts_on <= today,
                              (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= today))
                       .order_by(SchoolClass.grade, SchoolClass.name, Student.last_name, Student.first_name)).all()
    limits = deputy_limits(actor, school_id)
    grades = limits[0] if limits else frozenset()
    return {f"{r[3]} · {r[1]} {r[2]}": r[0] for r in rows if not grades or r[4] in grades}


# --- venues --------------------------------------------------------------------------------------
def save_venue(actor: Actor, school_id: int, olympiad: str, stage: str, held_on: date) -> int:
    olympiad, stage, _, _ = _validate(olympiad, stage, "participant", "")
    with transaction() as tx:
        policy.require(actor, "olympiad.edit", school_target(tx, school_id, entity="olympiad_venue"))
        year = _year_of(tx, school_id, held_on)
        row = OlympiadVenue(school_id=school_id, year_id=year.id, olympiad=olympiad, stage=stage, held_on=held_on)
        tx.add(row)
        tx.flush()
        audit.record(tx, actor, "olympiad.venue_added", school_id=school_id, entity="olympiad_venue",
                     entity_id=row.id, new={"olympiad": olympiad, "stage": stage, "held_on": held_on})
        return row.id


def venues(actor: Actor, school_id: int, start_year: int | None = None) -> list[OlympiadVenue]:
    start_year = start_year if start_year is not None else clock.school_year_of(clock.today())
    with reading() as tx:
        _may_read(actor, tx, school_id, "olympiad_venue", named=False)
        return list(tx.exec(select(OlympiadVenue).join(AcademicYear, AcademicYear.id == OlympiadVenue.year_id)
                            .where(OlympiadVenue.school_id == school_id, AcademicYear.start_year == start_year)
                            .order_by(OlympiadVenue.held_on)).all())


# --- import --------------------------------------------------------------------------------------
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


def _pupils_of_year(tx: Session, school_id: int, year_id: int) -> list[tuple[int, tuple, str, int]]:
    """(student id, name key, class name, grade) of every pupil ever in a class of the year."""
    rows = tx.exec(select(Student.id, Student.last_name, Student.first_name, Student.middle_name, SchoolClass.name,
                          SchoolClass.grade)
                   .join(Enrollment, Enrollment.student_id == Student.id)
                   .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                   .where(Student.school_id == school_id, SchoolClass.year_id == year_id)).all()
    return [(r[0], name_key(r[1], r[2], r[3]), r[4], r[5]) for r in rows]


def import_results(actor: Actor, school_id: int, source: bytes | str | Path, filename: str = "", *,
                   only_valid: bool = False, dry_run: bool = False) -> ImportResult:
    """Import results from a workbook. Every row is checked first; nothing is written when a row
    is wrong, unless only_valid (then the good rows are)."""
    with reading() as tx:  # permission first: no file is read for someone who may not import
        policy.require_in_school(actor, "olympiad.edit", school_target(tx, school_id, entity="olympiad_import"))
    result = ImportResult()
    parsed = excel.read_parsed(SPEC, source, filename, result)
    if parsed is None:
        return result
    with transaction() as tx:
        base = school_target(tx, school_id, entity="olympiad_import")
        policy.require(actor, "olympiad.edit", base)
        today = clock.today()
        years: dict[date | None, AcademicYear] = {}
        pupils_by_year: dict[int, list] = {}
        plan = []
        for row in parsed.rows:
            if not row.ok:
                continue
            day = row.get("held_on")
            if day is not None and day > today:
                row.add("held_on", "дата в будущем")
                continue
            try:
                year = years.get(day) or _year_of(tx, school_id, day)
            except OlympiadError as e:
                row.add("held_on", str(e))
                continue
            years[day] = year
            pupils = pupils_by_year.get(year.id)
            if pupils is None:
                pupils = pupils_by_year[year.id] = _pupils_of_year(tx, school_id, year.id)
            last, first, middle = row.get("full_name")
            want = name_key(last, first, middle)
            klass = row.get("class_name")
            found = {(sid, cname, grade) for sid, key, cname, grade in pupils
                     if (key == want or (not middle and key[:2] == want[:2])) and (not klass or cname == klass)}
            ids = {f[0] for f in found}
            if not ids:
                where = f" в классе {klass}" if klass else ""
                row.add("full_name", f"ученик не найден{where} в {year.start_year}/{year.start_year + 1} учебном году")
                continue
            if len(ids) > 1:
                row.add("class_name" if not klass else "full_name",
                        "в школе несколько учеников с таким ФИО — укажите класс" if not klass
                        else "несколько учеников с таким ФИО в классе — укажите отчество")
                continue
            grade = max(f[2] for f in found)
            if not policy.allowed(actor, "olympiad.edit", replace(base, grade=grade)):
                row.add("class_name", "этот класс вне ваших параллелей")
                continue
            plan.append((row, year, ids.pop()))
        bad = [p for r in parsed.rows for p in r.problems if p.severity == ERROR]
        result.errors = bad
        result.skipped_rows = sum(1 for r in parsed.rows if not r.ok)
        if bad and not only_valid:
            tx.rollback()
            return result
        for row, year, student_id in plan:
            outcome, saved, old = _upsert(tx, school_id, year.id, student_id, row.get("olympiad"),
                                          row.get("stage") or "", row.get("subject") or "", row.get("status"),
                                          row.get("held_on"))
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome != "unchanged":
                audit.record(tx, actor, f"olympiad.result_{outcome}", school_id=school_id,
                             entity="olympiad_result", entity_id=saved.id, old=old,
                             new={"student_id": student_id, "status": saved.status, "import": filename or "файл"})
        if dry_run:
            tx.rollback()
            return result
        result.committed = True
    return result


def template() -> bytes:
    return excel.template(SPEC)
