"""Accounts and credentials (R-ACC-3, R-ACC-4; regulation 1.7, 3.2, 3.3, 5.17).

Imported people get accounts at once, with a login made from the name and no password. A
password exists only when credentials are issued: the administrator issues staff credentials,
the class teacher those of the class's pupils and guardians. Each hand-over is a one-time
password printed on a slip and a CredentialIssue row (who gave, to whom, which account, when);
the ledger prints with a signature column. Hashing is slow (argon2id), so it happens here, in
batches spread over the cores, never during an import. A pupil with no credentials handed
over by the end of the 10th working day after arrival (production calendar) is overdue.
Activation is the first sign-in (User.activated_at, set by services/core/auth.py).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from sqlalchemy import func, or_
from sqlmodel import Session, select

from models import (
    AcademicYear, CredentialIssue, Enrollment, Guardian, RoleGrant, School, SchoolClass, SchoolSettings, Staff,
    Student, StudentGuardian, User,
)
from models.db import reading, transaction
from services.core import audit, auth, clock, passwords, policy, targets
from services.core.actor import Actor
from services.core.policy import Target
from services.core.schools import school_target
from services.people.rosters import class_members, full_name
from services.rules.working_days import credentials_due, working_days_between

# ------------------------------------------------------------------ accounts to issue
ROLE_TITLES = {"pupil": "Ученик", "guardian": "Родитель", "staff": "Сотрудник"}


@dataclass(frozen=True)
class Account:
    user_id: int
    login: str
    name: str
    kind: str                       # pupil | guardian | staff
    for_pupil: str                  # the pupil's name (a guardian's child; the pupil themself)
    class_name: str
    last_issued_at: datetime | None
    issues: int
    activated_at: datetime | None
    student_id: int | None = None


def _issue_stats(tx: Session, user_ids: list[int]) -> dict[int, tuple[datetime, int]]:
    if not user_ids:
        return {}
    rows = tx.exec(select(CredentialIssue.user_id, func.max(CredentialIssue.issued_at), func.count())
                   .where(CredentialIssue.user_id.in_(user_ids)).group_by(CredentialIssue.user_id)).all()
    return {uid: (at, n) for uid, at, n in rows}


def class_accounts(actor: Actor, class_id: int) -> list[Account]:
    """The accounts of the class's pupils and of their guardians, pupil by pupil."""
    with reading() as tx:
        policy.require(actor, "credentials.issue_pupil", targets.for_class(tx, class_id))
        cls = tx.get(SchoolClass, class_id)
        members = class_members(tx, cls)
        ids = [s.id for s, _ in members]
        links = tx.exec(select(StudentGuardian.student_id, Guardian).join(
            Guardian, Guardian.id == StudentGuardian.guardian_id).where(StudentGuardian.student_id.in_(ids))
            .order_by(StudentGuardian.id)).all() if ids else []
        user_ids = [s.user_id for s, _ in members if s.user_id] + [g.user_id for _, g in links if g.user_id]
        users = {u.id: u for u in tx.exec(select(User).where(User.id.in_(user_ids))).all()} if user_ids else {}
        stats = _issue_stats(tx, list(users))
        guardians: dict[int, list[Guardian]] = {}
        for sid, g in links:
            guardians.setdefault(sid, []).append(g)
        out = []
        for s, _ in members:
            for kind, person in [("pupil", s)] + [("guardian", g) for g in guardians.get(s.id, [])]:
                u = users.get(person.user_id)
                if u is None:
                    continue
                at, n = stats.get(u.id, (None, 0))
                out.append(Account(u.id, u.login, full_name(person), kind, full_name(s), cls.name, at, n,
                                   u.activated_at, s.id))
        return out


def staff_accounts(actor: Actor, school_id: int) -> list[Account]:
    with reading() as tx:
        policy.require(actor, "credentials.issue_staff", school_target(tx, school_id))
        rows = tx.exec(select(Staff, User).join(User, User.id == Staff.user_id).where(
            Staff.school_id == school_id, Staff.left_on.is_(None)).order_by(Staff.last_name, Staff.first_name)).all()
        stats = _issue_stats(tx, [u.id for _, u in rows])
        return [Account(u.id, u.login, full_name(st), "staff", "", st.position, *stats.get(u.id, (None, 0)),
                        u.activated_at) for st, u in rows]


