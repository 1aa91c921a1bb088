"""Timetable rules without a database: conflicts (teacher, room, class, subgroup overlap,
curriculum), hours against the curriculum."""
from __future__ import annotations

from datetime import date, time

from services.rules.timetable import (
    Slot, find_conflicts, hours_versus_curriculum, normal_room, parse_time, week_grid,
)

MATH, RUS, ENG, INF = 1, 2, 3, 4
A5, B5 = 10, 11
BELLS = {(1, n): (time(8 + n, 0), time(8 + n, 45)) for n in range(1, 8)}
BELLS.update({(2, n): (time(13 + n, 0), time(13 + n, 45)) for n in range(1, 5)})
NAMES = {MATH: "Математика", RUS: "Русский язык", ENG: "Английский язык", INF: "Информатика"}


def slot(key, cls=A5, subject=MATH, teacher=100, day=1, number=1, room="", subgroup=None, **kw):
    return Slot(key=key, class_id=cls, subject_id=subject, teacher_id=teacher, weekday=day, lesson_number=number,
                room=room, subgroup_id=subgroup, class_name={A5: "5А", B5: "5Б"}[cls],
                subject_name=NAMES[subject], teacher_name=f"Учитель{teacher}",
                subgroup_name=f"{subgroup} группа" if subgroup else "", **kw)


def kinds(conflicts):
    return sorted(c.kind for c in conflicts)


def test_a_clean_timetable_has_no_conflicts():
    slots = [slot(1, number=1, room="12"), slot(2, subject=RUS, teacher=101, number=2, room="12"),
             slot(3, cls=B5, teacher=101, number=1, room="14"), slot(4, cls=B5, subject=RUS, number=2, room="14")]
    assert find_conflicts(slots, bells=BELLS) == []


def test_teacher_in_two_places():
    slots = [slot(1, number=2), slot(2, cls=B5, number=2)]
    [c] = find_conflicts(slots, bells=BELLS)
    assert c.kind == "teacher" and set(c.keys) == {1, 2}
    assert "Учитель100 в двух местах" in c.message and "Пн, 2 урок" in c.message
    assert "5А Математика и 5Б Математика" in c.message


def test_teacher_on_another_day_or_lesson_is_free():
    assert find_conflicts([slot(1, day=1), slot(2, cls=B5, day=2)], bells=BELLS) == []
    assert find_conflicts([slot(1, number=1), slot(2, cls=B5, number=2)], bells=BELLS) == []


def test_room_taken_twice_spaces_and_case_do_not_matter():
    slots = [slot(1, room="Каб. 12"), slot(2, cls=B5, teacher=101, room=" 12 ")]
    [c] = find_conflicts(slots, bells=BELLS)
    assert c.kind == "room" and "Кабинет" in c.message and "занят дважды" in c.message
    assert normal_room("Кабинет 12") == normal_room("12")


def test_empty_rooms_never_clash():
    assert find_conflicts([slot(1, room=""), slot(2, cls=B5, teacher=101, room="")], bells=BELLS) == []


def test_class_on_two_lessons_at_once():
    [c] = find_conflicts([slot(1), slot(2, subject=RUS, teacher=101)], bells=BELLS)
    assert c.kind == "class" and "Класс 5А на двух уроках сразу" in c.message


def test_whole_class_and_a_subgroup_at_once_clash():
    [c] = find_conflicts([slot(1), slot(2, subject=ENG, teacher=101, subgroup=7)], bells=BELLS)
    assert c.kind == "class"


def test_two_groups_of_one_subject_at_once_are_fine():
    members = {7: frozenset({1, 2}), 8: frozenset({3, 4})}
    slots = [slot(1, subject=ENG, teacher=101, subgroup=7, room="21"),
             slot(2, subject=ENG, teacher=102, subgroup=8, room="22")]
    assert find_conflicts(slots, bells=BELLS, members=members) == []


def test_subgroups_sharing_pupils_clash():
    members = {7: frozenset({1, 2}), 9: frozenset({2, 5})}
    slots = [slot(1, subject=ENG, teacher=101, subgroup=7), slot(2, subject=INF, teacher=102, subgroup=9)]
    [c] = find_conflicts(slots, bells=BELLS, members=members)
    assert c.kind == "pupils" and "одни и те же ученики (1)" in c.message


def test_the_same_subgroup_twice_at_once():
    [c] = find_conflicts([slot(1, subject=ENG, teacher=101, subgroup=7),
                          slot(2, subject=ENG, teacher=102, subgroup=7)], bells=BELLS, members={})
    assert c.kind == "pupils" and "на двух уроках сразу" in c.message


