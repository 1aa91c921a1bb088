"""Dividing a class into subgroups per subject (R-CON-3; regulation 1.3): foreign languages,
technology, informatics… The class teacher fills a grid (pupils × subjects, the group number in
each cell) before the year starts; a later change takes effect from a date, ends the old
membership the day before (marks given in the old group stay there) and is logged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import select

from models import AcademicYear, CurriculumItem, SchoolClass, Subgroup, SubgroupMember, Subject
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.people.rosters import class_members, full_name, in_year

MAX_GROUPS = 4


class SubgroupError(ValueError):
    pass


def group_name(number: int) -> str:
    return f"{number} группа"


def group_number(name: str) -> int | None:
    head = name.split(" ", 1)[0]
    return int(head) if head.isdigit() else None


@dataclass
class SubgroupGrid:
    class_id: int
    class_name: str
    on: date
    year_starts_on: date
    readonly: bool
    subjects: list[tuple[int, str]]
    pupils: list[tuple[int, str]]
    cells: dict[tuple[int, int], int | None]  # (student id, subject id) → group number

    @property
    def before_start(self) -> bool:
        return self.on <= self.year_starts_on


def _subjects(tx, cls: SchoolClass, all_subjects: bool) -> list[tuple[int, str]]:
    stmt = select(Subject.id, Subject.name).join(CurriculumItem, CurriculumItem.subject_id == Subject.id).where(
        CurriculumItem.class_id == cls.id)
    if not all_subjects:
        stmt = stmt.where(CurriculumItem.split.is_(True))
    return list(tx.exec(stmt.order_by(Subject.name)).all())


def load_grid(actor: Actor, class_id: int, *, on: date | None = None, all_subjects: bool = False) -> SubgroupGrid:
    """Who is in which group on `on` (default today, within the class's year), for the subjects
    the curriculum splits (or every subject of the class's curriculum)."""
    with reading() as tx:
        policy.require(actor, "student.view", targets.for_class(tx, class_id))
        cls = tx.get(SchoolClass, class_id)
        year = tx.get(AcademicYear, cls.year_id)
        on = in_year(year, on)
        subjects = _subjects(tx, cls, all_subjects)
        pupils = [(s.id, full_name(s)) for s, _ in class_members(tx, cls, on)]
        cells: dict[tuple[int, int], int | None] = {(p, s): None for p, _ in pupils for s, _ in subjects}
        rows = tx.exec(select(SubgroupMember.student_id, Subgroup.subject_id, Subgroup.name)
                       .join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id)
                       .where(Subgroup.class_id == class_id, SubgroupMember.starts_on <= on,
                              or_(SubgroupMember.ends_on.is_(None), SubgroupMember.ends_on >= on))).all()
        for sid, subject_id, name in rows:
            if (sid, subject_id) in cells:
                cells[(sid, subject_id)] = group_number(name)
        readonly = year.is_closed or not policy.allowed(actor, "subgroup.edit", targets.for_class(tx, class_id))
        return SubgroupGrid(cls.id, cls.name, on, year.starts_on, readonly, subjects, pupils, cells)


def save_grid(actor: Actor, class_id: int, changes: dict[tuple[int, int], int | None], *,
              on: date | None = None) -> int:
    """Apply (pupil, subject) → group number (None = in no group). Before the year starts the
    grid is simply set from the first day; later, a change takes effect from `on` (default
    today). One transaction; each change audited. Returns the number of changes made."""
    if not changes:
        return 0
    for (_, _), number in changes.items():
        if number is not None and not 1 <= int(number) <= MAX_GROUPS:
            raise SubgroupError(f"Номер группы — от 1 до {MAX_GROUPS}.")
    made = 0
    with transaction() as tx:
        target = targets.for_class(tx, class_id)
        policy.require(actor, "subgroup.edit", target)
        cls = tx.get(SchoolClass, class_id)
        year = tx.get(AcademicYear, cls.year_id)
        if year.is_closed:
            raise SubgroupError(f"Учебный год класса {cls.name} закрыт: подгруппы не меняются.")
        day = max(on or clock.today(), year.starts_on)
        if day > year.ends_on:
            raise SubgroupError("Дата изменения вне учебного года класса.")
        allowed_subjects = {sid for sid, _ in _subjects(tx, cls, all_subjects=True)}
        pupils = {s.id: s for s, _ in class_members(tx, cls, day)}
        groups = {(g.subject_id, group_number(g.name)): g for g in tx.exec(
            select(Subgroup).where(Subgroup.class_id == class_id)).all()}
        for (student_id, subject_id), number in sorted(changes.items()):
            if student_id not in pupils:
                raise SubgroupError("Ученик не числится в классе на дату изменения.")
            if subject_id not in allowed_subjects:
                raise SubgroupError("Этого предмета нет в учебном плане класса.")
            current = tx.exec(select(SubgroupMember, Subgroup).join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id)
                              .where(Subgroup.class_id == class_id, Subgroup.subject_id == subject_id,
                                     SubgroupMember.student_id == student_id, SubgroupMember.starts_on <= day,
                                     or_(SubgroupMember.ends_on.is_(None), SubgroupMember.ends_on >= day))).all()
            old_number = group_number(current[0][1].name) if current else None
            if old_number == (int(number) if number is not None else None):
                continue
            for member, _ in current:
                if member.starts_on >= day:
                    tx.delete(member)
                else:
                    member.ends_on = day - timedelta(days=1)
                    tx.add(member)
            if number is not None:
                group = groups.get((subject_id, int(number)))
                if group is None:
                    group = Subgroup(school_id=cls.school_id, class_id=cls.id, subject_id=subject_id,
                                     name=group_name(int(number)))
                    tx.add(group)
                    tx.flush()
                    groups[(subject_id, int(number))] = group
                tx.add(SubgroupMember(school_id=cls.school_id, subgroup_id=group.id, student_id=student_id,
                                      starts_on=day))
            audit.record(tx, actor, "subgroup.changed", school_id=cls.school_id, entity="student",
                         entity_id=student_id, old={"subject_id": subject_id, "group": old_number},
                         new={"subject_id": subject_id, "group": number, "from": day})
            made += 1
    return made
