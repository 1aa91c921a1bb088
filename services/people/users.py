"""Users and roles, for the administrator's screen and the CLI."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from models import CredentialIssue, RoleGrant, SchoolClass, Subject, User
from models.db import reading, transaction
from services.core import audit, auth, clock, passwords, policy, targets
from services.core.actor import Actor
from services.core.roles import ROLE_TITLES
from services.core.schools import school_target

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class UserError(ValueError):
    """str(e) is a Russian message saying what is wrong."""


@dataclass(frozen=True)
class GrantRow:
    id: int
    role: str
    title: str
    scope: str


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    name: str
    email: str
    is_active: bool
    activated_at: datetime | None
    last_login_at: datetime | None
    oidc_linked: bool
    must_change_password: bool
    grants: tuple[GrantRow, ...]


def _scope_text(g: RoleGrant, class_names: dict[int, str]) -> str:
    parts = []
    if g.class_id:
        parts.append(f"класс {class_names.get(g.class_id, g.class_id)}")
    if g.grades:
        parts.append(f"параллели {g.grades}")
    if g.subject_ids:
        parts.append(f"предметы {g.subject_ids}")
    if g.municipality_id:
        parts.append(f"муниципалитет {g.municipality_id}")
    return ", ".join(parts)


def list_users(actor: Actor, school_id: int) -> list[UserRow]:
    with reading() as tx:
        policy.require(actor, "user.view", school_target(tx, school_id))
        grants = tx.exec(select(RoleGrant).where(RoleGrant.school_id == school_id,
                                                 RoleGrant.revoked_at.is_(None))).all()
        by_user: dict[int, list[RoleGrant]] = {}
        for g in grants:
            by_user.setdefault(g.user_id, []).append(g)
        class_names = dict(tx.exec(select(SchoolClass.id, SchoolClass.name)
                                   .where(SchoolClass.school_id == school_id)).all())
        users = tx.exec(select(User).where(User.id.in_(list(by_user))).order_by(
            User.last_name, User.first_name, User.login)).all() if by_user else []
        return [UserRow(
            id=u.id, login=u.login, name=" ".join(p for p in (u.last_name, u.first_name, u.middle_name) if p),
            email=u.email or "", is_active=u.is_active, activated_at=u.activated_at,
            last_login_at=u.last_login_at, oidc_linked=u.oidc_subject is not None,
            must_change_password=u.must_change_password,
            grants=tuple(GrantRow(g.id, g.role, ROLE_TITLES.get(g.role, g.role), _scope_text(g, class_names))
                         for g in sorted(by_user[u.id], key=lambda g: g.role)))
            for u in users]


def _check_login(tx: Session, login: str) -> str:
    login = login.strip().lower()
    if not LOGIN_RE.match(login):
        raise UserError(f"Логин «{login}»: только латинские буквы, цифры, точка, дефис и подчёркивание, "
                        "от 3 до 64 символов, начиная с буквы или цифры.")
    if tx.exec(select(User.id).where(User.login == login)).first() is not None:
        raise UserError(f"Логин «{login}» уже занят.")
    return login


def _check_role_scope(tx: Session, school_id: int, role: str, class_id: int | None) -> None:
    if role not in ROLE_TITLES or role == "coordinator":
        raise UserError(f"Роль «{role}» нельзя выдать в школе." if role == "coordinator"
                        else f"Неизвестная роль «{role}».")
    if role == "class_teacher":
        if class_id is None:
            raise UserError("Для роли «Классный руководитель» укажите класс.")
        cls = tx.get(SchoolClass, class_id)
        if cls is None or cls.school_id != school_id:
            raise UserError("Класс не найден в этой школе.")


def create_user(actor: Actor, school_id: int, *, login: str, last_name: str, first_name: str,
                middle_name: str = "", email: str | None = None, role: str = "teacher",
                class_id: int | None = None, grades: str = "", password: str | None = None
                ) -> tuple[int, str | None]:
    """Create an account with one role in the school. Without a password, a one-time password
    is made, handed over (a CredentialIssue) and must be changed at the first sign-in.
    Returns (user id, the one-time password or None)."""
    if not last_name.strip() or not first_name.strip():
        raise UserError("Укажите фамилию и имя.")
    if password is not None:
        problem = passwords.validate_new_password(password, login)
        if problem:
            raise UserError(problem)
    one_time = None if password is not None else passwords.one_time_password()
    now = clock.now()
    with transaction() as tx:
        policy.require(actor, "user.manage", school_target(tx, school_id, entity="user"))
        login = _check_login(tx, login)
        _check_role_scope(tx, school_id, role, class_id)
        grades, _ = _check_scope_ids(tx, school_id, class_id, grades, "")
        user = User(login=login, password_hash=passwords.hash_password(password or one_time),
                    last_name=last_name.strip(), first_name=first_name.strip(),
                    middle_name=middle_name.strip(), email=(email or "").strip().lower() or None,
                    must_change_password=one_time is not None, created_at=now)
        tx.add(user)
        tx.flush()
        tx.add(RoleGrant(user_id=user.id, role=role, school_id=school_id, class_id=class_id,
                         grades=grades, granted_at=now))
        if one_time is not None:
            tx.add(CredentialIssue(school_id=school_id, user_id=user.id,
                                   issued_by_user_id=actor.user_id or None, issued_at=now, kind="initial",
                                   recipient=f"{user.last_name} {user.first_name}"))
        audit.record(tx, actor, "user.created", school_id=school_id, entity="user", entity_id=user.id,
                     new={"login": login, "role": role, "class_id": class_id, "grades": grades})
        return user.id, one_time


def _user_in_school(tx: Session, user_id: int, school_id: int) -> User:
    """The account, when it holds an active role in the school (a revoked one does not count)."""
    user = tx.get(User, user_id)
    in_school = tx.exec(select(RoleGrant.id).where(RoleGrant.user_id == user_id, RoleGrant.school_id == school_id,
                                                   RoleGrant.revoked_at.is_(None))).first()
    if user is None or in_school is None:
        raise UserError("Пользователь не найден в этой школе.")
    return user


def _require_whole_account(tx: Session, actor: Actor, user_id: int) -> None:
    """The actor's scope must cover every place the account belongs to (policy.decide_account)."""
    policy.require_account(actor, "user.manage", targets.for_account(tx, user_id),
                           policy.Target(user_id=user_id, entity="user", entity_id=user_id))


