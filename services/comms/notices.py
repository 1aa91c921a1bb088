"""Notices: the system's own messages to a user's inbox (control findings, an overdue hand-over
of credentials, a correction done, a change of a lesson in your timetable…).

For the other parts of the portal the whole API is:

    notify(tx, user_ids, kind, text, link="", school_id=None) -> int
        Put one notice per user into their inbox, inside the CALLER's transaction (it commits or
        rolls back with the change it tells about). `user_ids`: one id or any iterable of ids;
        None and repeats are skipped. `kind`: a key of KINDS (add yours there, with a Russian
        title). `text`: Russian, shown as is (cut to 2000 characters). `link`: where it leads,
        "<what>:<id>" such as "lesson:12", "correction:5", "control_act:3" (≤ 300 characters).
        Returns how many notices were written. No policy check: the caller has made its own
        decision and audits its own change; a notice is not an audit event.

  Who is concerned (each one query, returning user ids of active accounts):
    lesson_teachers(tx, lesson_id)           the teacher who gives the lesson now
    class_teachers(tx, class_id)             the class teacher(s) of a class
    subject_teachers(tx, class_id)           the teachers assigned to the class's subjects
    staff_users(tx, staff_ids)               the accounts of Staff rows
    families(tx, class_id, on, subgroup_id)  pupils of the class on a date and their guardians
    guardians(tx, student_ids)               guardians of pupils
    school_staff(tx, school_id, roles)       holders of these roles in a school (e.g. ("admin",))

  lesson_changed(changes)  what services/planning/substitutions.notify_lesson_changed hands over after
                           a committed change of lessons: told to the teachers named, the class
                           teacher, and the pupils (of the subgroup) and their guardians.

The user reads their notices on «Сообщения» → «Уведомления» (inbox / mark_read / unread_count).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from models import (
    Enrollment, Guardian, Lesson, Notice, RoleGrant, Staff, Student, StudentGuardian, SubgroupMember,
    TeachingAssignment, User,
)
from models.db import reading, transaction
from services.core import clock
from services.core.actor import Actor

KINDS: dict[str, str] = {
    "control_finding": "Замечание внутришкольного контроля",
    "credentials_overdue": "Просрочена выдача реквизитов",
    "correction_new": "Новая заявка на исправление данных",
    "correction_overdue": "Заявка на исправление просрочена",
    "correction_done": "Заявка на исправление рассмотрена",
    "correction_fix": "Исправление в вашем журнале по заявке",  # issue 16, item 5
    "lesson_changed": "Изменение в расписании",
    "message_report": "Жалоба на сообщение",
    "message_hidden": "Сообщение скрыто модератором",
    "document_published": "Опубликован документ",
    "consent_withdrawn": "Отозвано согласие на обработку данных",
    "system": "Сообщение системы",
}
TEXT_MAX, LINK_MAX = 2000, 300


def _ids(user_ids: int | Iterable[int | None] | None) -> list[int]:
    if user_ids is None:
        return []
    if isinstance(user_ids, int):
        return [user_ids]
    return sorted({int(u) for u in user_ids if u is not None})


def notify(tx: Session, user_ids: int | Iterable[int | None] | None, kind: str, text: str, link: str = "",
           school_id: int | None = None) -> int:
    """One notice per user, in the caller's transaction; returns how many were written."""
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}: add it to services.comms.notices.KINDS")
    text = text.strip()
    if len(text) > TEXT_MAX:
        text = text[:TEXT_MAX - 1] + "…"
    ids = _ids(user_ids)
    now = clock.now()
    tx.add_all([Notice(school_id=school_id, user_id=uid, kind=kind, text=text, link=(link or "")[:LINK_MAX],
                       created_at=now) for uid in ids])
    if kind.startswith("correction") and ids:  # issue 16: correction requests by e-mail, to who subscribed
        from services.comms import mail
        mail.noticed(tx, school_id, ids, KINDS[kind])
    return len(ids)


# ------------------------------------------------------------------ who is concerned
def _active(tx: Session, stmt) -> set[int]:
    return {uid for uid in tx.exec(stmt).all() if uid is not None}


def staff_users(tx: Session, staff_ids: Iterable[int | None]) -> set[int]:
    ids = _ids(staff_ids)
    if not ids:
        return set()
    return _active(tx, select(Staff.user_id).join(User, User.id == Staff.user_id)
                   .where(Staff.id.in_(ids), User.is_active.is_(True)))


def lesson_teachers(tx: Session, lesson_id: int) -> set[int]:
    return _active(tx, select(Staff.user_id).join(Lesson, Lesson.teacher_id == Staff.id)
                   .join(User, User.id == Staff.user_id)
                   .where(Lesson.id == lesson_id, User.is_active.is_(True)))


