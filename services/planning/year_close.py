"""Closing the school year (R-SAFE-3; regulation 5.6, 5.13), by the administrator, preview first.

Every class is promoted to the next grade with its letter (5А → 6А); the leaving grades
graduate; a person marks repeaters, conditional promotions and pupils who leave. The old year
is frozen (AcademicYear.is_closed): nothing of it is deleted or rewritten — its classes,
lessons, marks and period marks stay as they were and readable; the only touch is that an
enrolment still open is given its end, the year's last day. The next year is opened (or the
one already created is used) with the classes, the curriculum copied class by class (the new
6А gets last year's 6А plan), the study periods moved on by a year, and class teachers moving
on with their class. Work types belong to the school, not to a year, so they simply carry on.
The teaching load, subgroups, timetable (as a template) and КТП are carried by
services/planning/year_carry.py; `close_with_archive` makes the year's archive (5.13) first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from importers.parsers import split_class_name
from models import (
    AcademicYear, AuditEvent, CurriculumItem, Enrollment, Movement, RoleGrant, SchoolClass, Student, StudyPeriod,
)
from models.db import reading, transaction
from services.core import audit, clock, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.people.rosters import full_name
from services.planning import year_carry

DECISIONS = {
    "promote": "переведён в следующий класс",
    "conditional": "переведён условно",
    "repeat": "оставлен на повторное обучение",
    "graduate": "окончил обучение (выпуск)",
    "leave": "выбывает",
}
MOVEMENT_KIND = {"promote": "promoted", "conditional": "conditional", "repeat": "repeat",
                 "graduate": "graduated", "leave": "departure"}
DEFAULT_GRADUATING = (11,)
REASON_MIN = 10   # a reason to close a year without its archive: a sentence, not «-»


class YearCloseError(ValueError):
    pass


@dataclass(frozen=True)
class PupilPlan:
    student_id: int
    name: str
    from_class: str
    decision: str
    to_class: str          # «» for those who graduate or leave


@dataclass(frozen=True)
class ClassPlan:
    class_id: int
    name: str
    pupils: int
    to_class: str          # where most of its pupils go; «выпуск» for a graduating class


@dataclass
class Preview:
    year_id: int
    start_year: int
    next_start_year: int
    next_exists: bool
    classes: list[ClassPlan]
    pupils: list[PupilPlan]
    new_classes: list[str]             # classes the next year will get
    curriculum_items: int              # curriculum rows to copy
    periods: int                       # study periods to copy
    class_teachers: int                # class teachers moving on with their class
    notes: list[str] = field(default_factory=list)
    carry: year_carry.Carry = field(default_factory=year_carry.Carry)  # load, subgroups, timetable, КТП (issue 15)
    archived: bool = False             # the year's archive of the journals has been made (5.13)

    def count(self, decision: str) -> int:
        return sum(1 for p in self.pupils if p.decision == decision)


def _next_name(name: str, decision: str) -> str:
    grade, letter = split_class_name(name)
    if decision in ("promote", "conditional"):
        return f"{grade + 1}{letter}"
    if decision == "repeat":
        return name
    return ""


def _year(tx: Session, school_id: int, year_id: int | None) -> AcademicYear:
    if year_id is None:
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                                  AcademicYear.is_closed.is_(False))
                       .order_by(AcademicYear.start_year)).first()
    else:
        year = tx.get(AcademicYear, year_id)
    if year is None or year.school_id != school_id:
        raise YearCloseError("Учебный год не найден.")
    return year


def _plan(tx: Session, school_id: int, year: AcademicYear, decisions: dict[int, str],
          graduating: tuple[int, ...], parts: set[str] | None = None) -> Preview:
    classes = tx.exec(select(SchoolClass).where(SchoolClass.year_id == year.id)
                      .order_by(SchoolClass.grade, SchoolClass.name)).all()
    by_id = {c.id: c for c in classes}
    rows = tx.exec(select(Student, Enrollment).join(Enrollment, Enrollment.student_id == Student.id).where(
        Enrollment.class_id.in_(list(by_id) or [-1]),
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= year.ends_on))
        .order_by(Enrollment.starts_on)).all()
    latest: dict[int, tuple[Student, Enrollment]] = {}
    for st, e in rows:
        latest[st.id] = (st, e)
    pupils = []
    for st, e in sorted(latest.values(), key=lambda r: (by_id[r[1].class_id].grade, by_id[r[1].class_id].name,
                                                         r[0].last_name, r[0].first_name)):
        cls = by_id[e.class_id]
        decision = decisions.get(st.id) or ("graduate" if cls.grade in graduating else "promote")
        if decision not in DECISIONS:
            raise YearCloseError(f"{full_name(st)}: неизвестное решение «{decision}».")
        if decision in ("promote", "conditional") and cls.grade >= 11:
            raise YearCloseError(f"{full_name(st)} ({cls.name}): из 11 класса перевести некуда — выпуск или повтор.")
        pupils.append(PupilPlan(st.id, full_name(st), cls.name, decision, _next_name(cls.name, decision)))
    class_plans = []
    for c in classes:
        mine = [p for p in pupils if p.from_class == c.name]
        targets_ = [p.to_class for p in mine if p.to_class]
        if mine and not targets_:
            to = "выпуск"
        elif targets_:
            to = max(set(targets_), key=targets_.count)
        else:
            to = "выпуск" if c.grade in graduating else _next_name(c.name, "promote") if c.grade < 11 else ""
        class_plans.append(ClassPlan(c.id, c.name, len(mine), to))
    next_year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                                   AcademicYear.start_year == year.start_year + 1)).first()
    existing_next = set(tx.exec(select(SchoolClass.name).where(SchoolClass.year_id == next_year.id)).all()) \
        if next_year else set()
    wanted = {p.to_class for p in pupils if p.to_class}
    wanted |= {c.name for c in classes if c.grade == 1}   # the new intake of first graders
    new_classes = sorted(wanted - existing_next, key=lambda n: split_class_name(n))
    curriculum = tx.exec(select(CurriculumItem).where(CurriculumItem.class_id.in_(list(by_id) or [-1]))).all()
    source = _curriculum_sources(classes, curriculum)
    items = sum(len(source.get(n, [])) for n in new_classes)
    periods = 0 if next_year and tx.exec(select(StudyPeriod.id).where(StudyPeriod.year_id == next_year.id)).first() \
        else len(tx.exec(select(StudyPeriod.id).where(StudyPeriod.year_id == year.id)).all())
    teachers = tx.exec(select(RoleGrant).where(RoleGrant.role == "class_teacher", RoleGrant.school_id == school_id,
                                               RoleGrant.class_id.in_(list(by_id) or [-1]),
                                               RoleGrant.revoked_at.is_(None))).all()
    moving = sum(1 for g in teachers if next((cp.to_class for cp in class_plans if cp.class_id == g.class_id
                                              and cp.to_class not in ("", "выпуск")), None))
    notes = ["Виды работ общие для всех лет школы и сохраняются как есть."]
    if year.ends_on > clock.today():
        notes.insert(0, f"Учебный год заканчивается {year.ends_on:%d.%m.%Y}: после закрытия его данные "
                        "нельзя будет изменить.")
    carry = year_carry.plan(tx, year, *_moves(class_plans, pupils, new_classes),
                            {n: {i.subject_id for i in source.get(n, [])} for n in new_classes},
                            set(year_carry.PARTS) if parts is None else parts)
    return Preview(year.id, year.start_year, year.start_year + 1, next_year is not None, class_plans, pupils,
                   new_classes, items, periods, moving, notes, carry)


def _moves(class_plans: list[ClassPlan], pupils: list[PupilPlan], new_classes: list[str]):
    """Old class id → the new class it moves up to (only classes this closing creates), and
    new class → the pupils moving into it."""
    moves = {cp.class_id: cp.to_class for cp in class_plans if cp.to_class in new_classes}
    promoted: dict[str, set[int]] = {}
    for p in pupils:
        if p.to_class:
            promoted.setdefault(p.to_class, set()).add(p.student_id)
    return moves, promoted


def _curriculum_sources(classes: list[SchoolClass], curriculum: list[CurriculumItem]) -> dict[str, list[CurriculumItem]]:
    """For each class name, the old year's curriculum to copy: the class of that name, else the
    first class of the same grade that has a curriculum, else (a grade the school did not have)
    the curriculum of the class moving up into it."""
    by_class: dict[int, list[CurriculumItem]] = {}
    for item in curriculum:
        by_class.setdefault(item.class_id, []).append(item)
    out: dict[str, list[CurriculumItem]] = {}
    by_grade: dict[int, list[CurriculumItem]] = {}
    for c in classes:
        if by_class.get(c.id):
            out[c.name] = by_class[c.id]
            by_grade.setdefault(c.grade, by_class[c.id])
    for grade in range(1, 12):
        for letter in "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ":
            name = f"{grade}{letter}"
            if name not in out and grade in by_grade:
                out[name] = by_grade[grade]
    for c in classes:  # a grade the school did not have: the class moving up keeps its subjects (issue 15)
        name = f"{c.grade + 1}{c.letter}"
        if c.grade < 11 and name not in out and by_class.get(c.id):
            out[name] = by_class[c.id]
    return out


def archive_made(tx: Session, school_id: int, year_id: int) -> bool:
    """Has the year's archive of the journals been made (services/reports/archive.py audits each one)?"""
    return tx.exec(select(AuditEvent.id).where(AuditEvent.school_id == school_id, AuditEvent.action == "year.archived",
                                               AuditEvent.entity == "academic_year",
                                               AuditEvent.entity_id == str(year_id))).first() is not None


