"""Who may write to whom (services/rules/messaging.may_write), without a database."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.rules import messaging as rules
from services.rules.messaging import Party, may_write

S, OTHER = 1, 2
CT_5A = Party(10, S, is_staff=True, staff_class_ids=frozenset({51}))          # class teacher of 5А
MATH_5A_6A = Party(11, S, is_staff=True, staff_class_ids=frozenset({51, 61}))  # teaches 5А and 6А
ADMIN = Party(12, S, is_staff=True)                                            # teaches nothing
PARENT_5A = Party(20, S, family_class_ids=frozenset({51}))
PARENT_6A = Party(21, S, family_class_ids=frozenset({61}))
PUPIL_5A = Party(22, S, family_class_ids=frozenset({51}), is_pupil=True)
PARENT_5A_OTHER = Party(30, OTHER, family_class_ids=frozenset({52}))
TEACHER_OTHER = Party(31, OTHER, is_staff=True, staff_class_ids=frozenset({52}))
NOBODY = Party(40, None)


@pytest.mark.parametrize("sender, recipient", [
    (PARENT_5A, CT_5A), (PARENT_5A, MATH_5A_6A), (PUPIL_5A, CT_5A), (PARENT_6A, MATH_5A_6A),
    (CT_5A, PARENT_5A), (CT_5A, PUPIL_5A), (MATH_5A_6A, PARENT_6A), (CT_5A, ADMIN), (ADMIN, MATH_5A_6A),
])
def test_allowed(sender, recipient):
    assert may_write(sender, recipient, S) == rules.ALLOWED


@pytest.mark.parametrize("sender, recipient, reason", [
    (PARENT_6A, CT_5A, rules.FAMILY_TO_STAFF),      # not their child's class teacher
    (PARENT_5A, ADMIN, rules.FAMILY_TO_STAFF),      # the administration is not the class's staff
    (PUPIL_5A, PARENT_5A, rules.FAMILY_TO_FAMILY),
    (PARENT_5A, PARENT_6A, rules.FAMILY_TO_FAMILY),
    (CT_5A, PARENT_6A, rules.STAFF_TO_FAMILY),      # a class they neither lead nor teach
    (ADMIN, PARENT_5A, rules.STAFF_TO_FAMILY),
    (CT_5A, CT_5A, rules.SELF),
])
def test_refused_within_the_school(sender, recipient, reason):
    verdict = may_write(sender, recipient, S)
    assert not verdict.allowed and verdict.reason == reason


def test_nobody_writes_across_schools():
    # a pupil's parent of school 2 seen from school 1 has no role there: «Party(…, None)»
    assert may_write(CT_5A, Party(30, None), S).reason == rules.OTHER_SCHOOL
    assert may_write(PARENT_5A, Party(31, None), S).reason == rules.OTHER_SCHOOL
    # facts of another school never count in this one, even with the same class ids
    assert may_write(TEACHER_OTHER, PARENT_5A, S).reason == rules.NOT_MEMBER
    assert may_write(CT_5A, PARENT_5A_OTHER, S).reason == rules.OTHER_SCHOOL
    assert may_write(NOBODY, CT_5A, S).reason == rules.NOT_MEMBER


def test_disabled_recipient_and_family_without_a_class():
    assert may_write(PARENT_5A, Party(10, S, active=False, is_staff=True, staff_class_ids=frozenset({51})),
                     S).reason == rules.DISABLED
    # a parent whose child has left: still holds the role, but no current class → no one to write to
    assert may_write(Party(23, S), CT_5A, S).reason == rules.NO_CLASS
    assert may_write(CT_5A, Party(23, S), S).reason == rules.RECIPIENT_NO_CLASS


def test_a_teacher_who_is_also_a_parent_writes_either_way():
    both = Party(50, S, is_staff=True, staff_class_ids=frozenset({61}), family_class_ids=frozenset({51}))
    assert may_write(both, CT_5A, S).allowed          # as staff
    assert may_write(both, PARENT_6A, S).allowed      # teaches 6А
    assert may_write(PARENT_5A, both, S).reason == rules.FAMILY_TO_STAFF  # does not teach 5А
    assert may_write(PARENT_6A, both, S).allowed


ids = st.frozensets(st.integers(1, 6), max_size=3)
parties = st.builds(Party, user_id=st.integers(1, 9), school_id=st.sampled_from([S, OTHER, None]),
                    active=st.booleans(), is_staff=st.booleans(), staff_class_ids=ids, family_class_ids=ids)


@given(sender=parties, recipient=parties)
def test_properties(sender, recipient):
    verdict = may_write(sender, recipient, S)
    if verdict.allowed:
        assert sender.school_id == recipient.school_id == S           # never across schools
        assert sender.user_id != recipient.user_id and recipient.active
        assert sender.is_staff or recipient.is_staff                  # families only write to staff
        if not recipient.is_staff:
            assert sender.staff_class_ids & recipient.family_class_ids
        if not sender.is_staff:
            assert recipient.staff_class_ids & sender.family_class_ids
    else:
        assert verdict.reason and verdict.reason[0].isupper()


def test_audiences():
    assert rules.parse_audience("class:12") == ("class", 12)
    assert rules.parse_audience(" grade:5 ") == ("grade", 5)
    assert rules.parse_audience("school") == ("school", None)
    assert rules.parse_audience("staff") == ("staff", None)
    for bad in ("grade:12", "class:x", "all", "", "grade:"):
        with pytest.raises(ValueError):
            rules.parse_audience(bad)
    assert rules.audience_text("class", 3, {3: "5А"}) == "5А класс"
    assert rules.audience_text("grade", 7) == "7-е классы"
    assert rules.audience_text("school", None) == "вся школа"
