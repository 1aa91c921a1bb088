"""Conversations and announcements (R-COM-1; regulation 3.4, 4.3, 4.4, 4.5; issue 8).

* A conversation («переписка») is a thread of one school between its author and one recipient.
  Whether the author may write to the recipient — and, on every reply, whether each member may
  still write to the others — is `services/rules/messaging.may_write`, fed with the facts of
  `parties()`; the policy's «message.use» says who may use messaging at all.
* An announcement («объявление») goes to a class, a parallel, the whole school or its staff
  («announcement.publish»: the administration and the editor for the school, a class teacher
  for their class). Its recipients are fixed when it is published; nobody replies to it.
* Unread counts: each member keeps the id of the newest message they have seen
  (ThreadMember.last_read_message_id); a message is unread for a member when it is newer, not
  their own and not hidden. `unread_total` (messages + notices) is the number in the menu.
* Attachments: one small file per message (services/rules/attachments: ≤ 5 МБ, allow-list of
  types, content sniffed).
* The moderator (Модератор, «message.hide») hides a message that breaks the school's rules —
  it stays in the database with who, when and why, and the hiding is in the audit log. Members
  report a message to the moderator with `report_message`.

Refusals of the messaging rules raise policy.AccessDenied (audited like every denial); bad input
raises MessageError. Both carry a Russian message for the user.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from models import (
    Attachment, Enrollment, Guardian, Lesson, Message, MessageReport, MessageThread, RoleGrant, SchoolClass, SchoolSettings,
    Staff, Student, StudentGuardian, Subject, TeachingAssignment, ThreadMember, User,
)
from models.db import reading, transaction
from services.comms import mail, notices
from services.core import attachments, audit, clock, policy, targets
from services.core.actor import Actor
from services.core.attachments import AttachmentError, FileData, Upload
from services.core.policy import AccessDenied
from services.core.roles import ROLE_TITLES, STAFF_ROLES
from services.core.schools import school_target
from services.people import rosters
from services.rules import messaging as rules
from services.rules.messaging import Party

__all__ = ["MessageError", "Upload", "contacts", "start_thread", "reply", "announce", "announcement_audiences",
           "inbox", "open_thread", "mark_read", "unread_messages", "unread_total", "attachment_of_message",
           "report_message", "moderation_queue", "hide_message", "keep_message", "parties"]

TITLE_MAX, BODY_MAX, REASON_MAX = 200, 10000, 300
HIDDEN_TEXT = "Сообщение скрыто модератором."


class MessageError(ValueError):
    """str(e) is a Russian message saying what is wrong."""


def _name(last: str, first: str, middle: str = "") -> str:
    return " ".join(p for p in (last, first, middle) if p)


def _today(tx: Session, school_id: int) -> date:
    settings = tx.get(SchoolSettings, school_id)
    return clock.today(settings.timezone if settings else None)


def _refuse(actor: Actor, school_id: int | None, reason: str, entity: str, entity_id) -> AccessDenied:
    """A refusal of the messaging rules, audited like a denial of the policy (after the
    transaction rolls back, or at once when none is open)."""
    def record() -> None:
        audit.record_now(actor, "access.denied", school_id=school_id, entity=entity,
                         entity_id=entity_id if entity_id is not None else "", detail=f"message.write: {reason}")
    return AccessDenied(reason, record)


# ------------------------------------------------------------------ the facts of may_write
def parties(tx: Session, school_id: int, user_ids: Iterable[int], on: date | None = None) -> dict[int, Party]:
    """The messaging facts of these users in one school on a date (default: the school's today).
    A handful of queries whatever the number of users."""
    ids = sorted({int(u) for u in user_ids if u is not None})
    if not ids:
        return {}
    on = on or _today(tx, school_id)
    active = dict(tx.exec(select(User.id, User.is_active).where(User.id.in_(ids))).all())
    roles: dict[int, set[str]] = defaultdict(set)
    led: dict[int, set[int]] = defaultdict(set)
    for uid, role, class_id in tx.exec(select(RoleGrant.user_id, RoleGrant.role, RoleGrant.class_id).where(
            RoleGrant.user_id.in_(ids), RoleGrant.school_id == school_id, RoleGrant.revoked_at.is_(None))).all():
        roles[uid].add(role)
        if role == "class_teacher" and class_id is not None:
            led[uid].add(class_id)
    staff_users = [u for u in ids if roles[u] & STAFF_ROLES]
    taught: dict[int, set[int]] = defaultdict(set)
    if staff_users:
        staff_of = dict(tx.exec(select(Staff.id, Staff.user_id).where(
            Staff.school_id == school_id, Staff.user_id.in_(staff_users))).all())
        if staff_of:
            start = clock.school_year_of(on)
            for staff_id, class_id in tx.exec(select(TeachingAssignment.teacher_id, TeachingAssignment.class_id).where(
                    TeachingAssignment.school_id == school_id,
                    TeachingAssignment.teacher_id.in_(list(staff_of)))).all():
                taught[staff_of[staff_id]].add(class_id)
            for staff_id, class_id in tx.exec(select(Lesson.teacher_id, Lesson.class_id).distinct().where(
                    Lesson.school_id == school_id, Lesson.teacher_id.in_(list(staff_of)),
                    Lesson.lesson_date >= date(start, 9, 1), Lesson.lesson_date <= date(start + 1, 8, 31))).all():
                taught[staff_of[staff_id]].add(class_id)
    current = and_(Enrollment.school_id == school_id, Enrollment.starts_on <= on,
                   (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= on))
    family: dict[int, set[int]] = defaultdict(set)
    pupils_self: set[int] = set()
    parents = [u for u in ids if "parent" in roles[u]]
    if parents:
        for uid, class_id in tx.exec(
                select(Guardian.user_id, Enrollment.class_id)
                .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
                .join(Enrollment, and_(Enrollment.student_id == StudentGuardian.student_id, current))
                .where(Guardian.school_id == school_id, Guardian.user_id.in_(parents))).all():
            family[uid].add(class_id)
    pupils = [u for u in ids if "student" in roles[u]]
    if pupils:
        for uid, class_id in tx.exec(
                select(Student.user_id, Enrollment.class_id)
                .join(Enrollment, and_(Enrollment.student_id == Student.id, current))
                .where(Student.school_id == school_id, Student.user_id.in_(pupils))).all():
            family[uid].add(class_id)
            pupils_self.add(uid)
    out = {}
    for uid in ids:
        is_staff = bool(roles[uid] & STAFF_ROLES)
        out[uid] = Party(user_id=uid, school_id=school_id if roles[uid] else None, active=bool(active.get(uid)),
                         is_staff=is_staff,
                         staff_class_ids=frozenset(led[uid] | taught[uid]) if is_staff else frozenset(),
                         family_class_ids=frozenset(family[uid]), is_pupil=uid in pupils_self)
    return out


def _check_may_write(tx: Session, actor: Actor, school_id: int, recipients: Iterable[int], entity: str,
                     entity_id) -> None:
    recipients = list(recipients)
    facts = parties(tx, school_id, [actor.user_id, *recipients])
    for uid in recipients:
        verdict = rules.may_write(facts[actor.user_id], facts.get(uid) or Party(uid, None), school_id)
        if not verdict.allowed:
            raise _refuse(actor, school_id, verdict.reason, entity, entity_id)


# ------------------------------------------------------------------ whom the actor may write to
@dataclass(frozen=True)
class Contact:
    user_id: int
    name: str
    note: str    # «классный руководитель 5А», «родитель: Козлов Петя, 5А», «ученик 5А»
    group: str   # «Сотрудники», «Родители», «Ученики»


def contacts(actor: Actor, school_id: int) -> list[Contact]:
    """Everybody the actor may start a conversation with in this school, by group and name."""
    with reading() as tx:
        policy.require(actor, "message.use", school_target(tx, school_id, entity="message"))
        on = _today(tx, school_id)
        me = parties(tx, school_id, [actor.user_id], on)[actor.user_id]
        candidates: set[int] = set()
        if me.is_staff or me.is_family:
            candidates |= notices.school_staff(tx, school_id, STAFF_ROLES)
        for class_id in me.staff_class_ids:
            candidates |= notices.families(tx, class_id, on)
        candidates.discard(actor.user_id)
        facts = parties(tx, school_id, candidates, on)
        allowed = [u for u in sorted(candidates) if rules.may_write(me, facts[u], school_id).allowed]
        return _describe(tx, school_id, allowed, facts, on)


def _describe(tx: Session, school_id: int, user_ids: list[int], facts: dict[int, Party], on: date) -> list[Contact]:
    if not user_ids:
        return []
    users = {u.id: u for u in tx.exec(select(User).where(User.id.in_(user_ids))).all()}
    class_names = dict(tx.exec(select(SchoolClass.id, SchoolClass.name).where(SchoolClass.school_id == school_id)).all())
    roles: dict[int, list[str]] = defaultdict(list)
    led: dict[int, list[int]] = defaultdict(list)
    for uid, role, class_id in tx.exec(select(RoleGrant.user_id, RoleGrant.role, RoleGrant.class_id).where(
            RoleGrant.user_id.in_(user_ids), RoleGrant.school_id == school_id, RoleGrant.revoked_at.is_(None))).all():
        if role == "class_teacher" and class_id:
            led[uid].append(class_id)
        elif role in STAFF_ROLES and role not in roles[uid]:
            roles[uid].append(role)
    subjects: dict[int, set[str]] = defaultdict(set)
    for uid, subject in tx.exec(select(Staff.user_id, Subject.name)
                                .join(TeachingAssignment, TeachingAssignment.teacher_id == Staff.id)
                                .join(Subject, Subject.id == TeachingAssignment.subject_id)
                                .where(Staff.school_id == school_id, Staff.user_id.in_(user_ids))).all():
        subjects[uid].add(subject)
    children: dict[int, list[str]] = defaultdict(list)
    current = and_(Enrollment.school_id == school_id, Enrollment.starts_on <= on,
                   (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= on))
    for uid, last, first, class_id in tx.exec(
            select(Guardian.user_id, Student.last_name, Student.first_name, Enrollment.class_id)
            .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
            .join(Student, Student.id == StudentGuardian.student_id)
            .join(Enrollment, and_(Enrollment.student_id == Student.id, current))
            .where(Guardian.school_id == school_id, Guardian.user_id.in_(user_ids))
            .order_by(Student.last_name, Student.first_name)).all():
        children[uid].append(f"{last} {first}, {class_names.get(class_id, '')}")
    out = []
    for uid in user_ids:
        u, party = users[uid], facts[uid]
        name = _name(u.last_name, u.first_name, u.middle_name) or u.login
        if party.is_staff:
            parts = [f"классный руководитель {', '.join(sorted(class_names.get(c, '') for c in led[uid]))}"] if led[uid] else []
            if subjects[uid]:
                parts.append("учитель: " + ", ".join(sorted(subjects[uid])))
            parts += [ROLE_TITLES[r].lower() for r in roles[uid] if r != "teacher" or not subjects[uid]]
            out.append(Contact(uid, name, "; ".join(parts), "Сотрудники"))
        elif party.is_pupil:
            classes = ", ".join(sorted(class_names.get(c, "") for c in party.family_class_ids))
            out.append(Contact(uid, name, f"ученик {classes}", "Ученики"))
        else:
            out.append(Contact(uid, name, "родитель: " + "; ".join(children[uid]), "Родители"))
    order = {"Сотрудники": 0, "Родители": 1, "Ученики": 2}
    return sorted(out, key=lambda c: (order[c.group], c.name.lower(), c.user_id))


# ------------------------------------------------------------------ writing
def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise MessageError("Напишите текст сообщения.")
    if len(body) > BODY_MAX:
        raise MessageError(f"Сообщение слишком длинное: {len(body)} знаков, можно не больше {BODY_MAX}.")
    return body


def _clean_title(title: str, required: bool = False) -> str:
    title = " ".join((title or "").split())
    if required and not title:
        raise MessageError("Укажите тему объявления.")
    if len(title) > TITLE_MAX:
        raise MessageError(f"Тема слишком длинная: {len(title)} знаков, можно не больше {TITLE_MAX}.")
    return title


def _check_file(upload: Upload | None) -> None:
    try:
        attachments.check(upload)
    except AttachmentError as e:
        raise MessageError(str(e)) from None


def _add_message(tx: Session, actor: Actor, thread: MessageThread, body: str, upload: Upload | None) -> Message:
    file = attachments.store(tx, thread.school_id, actor, upload)
    msg = Message(school_id=thread.school_id, thread_id=thread.id, sender_user_id=actor.user_id, body=body,
                  attachment_id=file.id if file else None, created_at=clock.now())
    tx.add(msg)
    tx.flush()
    return msg


def _mark_own(tx: Session, thread_id: int, user_id: int, message_id: int) -> None:
    member = tx.exec(select(ThreadMember).where(ThreadMember.thread_id == thread_id,
                                                ThreadMember.user_id == user_id)).first()
    if member is not None:
        member.last_read_message_id = max(member.last_read_message_id or 0, message_id)
        member.last_read_at = clock.now()
        tx.add(member)


def start_thread(actor: Actor, school_id: int, recipient_user_id: int, title: str, body: str,
                 upload: Upload | None = None) -> int:
    """Start a conversation with one recipient; returns the thread's id."""
    body, title = _clean_body(body), _clean_title(title)
    _check_file(upload)
    with transaction() as tx:
        policy.require(actor, "message.use", school_target(tx, school_id, entity="message"))
        _check_may_write(tx, actor, school_id, [recipient_user_id], "user", recipient_user_id)
        now = clock.now()
        thread = MessageThread(school_id=school_id, kind="direct", title=title or "Без темы",
                               created_by_user_id=actor.user_id, created_at=now)
        tx.add(thread)
        tx.flush()
        tx.add_all([ThreadMember(school_id=school_id, thread_id=thread.id, user_id=uid)
                    for uid in (actor.user_id, recipient_user_id)])
        tx.flush()
        msg = _add_message(tx, actor, thread, body, upload)
        _mark_own(tx, thread.id, actor.user_id, msg.id)
        audit.record(tx, actor, "message.sent", school_id=school_id, entity="message", entity_id=msg.id,
                     new={"thread_id": thread.id, "to": [recipient_user_id], "length": len(body),
                          "attachment": msg.attachment_id is not None})
        mail.message_sent(tx, school_id, [recipient_user_id], actor.name, thread.title)
        return thread.id


def _member_thread(tx: Session, actor: Actor, thread_id: int) -> tuple[MessageThread, ThreadMember]:
    thread = tx.get(MessageThread, thread_id)
    member = tx.exec(select(ThreadMember).where(ThreadMember.thread_id == thread_id,
                                                ThreadMember.user_id == actor.user_id)).first()
    if thread is None or member is None:
        raise _refuse(actor, thread.school_id if thread else None, "Переписка не найдена среди ваших.",
                      "message_thread", thread_id)
    return thread, member


def reply(actor: Actor, thread_id: int, body: str, upload: Upload | None = None) -> int:
    """Answer in a conversation; the rules are checked again for every other member."""
    body = _clean_body(body)
    _check_file(upload)
    with transaction() as tx:
        thread, _ = _member_thread(tx, actor, thread_id)
        policy.require(actor, "message.use", school_target(tx, thread.school_id, entity="message_thread",
                                                             entity_id=thread_id))
        if thread.kind != "direct":
            raise MessageError("На объявление ответить нельзя: напишите автору отдельным сообщением.")
        others = tx.exec(select(ThreadMember.user_id).where(ThreadMember.thread_id == thread_id,
                                                            ThreadMember.user_id != actor.user_id)).all()
        _check_may_write(tx, actor, thread.school_id, others, "message_thread", thread_id)
        msg = _add_message(tx, actor, thread, body, upload)
        _mark_own(tx, thread_id, actor.user_id, msg.id)
        audit.record(tx, actor, "message.sent", school_id=thread.school_id, entity="message", entity_id=msg.id,
                     new={"thread_id": thread_id, "to": sorted(others), "length": len(body),
                          "attachment": msg.attachment_id is not None})
        mail.message_sent(tx, thread.school_id, others, actor.name, thread.title)
        return msg.id


# ------------------------------------------------------------------ announcements
def _announcement_target(tx: Session, school_id: int, kind: str, value: int | None):
    if kind == "class":
        target = targets.for_class(tx, value)
        if target.school_id != school_id:
            raise MessageError("Класс не найден в этой школе.")
        return target
    if kind == "grade":
        return school_target(tx, school_id, grade=value, entity="announcement")
    return school_target(tx, school_id, entity="announcement")


def _audience_users(tx: Session, school_id: int, kind: str, value: int | None) -> set[int]:
    if kind == rules.AUDIENCE_STAFF:
        return notices.school_staff(tx, school_id, STAFF_ROLES)
    if kind == rules.AUDIENCE_SCHOOL:
        return {uid for uid in tx.exec(select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id).where(
            RoleGrant.school_id == school_id, RoleGrant.revoked_at.is_(None), User.is_active.is_(True))).all()}
    on = _today(tx, school_id)
    if kind == "class":
        class_ids = [value]
    else:
        year = rosters.current_year(tx, school_id, on)
        class_ids = list(tx.exec(select(SchoolClass.id).where(
            SchoolClass.school_id == school_id, SchoolClass.grade == value,
            SchoolClass.year_id == (year.id if year else -1))).all())
    users: set[int] = set()
    for class_id in class_ids:
        users |= (notices.families(tx, class_id, on) | notices.class_teachers(tx, class_id)
                  | notices.subject_teachers(tx, class_id))
    return users


