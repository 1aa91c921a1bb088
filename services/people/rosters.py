"""Class lists and the personal data of pupils and guardians (R-CON-3; regulation 4.3, 5.6).

The class teacher keeps the data of their class current on one screen: pupils, guardians and
contacts; every change is checked with the same parsers as the import and audited with its old
and new values. The secretary's screen counts the first graders, due by 5 September (4.8).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from importers import parsers
from importers.parsers import CellError
from models import (
    AcademicYear, Enrollment, Guardian, RoleGrant, SchoolClass, Student, StudentGuardian, Subgroup, SubgroupMember,
    Subject, User,
)
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target
from services.people import accounts

FIRST_GRADE_DUE = (9, 5)  # 5 September (4.8)


class RosterError(ValueError):
    """str(e) is a Russian message saying what is wrong and where."""


def full_name(p: Any) -> str:
    return " ".join(x for x in (p.last_name, p.first_name, p.middle_name) if x)


def in_year(year: AcademicYear, day: date | None = None) -> date:
    """`day` (default today) clamped into the year: the day a class list is shown for."""
    day = day or clock.today()
    return min(max(day, year.starts_on), year.ends_on)


def class_members(tx: Session, cls: SchoolClass, on: date | None = None) -> list[tuple[Student, Enrollment]]:
    """Pupils in the class on `on` (default: today, clamped into the class's year), by name."""
    year = tx.get(AcademicYear, cls.year_id)
    on = in_year(year, on)
    return list(tx.exec(select(Student, Enrollment).join(Enrollment, Enrollment.student_id == Student.id).where(
        Enrollment.school_id == cls.school_id, Enrollment.class_id == cls.id, Enrollment.starts_on <= on,
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= on))
        .order_by(Student.last_name, Student.first_name, Student.middle_name)).all())


def current_year(tx: Session, school_id: int, day: date | None = None) -> AcademicYear | None:
    """The school year containing `day` (default today); if none, the nearest one that is open."""
    day = day or clock.today()
    years = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id)
                    .order_by(AcademicYear.start_year)).all()
    for y in years:
        if y.starts_on <= day <= y.ends_on:
            return y
    upcoming = [y for y in years if y.starts_on > day and not y.is_closed]
    return upcoming[0] if upcoming else (years[-1] if years else None)


# ------------------------------------------------------------------ the class's data
@dataclass(frozen=True)
class GuardianRow:
    id: int
    student_id: int
    name: str
    relation: str
    phone: str
    email: str
    login: str


@dataclass(frozen=True)
class PupilRow:
    id: int
    last_name: str
    first_name: str
    middle_name: str
    birth_date: date | None
    sex: str
    snils: str
    starts_on: date
    login: str
    guardians: tuple[GuardianRow, ...]
    subgroups: tuple[str, ...] = ()  # «Английский язык: 1 группа», today


@dataclass(frozen=True)
class ClassRoster:
    class_id: int
    class_name: str
    year_closed: bool
    pupils: list[PupilRow]
    columns: frozenset[str] = frozenset(policy.ROSTER_COLUMNS)  # what the actor may see (policy.roster_columns)


def class_roster(actor: Actor, class_id: int) -> ClassRoster:
    """The class list today; each role gets only the columns it needs (policy.roster_columns):
    the others come blank (no birth date, СНИЛС, login or guardians)."""
    with reading() as tx:
        target = targets.for_class(tx, class_id)
        policy.require(actor, "student.view", target)
        columns = policy.roster_columns(actor, target)
        cls = tx.get(SchoolClass, class_id)
        year = tx.get(AcademicYear, cls.year_id)
        members = class_members(tx, cls)
        groups = _subgroups(tx, cls, [s.id for s, _ in members])
        contacts, snils = "contacts" in columns, "snils" in columns
        logins, guardians = _contacts(tx, members) if contacts else ({}, {})
        pupils = [PupilRow(s.id, s.last_name, s.first_name, s.middle_name, s.birth_date if contacts else None,
                           s.sex if contacts else "", (s.snils or "") if snils else "", e.starts_on,
                           logins.get(s.user_id, ""), tuple(guardians.get(s.id, ())), groups.get(s.id, ()))
                  for s, e in members]
        return ClassRoster(cls.id, cls.name, year.is_closed, pupils, columns)


