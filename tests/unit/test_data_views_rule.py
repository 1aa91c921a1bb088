"""Who looked at a child's data (issue 16, item 8): which openings are recorded for the family,
and when a repeated opening is the same look."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.core.actor import Actor, Grant
from services.rules.data_views import SAME_LOOK, Viewer, new_look, of_actor, recorded, screen_title

PUPIL, CLASS, OTHER_CLASS = 7, 50, 51


def viewer(**kw) -> Viewer:
    base = dict(is_system=False, student_ids=frozenset(), children=frozenset(), class_teacher_of=frozenset(),
                teaches_classes=frozenset(), staff=True)
    return Viewer(**{**base, **kw})


@pytest.mark.parametrize("who, expected", [
    (viewer(), True),                                                 # a deputy, the director, an administrator
    (viewer(teaches_classes=frozenset({OTHER_CLASS})), True),         # a teacher of another class
    (viewer(class_teacher_of=frozenset({OTHER_CLASS})), True),        # the class teacher of another class
    (viewer(teaches_classes=frozenset({CLASS})), False),              # teaches the pupil's class
    (viewer(class_teacher_of=frozenset({CLASS})), False),             # the pupil's class teacher
    (viewer(children=frozenset({PUPIL})), False),                     # a parent who works at the school
    (viewer(student_ids=frozenset({PUPIL})), False),                  # the pupil
    (viewer(staff=False), False),                                     # not staff
    (viewer(is_system=True), False),                                  # the command line
])
def test_who_is_recorded(who, expected):
    assert recorded(who, PUPIL, {CLASS}) is expected


def test_a_pupil_who_changed_class_is_own_in_either_class():
    assert not recorded(viewer(class_teacher_of=frozenset({OTHER_CLASS})), PUPIL, {CLASS, OTHER_CLASS})


def test_of_actor_reads_the_grants():
    actor = Actor(1, "d", "D", grants=(Grant("deputy", 1), Grant("class_teacher", 1, class_id=CLASS)),
                  teaches=frozenset({(OTHER_CLASS, 3)}), children=frozenset({9}))
    v = of_actor(actor)
    assert v.staff and v.class_teacher_of == {CLASS} and v.teaches_classes == {OTHER_CLASS} and v.children == {9}
    assert not recorded(v, PUPIL, {CLASS}) and recorded(v, PUPIL, {52})
    assert not of_actor(Actor(2, "p", "P", grants=(Grant("parent", 1),))).staff


def test_same_look_within_ten_minutes():
    t = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert new_look(None, t)
    assert not new_look(t, t) and not new_look(t, t + SAME_LOOK - timedelta(seconds=1))
    assert new_look(t, t + SAME_LOOK) and new_look(t, t + timedelta(hours=3))
    assert new_look(t, t - timedelta(minutes=1))  # a clock set back: recorded rather than lost


def test_screens():
    assert screen_title("diary") == "дневник" and screen_title("card") == "личная карточка"
    with pytest.raises(ValueError):
        screen_title("journal")