# ------------------------------------------------------------------ issuing
@dataclass(frozen=True)
class Slip:
    user_id: int
    name: str
    kind: str
    role_title: str
    class_name: str
    for_pupil: str
    login: str
    password: str


class CredentialsError(ValueError):
    pass


def _pupil_target(tx: Session, student_id: int) -> Target:
    """The pupil with their class today; for a pupil enrolled from a later day (imported in August
    for 1 September), with the class they are coming to, so its class teacher may hand over."""
    target = targets.for_student(tx, student_id)
    if target.class_id is None:
        upcoming = tx.exec(select(Enrollment.starts_on).where(Enrollment.student_id == student_id,
                                                              Enrollment.starts_on > clock.today())
                           .order_by(Enrollment.starts_on)).first()
        if upcoming is not None:
            target = targets.for_student(tx, student_id, on=upcoming)
    return target


def _authorise(tx: Session, actor: Actor, school_id: int, user_id: int) -> tuple[str, str, str, str]:
    """Check the actor may hand over this account; (kind, name, class name, pupil name).

    Besides the pupil, parent or staff member in this school, the actor's scope must cover the
    whole account (policy.decide_account): a one-time password opens it everywhere."""
    found = _authorise_in_school(tx, actor, school_id, user_id)
    action = "credentials.issue_staff" if found[0] == "staff" else "credentials.issue_pupil"
    policy.require_account(actor, action, targets.for_account(tx, user_id),
                           Target(user_id=user_id, entity="user", entity_id=user_id))
    return found


def _authorise_in_school(tx: Session, actor: Actor, school_id: int, user_id: int) -> tuple[str, str, str, str]:
    student = tx.exec(select(Student).where(Student.user_id == user_id, Student.school_id == school_id)).first()
    if student is not None:
        target = _pupil_target(tx, student.id)
        policy.require(actor, "credentials.issue_pupil", target)
        cls = tx.get(SchoolClass, target.class_id) if target.class_id else None
        return "pupil", full_name(student), cls.name if cls else "", full_name(student)
    guardian = tx.exec(select(Guardian).where(Guardian.user_id == user_id, Guardian.school_id == school_id)).first()
    if guardian is not None:
        children = tx.exec(select(Student).join(StudentGuardian, StudentGuardian.student_id == Student.id)
                           .where(StudentGuardian.guardian_id == guardian.id)).all()
        denial = None
        for child in children:
            target = _pupil_target(tx, child.id)
            if policy.allowed(actor, "credentials.issue_pupil", target):
                cls = tx.get(SchoolClass, target.class_id) if target.class_id else None
                return "guardian", full_name(guardian), cls.name if cls else "", full_name(child)
            denial = target
        policy.require(actor, "credentials.issue_pupil", denial or school_target(tx, school_id, entity="guardian"))
    staff = tx.exec(select(Staff).where(Staff.user_id == user_id, Staff.school_id == school_id)).first()
    policy.require(actor, "credentials.issue_staff", school_target(tx, school_id, entity="user", entity_id=user_id))
    if staff is not None:
        return "staff", full_name(staff), staff.position, ""
    in_school = tx.exec(select(RoleGrant.id).where(RoleGrant.user_id == user_id, RoleGrant.school_id == school_id,
                                                   RoleGrant.revoked_at.is_(None))).first()
    user = tx.get(User, user_id)
    if user is None or in_school is None:
        raise CredentialsError("Учётная запись не найдена в этой школе.")
    return "staff", full_name(user), "", ""