def announcement_audiences(actor: Actor, school_id: int) -> list[tuple[str, str]]:
    """(value, Russian label) of every audience the actor may announce to; empty when none."""
    with reading() as tx:
        base = school_target(tx, school_id, entity="announcement")
        if not policy.can_ever(actor, "announcement.publish"):
            return []
        year = rosters.current_year(tx, school_id)
        classes = tx.exec(select(SchoolClass).where(
            SchoolClass.school_id == school_id, SchoolClass.year_id == (year.id if year else -1))
            .order_by(SchoolClass.grade, SchoolClass.letter)).all()
        out = []
        if policy.allowed(actor, "announcement.publish", base):
            out += [(rules.AUDIENCE_SCHOOL, "Вся школа"), (rules.AUDIENCE_STAFF, "Сотрудники школы")]
            for grade in sorted({c.grade for c in classes}):
                out.append((f"grade:{grade}", f"{grade}-е классы"))
        for c in classes:
            target = policy.Target(school_id=school_id, municipality_id=base.municipality_id, class_id=c.id,
                                   grade=c.grade, entity="class", entity_id=c.id)
            if policy.allowed(actor, "announcement.publish", target):
                out.append((f"class:{c.id}", f"{c.name} класс"))
        return out


def announce(actor: Actor, school_id: int, audience: str, title: str, body: str,
             upload: Upload | None = None) -> int:
    """Publish an announcement to `audience` ("class:ID", "grade:N", "school", "staff"); returns
    the thread's id. Everyone in the audience at this moment gets it in their inbox."""
    try:
        kind, value = rules.parse_audience(audience)
    except ValueError as e:
        raise MessageError(str(e)) from None
    body, title = _clean_body(body), _clean_title(title, required=True)
    _check_file(upload)
    with transaction() as tx:
        policy.require(actor, "announcement.publish", _announcement_target(tx, school_id, kind, value))
        users = _audience_users(tx, school_id, kind, value) - {actor.user_id}
        if not users:
            raise MessageError("Некому отправить объявление: у адресатов нет учётных записей.")
        now = clock.now()
        thread = MessageThread(school_id=school_id, kind="announcement", title=title, audience=audience.strip(),
                               created_by_user_id=actor.user_id, created_at=now)
        tx.add(thread)
        tx.flush()
        tx.add_all([ThreadMember(school_id=school_id, thread_id=thread.id, user_id=uid)
                    for uid in sorted(users | {actor.user_id})])
        tx.flush()
        msg = _add_message(tx, actor, thread, body, upload)
        _mark_own(tx, thread.id, actor.user_id, msg.id)
        audit.record(tx, actor, "announcement.published", school_id=school_id, entity="message_thread",
                     entity_id=thread.id, new={"audience": audience, "title": title, "recipients": len(users)})
        mail.announced(tx, school_id, users, title)
        return thread.id