def _ids(text: str, what: str, low: int = 1, high: int = 2**31 - 1) -> list[int]:
    """«5, 6;7» → [5, 6, 7]; anything but whole numbers in [low, high] is a UserError."""
    out = []
    for part in re.split(r"[,\s;]+", text or ""):
        if not part:
            continue
        if not part.isdigit() or not low <= int(part) <= high:
            raise UserError(f"{what}: «{part[:20]}» — ожидается целое число от {low} до {high}.")
        out.append(int(part))
    return sorted(set(out))


def _check_scope_ids(tx: Session, school_id: int, class_id: int | None, grades: str,
                     subject_ids: str) -> tuple[str, str]:
    """Check the class, parallels and subjects of a role against the school; returns the
    normalised (grades, subject_ids) text to store."""
    if class_id is not None:
        cls = tx.get(SchoolClass, class_id) if 0 < class_id < 2**31 else None
        if cls is None or cls.school_id != school_id:
            raise UserError(f"Класс № {class_id} не найден в этой школе.")
    grade_list = _ids(grades, "Параллели", 1, 12)
    subjects = _ids(subject_ids, "Предметы")
    if subjects:
        found = set(tx.exec(select(Subject.id).where(Subject.id.in_(subjects), Subject.school_id == school_id)).all())
        missing = [str(s) for s in subjects if s not in found]
        if missing:
            raise UserError(f"Предметы: № {', '.join(missing)} не найдены в этой школе.")
    return ",".join(map(str, grade_list)), ",".join(map(str, subjects))


