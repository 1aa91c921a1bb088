"""The policy table (R-ROLE-3), as a pure function of plain values (no database)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from services.core import policy
from services.core.actor import SYSTEM, Actor, Grant
from services.core.policy import RULES, Target, decide

S1, S2, M1, M2 = 1, 2, 10, 20


def act(*grants, **facts) -> Actor:
    return Actor(user_id=7, login="u", name="U", grants=tuple(grants), **facts)


parent = act(Grant("parent", school_id=S1), children=frozenset({100}), child_class_ids=frozenset({5}))
pupil = act(Grant("student", school_id=S1), student_ids=frozenset({101}), child_class_ids=frozenset({5}))
teacher = act(Grant("teacher", school_id=S1), staff_ids=frozenset({40}), teaches=frozenset({(5, 3)}))
class_teacher = act(Grant("class_teacher", school_id=S1, class_id=5))
deputy = act(Grant("deputy", school_id=S1, grades=frozenset({5, 6})))
subject_deputy = act(Grant("deputy", school_id=S1, subject_ids=frozenset({3})))
coordinator = act(Grant("coordinator", municipality_id=M1))
admin = act(Grant("admin", school_id=S1))


def pupil_target(student_id=100, class_id=5, grade=5, school=S1, muni=M1):
    return Target(school_id=school, municipality_id=muni, class_id=class_id, grade=grade, student_id=student_id)


def test_parent_sees_own_child_only():
    assert decide(parent, "diary.view", pupil_target(100)).allowed
    d = decide(parent, "diary.view", pupil_target(102))
    assert not d.allowed and "своих детей" in d.message
    assert not decide(parent, "journal.view", Target(school_id=S1, class_id=5)).allowed


def test_student_never_gets_the_journal():
    assert decide(pupil, "diary.view", pupil_target(101)).allowed
    assert not decide(pupil, "diary.view", pupil_target(100)).allowed
    for action in ("journal.view", "journal.edit", "period_mark.edit"):
        assert not decide(pupil, action, Target(school_id=S1, class_id=5, subject_id=3, teacher_id=40)).allowed


def test_teacher_edits_only_their_lessons():
    own = Target(school_id=S1, class_id=5, subject_id=3, teacher_id=40)
    other = Target(school_id=S1, class_id=5, subject_id=4, teacher_id=41)
    assert decide(teacher, "journal.edit", own).allowed
    assert not decide(teacher, "journal.edit", other).allowed
    assert not decide(teacher, "journal.view", Target(school_id=S1, class_id=6, subject_id=3)).allowed
    assert decide(teacher, "journal.view", Target(school_id=S1, class_id=5, subject_id=3)).allowed


def test_substitute_gets_the_lesson():
    substituted = Target(school_id=S1, class_id=9, subject_id=8, teacher_id=40)
    assert decide(teacher, "journal.edit", substituted).allowed


def test_deputy_scoped_by_parallels_or_subject_area():
    assert decide(deputy, "journal.view", Target(school_id=S1, class_id=5, grade=6)).allowed
    assert not decide(deputy, "journal.view", Target(school_id=S1, class_id=8, grade=8)).allowed
    assert decide(subject_deputy, "journal.view", Target(school_id=S1, class_id=8, grade=8, subject_id=3)).allowed
    assert not decide(subject_deputy, "journal.view", Target(school_id=S1, class_id=8, grade=8, subject_id=4)).allowed


def test_class_teacher_own_class():
    assert decide(class_teacher, "student.card", pupil_target(class_id=5)).allowed
    assert not decide(class_teacher, "student.card", pupil_target(class_id=6)).allowed


def test_coordinator_aggregates_of_own_municipality_only():
    assert decide(coordinator, "aggregate.view", Target(school_id=S1, municipality_id=M1)).allowed
    assert not decide(coordinator, "aggregate.view", Target(school_id=S2, municipality_id=M2)).allowed
    for action in RULES:
        if action not in ("aggregate.view", "indicators.view", "profile.edit", "municipal.publish"):
            assert not decide(coordinator, action, pupil_target()).allowed, action


@given(action=st.sampled_from(sorted(set(RULES) - {"profile.edit"})),
       who=st.sampled_from([parent, pupil, teacher, class_teacher, deputy, subject_deputy, admin]),
       class_id=st.sampled_from([5, 6, None]), grade=st.sampled_from([5, 6, None]),
       student_id=st.sampled_from([100, 101, None]), teacher_id=st.sampled_from([40, None]))
def test_nobody_crosses_schools(action, who, class_id, grade, student_id, teacher_id):
    target = Target(school_id=S2, municipality_id=M1, class_id=class_id, grade=grade,
                    student_id=student_id, teacher_id=teacher_id, subject_id=3)
    assert not decide(who, action, target).allowed


def test_denials_are_russian_and_name_the_action():
    d = decide(teacher, "user.manage", Target(school_id=S1))
    assert not d.allowed and d.message.startswith("Недостаточно прав: управление пользователями")
    d = decide(admin, "user.manage", Target(school_id=S2, municipality_id=M1))
    assert "другой школе" in d.message
    assert not decide(admin, "no.such.action", Target(school_id=S1)).allowed


def test_system_actor_and_menu_helpers():
    assert decide(SYSTEM, "user.manage", Target(school_id=S2)).allowed
    assert policy.can_ever(admin, "user.manage") and not policy.can_ever(teacher, "user.manage")
    multi = act(Grant("admin", school_id=S1), Grant("admin", school_id=S2), Grant("teacher", school_id=S2))
    assert policy.schools_for(multi, "user.manage") == [S1, S2]


def test_every_rule_names_known_roles():
    from services.core.roles import ROLE_TITLES
    for action, (title, rules) in RULES.items():
        assert title and rules, action
        assert all(role in ROLE_TITLES for role, _ in rules), action