def _hash_all(secrets_: list[str], progress: Callable[[int, int], None] | None) -> list[str]:
    """argon2id hashes of the one-time passwords, spread over the cores (argon2 releases the GIL)."""
    workers = max(1, min(4, os.cpu_count() or 1))
    done, out = 0, []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for h in pool.map(passwords.hash_password, secrets_):
            out.append(h)
            done += 1
            if progress:
                progress(done, len(secrets_))
    return out


def issue(actor: Actor, school_id: int, user_ids: list[int], *,
          progress: Callable[[int, int], None] | None = None) -> list[Slip]:
    """Hand over credentials: a new one-time password for each account (the first issue, or a
    reset when one was issued before), a CredentialIssue row each, one transaction for the
    batch. The passwords are returned once, for the slips, and stored only as hashes."""
    user_ids = list(dict.fromkeys(user_ids))
    if not user_ids:
        raise CredentialsError("Не выбрано ни одной учётной записи.")
    with reading() as tx:  # refuse before spending seconds on hashing
        for uid in user_ids:
            _authorise(tx, actor, school_id, uid)
    one_time = [passwords.one_time_password() for _ in user_ids]
    hashes = _hash_all(one_time, progress)
    now = clock.now()
    slips = []
    with transaction() as tx:
        earlier = _issue_stats(tx, user_ids)
        for uid, secret, hashed in zip(user_ids, one_time, hashes):
            kind, name, class_name, pupil = _authorise(tx, actor, school_id, uid)
            user = tx.get(User, uid)
            user.password_hash = hashed
            user.must_change_password = True
            tx.add(user)
            issue_kind = "reset" if uid in earlier or user.activated_at is not None else "initial"
            if issue_kind == "reset":
                auth.end_all_sessions(tx, uid, "password_reset")
            tx.add(CredentialIssue(school_id=school_id, user_id=uid, issued_by_user_id=actor.user_id or None,
                                   issued_at=now, kind=issue_kind, recipient=name))
            audit.record(tx, actor, "credentials.issued", school_id=school_id, entity="user", entity_id=uid,
                         new={"login": user.login, "kind": issue_kind, "recipient": name})
            slips.append(Slip(uid, name, kind, ROLE_TITLES[kind], class_name, pupil, user.login, secret))
    return slips


# ------------------------------------------------------------------ the ledger
KIND_TITLES = {"initial": "выдача", "reset": "повторная выдача"}


@dataclass(frozen=True)
class LedgerRow:
    number: int
    issued_at: datetime
    recipient: str
    login: str
    role_title: str
    class_name: str
    kind_title: str
    issued_by: str


