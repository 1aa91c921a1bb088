"""Who may see and do what, against real databases (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from models import AuditEvent, Lesson, Student
from models.db import reading
from services.core import auth, policy, targets
from services.core.policy import AccessDenied, RULES
from services.people import students
from tests.integration import world as world_mod


@pytest.fixture
def world(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc))
    return world_mod.build()


def actor(user_id):
    with reading() as tx:
        return auth.load_actor(tx, user_id)


def all_student_ids():
    with reading() as tx:
        return tx.exec(select(Student.id)).all()


def denials(user_id):
    with reading() as tx:
        return tx.exec(select(AuditEvent).where(AuditEvent.actor_user_id == user_id,
                                                AuditEvent.action == "access.denied")).all()


def test_parent_is_denied_every_pupil_who_is_not_their_child(world):
    school = world.schools["A"]
    parent = actor(school.users["parent_of_pupil5_1"])
    child = school.students["pupil5_1"]
    assert students.open_card(parent, child).name.startswith("Ученик1")
    others = [s for s in all_student_ids() if s != child]
    assert len(others) == 11
    for sid in others:
        with pytest.raises(AccessDenied) as e:
            students.open_card(parent, sid)
        assert "своих детей" in str(e.value) or "другой школе" in str(e.value)
        with pytest.raises(AccessDenied):
            students.pupil_name(parent, sid)
    assert len(denials(parent.user_id)) == 2 * len(others)


def test_student_sees_only_themself(world):
    school = world.schools["A"]
    pupil = actor(school.users["pupil6_2"])
    own = school.students["pupil6_2"]
    assert students.pupil_name(pupil, own)
    for sid in all_student_ids():
        if sid != own:
            with pytest.raises(AccessDenied):
                students.pupil_name(pupil, sid)


def test_teacher_cannot_act_on_another_teachers_class(world):
    school = world.schools["A"]
    t5 = actor(school.users["teacher5"])
    with reading() as tx:
        lessons = tx.exec(select(Lesson)).all()
        for lesson in lessons:
            target = targets.for_lesson(tx, lesson.id)
            mine = lesson.teacher_id == school.staff["teacher5"]
            assert policy.allowed(t5, "journal.edit", target) == mine
            assert policy.allowed(t5, "journal.view", target) == mine
    other_lesson = school.lessons["6А/Математика"]
    with reading() as tx:
        target = targets.for_lesson(tx, other_lesson)
    with pytest.raises(AccessDenied) as e:
        policy.require(t5, "journal.edit", target)
    assert "Недостаточно прав" in str(e.value)
    # the teacher sees the pupils they teach, not the others
    assert students.pupil_name(t5, school.students["pupil5_1"])
    with pytest.raises(AccessDenied):
        students.pupil_name(t5, school.students["pupil6_1"])
    assert [d.entity_id for d in denials(t5.user_id)][0] == str(other_lesson)


def _targets_of_school(tx, school):
    out = [targets.for_student(tx, sid) for sid in school.students.values()]
    out += [targets.for_lesson(tx, lid) for lid in school.lessons.values()]
    out += [targets.for_class(tx, cid) for cid in school.classes.values()]
    return out


def test_nobody_crosses_schools(world):
    a, b = world.schools["A"], world.schools["B"]
    with reading() as tx:
        foreign = _targets_of_school(tx, b)
        own = _targets_of_school(tx, a)
    for label, user_id in a.users.items():
        act = actor(user_id)
        for action in RULES:
            if action == "profile.edit":
                continue
            for target in foreign:
                assert not policy.allowed(act, action, target), (label, action, target)
        # and the same actor is allowed something in their own school
        assert any(policy.allowed(act, action, t) for action in RULES for t in own), label


def test_coordinator_sees_aggregates_of_own_municipality_only_and_never_a_pupil(world):
    coord = actor(world.coordinator_user_id)
    a, c = world.schools["A"], world.schools["C"]
    with reading() as tx:
        for key in ("A", "B"):
            school = world.schools[key]
            school_target = targets.for_class(tx, school.classes["5А"])
            assert policy.allowed(coord, "aggregate.view", school_target)
            assert policy.allowed(coord, "indicators.view", school_target)
            for t in _targets_of_school(tx, school):
                for action in RULES:
                    if action in ("aggregate.view", "indicators.view", "municipal.publish"):
                        continue  # municipal.publish: the municipality's own documents (issue 19), no pupil
                    assert not policy.allowed(coord, action, t), action
        for t in _targets_of_school(tx, c):
            assert not policy.allowed(coord, "aggregate.view", t)
    with pytest.raises(AccessDenied):
        students.pupil_name(coord, a.students["pupil5_1"])


def test_class_teacher_and_deputy_scopes(world):
    a = world.schools["A"]
    ct = actor(a.users["class_teacher5"])
    dep = actor(a.users["deputy"])
    assert students.open_card(ct, a.students["pupil5_2"]).class_name == "5А"
    with pytest.raises(AccessDenied):
        students.open_card(ct, a.students["pupil6_1"])
    assert students.open_card(dep, a.students["pupil5_1"])
    with pytest.raises(AccessDenied):
        students.open_card(dep, a.students["pupil6_1"])  # grade 6 is outside the deputy's parallels


def test_opening_a_card_is_audited(world):
    a = world.schools["A"]
    admin = actor(a.users["admin"])
    students.open_card(admin, a.students["pupil6_1"])
    with reading() as tx:
        events = tx.exec(select(AuditEvent).where(AuditEvent.action == "student.card_opened")).all()
    assert [(e.actor_user_id, e.entity_id, e.school_id) for e in events] == [
        (admin.user_id, str(a.students["pupil6_1"]), a.id)]


def test_forged_ids_are_denied_and_audited(world):
    a = world.schools["A"]
    admin = actor(a.users["admin"])
    with pytest.raises(AccessDenied):
        students.open_card(admin, 999_999)
    assert len(denials(admin.user_id)) == 1