def grant_role(actor: Actor, school_id: int, user_id: int, role: str, *, class_id: int | None = None,
               grades: str = "", subject_ids: str = "") -> int:
    with transaction() as tx:
        policy.require(actor, "user.manage", school_target(tx, school_id, entity="user", entity_id=user_id))
        user = tx.get(User, user_id)
        if user is None:
            raise UserError("Пользователь не найден.")
        _require_whole_account(tx, actor, user_id)
        _check_role_scope(tx, school_id, role, class_id)
        grades, subject_ids = _check_scope_ids(tx, school_id, class_id, grades, subject_ids)
        dup = tx.exec(select(RoleGrant.id).where(
            RoleGrant.user_id == user_id, RoleGrant.role == role, RoleGrant.school_id == school_id,
            RoleGrant.class_id == class_id if class_id else RoleGrant.class_id.is_(None),
            RoleGrant.revoked_at.is_(None))).first()
        if dup is not None:
            raise UserError(f"У пользователя уже есть роль «{ROLE_TITLES[role]}».")
        g = RoleGrant(user_id=user_id, role=role, school_id=school_id, class_id=class_id, grades=grades,
                      subject_ids=subject_ids, granted_at=clock.now())
        tx.add(g)
        tx.flush()
        audit.record(tx, actor, "role.granted", school_id=school_id, entity="user", entity_id=user_id,
                     new={"role": role, "class_id": class_id, "grades": grades, "subject_ids": subject_ids})
        return g.id


def grant_coordinator(actor: Actor, user_id: int, municipality_id: int) -> int:
    """The municipal coordinator's grant: only from the command line (the operator)."""
    if not actor.is_system:
        policy.require(actor, "user.manage", policy.Target(municipality_id=municipality_id))
    with transaction() as tx:
        g = RoleGrant(user_id=user_id, role="coordinator", municipality_id=municipality_id,
                      granted_at=clock.now())
        tx.add(g)
        tx.flush()
        audit.record(tx, actor, "role.granted", entity="user", entity_id=user_id,
                     new={"role": "coordinator", "municipality_id": municipality_id})
        return g.id


def revoke_role(actor: Actor, grant_id: int) -> None:
    with transaction() as tx:
        g = tx.get(RoleGrant, grant_id)
        if g is None or g.revoked_at is not None:
            raise UserError("Роль не найдена или уже отозвана.")
        policy.require(actor, "user.manage", school_target(tx, g.school_id, entity="role_grant", entity_id=grant_id)
                       if g.school_id else policy.Target(municipality_id=g.municipality_id))
        if g.user_id == actor.user_id and g.role == "admin":
            raise UserError("Нельзя отозвать роль администратора у самого себя.")
        g.revoked_at = clock.now()
        tx.add(g)
        audit.record(tx, actor, "role.revoked", school_id=g.school_id, entity="user", entity_id=g.user_id,
                     old={"role": g.role, "class_id": g.class_id, "grades": g.grades})


def reset_password(actor: Actor, school_id: int, user_id: int) -> str:
    """Issue a new one-time password (a CredentialIssue); the user's sessions end."""
    one_time = passwords.one_time_password()
    with transaction() as tx:
        policy.require(actor, "user.manage", school_target(tx, school_id, entity="user", entity_id=user_id))
        user = _user_in_school(tx, user_id, school_id)
        _require_whole_account(tx, actor, user_id)
        user.password_hash = passwords.hash_password(one_time)
        user.must_change_password = True
        tx.add(user)
        auth.end_all_sessions(tx, user_id, "password_reset")
        now = clock.now()
        tx.add(CredentialIssue(school_id=school_id, user_id=user_id, issued_by_user_id=actor.user_id or None,
                               issued_at=now, kind="reset", recipient=f"{user.last_name} {user.first_name}"))
        audit.record(tx, actor, "user.password_reset", school_id=school_id, entity="user", entity_id=user_id)
    return one_time


def set_active(actor: Actor, school_id: int, user_id: int, active: bool) -> None:
    with transaction() as tx:
        policy.require(actor, "user.manage", school_target(tx, school_id, entity="user", entity_id=user_id))
        user = _user_in_school(tx, user_id, school_id)
        _require_whole_account(tx, actor, user_id)
        if user.id == actor.user_id and not active:
            raise UserError("Нельзя отключить собственную учётную запись.")
        if user.is_active == active:
            return
        user.is_active = active
        tx.add(user)
        if not active:
            auth.end_all_sessions(tx, user_id, "disabled")
        audit.record(tx, actor, "user.updated", school_id=school_id, entity="user", entity_id=user_id,
                     old={"is_active": not active}, new={"is_active": active})


def find_user_id(login: str) -> int | None:
    with reading() as tx:
        return tx.exec(select(User.id).where(User.login == login.strip().lower())).first()
