"""The administrator's users and roles, settings, and the audit written beside each change."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from models import AuditEvent, CredentialIssue, RoleGrant, SchoolSettings, User
from models.db import reading
from services.core import auth, school_settings
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.people import users
from tests.integration import world as world_mod


@pytest.fixture
def world(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc))
    return world_mod.build()


def actor(user_id):
    with reading() as tx:
        return auth.load_actor(tx, user_id)


def audit_actions():
    with reading() as tx:
        return [e.action for e in tx.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def test_admin_creates_a_user_with_a_one_time_password(world):
    a = world.schools["A"]
    admin = actor(a.users["admin"])
    user_id, one_time = users.create_user(admin, a.id, login="Ivanova.M", last_name="Иванова",
                                          first_name="Мария", role="teacher")
    assert one_time and len(one_time) >= 10
    signed = auth.sign_in("ivanova.m", one_time)
    assert signed.must_change_password and signed.actor.user_id == user_id
    with reading() as tx:
        issue = tx.exec(select(CredentialIssue).where(CredentialIssue.user_id == user_id)).one()
    assert issue.issued_by_user_id == admin.user_id and issue.kind == "initial"
    assert "user.created" in audit_actions()
    listed = {u.login: u for u in users.list_users(admin, a.id)}
    assert listed["ivanova.m"].activated_at is not None
    assert listed["teacher6_a"].activated_at is None


def test_admin_cannot_manage_another_school(world):
    a, b = world.schools["A"], world.schools["B"]
    admin = actor(a.users["admin"])
    with pytest.raises(AccessDenied, match="другой школе"):
        users.create_user(admin, b.id, login="x.y", last_name="Икс", first_name="Игрек")
    with pytest.raises(AccessDenied):
        users.reset_password(admin, b.id, b.users["teacher5"])
    with pytest.raises(AccessDenied):
        users.list_users(admin, b.id)
    # a user of school B is not reachable through school A either
    with pytest.raises(users.UserError):
        users.reset_password(admin, a.id, b.users["teacher5"])
    assert audit_actions().count("access.denied") == 3


def test_teacher_cannot_manage_users(world):
    a = world.schools["A"]
    teacher = actor(a.users["teacher5"])
    with pytest.raises(AccessDenied, match="не разрешено вашей роли"):
        users.create_user(teacher, a.id, login="x.y", last_name="Икс", first_name="Игрек")


def test_grant_revoke_and_the_menu_facts_follow(world):
    a = world.schools["A"]
    admin = actor(a.users["admin"])
    teacher6 = a.users["teacher6"]
    gid = users.grant_role(admin, a.id, teacher6, "class_teacher", class_id=a.classes["6А"])
    assert actor(teacher6).has_role("class_teacher")
    with pytest.raises(users.UserError, match="уже есть роль"):
        users.grant_role(admin, a.id, teacher6, "class_teacher", class_id=a.classes["6А"])
    with pytest.raises(users.UserError, match="укажите класс"):
        users.grant_role(admin, a.id, teacher6, "class_teacher")
    with pytest.raises(users.UserError, match="нельзя выдать"):
        users.grant_role(admin, a.id, teacher6, "coordinator")
    users.revoke_role(admin, gid)
    assert not actor(teacher6).has_role("class_teacher")
    assert audit_actions()[-2:] == ["role.granted", "role.revoked"]


def test_reset_password_ends_sessions_and_issues_credentials(world):
    a = world.schools["A"]
    admin = actor(a.users["admin"])
    session = auth.sign_in("teacher6_a", world_mod.PASSWORD)
    one_time = users.reset_password(admin, a.id, a.users["teacher6"])
    assert auth.resume(session.token) is None
    assert auth.sign_in("teacher6_a", one_time).must_change_password


def test_a_refused_change_leaves_no_half_and_no_change_audit(world):
    a = world.schools["A"]
    admin = actor(a.users["admin"])
    with reading() as tx:
        before = tx.exec(select(User)).all()
    with pytest.raises(users.UserError, match="уже занят"):
        users.create_user(admin, a.id, login="teacher5_a", last_name="Д", first_name="Д")
    with reading() as tx:
        assert len(tx.exec(select(User)).all()) == len(before)
    assert "user.created" not in audit_actions()


def test_settings_change_is_validated_and_audited(world):
    a = world.schools["A"]
    admin = actor(a.users["admin"])
    assert school_settings.update(admin, a.id, {"edit_window": "two_weeks", "mark_deadline_hour": 21}) == {
        "edit_window": "two_weeks"}
    assert school_settings.load(a.id).edit_window == "two_weeks"
    with pytest.raises(school_settings.SettingsError, match="недопустимое"):
        school_settings.update(admin, a.id, {"edit_window": "forever"})
    with pytest.raises(school_settings.SettingsError, match="часовой пояс"):
        school_settings.update(admin, a.id, {"timezone": "Mars/Olympus"})
    with pytest.raises(AccessDenied):
        school_settings.update(actor(a.users["director"]), a.id, {"edit_window": "week"})
    with reading() as tx:
        ev = tx.exec(select(AuditEvent).where(AuditEvent.action == "settings.changed")).one()
        assert tx.get(SchoolSettings, a.id).version == 2
    assert '"never"' in ev.old and '"two_weeks"' in ev.new


def test_coordinator_grant_only_from_the_command_line(world):
    a = world.schools["A"]
    admin = actor(a.users["admin"])
    with pytest.raises(AccessDenied):
        users.grant_coordinator(admin, a.users["teacher5"], world.municipalities["Северный"])
    users.grant_coordinator(SYSTEM, a.users["teacher5"], world.municipalities["Южный"])
    with reading() as tx:
        g = tx.exec(select(RoleGrant).where(RoleGrant.role == "coordinator",
                                            RoleGrant.user_id == a.users["teacher5"])).one()
    assert g.school_id is None and g.municipality_id == world.municipalities["Южный"]
