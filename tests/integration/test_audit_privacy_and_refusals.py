"""Issue 13, item 11 on SQLite and PostgreSQL: СНИЛС never reaches the audit in clear, whichever
service writes the event; a refusal raised by a service's own check is audited like a policy
denial; grant_role refuses subject, class and parallel ids that are not the school's."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent, RoleGrant
from models.db import reading, transaction
from services.control import indicators
from services.core import auth
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.people import rosters, rosters_import, users
from tests.integration import roster_world as rw_mod
from tests.integration import world as world_mod
from tests.integration.test_account_takeover import world  # noqa: F401  (the fixture)

SNILS, OTHER = "112-233-445 95", "156-427-388 85"


def all_audit_text() -> str:
    with reading() as tx:
        return " ".join(f"{e.old} {e.new} {e.detail}" for e in tx.exec(select(AuditEvent)).all())


def test_snils_is_masked_in_every_audit_event(db_url, frozen_clock):
    frozen_clock(datetime(2026, 8, 25, 10, 0, tzinfo=ZoneInfo("Europe/Moscow")))
    rw = rw_mod.build()
    rows = [rw_mod.pupil_row("Орлов", "Максим", snils=SNILS), rw_mod.pupil_row("Павлова", "Вера", sex="ж")]
    assert rosters_import.run_import(SYSTEM, rw.school_id, "pupils",
                                     rw_mod.workbook(rw_mod.PUPIL_HEADERS, rows), "r.xlsx").committed
    roster = rosters.class_roster(rw.actor("ct5"), rw.classes["5А"])
    orlov = next(p for p in roster.pupils if p.last_name == "Орлов")
    rosters.update_pupils(rw.actor("ct5"), rw.classes["5А"], {orlov.id: {"snils": OTHER}})
    text = all_audit_text()
    assert "***-***-*** 95" in text and "***-***-*** 85" in text
    for clear in (SNILS, OTHER, "11223344595", "15642738885", "112-233-445", "156-427-388"):
        assert clear not in text


actor = world_mod.actor_of


def test_a_services_own_refusal_is_audited(world):
    coordinator = actor(world.coordinator_user_id)
    c = world.schools["C"]  # a school of the other municipality
    with pytest.raises(AccessDenied, match="не относится к вашему муниципалитету"):
        indicators.municipality_classes(coordinator, world.municipalities["Северный"], c.id,
                                        date(2026, 9, 1), date(2026, 11, 1), "ind_1")
    with reading() as tx:
        denied = tx.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert [(e.actor_user_id, e.entity, e.entity_id) for e in denied] == [(world.coordinator_user_id, "school", str(c.id))]


def test_grant_role_refuses_ids_that_are_not_the_schools(world):
    a, b = world.schools["A"], world.schools["B"]
    admin = actor(a.users["admin"])
    teacher = a.users["teacher6"]
    cases = [
        (dict(subject_ids=str(b.subjects["Математика"])), "Предметы: № .* не найдены в этой школе"),
        (dict(subject_ids="999999"), "Предметы: № 999999 не найдены"),
        (dict(subject_ids="1; drop"), "Предметы: «drop»"),
        (dict(subject_ids=str(10**30)), "Предметы: «1000000000000000000"),
        (dict(grades="5, 40"), "Параллели: «40»"),
        (dict(class_id=b.classes["5А"]), "не найден в этой школе"),
        (dict(class_id=10**30), "не найден в этой школе"),
    ]
    for scope, message in cases:
        with pytest.raises(users.UserError, match=message):
            users.grant_role(admin, a.id, teacher, "deputy", **scope)
    with reading() as tx:
        assert tx.exec(select(RoleGrant).where(RoleGrant.user_id == teacher, RoleGrant.role == "deputy")).all() == []
    subject = a.subjects["Русский язык"]
    users.grant_role(admin, a.id, teacher, "deputy", grades="6 5", subject_ids=f"{subject};{subject}")
    with reading() as tx:
        g = tx.exec(select(RoleGrant).where(RoleGrant.user_id == teacher, RoleGrant.role == "deputy")).one()
    assert (g.grades, g.subject_ids) == ("5,6", str(subject))
    # the account can still sign in and holds the deputy's scope
    assert actor(teacher).grants_of("deputy")[0].subject_ids == frozenset({subject})


def test_an_account_with_a_bad_scope_stored_before_the_check_still_signs_in(world):
    a = world.schools["A"]
    with transaction() as tx:
        tx.add(RoleGrant(user_id=a.users["teacher5"], role="deputy", school_id=a.id, grades="5,x",
                         subject_ids=f"{a.subjects['Математика']},abc,{10**30}", granted_at=world_mod.NOW))
    signed = auth.sign_in("teacher5_a", world_mod.PASSWORD)
    deputy = signed.actor.grants_of("deputy")[0]
    assert (deputy.grades, deputy.subject_ids) == (frozenset({5}), frozenset({a.subjects["Математика"]}))
