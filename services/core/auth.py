"""Signing in and out (R-ACC-1, R-ACC-2): passwords, throttling, server-side sessions, OpenID Connect linking,
and building the Actor that every service receives."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select

from models import (
    Enrollment, Guardian, LoginAttempt, RoleGrant, School, Staff, Student, StudentGuardian,
    TeachingAssignment, User, UserSession,
)
from models.db import reading, transaction
from services.core import audit, clock, config, passwords
from services.core.actor import Actor, Grant
from services.rules import sign_in as sign_in_rules
from services.rules.ids import parse_id


class SignInError(Exception):
    """str(e) is the Russian message for the sign-in form."""


@dataclass(frozen=True)
class SignedIn:
    token: str
    actor: Actor
    must_change_password: bool


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ints(text: str) -> frozenset[int]:
    """«5,6» → {5, 6}; a stored value that is not an id (written before grant_role checked its
    input) is skipped, so that the account can still sign in."""
    return frozenset(v for v in (parse_id(x) for x in (text or "").replace(";", ",").split(",")) if v is not None)


# ---------------------------------------------------------------- the actor
def load_actor(tx: Session, user_id: int, session_id: int | None = None) -> Actor | None:
    user = tx.get(User, user_id)
    if user is None or not user.is_active:
        return None
    grant_rows = tx.exec(select(RoleGrant).where(
        RoleGrant.user_id == user_id, RoleGrant.revoked_at.is_(None))).all()
    grants = tuple(Grant(role=g.role, school_id=g.school_id, municipality_id=g.municipality_id,
                         class_id=g.class_id, grades=_ints(g.grades), subject_ids=_ints(g.subject_ids),
                         grant_id=g.id) for g in grant_rows)
    staff_ids = frozenset(tx.exec(select(Staff.id).where(Staff.user_id == user_id)).all())
    teaches: frozenset[tuple[int, int]] = frozenset()
    if staff_ids:
        teaches = frozenset(tuple(r) for r in tx.exec(
            select(TeachingAssignment.class_id, TeachingAssignment.subject_id)
            .where(TeachingAssignment.teacher_id.in_(staff_ids))).all())
    student_ids = frozenset(tx.exec(select(Student.id).where(Student.user_id == user_id)).all())
    children = frozenset(tx.exec(
        select(StudentGuardian.student_id).join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .where(Guardian.user_id == user_id)).all())
    pupils = student_ids | children
    child_class_ids: frozenset[int] = frozenset()
    if pupils:
        today = clock.today()
        child_class_ids = frozenset(tx.exec(select(Enrollment.class_id).where(
            Enrollment.student_id.in_(pupils), Enrollment.starts_on <= today,
            (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= today))).all())
    school_ids = {g.school_id for g in grants if g.school_id is not None}
    school_municipality = {}
    if school_ids:
        school_municipality = dict(tx.exec(select(School.id, School.municipality_id)
                                           .where(School.id.in_(school_ids))).all())
    name = " ".join(p for p in (user.last_name, user.first_name, user.middle_name) if p) or user.login
    return Actor(user_id=user.id, login=user.login, name=name, grants=grants, staff_ids=staff_ids,
                 teaches=teaches, student_ids=student_ids, children=children,
                 child_class_ids=child_class_ids, must_change_password=user.must_change_password,
                 session_id=session_id, school_municipality=school_municipality)


def actor_for_user(user_id: int) -> Actor | None:
    with reading() as tx:
        return load_actor(tx, user_id)


# ---------------------------------------------------------------- throttling
def _window() -> timedelta:
    return timedelta(minutes=config.get_int("PORTAL_LOGIN_WINDOW_MINUTES"))


def locked_until(tx: Session, login: str, now: datetime, client: str | None = None) -> datetime | None:
    """When the delay of this login ends, or None if it may try now (rules/sign_in.py).

    Counted: failed attempts whose password was checked, since the last success and within
    the look-back; attempts refused by a lock never count, so they cannot extend it. With
    `client`, only the attempts from that address (see sign_in: a known address)."""
    since = now - sign_in_rules.LOOKBACK
    same = (LoginAttempt.login == login,) + ((LoginAttempt.client == client,) if client else ())
    last_success = tx.exec(select(func.max(LoginAttempt.at)).where(*same, LoginAttempt.success.is_(True))).one()
    if last_success is not None and last_success > since:
        since = last_success
    failures = list(tx.exec(select(LoginAttempt.at).where(
        *same, LoginAttempt.success.is_(False), LoginAttempt.throttled.is_(False), LoginAttempt.at > since)).all())
    until = sign_in_rules.account_locked_until(failures, config.get_int("PORTAL_LOGIN_MAX_FAILURES"), _window())
    return until if until is not None and until > now else None


def address_locked_until(tx: Session, client: str | None, now: datetime) -> datetime | None:
    """When the lock of a client address ends, or None (no address: the command line, tests)."""
    if not client:
        return None
    failures = list(tx.exec(select(LoginAttempt.at).where(
        LoginAttempt.client == client, LoginAttempt.success.is_(False), LoginAttempt.throttled.is_(False),
        LoginAttempt.at > now - _window())).all())
    until = sign_in_rules.address_locked_until(
        failures, config.get_int("PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS"), _window())
    return until if until is not None and until > now else None


def _known_address(tx: Session, login: str, client: str, now: datetime) -> bool:
    """Has this account signed in successfully from this address lately?"""
    return tx.exec(select(LoginAttempt.id).where(
        LoginAttempt.login == login, LoginAttempt.client == client, LoginAttempt.success.is_(True),
        LoginAttempt.at > now - sign_in_rules.KNOWN_ADDRESS)).first() is not None


def _normal_login(login: str) -> str:
    return login.strip().lower()


def _failed(login: str, user: User | None, now: datetime, client: str | None, action: str, detail: str,
            throttled: bool = False) -> None:
    """Record a refused attempt and its audit event (the login as much as is kept)."""
    kept = login[:sign_in_rules.STORED_LOGIN]
    with transaction() as tx:
        tx.add(LoginAttempt(login=kept, user_id=user.id if user else None, at=now, success=False,
                            throttled=throttled, client=client))
        audit.record(tx, None, action, login=kept, entity="user", entity_id=user.id if user else "",
                     detail=f"{detail}; адрес {client}" if client else detail)


# ---------------------------------------------------------------- sign in / out
def sign_in(login: str, password: str, client: str | None = None) -> SignedIn:
    """Check the password and open a session; `client` is the address the attempt came from
    (rules/sign_in.client_address), None from the command line."""
    login = _normal_login(login)
    now = clock.now()
    problem = sign_in_rules.too_long(login, password)
    if problem:
        _failed(login, None, now, client, "auth.sign_in_failed", "слишком длинный логин или пароль")
        raise SignInError(problem)
    with reading() as tx:
        user = tx.exec(select(User).where(User.login == login)).first()
        account_lock = locked_until(tx, login, now)
        if account_lock is not None and client and _known_address(tx, login, client, now):
            # the owner's usual address is judged by its own attempts only: an attacker
            # elsewhere cannot lock the owner out from where they normally sign in
            account_lock = locked_until(tx, login, now, client)
        address_lock = address_locked_until(tx, client, now)
    if account_lock is not None or address_lock is not None:
        lock = max(t for t in (account_lock, address_lock) if t is not None)
        whose = "учётная запись" if address_lock is None else "адрес"
        _failed(login, user, now, client, "auth.sign_in_locked", f"вход временно закрыт: {whose}", throttled=True)
        until = clock.to_local(lock).strftime("%H:%M")
        source = " с вашего адреса" if account_lock is None else ""
        raise SignInError(f"Слишком много неудачных попыток входа{source}. "
                          f"Вход временно закрыт до {until} (по Москве).")
    ok = user is not None and user.is_active and passwords.verify_password(user.password_hash, password)
    if user is None:
        passwords.verify_password(None, password)  # same time as a real check
    if not ok:
        _failed(login, user, now, client, "auth.sign_in_failed",
                "неверный логин или пароль" if user is None or user.is_active else "учётная запись отключена")
        raise SignInError("Неверный логин или пароль.")
    return _open_session(user.id, "password", login, client)


def _open_session(user_id: int, method: str, login: str, client: str | None = None) -> SignedIn:
    now = clock.now()
    token = secrets.token_urlsafe(32)
    with transaction() as tx:
        user = tx.get(User, user_id)
        if user.activated_at is None:
            user.activated_at = now
        user.last_login_at = now
        if method == "oidc":
            user.oidc_last_used_at = now
        tx.add(user)
        tx.add(LoginAttempt(login=login, user_id=user_id, at=now, success=True, client=client))
        sess = UserSession(token_hash=_hash_token(token), user_id=user_id, method=method,
                           created_at=now, last_seen_at=now)
        tx.add(sess)
        tx.flush()
        actor = load_actor(tx, user_id, sess.id)
        audit.record(tx, actor, "auth.sign_in", school_id=actor.home_school_id, entity="user",
                     entity_id=user_id, detail=method)
    return SignedIn(token=token, actor=actor, must_change_password=user.must_change_password)


def resume(token: str | None) -> Actor | None:
    """The actor of a live session token, touching its idle timer; None when it has ended."""
    if not token:
        return None
    now = clock.now()
    idle = timedelta(minutes=config.get_int("PORTAL_SESSION_IDLE_MINUTES"))
    absolute = timedelta(hours=config.get_int("PORTAL_SESSION_MAX_HOURS"))
    with transaction() as tx:
        sess = tx.exec(select(UserSession).where(UserSession.token_hash == _hash_token(token))).first()
        if sess is None or sess.ended_at is not None:
            return None
        reason = None
        if now - sess.last_seen_at > idle:
            reason = "idle"
        elif now - sess.created_at > absolute:
            reason = "absolute"
        if reason:
            sess.ended_at, sess.end_reason = now, reason
            tx.add(sess)
            return None
        sess.last_seen_at = now
        tx.add(sess)
        return load_actor(tx, sess.user_id, sess.id)


def sign_out(token: str | None) -> None:
    if not token:
        return
    now = clock.now()
    with transaction() as tx:
        sess = tx.exec(select(UserSession).where(UserSession.token_hash == _hash_token(token))).first()
        if sess is None or sess.ended_at is not None:
            return
        sess.ended_at, sess.end_reason = now, "sign_out"
        tx.add(sess)
        actor = load_actor(tx, sess.user_id)
        audit.record(tx, actor, "auth.sign_out", school_id=actor.home_school_id if actor else None,
                     entity="user", entity_id=sess.user_id)


def end_all_sessions(tx: Session, user_id: int, reason: str) -> None:
    tx.exec(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            .values(ended_at=clock.now(), end_reason=reason))


def change_password(actor: Actor, old_password: str, new_password: str) -> None:
    """Change one's own password; every session of the user ends (sign in again)."""
    problem = passwords.validate_new_password(new_password, actor.login)
    if problem:
        raise SignInError(problem)
    with transaction() as tx:
        user = tx.get(User, actor.user_id)
        if not passwords.verify_password(user.password_hash, old_password):
            raise SignInError("Текущий пароль введён неверно.")
        if old_password == new_password:
            raise SignInError("Новый пароль должен отличаться от текущего.")
        user.password_hash = passwords.hash_password(new_password)
        user.must_change_password = False
        user.password_changed_at = clock.now()
        tx.add(user)
        end_all_sessions(tx, user.id, "password_changed")
        audit.record(tx, actor, "auth.password_changed", school_id=actor.home_school_id,
                     entity="user", entity_id=user.id)