# ------------------------------------------------------------------ reading
@dataclass(frozen=True)
class ThreadRow:
    id: int
    kind: str            # direct | announcement
    title: str
    with_whom: str       # the other members (a conversation) or «автор → адресаты» (an announcement)
    last_at: datetime
    messages: int
    unread: int


@dataclass(frozen=True)
class MessageRow:
    id: int
    sender_user_id: int
    sender: str
    body: str            # HIDDEN_TEXT when hidden
    created_at: datetime
    mine: bool
    hidden: bool
    hidden_reason: str
    attachment_name: str
    attachment_size: int


@dataclass(frozen=True)
class ThreadView:
    id: int
    school_id: int
    kind: str
    title: str
    with_whom: str
    can_reply: bool
    messages: list[MessageRow]


def _unread_expr(user_id: int):
    return and_(Message.id > func.coalesce(ThreadMember.last_read_message_id, 0),
                Message.sender_user_id != user_id, Message.hidden_at.is_(None))


def unread_messages(tx: Session, user_id: int, school_id: int | None = None) -> int:
    """Messages the user has not seen yet (in one school, or in all)."""
    stmt = (select(func.count(Message.id)).select_from(ThreadMember)
            .join(Message, Message.thread_id == ThreadMember.thread_id)
            .where(ThreadMember.user_id == user_id, _unread_expr(user_id)))
    if school_id is not None:
        stmt = stmt.where(ThreadMember.school_id == school_id)
    return int(tx.exec(stmt).one())