def _contacts(tx: Session, members) -> tuple[dict[int, str], dict[int, list[GuardianRow]]]:
    """The pupils' logins (user id → login) and their guardians with contacts (pupil → rows)."""
    ids = [s.id for s, _ in members]
    if not ids:
        return {}, {}
    logins = dict(tx.exec(select(User.id, User.login).where(
        User.id.in_([s.user_id for s, _ in members if s.user_id]))).all())
    links = tx.exec(select(StudentGuardian, Guardian).join(Guardian, Guardian.id == StudentGuardian.guardian_id)
                    .where(StudentGuardian.student_id.in_(ids)).order_by(StudentGuardian.id)).all()
    g_logins = dict(tx.exec(select(User.id, User.login).where(
        User.id.in_([g.user_id for _, g in links if g.user_id]))).all()) if links else {}
    by_pupil: dict[int, list[GuardianRow]] = {}
    for link, g in links:
        by_pupil.setdefault(link.student_id, []).append(GuardianRow(
            g.id, link.student_id, full_name(g), link.relation, g.phone or "", g.email or "",
            g_logins.get(g.user_id, "")))
    return logins, by_pupil


def _subgroups(tx: Session, cls: SchoolClass, student_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """pupil → «Предмет: группа» of the class's subgroups they are in today."""
    if not student_ids:
        return {}
    on = in_year(tx.get(AcademicYear, cls.year_id))
    out: dict[int, list[str]] = {}
    for sid, subject, group in tx.exec(
            select(SubgroupMember.student_id, Subject.name, Subgroup.name)
            .join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id)
            .join(Subject, Subject.id == Subgroup.subject_id)
            .where(Subgroup.class_id == cls.id, SubgroupMember.student_id.in_(student_ids),
                   SubgroupMember.starts_on <= on,
                   or_(SubgroupMember.ends_on.is_(None), SubgroupMember.ends_on >= on))
            .order_by(Subject.name, Subgroup.name)).all():
        out.setdefault(sid, []).append(f"{subject}: {group}")
    return {sid: tuple(v) for sid, v in out.items()}


PUPIL_FIELDS = {
    "last_name": ("Фамилия", parsers.person_name, True),
    "first_name": ("Имя", parsers.person_name, True),
    "middle_name": ("Отчество", parsers.person_name, False),
    "birth_date": ("Дата рождения", parsers.birth_date, True),
    "sex": ("Пол", parsers.sex, False),
    "snils": ("СНИЛС", parsers.snils, False),
}
GUARDIAN_FIELDS = {
    "name": ("ФИО", parsers.full_name, True),
    "relation": ("Степень родства", parsers.relation, False),
    "phone": ("Телефон", parsers.phone, False),
    "email": ("Email", parsers.email, False),
}


def _clean(fields: dict, changes: dict, who: str) -> dict:
    out = {}
    for key, raw in changes.items():
        if key not in fields:
            raise RosterError(f"{who}: поле «{key}» нельзя изменить здесь.")
        title, parse, required = fields[key]
        if parsers.is_blank(raw):
            if required:
                raise RosterError(f"{who}, «{title}»: поле обязательно.")
            out[key] = "" if key not in ("birth_date", "snils", "phone", "email") else None
            continue
        try:
            out[key] = parse(raw)
        except CellError as e:
            raise RosterError(f"{who}, «{title}»: «{parsers.shown(raw)}» — {e}.") from None
    return out


def _in_class(tx: Session, cls: SchoolClass, student_id: int) -> Student:
    ids = {s.id for s, _ in class_members(tx, cls)}
    if student_id not in ids:
        raise RosterError("Ученик не найден в этом классе.")
    return tx.get(Student, student_id)