def class_teachers(tx: Session, class_id: int) -> set[int]:
    return _active(tx, select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id).where(
        RoleGrant.role == "class_teacher", RoleGrant.class_id == class_id, RoleGrant.revoked_at.is_(None),
        User.is_active.is_(True)))


def subject_teachers(tx: Session, class_id: int) -> set[int]:
    return _active(tx, select(Staff.user_id).join(TeachingAssignment, TeachingAssignment.teacher_id == Staff.id)
                   .join(User, User.id == Staff.user_id)
                   .where(TeachingAssignment.class_id == class_id, User.is_active.is_(True)))


def school_staff(tx: Session, school_id: int, roles: Iterable[str] = ("admin",)) -> set[int]:
    return _active(tx, select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id).where(
        RoleGrant.school_id == school_id, RoleGrant.role.in_(list(roles)), RoleGrant.revoked_at.is_(None),
        User.is_active.is_(True)))


def _pupils(tx: Session, class_id: int, on: date, subgroup_id: int | None) -> list[int]:
    stmt = select(Enrollment.student_id).where(
        Enrollment.class_id == class_id, Enrollment.starts_on <= on,
        (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= on))
    if subgroup_id is not None:
        stmt = stmt.where(Enrollment.student_id.in_(
            select(SubgroupMember.student_id).where(SubgroupMember.subgroup_id == subgroup_id)))
    return list(tx.exec(stmt).all())


def guardians(tx: Session, student_ids: Iterable[int]) -> set[int]:
    ids = _ids(student_ids)
    if not ids:
        return set()
    return _active(tx, select(Guardian.user_id).join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
                   .join(User, User.id == Guardian.user_id)
                   .where(StudentGuardian.student_id.in_(ids), User.is_active.is_(True)))


def families(tx: Session, class_id: int, on: date | None = None, subgroup_id: int | None = None) -> set[int]:
    """The accounts of the pupils of a class (of a subgroup) on a date, and of their guardians."""
    pupils = _pupils(tx, class_id, on or clock.today(), subgroup_id)
    if not pupils:
        return set()
    own = _active(tx, select(Student.user_id).join(User, User.id == Student.user_id)
                  .where(Student.id.in_(pupils), User.is_active.is_(True)))
    return own | guardians(tx, pupils)


# ------------------------------------------------------------------ lessons changed
def lesson_changed(changes) -> int:
    """Tell everyone concerned about committed changes of lessons (substitutions.LessonChange):
    the teachers it names, the class teacher, the pupils and their guardians. Runs in its own
    transaction after the change; a failure here is logged and never undoes the change."""
    if not changes:
        return 0
    from services.core import audit
    try:
        with transaction() as tx:
            sent = 0
            for change in changes:
                lesson = tx.get(Lesson, change.lesson_id)
                subgroup = lesson.subgroup_id if lesson is not None else None
                users = (staff_users(tx, change.teacher_ids) | class_teachers(tx, change.class_id)
                         | families(tx, change.class_id, change.lesson_date, subgroup))
                sent += notify(tx, users, "lesson_changed", change.text, link=f"lesson:{change.lesson_id}",
                               school_id=change.school_id)
            return sent
    except Exception as error:  # the lesson has changed already: keep the trace, not the failure
        audit.record_now(None, "system.error", school_id=changes[0].school_id, entity="notice",
                         detail=f"уведомления об изменении урока не отправлены: {error!r}"[:1000])
        return 0


# ------------------------------------------------------------------ the user's inbox
@dataclass(frozen=True)
class NoticeRow:
    id: int
    kind: str
    kind_title: str
    text: str
    link: str
    created_at: datetime
    read: bool


def inbox(actor: Actor, limit: int = 200) -> list[NoticeRow]:
    """The actor's own notices, newest first."""
    with reading() as tx:
        rows = tx.exec(select(Notice).where(Notice.user_id == actor.user_id)
                       .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)).all()
    return [NoticeRow(n.id, n.kind, KINDS.get(n.kind, n.kind), n.text, n.link, n.created_at, n.read_at is not None)
            for n in rows]


def count_unread(tx: Session, user_id: int) -> int:
    return int(tx.exec(select(func.count()).select_from(Notice).where(
        Notice.user_id == user_id, Notice.read_at.is_(None))).one())


def unread_count(actor: Actor) -> int:
    with reading() as tx:
        return count_unread(tx, actor.user_id)


def mark_read(actor: Actor, notice_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notices read (these ids, or all); returns how many changed."""
    conds = [Notice.user_id == actor.user_id, Notice.read_at.is_(None)]
    if notice_ids is not None:
        ids = _ids(notice_ids)
        if not ids:
            return 0
        conds.append(Notice.id.in_(ids))
    with transaction() as tx:
        return tx.execute(update(Notice).where(*conds).values(read_at=clock.now())).rowcount or 0
