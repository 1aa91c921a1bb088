"""Lesson generation without a database: school days across holidays and period boundaries,
and reconciling a changed timetable with lessons that hold data."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from services.rules.timetable_lessons import (
    Calendar, Existing, PlanError, PlanSlot, plan_lessons, reconcile, school_days,
)

Q1, Q2 = 1, 2
CAL = Calendar(
    periods=((Q1, date(2026, 9, 1), date(2026, 10, 23)), (Q2, date(2026, 11, 5), date(2026, 12, 28))),
    holidays=((date(2026, 10, 24), date(2026, 11, 4)), (date(2026, 11, 4), date(2026, 11, 4))),
    bells={(1, n): (time(7 + n, 30), time(8 + n, 15)) for n in range(1, 8)},
)


def s(id, day=1, number=1, subject=5, teacher=100, **kw):
    return PlanSlot(id=id, class_id=10, subject_id=subject, teacher_id=teacher, weekday=day, lesson_number=number,
                    **kw)


def test_school_days_skip_holidays_and_the_gap_between_periods():
    days = dict(school_days(CAL, date(2026, 10, 19), date(2026, 11, 10)))
    assert date(2026, 10, 23) in days and days[date(2026, 10, 23)] == Q1
    assert not any(date(2026, 10, 24) <= d <= date(2026, 11, 4) for d in days)
    assert days[date(2026, 11, 5)] == Q2


def test_plan_lessons_over_a_period_boundary_and_a_holiday():
    # Wednesdays: 21 Oct (Q1), 28 Oct (vacation), 4 Nov (holiday), 11 Nov (Q2)
    out = plan_lessons([s(1, day=3, number=2)], CAL, date(2026, 10, 19), date(2026, 11, 15))
    assert [(p.lesson_date, p.period_id) for p in out] == [(date(2026, 10, 21), Q1), (date(2026, 11, 11), Q2)]
    assert out[0].starts_at == time(9, 30) and out[0].ends_at == time(10, 15)


def test_public_holiday_inside_a_period_is_skipped():
    cal = Calendar(CAL.periods, ((date(2026, 12, 14), date(2026, 12, 14)),), CAL.bells)
    mondays = [p.lesson_date for p in plan_lessons([s(1, day=1)], cal, date(2026, 12, 1), date(2026, 12, 28))]
    assert mondays == [date(2026, 12, 7), date(2026, 12, 21), date(2026, 12, 28)]


def test_a_whole_year_of_one_slot():
    out = plan_lessons([s(1, day=1)], CAL, date(2026, 9, 1), date(2026, 12, 31))
    assert all(d.lesson_date.weekday() == 0 for d in out)
    assert len(out) == 7 + 8  # 7 Mondays in Q1 (7 Sep … 19 Oct), 8 in Q2 (9 Nov … 28 Dec)


def test_validity_of_slots():
    old = s(1, day=1, valid_to=date(2026, 11, 15))
    new = s(2, day=1, number=3, valid_from=date(2026, 11, 16))
    out = plan_lessons([old, new], CAL, date(2026, 11, 5), date(2026, 11, 30))
    assert [(p.slot_id, p.lesson_date.day) for p in out] == [(1, 9), (2, 16), (2, 23), (2, 30)]


def test_a_missing_bell_is_a_clear_error():
    with pytest.raises(PlanError, match="Нет звонков для 9 урока 1 смены"):
        plan_lessons([s(1, number=9)], CAL, date(2026, 9, 1), date(2026, 9, 30))


def ex(id, slot_id, day, number=1, subject=5, data=(), changes=(), planned_date=None, teacher=100, room=""):
    return Existing(id=id, slot_id=slot_id, class_id=10, subgroup_id=None, subject_id=subject, teacher_id=teacher,
                    lesson_date=day, lesson_number=number, starts_at=time(7 + number, 30),
                    ends_at=time(8 + number, 15), room=room, period_id=Q2, planned_date=planned_date, data=data,
                    changes=changes)


def test_reconcile_nothing_to_do():
    planned = plan_lessons([s(1)], CAL, date(2026, 11, 9), date(2026, 11, 16))
    existing = [ex(100 + i, 1, p.lesson_date) for i, p in enumerate(planned)]
    r = reconcile(existing, planned)
    assert (r.create, r.update, r.delete, r.kept, r.unchanged) == ([], [], [], [], 2)


def test_reconcile_a_change_from_a_date_keeps_lessons_with_data():
    """The subject of Monday lesson 1 changes from 16 Nov: lessons of the old slot from then on
    go, except one that already has marks, which is kept and listed."""
    planned = plan_lessons([s(1, valid_to=date(2026, 11, 15)),
                            s(2, subject=6, teacher=101, valid_from=date(2026, 11, 16))],
                           CAL, date(2026, 11, 16), date(2026, 11, 30))
    existing = [ex(1, 1, date(2026, 11, 16)), ex(2, 1, date(2026, 11, 23), data=("отметки",)),
                ex(3, 1, date(2026, 11, 30))]
    r = reconcile(existing, planned)
    assert [e.id for e in r.delete] == [1, 3]
    assert [k.lesson.id for k in r.kept] == [2] and "есть отметки" in r.kept[0].reason
    assert [(p.slot_id, p.lesson_date.day) for p in r.create] == [(2, 16), (2, 23), (2, 30)]


def test_reconcile_follows_a_replaced_slot_of_the_same_subject():
    """The lesson moves from lesson 1 to lesson 3 from 16 Nov: the lesson with a topic goes on
    as the new slot's lesson, with its id and data."""
    planned = plan_lessons([s(2, number=3, teacher=101, room="7", valid_from=date(2026, 11, 16))],
                           CAL, date(2026, 11, 16), date(2026, 11, 23))
    existing = [ex(1, 1, date(2026, 11, 16), data=("тема",)), ex(2, 1, date(2026, 11, 23))]
    r = reconcile(existing, planned)
    assert not r.create and not r.delete and not r.kept
    changed = {old.id: c for old, c in r.update}
    assert changed[1] == {"slot_id": 2, "lesson_number": 3, "starts_at": time(10, 30), "ends_at": time(11, 15),
                          "room": "7", "teacher_id": 101}


