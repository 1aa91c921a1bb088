"""Names for the audit log: the person behind an actor id (with their roles in the school) and
the person or pupil an event is about, so that the screen says «Петрова Анна (Учитель)», never
«пользователь 2». Read in a handful of batched queries for a page of events."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from models import RoleGrant, SchoolClass, Student, User
from models.people import Enrollment
from services.core.audit import EventRow
from services.core.roles import ROLE_TITLES

# entity → how the pupil's id is stored in entity_id: the whole id, or the last «:»-part
PUPIL_ENTITIES = {"student": "whole", "mark": "last", "attendance": "last", "period_mark": "last",
                  "guardian": "whole"}


@dataclass(frozen=True)
class Named:
    row: EventRow
    actor: str     # «Петрова Анна (petrova.as) — Учитель»
    subject: str   # «ученик Сидоров Олег, 5А» / «пользователь Петрова Анна (Учитель)» / «урок 123»


def _pupil_id_of(entity: str, entity_id: str) -> int | None:
    how = PUPIL_ENTITIES.get(entity)
    if how is None or entity == "guardian":
        return None
    raw = entity_id if how == "whole" else entity_id.rsplit(":", 1)[-1]
    return int(raw) if raw.isdigit() else None


def _roles(tx: Session, school_id: int, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    out: dict[int, list[str]] = {}
    for user_id, role in tx.exec(select(RoleGrant.user_id, RoleGrant.role).where(
            RoleGrant.user_id.in_(user_ids), RoleGrant.revoked_at.is_(None),
            (RoleGrant.school_id == school_id) | RoleGrant.school_id.is_(None))).all():
        title = ROLE_TITLES.get(role, role)
        if title not in out.setdefault(user_id, []):
            out[user_id].append(title)
    return {u: ", ".join(sorted(t)) for u, t in out.items()}


def name(last: str, first: str) -> str:
    return " ".join(p for p in (last, first) if p)


def describe(tx: Session, school_id: int, rows: list[EventRow], entities: dict[str, str]) -> list[Named]:
    """rows with the actor's name and roles and the named subject; entities: Russian names of
    entity kinds."""
    user_ids = {r.user_id for r in rows if r.user_id} | {
        int(r.entity_id) for r in rows if r.entity == "user" and r.entity_id.isdigit()}
    pupil_ids = {p for r in rows if (p := _pupil_id_of(r.entity, r.entity_id)) is not None}
    users = {u.id: u for u in tx.exec(select(User).where(User.id.in_(user_ids))).all()} if user_ids else {}
    roles = _roles(tx, school_id, user_ids)
    pupils: dict[int, str] = {}
    if pupil_ids:
        for s in tx.exec(select(Student).where(Student.id.in_(pupil_ids), Student.school_id == school_id)).all():
            pupils[s.id] = name(s.last_name, s.first_name)
        classes = dict(tx.exec(select(Enrollment.student_id, SchoolClass.name)
                               .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                               .where(Enrollment.student_id.in_(pupils), Enrollment.ends_on.is_(None))).all())
        pupils = {i: f"{n}, {classes[i]}" if i in classes else n for i, n in pupils.items()}

    def person(user_id: int | None, login: str = "") -> str:
        u = users.get(user_id) if user_id else None
        if u is None:
            return login
        text = f"{name(u.last_name, u.first_name) or u.login} ({u.login})"
        return f"{text} — {roles[u.id]}" if roles.get(u.id) else text

    out = []
    for r in rows:
        kind = entities.get(r.entity, r.entity)
        pupil = _pupil_id_of(r.entity, r.entity_id)
        if r.entity == "user" and r.entity_id.isdigit():
            subject = f"{kind} {person(int(r.entity_id))}"
        elif pupil is not None and pupil in pupils:
            subject = f"{kind}: {pupils[pupil]}"
        else:
            subject = f"{kind} {r.entity_id}".strip()
        out.append(Named(row=r, actor=person(r.user_id, r.login), subject=subject))
    return out



def pupils_matching(tx: Session, school_id: int, text: str, limit: int = 30) -> list[tuple[int, str]]:
    """Pupils of the school whose surname starts with the text (any case), with their class."""
    text = text.strip()
    if not text:
        return []
    pattern = text[:1].upper() + text[1:].lower() + "%"
    rows = tx.exec(select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
                   .where(Student.school_id == school_id, Student.last_name.like(pattern))
                   .order_by(Student.last_name, Student.first_name).limit(limit)).all()
    classes = dict(tx.exec(select(Enrollment.student_id, SchoolClass.name)
                           .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                           .where(Enrollment.student_id.in_([r[0] for r in rows]), Enrollment.ends_on.is_(None))
                           ).all()) if rows else {}
    return [(i, " ".join(p for p in (last, first, middle) if p) + (f", {classes[i]}" if i in classes else ""))
            for i, last, first, middle in rows]
