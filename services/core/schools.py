"""Schools, municipalities (R-ORG-1), and the Target of a school for the policy (a new school is made by
services/setup/new_school.py)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from models import Municipality, School
from services.core.policy import Target


@dataclass(frozen=True)
class SchoolInfo:
    id: int
    name: str
    short_name: str
    municipality_id: int
    municipality: str


def school_target(tx: Session, school_id: int, **extra) -> Target:
    school = tx.get(School, school_id)
    return Target(school_id=school_id, municipality_id=school.municipality_id if school else None, **extra)


def allowed_in_school(actor, action: str, school_id: int) -> bool:
    """May the actor do `action` on the school as a whole (e.g. a report of every class)?"""
    from models.db import reading
    from services.core import policy
    with reading() as tx:
        return policy.allowed(actor, action, school_target(tx, school_id))


def list_schools(tx: Session, ids: list[int] | None = None) -> list[SchoolInfo]:
    stmt = select(School, Municipality.name).join(Municipality, Municipality.id == School.municipality_id)
    if ids is not None:
        stmt = stmt.where(School.id.in_(ids))
    return [SchoolInfo(s.id, s.name, s.short_name, s.municipality_id, m)
            for s, m in tx.exec(stmt.order_by(School.id)).all()]