def _require_archive(archived: bool, reason: str) -> str:
    """Closing a year needs its archive first (5.13), or an explicit reason, which is audited."""
    reason = " ".join((reason or "").split())
    if archived:
        return ""
    if len(reason) < REASON_MIN:
        raise YearCloseError("Архив журналов этого учебного года ещё не сделан. Сначала сделайте его "
                             "(«Архив учебного года») или укажите причину закрытия без архива "
                             f"(не короче {REASON_MIN} знаков).")
    if len(reason) > 900:
        raise YearCloseError("Причина закрытия без архива слишком длинная: не больше 900 знаков.")
    return reason


def preview(actor: Actor, school_id: int, *, year_id: int | None = None, decisions: dict[int, str] | None = None,
            graduating: tuple[int, ...] = DEFAULT_GRADUATING, carry: set[str] | None = None) -> Preview:
    with reading() as tx:
        policy.require(actor, "year.close", school_target(tx, school_id, entity="academic_year"))
        year = _year(tx, school_id, year_id)
        if year.is_closed:
            raise YearCloseError(f"{year.start_year}/{year.start_year + 1} учебный год уже закрыт.")
        plan = _plan(tx, school_id, year, decisions or {}, graduating, carry)
        plan.archived = archive_made(tx, school_id, year.id)
        return plan