def _editable_class(tx: Session, actor: Actor, class_id: int) -> SchoolClass:
    policy.require(actor, "student.edit", targets.for_class(tx, class_id))
    cls = tx.get(SchoolClass, class_id)
    if tx.get(AcademicYear, cls.year_id).is_closed:
        raise RosterError(f"Учебный год класса {cls.name} закрыт: данные только для чтения.")
    return cls


def update_pupils(actor: Actor, class_id: int, changes: dict[int, dict[str, Any]]) -> int:
    """Apply edits of pupils' data (student id → {field: new value}); all or nothing.
    Returns how many pupils changed; each change is audited with old and new values."""
    changed = 0
    with transaction() as tx:
        cls = _editable_class(tx, actor, class_id)
        for student_id, fields in changes.items():
            st = _in_class(tx, cls, student_id)
            clean = _clean(PUPIL_FIELDS, fields, full_name(st))
            if clean.get("snils"):
                other = tx.exec(select(Student.id).where(Student.school_id == st.school_id,
                                                         Student.snils == clean["snils"], Student.id != st.id)).first()
                if other is not None:
                    raise RosterError(f"{full_name(st)}: СНИЛС {clean['snils']} уже записан у другого ученика.")
            old = {k: getattr(st, k) for k, v in clean.items() if getattr(st, k) != v}
            if not old:
                continue
            new = {k: clean[k] for k in old}
            for k, v in new.items():
                setattr(st, k, v)
            tx.add(st)
            audit.record(tx, actor, "student.updated", school_id=st.school_id, entity="student", entity_id=st.id,
                         old=old, new=new)
            changed += 1
    return changed


def _guardian_of_class(tx: Session, cls: SchoolClass, guardian_id: int) -> tuple[Guardian, list[StudentGuardian]]:
    ids = [s.id for s, _ in class_members(tx, cls)]
    links = tx.exec(select(StudentGuardian).where(StudentGuardian.guardian_id == guardian_id,
                                                  StudentGuardian.student_id.in_(ids))).all() if ids else []
    if not links:
        raise RosterError("Родитель не найден среди родителей учеников этого класса.")
    return tx.get(Guardian, guardian_id), links


def update_guardians(actor: Actor, class_id: int, changes: dict[int, dict[str, Any]]) -> int:
    """Edit guardians' names, contacts and relation (guardian id → {field: value}); audited."""
    changed = 0
    with transaction() as tx:
        cls = _editable_class(tx, actor, class_id)
        for guardian_id, fields in changes.items():
            g, links = _guardian_of_class(tx, cls, guardian_id)
            clean = _clean(GUARDIAN_FIELDS, fields, full_name(g))
            old, new = {}, {}
            if "name" in clean:
                last, first, middle = clean.pop("name")
                for k, v in (("last_name", last), ("first_name", first), ("middle_name", middle)):
                    if getattr(g, k) != v:
                        old[k], new[k] = getattr(g, k), v
                        setattr(g, k, v)
            for k in ("phone", "email"):
                if k in clean and (getattr(g, k) or None) != clean[k]:
                    old[k], new[k] = getattr(g, k), clean[k]
                    setattr(g, k, clean[k])
            if "relation" in clean:
                for link in links:
                    if link.relation != clean["relation"]:
                        old["relation"], new["relation"] = link.relation, clean["relation"]
                        link.relation = clean["relation"]
                        tx.add(link)
            if not new:
                continue
            tx.add(g)
            audit.record(tx, actor, "guardian.updated", school_id=g.school_id, entity="guardian", entity_id=g.id,
                         old=old, new=new)
            changed += 1
    return changed


