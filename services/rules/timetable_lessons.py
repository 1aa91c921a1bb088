"""Lessons from the timetable, as pure functions (no database, no clock).

`plan_lessons` lays the weekly slots over the school days of the study periods (holidays and
vacations skipped): one lesson per slot per day it is valid on. `reconcile` compares that plan
with the lessons that exist and says what to create, update and delete. It never deletes a
lesson that holds anything (a topic, marks, works, attendance, homework) or that a person
changed by hand (a substitution, a move, a cancellation): such a lesson, when the timetable no
longer has it, is kept and listed for a person to resolve.

A lesson is matched to the plan by its slot and the day it was planned for (a moved lesson by
the day it was moved from); failing that, by its day, class, subgroup and subject (a lesson
whose slot was replaced from a date goes on as the new slot's lesson, its data with it).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Iterable

from services.rules.working_days import is_official_day_off


class PlanError(ValueError):
    """str(e) is a Russian message."""


@dataclass(frozen=True)
class PlanSlot:
    id: int
    class_id: int
    subject_id: int
    teacher_id: int
    weekday: int            # 1 = Monday … 6 = Saturday
    lesson_number: int
    room: str = ""
    subgroup_id: int | None = None
    shift: int = 1
    valid_from: date = date.min
    valid_to: date | None = None
    class_name: str = ""


@dataclass(frozen=True)
class Calendar:
    periods: tuple[tuple[int, date, date], ...]                 # (period id, first day, last day)
    holidays: tuple[tuple[date, date], ...] = ()                # vacations and public holidays
    bells: dict = field(default_factory=dict)                   # (shift, number) → (start, end)


@dataclass(frozen=True)
class Planned:
    slot_id: int
    class_id: int
    subgroup_id: int | None
    subject_id: int
    teacher_id: int
    lesson_date: date
    lesson_number: int
    starts_at: time
    ends_at: time
    room: str
    period_id: int


def school_days(calendar: Calendar, date_from: date, date_to: date) -> list[tuple[date, int]]:
    """(day, period id) for every day of a study period between the dates that is not a holiday of
    the school's calendar or an official day off (a public holiday or a day off moved by decree)."""
    off: set[date] = set()
    for start, end in calendar.holidays:
        d = max(start, date_from)
        while d <= min(end, date_to):
            off.add(d)
            d += timedelta(days=1)
    days = []
    for period_id, start, end in sorted(calendar.periods, key=lambda p: p[1]):
        d = max(start, date_from)
        while d <= min(end, date_to):
            if d not in off and not is_official_day_off(d):
                days.append((d, period_id))
            d += timedelta(days=1)
    return days


def plan_lessons(slots: Iterable[PlanSlot], calendar: Calendar, date_from: date, date_to: date) -> list[Planned]:
    """The lessons the timetable makes between the dates (both included)."""
    by_weekday: dict[int, list[PlanSlot]] = defaultdict(list)
    for s in slots:
        by_weekday[s.weekday].append(s)
    for s in (s for group in by_weekday.values() for s in group):
        if (s.shift, s.lesson_number) not in calendar.bells:
            raise PlanError(f"Нет звонков для {s.lesson_number} урока {s.shift} смены"
                            f"{' (класс ' + s.class_name + ')' if s.class_name else ''}: заполните расписание звонков.")
    out: list[Planned] = []
    for day, period_id in school_days(calendar, date_from, date_to):
        for s in by_weekday.get(day.isoweekday(), ()):
            if day < s.valid_from or (s.valid_to is not None and day > s.valid_to):
                continue
            start, end = calendar.bells[(s.shift, s.lesson_number)]
            out.append(Planned(s.id, s.class_id, s.subgroup_id, s.subject_id, s.teacher_id, day, s.lesson_number,
                               start, end, s.room, period_id))
    return out


@dataclass(frozen=True)
class Existing:
    id: int
    slot_id: int | None
    class_id: int
    subgroup_id: int | None
    subject_id: int
    teacher_id: int | None
    lesson_date: date
    lesson_number: int
    starts_at: time
    ends_at: time
    room: str
    period_id: int | None
    planned_date: date | None = None          # the day it was planned for, when it was moved
    data: tuple[str, ...] = ()                # what it holds: «тема», «отметки», …
    changes: tuple[str, ...] = ()             # what a person did: «замена», «перенос», «отменён», …

    @property
    def key_date(self) -> date:
        return self.planned_date or self.lesson_date

    @property
    def moved(self) -> bool:
        return self.planned_date is not None

    @property
    def substituted(self) -> bool:
        return "замена" in self.changes or "не проведён" in self.changes

    @property
    def pinned(self) -> bool:
        return bool(self.data or self.changes)


@dataclass(frozen=True)
class Kept:
    lesson: Existing
    reason: str


@dataclass
class Reconciliation:
    create: list[Planned] = field(default_factory=list)
    update: list[tuple[Existing, dict]] = field(default_factory=list)
    delete: list[Existing] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    unchanged: int = 0


def _changes(old: Existing, new: Planned) -> dict:
    """The columns of `old` that the plan changes (a moved lesson keeps its day, number and room;
    a substituted one keeps its teacher)."""
    want = {"slot_id": new.slot_id, "subgroup_id": new.subgroup_id, "subject_id": new.subject_id,
            "period_id": new.period_id}
    if not old.moved:
        want.update(lesson_number=new.lesson_number, starts_at=new.starts_at, ends_at=new.ends_at, room=new.room)
    if not old.substituted:
        want["teacher_id"] = new.teacher_id
    return {k: v for k, v in want.items() if getattr(old, k) != v}


def reason_kept(lesson: Existing) -> str:
    parts = []
    if lesson.data:
        parts.append("есть " + ", ".join(lesson.data))
    if lesson.changes:
        parts.append("изменён вручную: " + ", ".join(lesson.changes))
    return "Урока больше нет в расписании, но он не удалён: " + "; ".join(parts) + "."


def reconcile(existing: Iterable[Existing], planned: Iterable[Planned]) -> Reconciliation:
    """What to do so that the lessons follow the plan, never losing a lesson with data.

    `existing` are the lessons made from the timetable (slot_id set) whose planned day lies in
    the range that `planned` covers; lessons made by hand (no slot) are not passed in."""
    result = Reconciliation()
    todo = {(p.slot_id, p.lesson_date): p for p in planned}
    leftovers: list[Existing] = []
    for old in sorted(existing, key=lambda e: (e.key_date, e.lesson_number, e.id)):
        new = todo.pop((old.slot_id, old.key_date), None)
        if new is None:
            leftovers.append(old)
            continue
        _pair(result, old, new)
    # second chance: the same day, class, subgroup and subject (the slot was replaced)
    free: dict[tuple, list[Planned]] = defaultdict(list)
    for p in sorted(todo.values(), key=lambda p: (p.lesson_date, p.lesson_number)):
        free[(p.lesson_date, p.class_id, p.subgroup_id, p.subject_id)].append(p)
    for old in leftovers:
        candidates = free.get((old.key_date, old.class_id, old.subgroup_id, old.subject_id))
        if candidates:
            new = candidates.pop(0)
            del todo[(new.slot_id, new.lesson_date)]
            _pair(result, old, new)
        elif old.pinned:
            result.kept.append(Kept(old, reason_kept(old)))
        else:
            result.delete.append(old)
    result.create = sorted(todo.values(), key=lambda p: (p.lesson_date, p.class_id, p.lesson_number))
    return result


def _pair(result: Reconciliation, old: Existing, new: Planned) -> None:
    changes = _changes(old, new)
    if changes:
        result.update.append((old, changes))
    else:
        result.unchanged += 1