def _shift(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def close_year(actor: Actor, school_id: int, *, year_id: int | None = None, decisions: dict[int, str] | None = None,
               graduating: tuple[int, ...] = DEFAULT_GRADUATING, carry: set[str] | None = None,
               no_archive_reason: str = "") -> Preview:
    """Do what the preview shows, in one transaction; returns the plan carried out. `carry`: the
    parts of year_carry.PARTS to carry into the new year (default all). Without the year's archive
    made (close_with_archive makes it first), only with `no_archive_reason` (recorded in the audit
    event)."""
    parts = set(year_carry.PARTS) if carry is None else set(carry)
    unknown = parts - set(year_carry.PARTS)
    if unknown:
        raise YearCloseError("Неизвестные части переноса: " + ", ".join(sorted(unknown)) + ".")
    now = clock.now()
    with transaction() as tx:
        policy.require(actor, "year.close", school_target(tx, school_id, entity="academic_year"))
        year = _year(tx, school_id, year_id)
        if year.is_closed:
            raise YearCloseError(f"{year.start_year}/{year.start_year + 1} учебный год уже закрыт.")
        plan = _plan(tx, school_id, year, decisions or {}, graduating, parts)
        plan.archived = archive_made(tx, school_id, year.id)
        reason = _require_archive(plan.archived, no_archive_reason)
        nxt = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                                 AcademicYear.start_year == year.start_year + 1)).first()
        if nxt is None:
            nxt = AcademicYear(school_id=school_id, start_year=year.start_year + 1,
                               starts_on=date(year.start_year + 1, 9, 1), ends_on=date(year.start_year + 2, 8, 31))
            tx.add(nxt)
            tx.flush()
        elif nxt.is_closed:
            raise YearCloseError(f"Следующий, {nxt.start_year}/{nxt.start_year + 1}, учебный год уже закрыт.")
        old_classes = tx.exec(select(SchoolClass).where(SchoolClass.year_id == year.id)).all()
        old_by_name = {c.name: c for c in old_classes}
        new_by_name = {c.name: c for c in tx.exec(select(SchoolClass).where(SchoolClass.year_id == nxt.id)).all()}
        curriculum = tx.exec(select(CurriculumItem).where(
            CurriculumItem.class_id.in_([c.id for c in old_classes] or [-1]))).all()
        sources = _curriculum_sources(old_classes, curriculum)
        for name in plan.new_classes:
            grade, letter = split_class_name(name)
            model = old_by_name.get(name) or next((c for c in old_classes if c.grade == grade - 1 and c.letter == letter),
                                                  None)
            cls = SchoolClass(school_id=school_id, year_id=nxt.id, grade=grade, letter=letter, name=name,
                              shift=model.shift if model else 1, room=model.room if model else "")
            tx.add(cls)
            tx.flush()
            new_by_name[name] = cls
            for item in sources.get(name, []):
                tx.add(CurriculumItem(school_id=school_id, class_id=cls.id, subject_id=item.subject_id,
                                      hours_per_week=item.hours_per_week, no_attestation=item.no_attestation,
                                      marking=item.marking, split=item.split))
        if plan.periods:
            for p in tx.exec(select(StudyPeriod).where(StudyPeriod.year_id == year.id)).all():
                tx.add(StudyPeriod(school_id=school_id, year_id=nxt.id, kind=p.kind, number=p.number, name=p.name,
                                   starts_on=_shift(p.starts_on), ends_on=_shift(p.ends_on)))
        open_enrolments = {e.student_id: e for e in tx.exec(select(Enrollment).where(
            Enrollment.class_id.in_([c.id for c in old_classes] or [-1]), Enrollment.ends_on.is_(None))).all()}
        for p in plan.pupils:
            e = open_enrolments.get(p.student_id)
            if e is not None:
                e.ends_on = year.ends_on
                tx.add(e)
            from_cls = old_by_name[p.from_class]
            kind = MOVEMENT_KIND[p.decision]
            if p.to_class:
                to_cls = new_by_name[p.to_class]
                tx.add(Enrollment(school_id=school_id, student_id=p.student_id, class_id=to_cls.id,
                                  starts_on=nxt.starts_on, reason=kind))
                tx.add(Movement(school_id=school_id, student_id=p.student_id, kind=kind, on_date=nxt.starts_on,
                                from_class_id=from_cls.id, to_class_id=to_cls.id, recorded_at=now,
                                recorded_by_user_id=actor.user_id or None))
            else:
                st = tx.get(Student, p.student_id)
                st.left_on = year.ends_on
                tx.add(st)
                tx.add(Movement(school_id=school_id, student_id=p.student_id, kind=kind,
                                on_date=nxt.starts_on, from_class_id=from_cls.id, recorded_at=now,
                                recorded_by_user_id=actor.user_id or None, note=DECISIONS[p.decision]))
        by_class = {cp.class_id: cp.to_class for cp in plan.classes}
        for g in tx.exec(select(RoleGrant).where(RoleGrant.role == "class_teacher", RoleGrant.school_id == school_id,
                                                 RoleGrant.class_id.in_([c.id for c in old_classes] or [-1]),
                                                 RoleGrant.revoked_at.is_(None))).all():
            g.revoked_at = now
            tx.add(g)
            to = by_class.get(g.class_id)
            if to and to in new_by_name:
                tx.add(RoleGrant(user_id=g.user_id, role="class_teacher", school_id=school_id,
                                 class_id=new_by_name[to].id, granted_at=now))
        tx.flush()
        moves, promoted = _moves(plan.classes, plan.pupils, plan.new_classes)
        plan.carry = year_carry.apply(tx, year, nxt, moves, promoted, {n: new_by_name[n] for n in plan.new_classes},
                                      parts)
        audit.record(tx, actor, "year.carried_over", school_id=school_id, entity="academic_year", entity_id=nxt.id,
                     new={"parts": sorted(parts), "load": plan.carry.load, "subgroups": plan.carry.subgroups,
                          "timetable": plan.carry.timetable, "lesson_plans": plan.carry.lesson_plans})
        year.is_closed = True
        tx.add(year)
        audit.record(tx, actor, "year.closed", school_id=school_id, entity="academic_year", entity_id=year.id,
                     new={"year": year.start_year, "next_year": nxt.start_year,
                          **{d: plan.count(d) for d in DECISIONS}, "new_classes": plan.new_classes,
                          "curriculum_items": plan.curriculum_items, "archived": plan.archived,
                          **({"no_archive_reason": reason} if reason else {})},
                     detail=f"закрыт без архива: {reason}" if reason else "")
        return plan


def close_with_archive(actor: Actor, school_id: int, out_dir, *, year_id: int | None = None,
                       progress=None, **kwargs) -> tuple[Preview, object]:
    """The year's archive of the journals first (5.13), then the closing; when the archive cannot
    be made, the year is not closed. Returns (the plan carried out, the archive)."""
    from services.reports import archive
    from services.reports.common import ReportError
    with reading() as tx:
        year = _year(tx, school_id, year_id)
    if year.is_closed:
        raise YearCloseError(f"{year.start_year}/{year.start_year + 1} учебный год уже закрыт.")
    try:
        made = archive.build(actor, school_id, year.start_year, out_dir, progress=progress)
    except ReportError as e:
        raise YearCloseError(f"Архив года не сформирован, год не закрыт: {e}") from e
    return close_year(actor, school_id, year_id=year.id, **kwargs), made