def add_guardian(actor: Actor, class_id: int, student_id: int, fields: dict[str, Any]) -> int:
    """A new guardian of a pupil of the class (with an account without a password, like the
    import makes). Returns the guardian id."""
    with transaction() as tx:
        cls = _editable_class(tx, actor, class_id)
        st = _in_class(tx, cls, student_id)
        clean = _clean(GUARDIAN_FIELDS, {**{"name": ""}, **fields}, full_name(st))
        last, first, middle = clean["name"]
        user = accounts.new_user(tx, accounts.Logins(tx), last, first, middle,
                                    email=clean.get("email"), phone=clean.get("phone"))
        tx.add(RoleGrant(user_id=user.id, role="parent", school_id=st.school_id, granted_at=clock.now()))
        g = Guardian(school_id=st.school_id, user_id=user.id, last_name=last, first_name=first, middle_name=middle,
                     phone=clean.get("phone"), email=clean.get("email"))
        tx.add(g)
        tx.flush()
        tx.add(StudentGuardian(school_id=st.school_id, student_id=st.id, guardian_id=g.id,
                               relation=clean.get("relation", "")))
        audit.record(tx, actor, "guardian.created", school_id=st.school_id, entity="guardian", entity_id=g.id,
                     new={"student_id": st.id, "name": full_name(g), "phone": g.phone, "email": g.email,
                          "relation": clean.get("relation", ""), "login": user.login})
        return g.id


def unlink_guardian(actor: Actor, class_id: int, student_id: int, guardian_id: int) -> None:
    """The guardian is no longer a pupil's representative (the guardian row stays for history)."""
    with transaction() as tx:
        cls = _editable_class(tx, actor, class_id)
        st = _in_class(tx, cls, student_id)
        link = tx.exec(select(StudentGuardian).where(StudentGuardian.student_id == st.id,
                                                     StudentGuardian.guardian_id == guardian_id)).first()
        if link is None:
            raise RosterError("Этот родитель не связан с учеником.")
        tx.delete(link)
        audit.record(tx, actor, "guardian.unlinked", school_id=st.school_id, entity="guardian", entity_id=guardian_id,
                     old={"student_id": st.id, "relation": link.relation})


# ------------------------------------------------------------------ first graders (4.8)
@dataclass(frozen=True)
class FirstGraders:
    year: int
    due: date
    count: int
    entered_late: int
    classes: dict[str, int]
    past_due: bool

    @property
    def flagged(self) -> bool:
        """Past 5 September with first graders entered late, or with none at all."""
        return self.past_due and (self.entered_late > 0 or self.count == 0)


def first_graders(actor: Actor, school_id: int) -> FirstGraders | None:
    """How many first graders the current (or next) school year has, and how many were entered
    after 5 September."""
    with reading() as tx:
        policy.require(actor, "roster.import", school_target(tx, school_id))
        today = clock.today()
        year = current_year(tx, school_id, today)
        if year is None:
            return None
        due = date(year.start_year, *FIRST_GRADE_DUE)
        rows = tx.exec(select(SchoolClass.name, Student.id, Student.created_at).join(
            Enrollment, Enrollment.class_id == SchoolClass.id).join(Student, Student.id == Enrollment.student_id).where(
            SchoolClass.school_id == school_id, SchoolClass.year_id == year.id, SchoolClass.grade == 1)
            .order_by(Enrollment.starts_on)).all()
        latest = {sid: (name, created) for name, sid, created in rows}  # a pupil moved 1А→1Б counts once
        classes: dict[str, int] = {name: 0 for name in tx.exec(select(SchoolClass.name).where(
            SchoolClass.year_id == year.id, SchoolClass.grade == 1)).all()}
        late = 0
        for name, created in latest.values():
            classes[name] = classes.get(name, 0) + 1
            if clock.to_local(created).date() > due:
                late += 1
        rows = list(latest)
        return FirstGraders(year.start_year, due, len(rows), late, dict(sorted(classes.items())), today > due)


def count_students(tx: Session, school_id: int) -> int:
    return tx.exec(select(func.count()).select_from(Student).where(Student.school_id == school_id)).one()


def classes_for(actor: Actor, school_id: int, action: str) -> dict[int, str]:
    """The classes of the school's current year on which the actor may do `action` (id → name),
    in grade order: what the screens of this area offer to choose from."""
    with reading() as tx:
        year = current_year(tx, school_id)
        if year is None:
            return {}
        classes = tx.exec(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                    SchoolClass.year_id == year.id)
                          .order_by(SchoolClass.grade, SchoolClass.letter)).all()
        return {c.id: c.name for c in classes if policy.allowed(actor, action, targets.for_class(tx, c.id))}
