"""The rules of a timetable, as pure functions of plain values (no database, no clock).

A slot is one weekly lesson (day, lesson number, class or subgroup, subject, teacher, room),
valid over a date range. Two slots clash when they are on the same weekday at overlapping
times (by the bell schedule of each class's shift) and their date ranges overlap, and they
need the same teacher, the same room, or the same pupils (the whole class, the same subgroup,
or two subgroups that share pupils). A slot must also teach a subject of the class's
curriculum, to a subgroup of that class and subject.

`hours_versus_curriculum` compares the weekly lessons of a class with its curriculum.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time
from typing import Hashable, Iterable

DAY_NAMES = {1: "Понедельник", 2: "Вторник", 3: "Среда", 4: "Четверг", 5: "Пятница", 6: "Суббота"}
DAY_SHORT = {1: "Пн", 2: "Вт", 3: "Ср", 4: "Чт", 5: "Пт", 6: "Сб"}


@dataclass(frozen=True)
class Slot:
    """A weekly slot as the rules see it; `key` identifies it in messages (a slot id, or the
    row of an editor or a file)."""
    key: Hashable
    class_id: int
    subject_id: int
    teacher_id: int
    weekday: int
    lesson_number: int
    room: str = ""
    subgroup_id: int | None = None
    shift: int = 1
    valid_from: date | None = None
    valid_to: date | None = None
    class_name: str = ""
    subject_name: str = ""
    teacher_name: str = ""
    subgroup_name: str = ""

    def what(self) -> str:
        """«5А Математика (1 группа)»."""
        group = f" ({self.subgroup_name})" if self.subgroup_id is not None and self.subgroup_name else ""
        return f"{self.class_name} {self.subject_name}{group}".strip()


@dataclass(frozen=True)
class Conflict:
    kind: str          # teacher | room | class | pupils | curriculum | subgroup | day | number
    message: str       # Russian, for the user
    keys: tuple        # the slots involved
    weekday: int = 0
    lesson_number: int = 0


KIND_TITLES = {"teacher": "Учитель в двух местах", "room": "Кабинет занят дважды",
               "class": "Класс на двух уроках сразу", "pupils": "Подгруппы пересекаются по ученикам",
               "curriculum": "Предмета нет в учебном плане", "subgroup": "Чужая подгруппа",
               "day": "Неверный день", "number": "Неверный номер урока"}


def when(weekday: int, lesson_number: int) -> str:
    return f"{DAY_SHORT.get(weekday, weekday)}, {lesson_number} урок"


def normal_room(room: str) -> str:
    return " ".join(str(room or "").lower().replace("каб.", "").replace("кабинет", "").split())


def _dates_overlap(a: Slot, b: Slot) -> bool:
    a_from, b_from = a.valid_from or date.min, b.valid_from or date.min
    a_to, b_to = a.valid_to or date.max, b.valid_to or date.max
    return a_from <= b_to and b_from <= a_to and a_from <= a_to and b_from <= b_to


Bells = dict  # (shift, lesson number) → (start, end)


def _span(slot: Slot, bells: Bells) -> tuple:
    """When a slot is, for comparing: its bell times, or (shift, number) when no bell is known."""
    times = bells.get((slot.shift, slot.lesson_number))
    if times is None:
        return ("n", slot.shift, slot.lesson_number)
    return ("t", times[0], times[1])


def _times_overlap(a: Slot, b: Slot, bells: Bells) -> bool:
    if a.weekday != b.weekday:
        return False
    sa, sb = _span(a, bells), _span(b, bells)
    if sa[0] == "t" and sb[0] == "t":
        return sa[1] < sb[2] and sb[1] < sa[2]
    if sa[0] == "n" and sb[0] == "n":
        return sa == sb
    return a.shift == b.shift and a.lesson_number == b.lesson_number


def _clash(a: Slot, b: Slot, bells: Bells) -> bool:
    return _times_overlap(a, b, bells) and _dates_overlap(a, b)


def _pairs(groups: dict, bells: Bells, only_keys: frozenset | None):
    for items in groups.values():
        if len(items) < 2:
            continue
        items.sort(key=lambda s: (s.lesson_number, str(s.key)))
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                if only_keys is not None and a.key not in only_keys and b.key not in only_keys:
                    continue
                if _clash(a, b, bells):
                    # the edited slot first: «5Б Математика (the new row) и 5А Математика»
                    yield (b, a) if only_keys is not None and a.key not in only_keys else (a, b)


def find_conflicts(slots: Iterable[Slot], *, bells: Bells | None = None,
                   curriculum: dict[int, set[int]] | None = None,
                   subgroups: dict[int, tuple[int, int]] | None = None,
                   members: dict[int, frozenset[int]] | None = None,
                   max_lesson_number: int = 12,
                   only_keys: Iterable[Hashable] | None = None) -> list[Conflict]:
    """Every clash among `slots` and every slot that breaks the curriculum.

    bells: (shift, number) → (start, end) times; curriculum: class id → its subject ids (None =
    not checked); subgroups: subgroup id → (class id, subject id); members: subgroup id → its
    pupils (two subgroups of a class with common pupils cannot be at the same time). With
    only_keys, only conflicts that involve at least one of those slots are reported (the
    edited rows against the rest of the school)."""
    bells = bells or {}
    slots = list(slots)
    wanted = frozenset(only_keys) if only_keys is not None else None
    out: list[Conflict] = []

    for s in slots:
        if wanted is not None and s.key not in wanted:
            continue
        if s.weekday not in DAY_NAMES:
            out.append(Conflict("day", f"{s.what()}: день недели должен быть от понедельника до субботы.",
                                (s.key,), s.weekday, s.lesson_number))
        if not 1 <= s.lesson_number <= max_lesson_number:
            out.append(Conflict("number", f"{s.what()}: номер урока должен быть от 1 до {max_lesson_number}.",
                                (s.key,), s.weekday, s.lesson_number))
        if curriculum is not None and s.subject_id not in curriculum.get(s.class_id, set()):
            out.append(Conflict("curriculum", f"Предмета «{s.subject_name}» нет в учебном плане класса "
                                f"{s.class_name}: сначала добавьте его в учебный план.",
                                (s.key,), s.weekday, s.lesson_number))
        if s.subgroup_id is not None and subgroups is not None:
            owner = subgroups.get(s.subgroup_id)
            if owner is None or owner != (s.class_id, s.subject_id):
                out.append(Conflict("subgroup", f"{s.what()}: подгруппа «{s.subgroup_name}» не относится к "
                                    f"предмету «{s.subject_name}» класса {s.class_name}.",
                                    (s.key,), s.weekday, s.lesson_number))

    by_teacher: dict = defaultdict(list)
    by_room: dict = defaultdict(list)
    by_class: dict = defaultdict(list)
    for s in slots:
        by_teacher[(s.teacher_id, s.weekday)].append(s)
        room = normal_room(s.room)
        if room:
            by_room[(room, s.weekday)].append(s)
        by_class[(s.class_id, s.weekday)].append(s)

    for a, b in _pairs(by_teacher, bells, wanted):
        out.append(Conflict("teacher", f"Учитель {a.teacher_name or a.teacher_id} в двух местах сразу: "
                            f"{when(a.weekday, a.lesson_number)} — {a.what()} и {b.what()}.",
                            (a.key, b.key), a.weekday, a.lesson_number))
    for a, b in _pairs(by_room, bells, wanted):
        if a.teacher_id == b.teacher_id:
            continue  # already reported as the teacher's clash
        out.append(Conflict("room", f"Кабинет {a.room.strip()} занят дважды: {when(a.weekday, a.lesson_number)} — "
                            f"{a.what()} и {b.what()}.", (a.key, b.key), a.weekday, a.lesson_number))
    for a, b in _pairs(by_class, bells, wanted):
        if a.subgroup_id is None or b.subgroup_id is None:
            out.append(Conflict("class", f"Класс {a.class_name} на двух уроках сразу: "
                                f"{when(a.weekday, a.lesson_number)} — {a.subject_name}"
                                f"{_group(a)} и {b.subject_name}{_group(b)}.",
                                (a.key, b.key), a.weekday, a.lesson_number))
        elif a.subgroup_id == b.subgroup_id:
            out.append(Conflict("pupils", f"Подгруппа «{a.subgroup_name}» ({a.subject_name}, {a.class_name}) на "
                                f"двух уроках сразу: {when(a.weekday, a.lesson_number)}.",
                                (a.key, b.key), a.weekday, a.lesson_number))
        elif members is not None:
            common = members.get(a.subgroup_id, frozenset()) & members.get(b.subgroup_id, frozenset())
            if common:
                out.append(Conflict("pupils", f"Подгруппы «{a.subgroup_name}» ({a.subject_name}) и "
                                    f"«{b.subgroup_name}» ({b.subject_name}) класса {a.class_name} в одно время "
                                    f"({when(a.weekday, a.lesson_number)}), а в них есть одни и те же ученики "
                                    f"({len(common)}).", (a.key, b.key), a.weekday, a.lesson_number))
    return out


def _group(s: Slot) -> str:
    return f" ({s.subgroup_name})" if s.subgroup_id is not None and s.subgroup_name else ""


# ------------------------------------------------------------------ hours against the curriculum
@dataclass(frozen=True)
class HoursRow:
    subject_id: int
    subject_name: str
    planned: float                      # hours a week by the curriculum
    scheduled: float                    # lessons a week a pupil has (whole class + own group)
    groups: tuple[tuple[str, int], ...] = field(default=())  # (subgroup, its lessons incl. whole-class)

    @property
    def difference(self) -> float:
        return self.scheduled - self.planned

    @property
    def status(self) -> str:
        if self.groups and len({n for _, n in self.groups}) > 1:
            return "подгруппы неравны: " + ", ".join(f"{g} — {n}" for g, n in self.groups)
        d = self.difference
        if abs(d) < 0.01:
            return "совпадает"
        if d < 0:
            return f"не хватает {_hours(-d)}"
        return f"лишние {_hours(d)}"

    @property
    def ok(self) -> bool:
        return self.status == "совпадает"


def _hours(x: float) -> str:
    return f"{x:g} ч"


def hours_versus_curriculum(curriculum: dict[int, tuple[str, float]], slots: Iterable[Slot]) -> list[HoursRow]:
    """Per subject: hours by the curriculum (subject id → (name, hours a week)) against the
    weekly lessons in `slots` (the slots of one class valid on one day). A pupil of a split
    subject has the whole-class lessons and those of their own subgroup; unequal subgroups are
    reported as such. Subjects scheduled but not in the curriculum come last, planned 0."""
    whole: dict[int, int] = defaultdict(int)
    per_group: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[int, str] = {}
    for s in slots:
        names.setdefault(s.subject_id, s.subject_name)
        if s.subgroup_id is None:
            whole[s.subject_id] += 1
        else:
            per_group[s.subject_id][s.subgroup_name or str(s.subgroup_id)] += 1
    rows = []
    order = list(curriculum) + sorted(set(names) - set(curriculum), key=lambda i: names[i])
    for subject_id in order:
        name, planned = curriculum.get(subject_id, (names.get(subject_id, ""), 0.0))
        groups = tuple(sorted((g, whole[subject_id] + n) for g, n in per_group[subject_id].items()))
        scheduled = float(max((n for _, n in groups), default=whole[subject_id]))
        rows.append(HoursRow(subject_id, name, float(planned), scheduled, groups))
    return rows


def week_grid(slots: Iterable[Slot], days: Iterable[int], numbers: Iterable[int],
              label=lambda s: s.subject_name) -> dict[tuple[int, int], list[str]]:
    """(weekday, lesson number) → the labels of the slots there, for a read-only week view."""
    grid: dict[tuple[int, int], list[str]] = {(d, n): [] for d in days for n in numbers}
    for s in sorted(slots, key=lambda s: (s.subgroup_name, s.subject_name)):
        grid.setdefault((s.weekday, s.lesson_number), []).append(label(s))
    return grid


def parse_time(text: str) -> time:
    """«8:30», «08.30» → time(8, 30); raises ValueError with a Russian message."""
    raw = str(text).strip().replace(".", ":")
    try:
        hours, minutes = raw.split(":")[:2]
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise ValueError(f"«{text}» — не время: ожидается ЧЧ:ММ") from None
