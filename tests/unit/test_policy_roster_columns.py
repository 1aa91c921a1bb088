"""Issue 13 (2.10): the columns of a class list each role gets, decided in services/core/policy alone."""
from __future__ import annotations

from services.core import policy
from services.core.actor import SYSTEM, Actor, Grant
from services.core.policy import Target

CLASS_5 = Target(school_id=1, municipality_id=10, class_id=5, grade=5)
CLASS_6 = Target(school_id=1, municipality_id=10, class_id=6, grade=6)
FOREIGN = Target(school_id=2, municipality_id=20, class_id=50, grade=5)


def act(grant: Grant, **facts) -> Actor:
    return Actor(user_id=7, login="u", name="U", grants=(grant,), **facts)


def test_a_subject_teacher_gets_names_only_and_the_keepers_of_personal_data_get_all():
    teacher = act(Grant("teacher", school_id=1), staff_ids=frozenset({40}), teaches=frozenset({(5, 3)}))
    class_teacher = act(Grant("class_teacher", school_id=1, class_id=5))
    everything = frozenset(policy.ROSTER_COLUMNS)
    assert policy.roster_columns(teacher, CLASS_5) == {"name"}
    assert policy.roster_columns(act(Grant("director", school_id=1)), CLASS_6) == {"name"}
    assert policy.roster_columns(act(Grant("deputy", school_id=1, grades=frozenset({5}))), CLASS_5) == {"name"}
    assert policy.roster_columns(class_teacher, CLASS_5) == everything
    assert policy.roster_columns(class_teacher, CLASS_6) == set()          # not their class: nothing
    for role in ("admin", "secretary"):
        assert policy.roster_columns(act(Grant(role, school_id=1)), CLASS_6) == everything
        assert policy.roster_columns(act(Grant(role, school_id=1)), FOREIGN) == set()
    assert policy.roster_columns(act(Grant("coordinator", municipality_id=10)), CLASS_5) == set()
    assert policy.roster_columns(SYSTEM, CLASS_5) == everything
