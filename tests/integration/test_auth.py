"""Sign-in, throttling, sessions and password storage (R-ACC-1) against real databases."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from models import AuditEvent, LoginAttempt, User, UserSession
from models.db import reading
from services.core import auth
from services.core.auth import SignInError
from tests.integration import world as world_mod

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(db_url, frozen_clock):
    frozen_clock(T0)
    return world_mod.build()


def events(action):
    with reading() as tx:
        return tx.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_sign_in_opens_a_session_and_is_audited(world):
    result = auth.sign_in("admin_a", world_mod.PASSWORD)
    assert result.actor.login == "admin_a" and result.actor.has_role("admin")
    assert auth.resume(result.token).user_id == result.actor.user_id
    with reading() as tx:
        user = tx.exec(select(User).where(User.login == "admin_a")).one()
        stored = tx.exec(select(UserSession)).one()
    assert user.activated_at is not None
    assert stored.token_hash != result.token and len(stored.token_hash) == 64
    assert [e.actor_login for e in events("auth.sign_in")] == ["admin_a"]


def test_wrong_password_is_refused_and_audited(world):
    with pytest.raises(SignInError, match="Неверный логин или пароль"):
        auth.sign_in("admin_a", "wrong-password1")
    with pytest.raises(SignInError, match="Неверный логин или пароль"):
        auth.sign_in("nobody", "wrong-password1")
    assert sorted(e.actor_login for e in events("auth.sign_in_failed")) == ["admin_a", "nobody"]


def test_eleventh_attempt_is_refused_even_when_right_and_the_lock_is_temporary(world, frozen_clock):
    for i in range(10):
        frozen_clock(T0 + timedelta(seconds=i))
        with pytest.raises(SignInError, match="Неверный"):
            auth.sign_in("teacher5_a", f"wrong-{i}")
    frozen_clock(T0 + timedelta(seconds=30))
    with pytest.raises(SignInError, match="временно закрыт"):
        auth.sign_in("teacher5_a", world_mod.PASSWORD)
    assert len(events("auth.sign_in_locked")) == 1
    # another account is not affected by this one's lock
    assert auth.sign_in("teacher6_a", world_mod.PASSWORD).token
    # 15 minutes after the first failure the lock has lifted
    frozen_clock(T0 + timedelta(minutes=15, seconds=1))
    assert auth.sign_in("teacher5_a", world_mod.PASSWORD).token


def test_failures_before_a_success_do_not_count(world, frozen_clock):
    for i in range(9):
        with pytest.raises(SignInError):
            auth.sign_in("director_a", "nope-nope1")
    auth.sign_in("director_a", world_mod.PASSWORD)
    with pytest.raises(SignInError, match="Неверный"):
        auth.sign_in("director_a", "nope-nope1")
    assert auth.sign_in("director_a", world_mod.PASSWORD).token


def test_idle_session_expires_after_30_minutes(world, frozen_clock):
    token = auth.sign_in("admin_a", world_mod.PASSWORD).token
    frozen_clock(T0 + timedelta(minutes=29))
    assert auth.resume(token) is not None  # touches the session
    frozen_clock(T0 + timedelta(minutes=29 + 30))
    assert auth.resume(token) is not None
    frozen_clock(T0 + timedelta(minutes=29 + 30 + 30, seconds=1))
    assert auth.resume(token) is None
    frozen_clock(T0 + timedelta(minutes=29 + 30 + 31))
    assert auth.resume(token) is None  # ended for good
    with reading() as tx:
        assert tx.exec(select(UserSession.end_reason)).one() == "idle"


def test_absolute_limit_of_12_hours(world, frozen_clock):
    token = auth.sign_in("admin_a", world_mod.PASSWORD).token
    for minutes in range(20, 12 * 60, 20):
        frozen_clock(T0 + timedelta(minutes=minutes))
        assert auth.resume(token) is not None
    frozen_clock(T0 + timedelta(hours=12, minutes=1))
    assert auth.resume(token) is None


def test_sign_out_and_password_change_end_sessions(world):
    first = auth.sign_in("admin_a", world_mod.PASSWORD)
    auth.sign_out(first.token)
    assert auth.resume(first.token) is None
    a = auth.sign_in("admin_a", world_mod.PASSWORD)
    b = auth.sign_in("admin_a", world_mod.PASSWORD)
    with pytest.raises(SignInError, match="Текущий пароль"):
        auth.change_password(a.actor, "wrong", "New-password-2")
    with pytest.raises(SignInError, match="не менее 8"):
        auth.change_password(a.actor, world_mod.PASSWORD, "short1")
    auth.change_password(a.actor, world_mod.PASSWORD, "New-password-2")
    assert auth.resume(a.token) is None and auth.resume(b.token) is None
    with pytest.raises(SignInError):
        auth.sign_in("admin_a", world_mod.PASSWORD)
    assert auth.sign_in("admin_a", "New-password-2").token


def test_passwords_are_stored_only_as_argon2id_hashes(world):
    auth.sign_in("admin_a", world_mod.PASSWORD)
    with reading() as tx:
        hashes = tx.exec(select(User.password_hash)).all()
        attempts = tx.exec(select(LoginAttempt)).all()
        audit_text = " ".join(f"{e.old} {e.new} {e.detail}" for e in tx.exec(select(AuditEvent)).all())
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(world_mod.PASSWORD not in h for h in hashes)
    assert attempts and world_mod.PASSWORD not in audit_text


def test_oidc_links_an_existing_account_by_email_and_refuses_strangers(world):
    claims = {"sub": "esia-123", "email": "teacher5_a@example.test"}
    first = auth.sign_in_oidc(claims)
    assert first.actor.login == "teacher5_a"
    assert len(events("auth.oidc_linked")) == 1
    again = auth.sign_in_oidc({"sub": "esia-123", "email": "changed@example.test"})
    assert again.actor.user_id == first.actor.user_id
    assert len(events("auth.oidc_linked")) == 1
    with pytest.raises(SignInError, match="не найдена"):
        auth.sign_in_oidc({"sub": "esia-999", "email": "stranger@example.test"})
    assert any(e.actor_login == "oidc:esia-999" for e in events("auth.sign_in_failed"))
    with reading() as tx:
        user = tx.exec(select(User).where(User.login == "teacher5_a")).one()
    assert user.oidc_subject == "esia-123" and user.oidc_last_used_at is not None


def test_oidc_links_nothing_when_several_accounts_share_the_email(world):
    """A parent's and a teacher's account with one address: the portal does not guess whose
    ЕСИА this is; nothing is linked, the refusal says what to do, and it is in the audit log."""
    from models.db import transaction
    with transaction() as tx:
        for login in ("teacher5_a", "director_a"):
            user = tx.exec(select(User).where(User.login == login)).one()
            user.email = "Shared@Example.test"
            tx.add(user)
    with pytest.raises(SignInError, match="нескольких учётных записей"):
        auth.sign_in_oidc({"sub": "esia-shared", "email": "shared@example.test", "email_verified": True})
    with reading() as tx:
        assert tx.exec(select(User).where(User.oidc_subject == "esia-shared")).all() == []
    assert any(e.actor_login == "oidc:esia-shared" for e in events("auth.sign_in_failed"))


def test_oidc_links_to_the_signed_in_account_from_the_profile(world):
    session = auth.sign_in("director_a", world_mod.PASSWORD)
    linked = auth.sign_in_oidc({"sub": "esia-dir", "email": "other@example.test"}, session.token)
    assert linked.actor.login == "director_a"