def test_date_ranges_that_do_not_overlap_do_not_clash():
    old = slot(1, valid_from=date(2026, 9, 1), valid_to=date(2026, 11, 15))
    new = slot(2, cls=B5, valid_from=date(2026, 11, 16))
    assert find_conflicts([old, new], bells=BELLS) == []
    later = slot(3, cls=B5, valid_from=date(2026, 11, 10))
    assert kinds(find_conflicts([old, later], bells=BELLS)) == ["teacher"]


def test_an_empty_range_clashes_with_nothing():
    closed = slot(1, valid_from=date(2026, 9, 1), valid_to=date(2026, 8, 31))
    assert find_conflicts([closed, slot(2, cls=B5)], bells=BELLS) == []


def test_shifts_compare_by_bell_times():
    # lesson 1 of the second shift (14:00) and lesson 6 of the first (14:00) overlap
    first = slot(1, number=6)
    second = slot(2, cls=B5, number=1, shift=2)
    assert kinds(find_conflicts([first, second], bells=BELLS)) == ["teacher"]
    assert find_conflicts([slot(1, number=1), slot(2, cls=B5, number=1, shift=2)], bells=BELLS) == []


def test_without_bells_the_number_and_shift_decide():
    assert kinds(find_conflicts([slot(1, number=3), slot(2, cls=B5, number=3)])) == ["teacher"]
    assert find_conflicts([slot(1, number=3), slot(2, cls=B5, number=3, shift=2)]) == []


def test_subject_not_in_curriculum_and_foreign_subgroup():
    curriculum = {A5: {MATH}}
    subgroups = {7: (B5, ENG)}
    out = find_conflicts([slot(1, subject=RUS), slot(2, subject=ENG, number=2, subgroup=7)],
                         bells=BELLS, curriculum=curriculum, subgroups=subgroups)
    assert kinds(out) == ["curriculum", "curriculum", "subgroup"]
    assert any("«Русский язык» нет в учебном плане класса 5А" in c.message for c in out)


def test_bad_day_and_number():
    out = find_conflicts([slot(1, day=7), slot(2, number=13)], bells=BELLS)
    assert kinds(out) == ["day", "number"]


def test_only_keys_limits_to_the_edited_rows():
    slots = [slot(1), slot(2, cls=B5), slot("new", cls=B5, subject=RUS, teacher=101, number=3),
             slot("new2", cls=A5, subject=RUS, teacher=101, number=3)]
    out = find_conflicts(slots, bells=BELLS, only_keys={"new2"})
    assert kinds(out) == ["teacher"] and set(out[0].keys) == {"new", "new2"}


def test_hours_versus_curriculum():
    curriculum = {MATH: ("Математика", 5.0), RUS: ("Русский язык", 4.0), ENG: ("Английский язык", 3.0)}
    slots = ([slot(i, day=i, number=1) for i in range(1, 6)]
             + [slot(10 + i, subject=RUS, day=i, number=2) for i in range(1, 4)]
             + [slot(20 + i, subject=ENG, day=i, number=3, subgroup=7) for i in range(1, 4)]
             + [slot(30 + i, subject=ENG, day=i, number=3, subgroup=8) for i in range(1, 3)]
             + [slot(40, subject=INF, number=4)])
    rows = {r.subject_id: r for r in hours_versus_curriculum(curriculum, slots)}
    assert rows[MATH].ok and rows[MATH].status == "совпадает"
    assert rows[RUS].scheduled == 3 and rows[RUS].status == "не хватает 1 ч"
    assert rows[ENG].status == "подгруппы неравны: 7 группа — 3, 8 группа — 2"
    assert rows[INF].planned == 0 and rows[INF].status == "лишние 1 ч"
    assert list(rows) == [MATH, RUS, ENG, INF]


def test_hours_count_whole_class_lessons_for_every_group():
    curriculum = {ENG: ("Английский язык", 3.0)}
    slots = [slot(1, subject=ENG, day=1), slot(2, subject=ENG, day=2, subgroup=7),
             slot(3, subject=ENG, day=3, subgroup=7), slot(4, subject=ENG, day=2, subgroup=8),
             slot(5, subject=ENG, day=3, subgroup=8)]
    [row] = hours_versus_curriculum(curriculum, slots)
    assert row.ok and row.scheduled == 3


def test_week_grid_and_time():
    grid = week_grid([slot(1, day=2, number=3)], days=range(1, 6), numbers=range(1, 8))
    assert grid[(2, 3)] == ["Математика"] and grid[(1, 1)] == []
    assert parse_time("8.30") == time(8, 30)