def test_reconcile_keeps_a_substitute_and_a_move():
    planned = plan_lessons([s(1, teacher=101)], CAL, date(2026, 11, 9), date(2026, 11, 16))
    subbed = ex(1, 1, date(2026, 11, 9), teacher=555, changes=("замена",))
    moved = ex(2, 1, date(2026, 11, 17), number=5, planned_date=date(2026, 11, 16), changes=("перенос",))
    r = reconcile([subbed, moved], planned)
    assert not r.create and not r.delete and not r.kept
    assert r.unchanged == 1  # the substitute keeps the lesson; the moved one only gets its new teacher
    [(old, changes)] = r.update
    assert old.id == 2 and changes == {"teacher_id": 101}


def test_reconcile_keeps_hand_changed_lessons_that_left_the_timetable():
    cancelled = ex(1, 1, date(2026, 11, 9), changes=("отменён",))
    r = reconcile([cancelled], [])
    assert [k.lesson.id for k in r.kept] == [1] and "изменён вручную: отменён" in r.kept[0].reason


def test_reconcile_never_deletes_a_lesson_with_data_property():
    """Whatever the plan, every lesson holding data is paired with the plan or kept."""
    import random
    rng = random.Random(7)
    for _ in range(200):
        slots = [s(i, day=rng.randint(1, 5), number=rng.randint(1, 4), subject=rng.randint(5, 7),
                   valid_from=date(2026, 11, rng.randint(5, 20))) for i in range(1, rng.randint(1, 6))]
        planned = plan_lessons(slots, CAL, date(2026, 11, 5), date(2026, 11, 30))
        existing = []
        for i in range(rng.randint(0, 12)):
            day = date(2026, 11, 5) + timedelta(days=rng.randint(0, 25))
            existing.append(ex(i, rng.randint(1, 6), day, number=rng.randint(1, 4), subject=rng.randint(5, 7),
                               data=("тема",) if rng.random() < 0.5 else ()))
        r = reconcile(existing, planned)
        deleted = {e.id for e in r.delete}
        assert not any(e.data for e in r.delete)
        paired = {o.id for o, _ in r.update} | {k.lesson.id for k in r.kept}
        assert paired.isdisjoint(deleted)
        assert len(r.update) + r.unchanged + len(r.delete) + len(r.kept) == len(existing)
        assert len(r.create) + len(r.update) + r.unchanged == len(planned)


def test_official_days_off_are_skipped_even_when_the_school_calendar_lacks_them():
    """Issue 18, bug 10: 09.01.2026 (moved from 3 Jan), 09.03.2026, 11.05.2026 are days off by decree."""
    cal = Calendar(((Q1, date(2026, 1, 9), date(2026, 5, 29)),), (), CAL.bells)
    days = dict(school_days(cal, date(2026, 1, 1), date(2026, 5, 31)))
    assert not {date(2026, 1, 9), date(2026, 3, 9), date(2026, 5, 11), date(2026, 2, 23)} & set(days)
    assert date(2026, 1, 10) in days  # an ordinary Saturday stays (a six-day week has lessons on it)
    mondays = [p.lesson_date for p in plan_lessons([s(1, day=1)], cal, date(2026, 3, 1), date(2026, 3, 20))]
    assert mondays == [date(2026, 3, 2), date(2026, 3, 16)]


def test_the_demo_calendar_has_the_days_moved_by_decree():
    from data.demo_calendar import year_calendar
    cal = year_calendar(2025)
    assert not {date(2026, 1, 9), date(2026, 3, 9), date(2026, 5, 11)} & set(cal.school_days)
