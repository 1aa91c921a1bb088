"""Issue 13, item 2 (R-ORG-1): one school's administrator cannot take over accounts of another school
(or the coordinator's) through grant_role, reset_password, set_active or credentials.issue; a
shared account is reset only by someone whose scope covers all of it. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from models import AuditEvent, CredentialIssue, Guardian, RoleGrant, User
from models.db import reading, transaction
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.people import credentials, users
from tests.integration import world as world_mod


@pytest.fixture
def world(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc))
    return world_mod.build()


actor = world_mod.actor_of


def password_hash(user_id):
    with reading() as tx:
        return tx.get(User, user_id).password_hash


def denials():
    with reading() as tx:
        return tx.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()


def test_admin_cannot_grant_a_role_to_another_schools_admin_nor_the_coordinator(world):
    a, b = world.schools["A"], world.schools["B"]
    admin_a = actor(a.users["admin"])
    for victim in (b.users["admin"], world.coordinator_user_id):
        with pytest.raises(AccessDenied, match="другой школе или к муниципалитету"):
            users.grant_role(admin_a, a.id, victim, "teacher")
    with reading() as tx:
        grants = tx.exec(select(RoleGrant).where(RoleGrant.school_id == a.id, RoleGrant.user_id.in_(
            [b.users["admin"], world.coordinator_user_id]))).all()
    assert grants == []
    assert len(denials()) == 2


def test_admin_cannot_reset_or_issue_for_an_account_shared_with_another_school(world):
    a, b = world.schools["A"], world.schools["B"]
    admin_a, admin_b = actor(a.users["admin"]), actor(b.users["admin"])
    shared = b.users["teacher5"]
    # the operator makes teacher5_b a teacher of school A as well (a teacher in both schools)
    users.grant_role(SYSTEM, a.id, shared, "teacher")
    before = password_hash(shared)
    with pytest.raises(AccessDenied, match="другой школе"):
        users.reset_password(admin_a, a.id, shared)
    with pytest.raises(AccessDenied, match="другой школе"):
        credentials.issue(admin_a, a.id, [shared])
    with pytest.raises(AccessDenied, match="другой школе"):
        users.set_active(admin_a, a.id, shared, False)
    # nor the other way round: school B's administrator does not cover school A's role
    with pytest.raises(AccessDenied, match="другой школе"):
        users.reset_password(admin_b, b.id, shared)
    assert password_hash(shared) == before
    with reading() as tx:
        assert tx.exec(select(CredentialIssue).where(CredentialIssue.user_id == shared)).all() == []
        assert tx.get(User, shared).is_active
    assert len(denials()) == 4
    # once the role in school A is revoked, school B's administrator may reset it again
    users.revoke_role(admin_a, next(g.grant_id for g in actor(shared).grants if g.school_id == a.id))
    assert users.reset_password(admin_b, b.id, shared)


def test_a_revoked_grant_does_not_make_an_account_part_of_the_school(world):
    a, b = world.schools["A"], world.schools["B"]
    victim = b.users["admin"]
    with transaction() as tx:  # an old, revoked role of school B's administrator in school A
        tx.add(RoleGrant(user_id=victim, role="teacher", school_id=a.id, granted_at=world_mod.NOW,
                         revoked_at=world_mod.NOW))
    with pytest.raises(users.UserError, match="не найден в этой школе"):
        users.reset_password(actor(a.users["admin"]), a.id, victim)
    with pytest.raises((credentials.CredentialsError, AccessDenied)):
        credentials.issue(actor(a.users["admin"]), a.id, [victim])


def test_class_teacher_cannot_issue_credentials_of_a_staff_member_who_is_also_a_parent(world):
    a = world.schools["A"]
    ct = actor(a.users["class_teacher5"])
    staff_parent = a.users["admin"]
    with transaction() as tx:  # school A's administrator is the parent of a pupil of 5А
        guardian = tx.exec(select(Guardian).where(Guardian.school_id == a.id)).first()
        old_user = guardian.user_id
        guardian.user_id = staff_parent
        tx.add(guardian)
    with pytest.raises(AccessDenied, match="Администратор"):
        credentials.issue(ct, a.id, [staff_parent])
    assert old_user != staff_parent


def test_admin_still_manages_own_schools_accounts(world):
    a = world.schools["A"]
    admin_a = actor(a.users["admin"])
    assert users.reset_password(admin_a, a.id, a.users["teacher5"])
    users.grant_role(admin_a, a.id, a.users["teacher6"], "deputy", grades="6")
    assert [s.user_id for s in credentials.issue(admin_a, a.id, [a.users["director"]])] == [a.users["director"]]
