"""Who looked at a child's data (issue 16, item 8): a member of staff opening a pupil's diary,
marks or personal card outside their own lessons or class (services/rules/data_views.recorded)
leaves an audit event `student.data_viewed` — one per opening, not per rerun: the same viewer,
pupil and screen within SAME_LOOK is the same look — and the pupil's family sees those events
of the last months on the diary (`views`, policy `student.views`).

The event keeps the viewer's staff roles in the school at the moment of the opening, so the
family reads «Заместитель директора Иванова Мария, дневник, 20.11.2026 12:00» even after the
roles change.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select

from models import AuditEvent, Enrollment, SchoolSettings, User
from models.db import reading
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.policy import Target
from services.core.roles import ROLE_TITLES, STAFF_ROLES
from services.rules import data_views as rule

ACTION = "student.data_viewed"


@dataclass(frozen=True)
class View:
    at: datetime          # local time of the school
    roles: str            # «Заместитель директора, Учитель»
    name: str             # «Иванова Мария Петровна»
    screen: str           # «дневник», «отметки», «личная карточка»


def note(actor: Actor, target: Target, screen: str) -> bool:
    """Record the opening of the pupil's `screen` (a key of rules.data_views.SCREENS) when it is
    outside the actor's own lessons or class and not a repeat; call after the policy allowed it.
    Returns whether an event was written."""
    title = rule.screen_title(screen)
    student_id = target.student_id
    viewer = rule.of_actor(actor)
    if (student_id is None or target.school_id is None or not viewer.staff
            or student_id in viewer.student_ids or student_id in viewer.children):
        return False
    with reading() as tx:
        class_ids = set(tx.exec(select(Enrollment.class_id).where(
            Enrollment.school_id == target.school_id, Enrollment.student_id == student_id)).all())
        if not rule.recorded(viewer, student_id, class_ids | ({target.class_id} if target.class_id else set())):
            return False
        last = tx.exec(select(func.max(AuditEvent.at)).where(
            AuditEvent.actor_user_id == actor.user_id, AuditEvent.action == ACTION,
            AuditEvent.entity == "student", AuditEvent.entity_id == str(student_id),
            AuditEvent.detail == title)).one()
    now = clock.now()
    if last is not None and not rule.new_look(clock.to_stored(clock.to_local(last)), now):
        return False
    roles = sorted({g.role for g in actor.grants if g.role in STAFF_ROLES and g.school_id == target.school_id})
    audit.record_now(actor, ACTION, school_id=target.school_id, entity="student", entity_id=student_id,
                     new={"screen": screen, "roles": roles}, detail=title)
    return True


def views(actor: Actor, student_id: int) -> list[View]:
    """Who opened the pupil's data outside their own lessons and class in the last months, newest
    first (for the pupil's family: policy `student.views`)."""
    with reading() as tx:
        target = targets.for_student(tx, student_id)
        policy.require(actor, "student.views", target)
        since = clock.now() - rule.SHOWN_FOR
        rows = tx.exec(select(AuditEvent.at, AuditEvent.new, AuditEvent.detail, User.last_name, User.first_name,
                              User.middle_name)
                       .join(User, User.id == AuditEvent.actor_user_id, isouter=True)
                       .where(AuditEvent.school_id == target.school_id, AuditEvent.action == ACTION,
                              AuditEvent.entity == "student", AuditEvent.entity_id == str(student_id),
                              AuditEvent.at >= since)
                       .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(500)).all()
        settings = tx.get(SchoolSettings, target.school_id)
        tz = settings.timezone if settings else "Europe/Moscow"
    out = []
    for at, new, detail, last, first, middle in rows:
        roles = (json.loads(new) if new else {}).get("roles", [])
        out.append(View(clock.to_local(at, tz), ", ".join(ROLE_TITLES.get(r, r) for r in roles) or "Сотрудник",
                        " ".join(p for p in (last, first, middle) if p) or "—", detail))
    return out


def may_see(actor: Actor, student_id: int) -> bool:
    """Is the list for the pupil's family (the pupil, a parent) and this actor one of them? For
    showing the diary's tab; `views` checks the policy again."""
    if student_id not in actor.children and student_id not in actor.student_ids:
        return False
    with reading() as tx:
        return policy.allowed(actor, "student.views", targets.for_student(tx, student_id))