def ledger(actor: Actor, school_id: int, *, class_id: int | None = None, date_from: date | None = None,
           date_to: date | None = None) -> list[LedgerRow]:
    """The ledger of issued credentials (журнал выдачи реквизитов), oldest first: the whole
    school (administrator) or the pupils and guardians of one class (its class teacher)."""
    with reading() as tx:
        if class_id is not None:
            policy.require(actor, "credentials.issue_pupil", targets.for_class(tx, class_id))
        else:
            policy.require(actor, "credentials.issue_staff", school_target(tx, school_id))
        tz = (tx.get(SchoolSettings, school_id) or SchoolSettings(school_id=school_id)).timezone
        conds = [CredentialIssue.school_id == school_id]
        if date_from is not None:
            conds.append(CredentialIssue.issued_at >= clock.to_stored(datetime.combine(date_from, datetime.min.time(), clock.zone(tz))))
        if date_to is not None:
            conds.append(CredentialIssue.issued_at <= clock.to_stored(datetime.combine(date_to, datetime.max.time(), clock.zone(tz))))
        rows = tx.exec(select(CredentialIssue, User).join(User, User.id == CredentialIssue.user_id).where(*conds)
                       .order_by(CredentialIssue.issued_at, CredentialIssue.id)).all()
        user_ids = {ci.user_id for ci, _ in rows}
        pupils = dict(tx.exec(select(Student.user_id, Student.id).where(Student.user_id.in_(user_ids))).all()) if user_ids else {}
        guardian_children: dict[int, list[int]] = {}
        if user_ids:
            for uid, sid in tx.exec(select(Guardian.user_id, StudentGuardian.student_id).join(
                    StudentGuardian, StudentGuardian.guardian_id == Guardian.id).where(Guardian.user_id.in_(user_ids))).all():
                guardian_children.setdefault(uid, []).append(sid)
        student_ids = set(pupils.values()) | {s for v in guardian_children.values() for s in v}
        spans: dict[int, list[tuple[date, date | None, int, str]]] = {}
        if student_ids:
            for sid, s, e, cid, name in tx.exec(select(Enrollment.student_id, Enrollment.starts_on, Enrollment.ends_on,
                                                       SchoolClass.id, SchoolClass.name)
                                                .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                                                .where(Enrollment.student_id.in_(student_ids))).all():
                spans.setdefault(sid, []).append((s, e, cid, name))
        issuers = {u.id: full_name(u) for u in tx.exec(select(User).where(User.id.in_(
            {ci.issued_by_user_id for ci, _ in rows if ci.issued_by_user_id}))).all()} if rows else {}

        def class_of(sid: int, day: date) -> tuple[int | None, str]:
            best = (None, "")
            for s, e, cid, name in sorted(spans.get(sid, [])):
                if s <= day:
                    best = (cid, name)
                    if e is None or day <= e:
                        return cid, name
            return best if best[0] else ((sorted(spans[sid])[0][2], sorted(spans[sid])[0][3]) if spans.get(sid) else best)

        out = []
        for ci, user in rows:
            day = clock.to_local(ci.issued_at, tz).date()
            if user.id in pupils:
                role, (cid, cname) = "Ученик", class_of(pupils[user.id], day)
                cids = {cid}
            elif user.id in guardian_children:
                role = "Родитель"
                found = [class_of(s, day) for s in guardian_children[user.id]]
                cids = {c for c, _ in found}
                cname = ", ".join(sorted({n for _, n in found if n}))
            else:
                role, cname, cids = "Сотрудник", "", set()
            if class_id is not None and class_id not in cids:
                continue
            out.append(LedgerRow(len(out) + 1, clock.to_local(ci.issued_at, tz), ci.recipient or full_name(user),
                                 user.login, role, cname, KIND_TITLES.get(ci.kind, ci.kind),
                                 issuers.get(ci.issued_by_user_id, "Система")))
        return out


# ------------------------------------------------------------------ overdue hand-overs
@dataclass(frozen=True)
class Pending:
    student_id: int
    name: str
    class_name: str
    arrived_on: date
    due: datetime
    missing: tuple[str, ...]        # who has no credentials yet: the pupil, «Иванова М. П. (мать)»…
    overdue: bool
    working_days_late: int


