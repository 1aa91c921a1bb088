"""Who looked at a child's data (issue 16, item 8): which openings of a pupil's diary, marks or
card are recorded for the family to see, and when a repeated opening is the same look.

A member of staff opening the data of a pupil OUTSIDE their own lessons or class is recorded: a
deputy, the director, an administrator, a secretary, a teacher who does not teach the pupil's
class. The pupil, the pupil's parents, the class teacher of the pupil's class and the teachers
of that class are not (their work is the pupil's own lessons). Pure functions of plain values.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SCREENS = {"diary": "дневник", "marks": "отметки", "card": "личная карточка"}
SAME_LOOK = timedelta(minutes=10)   # a rerun or a return within this time is the same opening
SHOWN_FOR = timedelta(days=92)      # the family sees about the last three months


@dataclass(frozen=True)
class Viewer:
    """The facts about the one who opens, as plain values (services/core/actor.Actor has them)."""
    is_system: bool
    student_ids: frozenset[int]
    children: frozenset[int]
    class_teacher_of: frozenset[int]   # classes of the viewer's class-teacher grants
    teaches_classes: frozenset[int]    # classes the viewer teaches (by assignment)
    staff: bool                        # holds a staff role at all


def of_actor(actor) -> Viewer:
    from services.core.roles import STAFF_ROLES
    return Viewer(bool(actor.is_system), frozenset(actor.student_ids), frozenset(actor.children),
                  frozenset(g.class_id for g in actor.grants if g.role == "class_teacher" and g.class_id is not None),
                  frozenset(c for c, _ in actor.teaches),
                  any(g.role in STAFF_ROLES for g in actor.grants))


def recorded(viewer: Viewer, student_id: int, class_ids: frozenset[int] | set[int]) -> bool:
    """Is this opening of the pupil's data one the family is shown? `class_ids`: the pupil's
    classes (now, and in the year the data belongs to)."""
    if viewer.is_system or student_id in viewer.student_ids or student_id in viewer.children:
        return False
    if not viewer.staff:
        return False   # nobody else passes the policy; nothing to record
    if viewer.class_teacher_of & set(class_ids) or viewer.teaches_classes & set(class_ids):
        return False
    return True


def new_look(last: datetime | None, now: datetime, window: timedelta = SAME_LOOK) -> bool:
    """A new opening (to record), unless the same viewer opened the same screen of the same pupil
    less than `window` ago (a rerun, a tab switched back)."""
    return last is None or now - last >= window or now < last


def screen_title(code: str) -> str:
    if code not in SCREENS:
        raise ValueError(f"unknown screen {code!r}")
    return SCREENS[code]