def unread_total(actor: Actor, school_id: int | None) -> int:
    """The number in the menu: unread messages of the school and unread notices."""
    with reading() as tx:
        return unread_messages(tx, actor.user_id, school_id) + notices.count_unread(tx, actor.user_id)


def _names(tx: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return {u.id: _name(u.last_name, u.first_name, u.middle_name) or u.login
            for u in tx.exec(select(User).where(User.id.in_(ids))).all()}


def _audience_label(tx: Session, audience: str) -> str:
    try:
        kind, value = rules.parse_audience(audience)
    except ValueError:
        return audience
    names = {}
    if kind == "class":
        cls = tx.get(SchoolClass, value)
        names = {value: cls.name} if cls else {}
    return rules.audience_text(kind, value, names)


def _with_whom(tx: Session, actor: Actor, threads: list[MessageThread]) -> dict[int, str]:
    direct = [t.id for t in threads if t.kind == "direct"]
    others: dict[int, list[int]] = defaultdict(list)
    if direct:
        for thread_id, uid in tx.exec(select(ThreadMember.thread_id, ThreadMember.user_id).where(
                ThreadMember.thread_id.in_(direct), ThreadMember.user_id != actor.user_id)).all():
            others[thread_id].append(uid)
    names = _names(tx, [u for us in others.values() for u in us] + [t.created_by_user_id for t in threads])
    out = {}
    for t in threads:
        if t.kind == "direct":
            out[t.id] = ", ".join(sorted(names.get(u, "") for u in others[t.id])) or "—"
        else:
            out[t.id] = f"{names.get(t.created_by_user_id, '')} → {_audience_label(tx, t.audience)}"
    return out


def inbox(actor: Actor, school_id: int, limit: int = 200) -> list[ThreadRow]:
    """The actor's conversations and announcements in the school, the newest first (3 queries)."""
    with reading() as tx:
        policy.require(actor, "message.use", school_target(tx, school_id, entity="message"))
        stats = tx.exec(
            select(Message.thread_id, func.count(Message.id), func.max(Message.id), func.max(Message.created_at),
                   func.sum(case((_unread_expr(actor.user_id), 1), else_=0)))
            .join(ThreadMember, and_(ThreadMember.thread_id == Message.thread_id,
                                     ThreadMember.user_id == actor.user_id))
            .where(ThreadMember.school_id == school_id)
            .group_by(Message.thread_id).order_by(func.max(Message.id).desc()).limit(limit)).all()
        if not stats:
            return []
        threads = {t.id: t for t in tx.exec(select(MessageThread).where(
            MessageThread.id.in_([s[0] for s in stats]))).all()}
        whom = _with_whom(tx, actor, list(threads.values()))
    return [ThreadRow(tid, threads[tid].kind, threads[tid].title, whom[tid], last_at, int(count), int(unread or 0))
            for tid, count, _, last_at, unread in stats]


def open_thread(actor: Actor, thread_id: int) -> ThreadView:
    """A conversation's messages, oldest first (reading does not mark it read: see mark_read)."""
    with reading() as tx:
        thread, _ = _member_thread(tx, actor, thread_id)
        policy.require(actor, "message.use", school_target(tx, thread.school_id, entity="message_thread",
                                                             entity_id=thread_id))
        rows = tx.exec(select(Message, Attachment.name, Attachment.size)
                       .join(Attachment, Attachment.id == Message.attachment_id, isouter=True)
                       .where(Message.thread_id == thread_id).order_by(Message.id)).all()
        names = _names(tx, [m.sender_user_id for m, _, _ in rows])
        whom = _with_whom(tx, actor, [thread])[thread.id]
    messages = []
    for m, file_name, file_size in rows:
        hidden = m.hidden_at is not None
        messages.append(MessageRow(
            id=m.id, sender_user_id=m.sender_user_id, sender=names.get(m.sender_user_id, ""),
            body=HIDDEN_TEXT if hidden else m.body, created_at=m.created_at, mine=m.sender_user_id == actor.user_id,
            hidden=hidden, hidden_reason=m.hidden_reason if hidden else "",
            attachment_name="" if hidden or not file_name else file_name,
            attachment_size=0 if hidden or not file_size else file_size))
    return ThreadView(thread.id, thread.school_id, thread.kind, thread.title, whom, thread.kind == "direct", messages)


def mark_read(actor: Actor, thread_id: int) -> bool:
    """The actor has seen every message of the thread; True when that changed anything."""
    with transaction() as tx:
        _, member = _member_thread(tx, actor, thread_id)
        newest = tx.exec(select(func.max(Message.id)).where(Message.thread_id == thread_id)).one()
        if newest is None or (member.last_read_message_id or 0) >= newest:
            return False
        member.last_read_message_id = newest
        member.last_read_at = clock.now()
        tx.add(member)
        return True


def attachment_of_message(actor: Actor, message_id: int) -> FileData:
    """The file of a message, for a member of its thread (not when hidden) or the moderator."""
    with reading() as tx:
        msg = tx.get(Message, message_id)
        if msg is None or msg.attachment_id is None:
            raise MessageError("У сообщения нет файла.")
        member = tx.exec(select(ThreadMember.id).where(ThreadMember.thread_id == msg.thread_id,
                                                       ThreadMember.user_id == actor.user_id)).first()
        if member is None:  # the moderator reads only what was reported to them, and the read is audited
            if not policy.allowed(actor, "message.hide", school_target(tx, msg.school_id)):
                _member_thread(tx, actor, msg.thread_id)  # refused: not theirs
            _require_reported(tx, actor, msg, "message.hide")
            file = attachments.read(tx, msg.attachment_id)
        elif msg.hidden_at is not None:
            raise MessageError("Сообщение скрыто модератором: его файл недоступен.")
        else:
            return attachments.read(tx, msg.attachment_id)
    audit.record_now(actor, "message.reported_read", school_id=msg.school_id, entity="message", entity_id=message_id,
                     detail=f"файл «{file.name}» сообщения, на которое пожаловались")
    return file


# ------------------------------------------------------------------ moderation
def report_message(actor: Actor, message_id: int, reason: str) -> int:
    """A member asks the school's moderator to look at a message; returns the report's id."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise MessageError("Напишите, чем сообщение нарушает правила.")
    if len(reason) > REASON_MAX:
        raise MessageError(f"Причина слишком длинная: можно не больше {REASON_MAX} знаков.")
    with transaction() as tx:
        msg = tx.get(Message, message_id)
        if msg is None:
            raise MessageError("Сообщение не найдено.")
        thread, _ = _member_thread(tx, actor, msg.thread_id)
        if msg.sender_user_id == actor.user_id:
            raise MessageError("Нельзя пожаловаться на своё сообщение.")
        if msg.hidden_at is not None:
            raise MessageError("Сообщение уже скрыто модератором.")
        if tx.exec(select(MessageReport.id).where(MessageReport.message_id == message_id,
                                                  MessageReport.reporter_user_id == actor.user_id,
                                                  MessageReport.closed_at.is_(None))).first():
            raise MessageError("Вы уже пожаловались на это сообщение; модератор его рассмотрит.")
        report = MessageReport(school_id=msg.school_id, message_id=message_id, reporter_user_id=actor.user_id,
                               reason=reason, created_at=clock.now())
        tx.add(report)
        tx.flush()
        notices.notify(tx, notices.school_staff(tx, msg.school_id, ("moderator",)), "message_report",
                       f"Жалоба на сообщение в переписке «{thread.title}»: {reason}", link=f"message:{message_id}",
                       school_id=msg.school_id)
        audit.record(tx, actor, "message.reported", school_id=msg.school_id, entity="message", entity_id=message_id,
                     detail=reason)
        return report.id


@dataclass(frozen=True)
class ModerationRow:
    message_id: int
    thread_title: str
    kind: str
    sender: str
    body: str
    created_at: datetime
    reports: int
    reasons: str
    hidden: bool
    hidden_reason: str


def moderation_queue(actor: Actor, school_id: int) -> list[ModerationRow]:
    """The messages of the school reported and not yet handled: the moderator sees what was
    reported to them, nothing else; showing their text is audited."""
    with reading() as tx:
        policy.require(actor, "message.hide", school_target(tx, school_id, entity="message"))
        reports: dict[int, list[str]] = defaultdict(list)
        for message_id, reason in tx.exec(select(MessageReport.message_id, MessageReport.reason).where(
                MessageReport.school_id == school_id, MessageReport.closed_at.is_(None))
                .order_by(MessageReport.id)).all():
            reports[message_id].append(reason)
        if not reports:
            return []
        rows = {m.id: (m, t) for m, t in tx.exec(select(Message, MessageThread)
                                                  .join(MessageThread, MessageThread.id == Message.thread_id)
                                                  .where(Message.id.in_(list(reports)))).all()}
        names = _names(tx, [m.sender_user_id for m, _ in rows.values()])
    ids = [i for i in reports if i in rows]
    audit.record_now(actor, "message.reported_read", school_id=school_id, entity="message",
                     entity_id=",".join(map(str, ids))[:64], detail=f"очередь жалоб: сообщений {len(ids)}")
    return [ModerationRow(i, rows[i][1].title, rows[i][1].kind, names.get(rows[i][0].sender_user_id, ""),
                          rows[i][0].body, rows[i][0].created_at, len(reports[i]), "; ".join(reports[i]),
                          rows[i][0].hidden_at is not None, rows[i][0].hidden_reason)
            for i in ids]


def _require_reported(tx: Session, actor: Actor, msg: Message, action: str) -> None:
    """The moderator of the message's school, and the message reported to them (an open report)."""
    target = school_target(tx, msg.school_id, entity="message", entity_id=msg.id)
    policy.require(actor, action, target)
    if tx.exec(select(MessageReport.id).where(MessageReport.message_id == msg.id,
                                              MessageReport.closed_at.is_(None))).first() is None:
        raise policy.refusal(actor, action, target, f"Недостаточно прав: {policy.title(action)}. "
                                                    "На это сообщение никто не пожаловался: модератор "
                                                    "рассматривает только сообщения с жалобами.")


def _close_reports(tx: Session, actor: Actor, message_id: int, outcome: str) -> int:
    open_reports = tx.exec(select(MessageReport).where(MessageReport.message_id == message_id,
                                                       MessageReport.closed_at.is_(None))).all()
    for r in open_reports:
        r.closed_at, r.closed_by_user_id, r.outcome = clock.now(), actor.user_id or None, outcome
        tx.add(r)
    return len(open_reports)


def hide_message(actor: Actor, message_id: int, reason: str) -> None:
    """The moderator hides a message (not deleted), with the reason; the author is told."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise MessageError("Укажите причину: какое правило школы нарушает сообщение.")
    if len(reason) > REASON_MAX:
        raise MessageError(f"Причина слишком длинная: можно не больше {REASON_MAX} знаков.")
    with transaction() as tx:
        msg = tx.get(Message, message_id)
        if msg is None:
            raise MessageError("Сообщение не найдено.")
        if msg.hidden_at is not None:
            policy.require(actor, "message.hide", school_target(tx, msg.school_id, entity="message",
                                                                entity_id=message_id))
            raise MessageError("Сообщение уже скрыто.")
        _require_reported(tx, actor, msg, "message.hide")
        msg.hidden_at, msg.hidden_by_user_id, msg.hidden_reason = clock.now(), actor.user_id or None, reason
        tx.add(msg)
        closed = _close_reports(tx, actor, message_id, "hidden")
        thread = tx.get(MessageThread, msg.thread_id)
        notices.notify(tx, msg.sender_user_id, "message_hidden",
                       f"Ваше сообщение в переписке «{thread.title}» скрыто модератором. Причина: {reason}",
                       link=f"thread:{thread.id}", school_id=msg.school_id)
        audit.record(tx, actor, "message.hidden", school_id=msg.school_id, entity="message", entity_id=message_id,
                     old={"hidden": False}, new={"hidden": True, "reason": reason, "reports_closed": closed},
                     detail=reason)


def keep_message(actor: Actor, message_id: int) -> int:
    """The moderator finds nothing wrong: the open reports of the message are closed."""
    with transaction() as tx:
        msg = tx.get(Message, message_id)
        if msg is None:
            raise MessageError("Сообщение не найдено.")
        policy.require(actor, "message.hide", school_target(tx, msg.school_id, entity="message",
                                                            entity_id=message_id))
        closed = _close_reports(tx, actor, message_id, "kept")
        if not closed:
            raise MessageError("На это сообщение нет открытых жалоб.")
        audit.record(tx, actor, "message.kept", school_id=msg.school_id, entity="message", entity_id=message_id,
                     new={"reports_closed": closed})
        return closed