def pending(actor: Actor, school_id: int, class_id: int | None = None) -> list[Pending]:
    """Pupils in the school now whose own account or a guardian's has had no credentials
    handed over; `overdue` past the end of the 10th working day after arrival (1.7)."""
    with reading() as tx:
        if class_id is not None:
            policy.require(actor, "credentials.issue_pupil", targets.for_class(tx, class_id))
        else:
            policy.require(actor, "credentials.issue_pupil", school_target(tx, school_id))
        settings = tx.get(SchoolSettings, school_id) or SchoolSettings(school_id=school_id)
        today = clock.today(settings.timezone)
        # only the classes of the school year that is on now: a pupil left in a class of an ended
        # (even unclosed) year is not waiting for credentials
        year_id = tx.exec(select(AcademicYear.id).where(AcademicYear.school_id == school_id,
                                                        AcademicYear.starts_on <= today,
                                                        AcademicYear.ends_on >= today)).first()
        if year_id is None:
            return []
        conds = [Enrollment.school_id == school_id, Enrollment.starts_on <= today,
                 or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= today), SchoolClass.year_id == year_id]
        if class_id is not None:
            conds.append(Enrollment.class_id == class_id)
        rows = tx.exec(select(Student, SchoolClass.name).join(Enrollment, Enrollment.student_id == Student.id)
                       .join(SchoolClass, SchoolClass.id == Enrollment.class_id).where(*conds)).all()
        ids = [s.id for s, _ in rows]
        if not ids:
            return []
        # the arrival in this school in this year: the first day in one of its classes of the year
        first_day = dict(tx.exec(select(Enrollment.student_id, func.min(Enrollment.starts_on))
                                 .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                                 .where(Enrollment.school_id == school_id, Enrollment.student_id.in_(ids),
                                        SchoolClass.year_id == year_id)
                                 .group_by(Enrollment.student_id)).all())
        links = tx.exec(select(StudentGuardian.student_id, StudentGuardian.relation, Guardian)
                        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
                        .where(StudentGuardian.student_id.in_(ids))).all()
        user_ids = {s.user_id for s, _ in rows if s.user_id} | {g.user_id for _, _, g in links if g.user_id}
        handed = set(tx.exec(select(CredentialIssue.user_id).where(
            CredentialIssue.user_id.in_(user_ids)).distinct()).all()) if user_ids else set()
        guardians: dict[int, list[tuple[str, Guardian]]] = {}
        for sid, rel, g in links:
            guardians.setdefault(sid, []).append((rel, g))
        now = clock.now()
        out = []
        for s, cname in rows:
            missing = []
            if s.user_id is None or s.user_id not in handed:
                missing.append("ученик")
            for rel, g in guardians.get(s.id, []):
                if g.user_id is None or g.user_id not in handed:
                    initials = " ".join(f"{x[0]}." for x in (g.first_name, g.middle_name) if x)
                    missing.append(f"{g.last_name} {initials}" + (f" ({rel})" if rel else ""))
            if not missing:
                continue
            arrived = first_day.get(s.id) or today
            if s.arrived_on and s.arrived_on > arrived:  # came back after leaving during the year
                arrived = s.arrived_on
            due = credentials_due(arrived, clock.zone(settings.timezone), settings.credential_working_days)
            late = working_days_between(due.date(), today) if now > due else 0
            out.append(Pending(s.id, full_name(s), cname, arrived, due, tuple(missing), now > due, late))
        return sorted(out, key=lambda p: (not p.overdue, p.class_name, p.name))


# ------------------------------------------------------------------ activation (4.6)
@dataclass(frozen=True)
class Activation:
    group: str
    accounts: int
    issued: int
    activated: int


def activation(actor: Actor, school_id: int) -> list[Activation]:
    """Accounts, credentials handed over and first sign-ins: teachers, pupils, parents."""
    with reading() as tx:
        policy.require(actor, "credentials.issue_staff", school_target(tx, school_id))
        groups = (("Учителя", "teacher"), ("Ученики", "student"), ("Родители", "parent"))
        out = []
        for title, role in groups:
            users = tx.exec(select(User.id, User.activated_at).join(RoleGrant, RoleGrant.user_id == User.id).where(
                RoleGrant.school_id == school_id, RoleGrant.role == role, RoleGrant.revoked_at.is_(None)).distinct()).all()
            ids = [u for u, _ in users]
            issued = tx.exec(select(func.count(func.distinct(CredentialIssue.user_id))).where(
                CredentialIssue.school_id == school_id, CredentialIssue.user_id.in_(ids))).one() if ids else 0
            out.append(Activation(title, len(ids), int(issued), sum(1 for _, a in users if a is not None)))
        return out


def school_name(school_id: int) -> str:
    with reading() as tx:
        school = tx.get(School, school_id)
        return school.short_name or school.name if school else ""


def overdue_by_class(actor: Actor, school_id: int) -> dict[str, int] | None:
    """Overdue hand-overs of the whole school by class (class name → pupils), for whoever may
    hand over credentials school-wide (the administrator); None for anyone else."""
    with reading() as tx:
        if not policy.allowed(actor, "credentials.issue_pupil", school_target(tx, school_id)):
            return None
    out: dict[str, int] = {}
    for p in pending(actor, school_id):
        if p.overdue:
            out[p.class_name] = out.get(p.class_name, 0) + 1
    return out
