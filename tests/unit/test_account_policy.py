"""policy.decide_account: an action on a whole account needs the actor's scope over every place
the account belongs to (issue 13, item 2)."""
from services.core.actor import SYSTEM, Actor, Grant
from services.core.policy import Target, decide_account

ADMIN_A = Actor(user_id=1, login="admin_a", name="A", grants=(Grant("admin", school_id=1),))
ADMIN_AB = Actor(user_id=2, login="admin_ab", name="AB", grants=(Grant("admin", school_id=1), Grant("admin", school_id=2)))
CT_A = Actor(user_id=3, login="ct", name="CT", grants=(Grant("class_teacher", school_id=1, class_id=5),))


def place(school=None, municipality=None, role="teacher"):
    return Target(school_id=school, municipality_id=municipality, role=role, user_id=9)


def test_an_account_inside_the_school_is_covered():
    assert decide_account(ADMIN_A, "user.manage", [place(1), place(1, role="admin")]).allowed


def test_a_shared_account_needs_every_school():
    shared = [place(1), place(2)]
    refusal = decide_account(ADMIN_A, "user.manage", shared)
    assert not refusal.allowed and "другой школе" in refusal.message
    assert decide_account(ADMIN_AB, "user.manage", shared).allowed
    assert decide_account(SYSTEM, "user.manage", shared).allowed


def test_the_coordinator_and_a_bare_account_are_out_of_any_school_scope():
    assert not decide_account(ADMIN_AB, "user.manage", [place(None, 7, "coordinator")]).allowed
    assert not decide_account(ADMIN_A, "user.manage", []).allowed


def test_a_class_teacher_reaches_only_pupils_and_parents():
    assert decide_account(CT_A, "credentials.issue_pupil", [place(1, role="parent")]).allowed
    refusal = decide_account(CT_A, "credentials.issue_pupil", [place(1, role="parent"), place(1, role="admin")])
    assert not refusal.allowed and "Администратор" in refusal.message
    assert not decide_account(CT_A, "user.manage", [place(1, role="parent")]).allowed
