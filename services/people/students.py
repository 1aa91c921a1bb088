"""A pupil's personal card: personal data of a minor, shown by role and every opening audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from models import Guardian, SchoolClass, Student, StudentGuardian
from models.db import reading
from services.core import audit, data_views, policy, targets
from services.core.actor import Actor


@dataclass(frozen=True)
class GuardianInfo:
    name: str
    relation: str
    phone: str
    email: str


@dataclass(frozen=True)
class StudentCard:
    id: int
    name: str
    birth_date: date | None
    sex: str
    class_name: str
    snils: str
    guardians: tuple[GuardianInfo, ...]


def _name(p) -> str:
    return " ".join(x for x in (p.last_name, p.first_name, p.middle_name) if x)


def open_card(actor: Actor, student_id: int) -> StudentCard:
    """The personal card; the opening is an audit event of its own (R-SAFE-1)."""
    with reading() as tx:
        target = targets.for_student(tx, student_id)
        policy.require(actor, "student.card", target)
        st = tx.get(Student, student_id)
        cls = tx.get(SchoolClass, target.class_id) if target.class_id else None
        rows = tx.exec(select(Guardian, StudentGuardian.relation)
                       .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
                       .where(StudentGuardian.student_id == student_id)).all()
        card = StudentCard(
            id=st.id, name=_name(st), birth_date=st.birth_date, sex=st.sex,
            class_name=cls.name if cls else "", snils=st.snils or "",
            guardians=tuple(GuardianInfo(_name(g), rel, g.phone or "", g.email or "") for g, rel in rows))
    audit.record_now(actor, "student.card_opened", school_id=target.school_id, entity="student",
                     entity_id=student_id)
    data_views.note(actor, target, "card")
    return card


def pupil_name(actor: Actor, student_id: int) -> str:
    """A pupil's name, for whoever may see the pupil (never a coordinator)."""
    with reading() as tx:
        policy.require(actor, "student.view", targets.for_student(tx, student_id))
        return _name(tx.get(Student, student_id))