# ---------------------------------------------------------------- OpenID Connect
def sign_in_oidc(claims: dict, current_token: str | None = None) -> SignedIn:
    """Sign in with the claims of an OIDC provider (ЕСИА-like).

    The account must already exist. It is found by the linked subject; on the first OIDC
    sign-in it is linked: to the account signed in right now (when linking from the profile),
    else to the one active account whose e-mail equals the provider's verified e-mail (when
    several accounts share it, e.g. one parent's and one teacher's, nothing is linked: the
    person signs in by password and links from the profile)."""
    sub = str(claims.get("sub") or "").strip()
    if not sub:
        raise SignInError("Поставщик входа не передал идентификатор пользователя.")
    current = resume(current_token) if current_token else None
    now = clock.now()
    ambiguous = False
    with transaction() as tx:
        user = tx.exec(select(User).where(User.oidc_subject == sub)).first()
        if user is None:
            if current is not None:
                user = tx.get(User, current.user_id)
            else:
                email = str(claims.get("email") or "").strip().lower()
                if email and claims.get("email_verified", True) is not False:
                    same = tx.exec(select(User).where(func.lower(User.email) == email,
                                                      User.is_active.is_(True)).limit(2)).all()
                    if len(same) > 1:  # which one is this person's is not for the portal to guess
                        audit.record(tx, None, "auth.sign_in_failed", login=f"oidc:{sub}", entity="user",
                                     detail="адрес почты из ЕСИА есть у нескольких учётных записей")
                        ambiguous = True
                    else:
                        user = same[0] if same else None
            if user is not None:
                if user.oidc_subject and user.oidc_subject != sub:
                    raise SignInError("Эта учётная запись уже привязана к другому входу через ЕСИА.")
                user.oidc_subject, user.oidc_linked_at = sub, now
                tx.add(user)
                tx.flush()
                actor = load_actor(tx, user.id)
                audit.record(tx, actor, "auth.oidc_linked", school_id=actor.home_school_id if actor else None,
                             entity="user", entity_id=user.id, new={"oidc_subject": sub})
        found = (user.id, user.login, user.is_active) if user is not None else None
    if ambiguous:
        raise SignInError("Этот адрес почты указан у нескольких учётных записей портала. Войдите по логину и "
                          "паролю и привяжите вход через ЕСИА в «Мой профиль».")
    if found is None:
        audit.record_now(None, "auth.sign_in_failed", login=f"oidc:{sub}", entity="user",
                         detail="нет учётной записи для входа через ЕСИА")
        raise SignInError("Учётная запись для этого входа через ЕСИА не найдена. "
                          "Обратитесь к администратору школы.")
    user_id, login, active = found
    if not active:
        raise SignInError("Учётная запись отключена.")
    return _open_session(user_id, "oidc", login)
