"""What the set-up commands of manage.py need beyond the services they call: a class, a subject,
a teacher named as a person types them (class «5А», subject «Математика», teacher login), one
curriculum line or one teaching assignment at a time, and credentials for everyone who has never
had them. The work itself is done by services/planning/curriculum.py and services/people/credentials.py."""
from __future__ import annotations

import re
from datetime import time

from sqlmodel import select

from importers.parsers import CellError
from importers.parsers import class_name as normal_class_name
from models import SchoolClass, Staff, Subgroup, Subject, User
from models.db import reading
from services.core.actor import Actor
from services.people import credentials
from services.people.rosters import current_year
from services.planning import curriculum
from services.rules.timetable_calendar import BellSpec


class SetupError(ValueError):
    pass


def _class_id(school_id: int, name: str) -> int:
    """The class of the current school year by its name («5 а», «5A» are «5А»)."""
    try:
        name = normal_class_name(name)
    except CellError as e:
        raise SetupError(f"Класс «{name}»: {e}") from None
    with reading() as tx:
        year = current_year(tx, school_id)
        found = tx.exec(select(SchoolClass.id).where(SchoolClass.school_id == school_id, SchoolClass.name == name,
                                                     SchoolClass.year_id == (year.id if year else -1))).first()
    if found is None:
        raise SetupError(f"Класса «{name}» нет в текущем учебном году.")
    return found


def _subject_id(actor: Actor, school_id: int, name: str) -> int:
    """The school's subject by name (case and ё ignored); a new one is added."""
    key = " ".join(name.split()).lower().replace("ё", "е")
    with reading() as tx:
        for s in tx.exec(select(Subject).where(Subject.school_id == school_id)).all():
            if s.name.lower().replace("ё", "е") == key:
                return s.id
    try:
        return curriculum.add_subject(actor, school_id, name)
    except curriculum.CurriculumError as e:
        raise SetupError(str(e)) from None


def _staff_id(school_id: int, login: str) -> int:
    with reading() as tx:
        found = tx.exec(select(Staff.id).join(User, User.id == Staff.user_id).where(
            Staff.school_id == school_id, User.login == login.strip().lower())).first()
    if found is None:
        raise SetupError(f"Сотрудника с логином «{login}» в школе нет.")
    return found


def set_curriculum(actor: Actor, school_id: int, class_name: str, subject: str, hours: float, *,
                   split: bool = False, pass_fail: bool = False, no_attestation: bool = False) -> dict:
    """Add or change one line of the class's curriculum; the other lines stay as they are."""
    cid = _class_id(school_id, class_name)
    sid = _subject_id(actor, school_id, subject)
    plan = curriculum.load(actor, cid)
    items = [curriculum.Item(i.subject_id, i.hours_per_week, i.no_attestation, i.marking, i.split)
             for i in plan.items if i.subject_id != sid]
    items.append(curriculum.Item(sid, hours, no_attestation, "pass_fail" if pass_fail else "five", split))
    try:
        return curriculum.save(actor, cid, items)
    except curriculum.CurriculumError as e:
        raise SetupError(str(e)) from None


def assign(actor: Actor, school_id: int, class_name: str, subject: str, teacher_login: str,
           subgroup: str | None = None) -> dict:
    """Give a subject of the class (or of one of its subgroups) to a teacher; the rest stays."""
    cid = _class_id(school_id, class_name)
    sid = _subject_id(actor, school_id, subject)
    tid = _staff_id(school_id, teacher_login)
    group_id = None
    if subgroup:
        with reading() as tx:
            group_id = tx.exec(select(Subgroup.id).where(Subgroup.class_id == cid, Subgroup.subject_id == sid,
                                                         Subgroup.name == subgroup.strip())).first()
        if group_id is None:
            raise SetupError(f"В классе «{class_name}» нет подгруппы «{subgroup}» по предмету «{subject}».")
    plan = curriculum.load(actor, cid)
    rows = [curriculum.Assignment(a.subject_id, a.teacher_id, a.subgroup_id) for a in plan.assignments
            if (a.subject_id, a.subgroup_id) != (sid, group_id)]
    rows.append(curriculum.Assignment(sid, tid, group_id))
    try:
        return curriculum.save_assignments(actor, cid, rows)
    except curriculum.CurriculumError as e:
        raise SetupError(str(e)) from None


_BELL_RE = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})$")


def parse_bells(texts: list[str]) -> list[BellSpec]:
    """«08:30-09:15» per lesson, in order: lesson 1, 2, …"""
    bells = []
    for number, text in enumerate(texts, start=1):
        m = _BELL_RE.match(text.strip())
        if not m:
            raise SetupError(f"Урок {number}: «{text}» — ожидается ЧЧ:ММ-ЧЧ:ММ, например 08:30-09:15.")
        h1, m1, h2, m2 = map(int, m.groups())
        try:
            bells.append(BellSpec(number, time(h1, m1), time(h2, m2)))
        except ValueError:
            raise SetupError(f"Урок {number}: «{text}» — такого времени нет.") from None
    return bells


def issue_missing(actor: Actor, school_id: int, *, class_name: str | None = None,
                  staff: bool = False) -> list[credentials.Slip]:
    """Credentials for every account of the class (or of every class; or the staff) that has
    never had them; those already handed over are left alone."""
    if staff:
        accounts = credentials.staff_accounts(actor, school_id)
    else:
        if class_name:
            ids = [_class_id(school_id, class_name)]
        else:
            with reading() as tx:
                year = current_year(tx, school_id)
                ids = list(tx.exec(select(SchoolClass.id).where(
                    SchoolClass.school_id == school_id, SchoolClass.year_id == (year.id if year else -1))).all())
        accounts = [a for cid in ids for a in credentials.class_accounts(actor, cid)]
    pending = [a.user_id for a in accounts if a.issues == 0]
    if not pending:
        return []
    try:
        return credentials.issue(actor, school_id, pending)
    except credentials.CredentialsError as e:
        raise SetupError(str(e)) from None
