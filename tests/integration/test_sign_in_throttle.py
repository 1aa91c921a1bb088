"""Issue 13, items 1 and 9: sign-in throttling per account and per address, on the set clock;
absurdly long input refused before hashing and stored capped. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import AuditEvent, LoginAttempt
from models.db import reading
from services.core import auth, passwords
from services.core.auth import SignInError
from tests.integration import world as world_mod

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)
ATTACKER, OWNER = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def world(db_url, frozen_clock):
    frozen_clock(T0)
    return world_mod.build()


def attempt(frozen_clock, at, login, password, client=ATTACKER):
    """'ok', 'wrong' or 'locked' for one try at T0 + at."""
    frozen_clock(T0 + at)
    try:
        auth.sign_in(login, password, client)
    except SignInError as e:
        return "locked" if "временно закрыт" in str(e) else "wrong"
    return "ok"


def test_the_delay_doubles_up_to_the_cap_and_refused_tries_do_not_extend_it(world, frozen_clock):
    s = timedelta(seconds=1)
    for i in range(10):
        assert attempt(frozen_clock, i * s, "teacher5_a", "wrong-pass1") == "wrong"
    # the 10th failure (at 9 s) closes the account for 1 minute; tries inside do not count
    assert attempt(frozen_clock, 30 * s, "teacher5_a", world_mod.PASSWORD) == "locked"
    assert attempt(frozen_clock, 68 * s, "teacher5_a", "wrong-pass1") == "locked"
    # then each counted failure doubles the delay: 2, 4, 8 minutes, then 15 at most
    at = 9 * s
    for minutes in (1, 2, 4, 8, 15, 15):
        at += timedelta(minutes=minutes) + s
        assert attempt(frozen_clock, at - 2 * s, "teacher5_a", "wrong-pass1") == "locked"
        assert attempt(frozen_clock, at, "teacher5_a", "wrong-pass1") == "wrong"
    # 15 minutes after the last counted failure the right password is accepted
    assert attempt(frozen_clock, at + timedelta(minutes=15) - s, "teacher5_a", world_mod.PASSWORD) == "locked"
    assert attempt(frozen_clock, at + timedelta(minutes=15, seconds=1), "teacher5_a", world_mod.PASSWORD) == "ok"


def test_a_slow_attack_for_hours_ends_fifteen_minutes_after_it_stops(world, frozen_clock):
    at = timedelta(0)
    for i in range(10):
        attempt(frozen_clock, at + timedelta(seconds=i), "director_a", "wrong-pass1")
    while at < timedelta(hours=2):  # one try every 90 s, as the attacker did (for 4 hours)
        at += timedelta(seconds=90)
        attempt(frozen_clock, at, "director_a", "wrong-pass1")
    with reading() as tx:
        counted = tx.exec(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.login == "director_a", LoginAttempt.throttled.is_(False))).one()
    assert counted <= 10 + 4 + 2 * 60 // 15  # after 1, 2, 4, 8 minutes, one guess per ~15 minutes
    assert attempt(frozen_clock, at + timedelta(minutes=15, seconds=1), "director_a", world_mod.PASSWORD) == "ok"


def test_the_owners_usual_address_is_not_locked_by_an_attacker_elsewhere(world, frozen_clock):
    assert attempt(frozen_clock, timedelta(0), "teacher6_a", world_mod.PASSWORD, OWNER) == "ok"
    for i in range(12):
        attempt(frozen_clock, timedelta(seconds=10 + i), "teacher6_a", "wrong-pass1", ATTACKER)
    assert attempt(frozen_clock, timedelta(seconds=40), "teacher6_a", world_mod.PASSWORD, ATTACKER) == "locked"
    assert attempt(frozen_clock, timedelta(seconds=41), "teacher6_a", world_mod.PASSWORD, "192.0.2.1") == "locked"
    assert attempt(frozen_clock, timedelta(seconds=42), "teacher6_a", world_mod.PASSWORD, OWNER) == "ok"


def test_an_address_spraying_many_logins_is_stopped(world, frozen_clock, monkeypatch):
    monkeypatch.setenv("PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS", "5")
    logins = ["admin_a", "director_a", "deputy_a", "teacher5_a", "teacher6_a"]
    for i, login in enumerate(logins):  # one guess per account: no account is delayed
        assert attempt(frozen_clock, timedelta(seconds=i), login, "Spring2026") == "wrong"
    assert attempt(frozen_clock, timedelta(seconds=10), "admin_b", world_mod.PASSWORD) == "locked"
    with reading() as tx:
        locked = tx.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_locked")).one()
    assert ATTACKER in locked.detail and "адрес" in locked.detail
    # another address is not affected, and the lock ends when the failures leave the window
    assert attempt(frozen_clock, timedelta(seconds=11), "admin_b", world_mod.PASSWORD, OWNER) == "ok"
    assert attempt(frozen_clock, timedelta(minutes=15, seconds=1), "admin_b", world_mod.PASSWORD) == "ok"


def test_a_huge_login_or_password_is_refused_before_hashing_and_stored_capped(world, frozen_clock, monkeypatch):
    hashed = []
    real = passwords.hasher

    def counting():
        hashed.append(1)
        return real()
    monkeypatch.setattr(passwords, "hasher", counting)
    with pytest.raises(SignInError, match="Логин длиннее 128 символов"):
        auth.sign_in("a" * 4_000_000, "whatever1")
    with pytest.raises(SignInError, match="Пароль длиннее 256 символов"):
        auth.sign_in("admin_a", "p" * 4_000_000)
    assert hashed == []
    with reading() as tx:
        stored = [a.login for a in tx.exec(select(LoginAttempt)).all()]
        audited = [e.actor_login for e in tx.exec(select(AuditEvent).where(
            AuditEvent.action == "auth.sign_in_failed")).all()]
    assert sorted(map(len, stored)) == [7, 120] and sorted(map(len, audited)) == [7, 120]
