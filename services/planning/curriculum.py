"""The curriculum (учебный план, R-PLAN-1) of each class and the teaching load (нагрузка).

Per class: subjects with weekly hours, «Без аттестации», how the subject is marked (five-point
or зачёт/незачёт), whether it is taught in subgroups. One class's curriculum is copied to the
other classes of its parallel in one step. Teaching assignments say which teacher teaches which
subject to which class or subgroup (they also open the class's journal to that teacher).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, select

from models import (
    CurriculumItem, Lesson, SchoolClass, Staff, Subgroup, Subject, TeachingAssignment, TimetableSlot,
)
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target
from services.rules.names import short_name

MARKING = {"five": "пятибалльная", "pass_fail": "зачёт / незачёт"}
MAX_HOURS = 12.0


class CurriculumError(ValueError):
    """str(e) is a Russian message."""


@dataclass(frozen=True)
class SubjectInfo:
    id: int
    name: str
    short_name: str
    area: str


@dataclass(frozen=True)
class Item:
    subject_id: int
    hours_per_week: float
    no_attestation: bool = False
    marking: str = "five"
    split: bool = False


@dataclass(frozen=True)
class ItemInfo(Item):
    subject_name: str = ""


@dataclass(frozen=True)
class Assignment:
    subject_id: int
    teacher_id: int
    subgroup_id: int | None = None


@dataclass(frozen=True)
class AssignmentInfo(Assignment):
    id: int = 0
    subject_name: str = ""
    teacher_name: str = ""
    subgroup_name: str = ""


@dataclass
class ClassCurriculum:
    class_id: int
    class_name: str
    grade: int
    year_id: int
    items: list[ItemInfo]
    assignments: list[AssignmentInfo]
    subjects: list[SubjectInfo]                  # every subject of the school (for choosing)
    teachers: list[tuple[int, str]]              # staff of the school
    subgroups: list[tuple[int, int, str]]        # (id, subject id, name) of the class
    parallel: list[tuple[int, str]]              # other classes of the grade in the year
    editable: bool

    @property
    def total_hours(self) -> float:
        return sum(i.hours_per_week for i in self.items)


# ------------------------------------------------------------------ subjects
def subjects(actor: Actor, school_id: int) -> list[SubjectInfo]:
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        return _subjects(tx, school_id)


def _subjects(tx: Session, school_id: int) -> list[SubjectInfo]:
    return [SubjectInfo(s.id, s.name, s.short_name, s.area) for s in tx.exec(
        select(Subject).where(Subject.school_id == school_id).order_by(Subject.name)).all()]


def add_subject(actor: Actor, school_id: int, name: str, short_name: str = "", area: str = "") -> int:
    name = " ".join(name.split())
    if not name:
        raise CurriculumError("Укажите название предмета.")
    if len(name) > 120 or len(short_name) > 40 or len(area) > 120:
        raise CurriculumError("Название предмета — до 120 символов, краткое — до 40.")
    with transaction() as tx:
        policy.require(actor, "curriculum.edit", school_target(tx, school_id, entity="subject"))
        for s in tx.exec(select(Subject).where(Subject.school_id == school_id)).all():
            if s.name.lower().replace("ё", "е") == name.lower().replace("ё", "е"):
                raise CurriculumError(f"Предмет «{s.name}» уже есть.")
        subject = Subject(school_id=school_id, name=name, short_name=short_name.strip(), area=area.strip())
        tx.add(subject)
        tx.flush()
        audit.record(tx, actor, "subject.created", school_id=school_id, entity="subject", entity_id=subject.id,
                     new={"name": name, "short_name": short_name, "area": area})
        return subject.id


# ------------------------------------------------------------------ one class
def load(actor: Actor, class_id: int) -> ClassCurriculum:
    with reading() as tx:
        target = targets.for_class(tx, class_id)
        policy.require(actor, "timetable.view", target)
        cls = tx.get(SchoolClass, class_id)
        rows = tx.exec(select(CurriculumItem, Subject.name).join(Subject, Subject.id == CurriculumItem.subject_id)
                       .where(CurriculumItem.class_id == class_id).order_by(Subject.name)).all()
        items = [ItemInfo(i.subject_id, i.hours_per_week, i.no_attestation, i.marking, i.split, name)
                 for i, name in rows]
        names = teachers_of(tx, cls.school_id)
        groups = {g.id: g for g in tx.exec(select(Subgroup).where(Subgroup.class_id == class_id)).all()}
        subject_names = {s.id: s.name for s in _subjects(tx, cls.school_id)}
        assignments = [AssignmentInfo(a.subject_id, a.teacher_id, a.subgroup_id, a.id,
                                      subject_names.get(a.subject_id, ""), dict(names).get(a.teacher_id, ""),
                                      groups[a.subgroup_id].name if a.subgroup_id in groups else "")
                       for a in tx.exec(select(TeachingAssignment).where(TeachingAssignment.class_id == class_id)
                                        .order_by(TeachingAssignment.id)).all()]
        assignments.sort(key=lambda a: (a.subject_name, a.subgroup_name))
        parallel = [(c.id, c.name) for c in tx.exec(select(SchoolClass).where(
            SchoolClass.school_id == cls.school_id, SchoolClass.year_id == cls.year_id,
            SchoolClass.grade == cls.grade, SchoolClass.id != cls.id).order_by(SchoolClass.letter)).all()]
        return ClassCurriculum(cls.id, cls.name, cls.grade, cls.year_id, items, assignments,
                               _subjects(tx, cls.school_id), names,
                               sorted(((g.id, g.subject_id, g.name) for g in groups.values()), key=lambda g: g[2]),
                               parallel, policy.allowed(actor, "curriculum.edit", target))


def teachers_of(tx: Session, school_id: int) -> list[tuple[int, str]]:
    """Staff of the school who have not left, by name, as (id, «Фамилия И. О.»)."""
    today = clock.today()
    return [(s.id, short_name(s.last_name, s.first_name, s.middle_name)) for s in tx.exec(
        select(Staff).where(Staff.school_id == school_id, or_(Staff.left_on.is_(None), Staff.left_on >= today))
        .order_by(Staff.last_name, Staff.first_name)).all()]


def _check_items(tx: Session, school_id: int, items: list[Item]) -> None:
    known = {s.id: s.name for s in _subjects(tx, school_id)}
    seen = set()
    for n, item in enumerate(items, start=1):
        where = f"Строка {n}"
        if item.subject_id not in known:
            raise CurriculumError(f"{where}: предмет не найден в школе.")
        name = known[item.subject_id]
        if item.subject_id in seen:
            raise CurriculumError(f"{where}: предмет «{name}» указан дважды.")
        seen.add(item.subject_id)
        try:
            hours = float(item.hours_per_week)
        except (TypeError, ValueError):
            raise CurriculumError(f"{where} («{name}»): часы в неделю — число.") from None
        if not 0 < hours <= MAX_HOURS or round(hours * 2) != hours * 2:
            raise CurriculumError(f"{where} («{name}»): часов в неделю — от 0,5 до {MAX_HOURS:g}, шагом 0,5.")
        if item.marking not in MARKING:
            raise CurriculumError(f"{where} («{name}»): оценивание — пятибалльное или зачёт/незачёт.")


def _used_subjects(tx: Session, class_id: int) -> dict[int, str]:
    """Subjects of the class that the timetable (now or later) or its lessons use."""
    today = clock.today()
    used = {sid: "в расписании" for sid in tx.exec(select(TimetableSlot.subject_id).where(
        TimetableSlot.class_id == class_id, or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= today),
        or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= TimetableSlot.valid_from)).distinct()).all()}
    for sid in tx.exec(select(Lesson.subject_id).where(Lesson.class_id == class_id).distinct()).all():
        used.setdefault(sid, "уже есть уроки")
    return used


def save(actor: Actor, class_id: int, items: list[Item]) -> dict:
    """Make the class's curriculum exactly `items`. A subject that the timetable or the lessons
    use cannot be removed. Returns counts {added, changed, removed}."""
    with transaction() as tx:
        policy.require(actor, "curriculum.edit", targets.for_class(tx, class_id))
        cls = tx.get(SchoolClass, class_id)
        return _save(tx, actor, cls, items)


def _save(tx: Session, actor: Actor, cls: SchoolClass, items: list[Item]) -> dict:
    _check_items(tx, cls.school_id, items)
    old = {i.subject_id: i for i in tx.exec(select(CurriculumItem).where(CurriculumItem.class_id == cls.id)).all()}
    names = {s.id: s.name for s in _subjects(tx, cls.school_id)}
    new = {i.subject_id: i for i in items}
    used = _used_subjects(tx, cls.id)
    blocked = [f"«{names[s]}» ({used[s]})" for s in old if s not in new and s in used]
    if blocked:
        raise CurriculumError(f"{cls.name}: нельзя убрать из учебного плана {', '.join(blocked)}: "
                              "сначала уберите предмет из расписания.")
    counts = {"added": 0, "changed": 0, "removed": 0}
    before, after = {}, {}
    for sid, row in old.items():
        if sid not in new:
            before[names[sid]] = _as_dict(row)
            tx.delete(row)
            counts["removed"] += 1
    for sid, item in new.items():
        row = old.get(sid)
        values = {"hours_per_week": float(item.hours_per_week), "no_attestation": bool(item.no_attestation),
                  "marking": item.marking, "split": bool(item.split)}
        if row is None:
            tx.add(CurriculumItem(school_id=cls.school_id, class_id=cls.id, subject_id=sid, **values))
            after[names[sid]] = values
            counts["added"] += 1
        elif _as_dict(row) != values:
            before[names[sid]] = _as_dict(row)
            for k, v in values.items():
                setattr(row, k, v)
            tx.add(row)
            after[names[sid]] = values
            counts["changed"] += 1
    if any(counts.values()):
        audit.record(tx, actor, "curriculum.changed", school_id=cls.school_id, entity="class", entity_id=cls.id,
                     old=before, new=after, detail=cls.name)
    return counts


def _as_dict(row: CurriculumItem) -> dict:
    return {"hours_per_week": float(row.hours_per_week), "no_attestation": bool(row.no_attestation),
            "marking": row.marking, "split": bool(row.split)}


def copy_to_parallel(actor: Actor, class_id: int, to_class_ids: list[int] | None = None) -> dict[str, dict]:
    """Copy the class's curriculum to the other classes of its parallel (or to those given), in
    one transaction: each gets exactly the same subjects and hours. Returns counts per class."""
    with transaction() as tx:
        source = tx.get(SchoolClass, class_id)
        if source is None:
            raise CurriculumError("Класс не найден.")
        policy.require(actor, "timetable.view", targets.for_class(tx, class_id))
        others = tx.exec(select(SchoolClass).where(
            SchoolClass.school_id == source.school_id, SchoolClass.year_id == source.year_id,
            SchoolClass.grade == source.grade, SchoolClass.id != source.id).order_by(SchoolClass.letter)).all()
        if to_class_ids is not None:
            others = [c for c in others if c.id in set(to_class_ids)]
            if len(others) != len(set(to_class_ids)):
                raise CurriculumError("Копировать можно только в классы той же параллели и того же учебного года.")
        if not others:
            raise CurriculumError(f"В параллели {source.grade} нет других классов.")
        items = [Item(i.subject_id, i.hours_per_week, i.no_attestation, i.marking, i.split) for i in tx.exec(
            select(CurriculumItem).where(CurriculumItem.class_id == class_id)).all()]
        out = {}
        for cls in others:
            policy.require(actor, "curriculum.edit", targets.for_class(tx, cls.id))
            out[cls.name] = _save(tx, actor, cls, items)
        return out


# ------------------------------------------------------------------ teaching assignments
def save_assignments(actor: Actor, class_id: int, rows: list[Assignment]) -> dict:
    """Make the class's teaching assignments exactly `rows`: each subject of the curriculum to a
    teacher of the school, for the whole class or one of its subgroups of that subject."""
    with transaction() as tx:
        policy.require(actor, "curriculum.edit", targets.for_class(tx, class_id))
        cls = tx.get(SchoolClass, class_id)
        return _save_assignments(tx, actor, cls, rows)


def _save_assignments(tx: Session, actor: Actor, cls: SchoolClass, rows: list[Assignment]) -> dict:
    curriculum = {i.subject_id for i in tx.exec(select(CurriculumItem).where(CurriculumItem.class_id == cls.id)).all()}
    names = {s.id: s.name for s in _subjects(tx, cls.school_id)}
    staff = dict(teachers_of(tx, cls.school_id))
    groups = {g.id: g for g in tx.exec(select(Subgroup).where(Subgroup.class_id == cls.id)).all()}
    seen = set()
    for n, r in enumerate(rows, start=1):
        where = f"Строка {n}"
        if r.subject_id not in curriculum:
            raise CurriculumError(f"{where}: предмета «{names.get(r.subject_id, r.subject_id)}» нет в учебном плане "
                                  f"{cls.name}.")
        if r.teacher_id not in staff:
            raise CurriculumError(f"{where}: учитель не найден среди сотрудников школы.")
        if r.subgroup_id is not None:
            g = groups.get(r.subgroup_id)
            if g is None or g.subject_id != r.subject_id:
                raise CurriculumError(f"{where}: подгруппа не относится к предмету «{names[r.subject_id]}» "
                                      f"класса {cls.name}.")
        key = (r.subject_id, r.subgroup_id, r.teacher_id)
        if key in seen:
            raise CurriculumError(f"{where}: строка повторяется.")
        seen.add(key)
    old = {(a.subject_id, a.subgroup_id, a.teacher_id): a for a in tx.exec(
        select(TeachingAssignment).where(TeachingAssignment.class_id == cls.id)).all()}
    removed = [k for k in old if k not in seen]
    added = [k for k in seen if k not in old]
    for k in removed:
        tx.delete(old[k])
    for subject_id, subgroup_id, teacher_id in added:
        tx.add(TeachingAssignment(school_id=cls.school_id, class_id=cls.id, subject_id=subject_id,
                                  subgroup_id=subgroup_id, teacher_id=teacher_id))
    if removed or added:
        def show(keys):
            return [{"subject": names.get(s), "group": groups[g].name if g in groups else "", "teacher": staff.get(t)}
                    for s, g, t in keys]
        audit.record(tx, actor, "assignments.changed", school_id=cls.school_id, entity="class", entity_id=cls.id,
                     old=show(removed), new=show(added), detail=cls.name)
    return {"added": len(added), "removed": len(removed)}


def ensure_assignments(tx: Session, cls: SchoolClass, used: set[tuple[int, int | None, int]]) -> int:
    """Add the teaching assignments that a timetable implies ((subject, subgroup, teacher) of its
    slots) and the class does not have yet; returns how many were added."""
    have = {(a.subject_id, a.subgroup_id, a.teacher_id) for a in tx.exec(
        select(TeachingAssignment).where(TeachingAssignment.class_id == cls.id)).all()}
    added = 0
    for subject_id, subgroup_id, teacher_id in sorted(used - have, key=str):
        tx.add(TeachingAssignment(school_id=cls.school_id, class_id=cls.id, subject_id=subject_id,
                                  subgroup_id=subgroup_id, teacher_id=teacher_id))
        added += 1
    return added

