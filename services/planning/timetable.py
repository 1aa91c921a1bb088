"""The timetable editor (R-PLAN-3): a class's weekly slots, edited one row per slot, checked
against the whole school, taking effect from a chosen date.

A deputy director edits the classes of their parallels, the administrator all of them
(policy «timetable.edit»). A save is refused as a whole, with every reason, when a teacher or a
room would be in two places at once, two lessons would overlap for the same pupils, or a
subject is not in the class's curriculum. A save from date D keeps the lessons before D: the
class's slots valid on D and later are closed the day before D (a row that does not change
simply goes on), the new rows are valid from D, and the class's lessons from D on are
regenerated (services/planning/timetable_lessons.py: lessons with data are never deleted).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import Session, select

from models import (
    AcademicYear, BellSchedule, CurriculumItem, Lesson, SchoolClass, Subgroup, SubgroupMember, Subject,
    TeachingAssignment, TimetableSlot,
)
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.rules.timetable import (
    DAY_SHORT, Conflict, HoursRow, Slot, find_conflicts, hours_versus_curriculum, when,
)
from services.core.schools import school_target
from services.planning.timetable_lessons import GenerationResult, generate_in, teacher_names
from services.planning.years import year_for

DAYS = (1, 2, 3, 4, 5, 6)


class TimetableError(ValueError):
    """The rows cannot be saved; str(e) lists every reason (Russian)."""

    def __init__(self, problems: list[str], conflicts: list[Conflict] | None = None):
        super().__init__("\n".join(problems))
        self.problems = problems
        self.conflicts = conflicts or []


@dataclass(frozen=True)
class SlotRow:
    """One row of the editor: a weekly lesson of the class."""
    weekday: int
    lesson_number: int
    subject_id: int
    teacher_id: int
    room: str = ""
    subgroup_id: int | None = None
    slot_id: int | None = None

    def signature(self) -> tuple:
        return (self.weekday, self.lesson_number, self.subject_id, self.teacher_id, self.room.strip(),
                self.subgroup_id)


# ------------------------------------------------------------------ the school's facts
@dataclass
class Context:
    """What the checks need about a school year, loaded in a few queries."""
    school_id: int
    year: AcademicYear
    classes: dict[int, SchoolClass]
    subjects: dict[int, str]
    teachers: dict[int, str]
    subgroups: dict[int, tuple[int, int, str]]          # id → (class id, subject id, name)
    curriculum: dict[int, dict[int, float]]             # class id → subject id → hours
    bells: dict[tuple[int, int], tuple]                 # (shift, number) → (start, end)
    members: dict[int, frozenset[int]] = field(default_factory=dict)

    def numbers(self, shift: int) -> list[int]:
        return sorted(n for s, n in self.bells if s == shift) or list(range(1, 9))

    def slot(self, key, class_id: int, row, valid_from: date | None, valid_to: date | None) -> Slot:
        cls = self.classes[class_id]
        group = self.subgroups.get(row.subgroup_id) if row.subgroup_id is not None else None
        return Slot(key=key, class_id=class_id, subject_id=row.subject_id, teacher_id=row.teacher_id,
                    weekday=row.weekday, lesson_number=row.lesson_number, room=row.room or "",
                    subgroup_id=row.subgroup_id, shift=cls.shift, valid_from=valid_from, valid_to=valid_to,
                    class_name=cls.name, subject_name=self.subjects.get(row.subject_id, "?"),
                    teacher_name=self.teachers.get(row.teacher_id, str(row.teacher_id)),
                    subgroup_name=group[2] if group else "")


def load_context(tx: Session, school_id: int, year: AcademicYear, *, members_from: date | None = None) -> Context:
    classes = {c.id: c for c in tx.exec(select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.year_id == year.id)).all()}
    subjects = dict(tx.exec(select(Subject.id, Subject.name).where(Subject.school_id == school_id)).all())
    subgroups = {g.id: (g.class_id, g.subject_id, g.name) for g in tx.exec(
        select(Subgroup).join(SchoolClass, SchoolClass.id == Subgroup.class_id)
        .where(Subgroup.school_id == school_id, SchoolClass.year_id == year.id)).all()}
    curriculum: dict[int, dict[int, float]] = defaultdict(dict)
    for class_id, subject_id, hours in tx.exec(
            select(CurriculumItem.class_id, CurriculumItem.subject_id, CurriculumItem.hours_per_week)
            .join(SchoolClass, SchoolClass.id == CurriculumItem.class_id)
            .where(CurriculumItem.school_id == school_id, SchoolClass.year_id == year.id)).all():
        curriculum[class_id][subject_id] = hours
    bells = {(b.shift, b.lesson_number): (b.starts_at, b.ends_at)
             for b in tx.exec(select(BellSchedule).where(BellSchedule.school_id == school_id)).all()}
    members: dict[int, set[int]] = defaultdict(set)
    since = members_from or year.starts_on
    for subgroup_id, student_id in tx.exec(
            select(SubgroupMember.subgroup_id, SubgroupMember.student_id)
            .join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id)
            .join(SchoolClass, SchoolClass.id == Subgroup.class_id)
            .where(SubgroupMember.school_id == school_id, SchoolClass.year_id == year.id,
                   or_(SubgroupMember.ends_on.is_(None), SubgroupMember.ends_on >= since))).all():
        members[subgroup_id].add(student_id)
    return Context(school_id, year, classes, subjects, teacher_names(tx, school_id), subgroups, dict(curriculum),
                   bells, {k: frozenset(v) for k, v in members.items()})


def _live(stmt, day_from: date, day_to: date | None = None):
    """Slots valid on some day of [day_from, day_to] (an emptied slot is never valid)."""
    stmt = stmt.where(or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= day_from),
                      or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= TimetableSlot.valid_from))
    if day_to is not None:
        stmt = stmt.where(TimetableSlot.valid_from <= day_to)
    return stmt


def _slots_on(tx: Session, class_id: int, on: date) -> list[TimetableSlot]:
    return list(tx.exec(_live(select(TimetableSlot).where(TimetableSlot.class_id == class_id), on, on)
                        .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number, TimetableSlot.id)).all())


def _row(s: TimetableSlot) -> SlotRow:
    return SlotRow(s.weekday, s.lesson_number, s.subject_id, s.teacher_id, s.room or "", s.subgroup_id, s.id)


# ------------------------------------------------------------------ reading one class
@dataclass
class ClassTimetable:
    class_id: int
    class_name: str
    grade: int
    shift: int
    school_id: int
    year_id: int
    year_starts_on: date
    year_ends_on: date
    on: date
    rows: list[SlotRow]
    subjects: list[tuple[int, str]]                 # the class's curriculum
    teachers: list[tuple[int, str]]
    subgroups: list[tuple[int, int, str]]           # (id, subject id, name) of the class
    numbers: list[int]
    hours: list[HoursRow]
    later_changes: list[date]                       # days from which a later version applies
    editable: bool
    subject_names: dict[int, str] = field(default_factory=dict)
    teacher_names: dict[int, str] = field(default_factory=dict)
    subgroup_names: dict[int, str] = field(default_factory=dict)

    @property
    def days(self) -> list[int]:
        return [d for d in DAYS if d <= 5 or any(r.weekday == 6 for r in self.rows)]

    def label(self, r: SlotRow) -> str:
        group = f" ({self.subgroup_names.get(r.subgroup_id, '')})" if r.subgroup_id else ""
        room = f", каб. {r.room}" if r.room else ""
        return f"{self.subject_names.get(r.subject_id, '?')}{group} — {self.teacher_names.get(r.teacher_id, '?')}{room}"

    def grid(self, rows: list[SlotRow] | None = None) -> dict[tuple[int, int], list[str]]:
        out = {(d, n): [] for d in self.days for n in self.numbers}
        for r in sorted(rows if rows is not None else self.rows, key=lambda r: self.subgroup_names.get(r.subgroup_id, "")):
            out.setdefault((r.weekday, r.lesson_number), []).append(self.label(r))
        return out


def load_class(actor: Actor, class_id: int, on: date | None = None) -> ClassTimetable:
    """The class's timetable valid on `on` (default today, inside the class's year)."""
    with reading() as tx:
        target = targets.for_class(tx, class_id)
        policy.require(actor, "timetable.view", target)
        cls = tx.get(SchoolClass, class_id)
        year = tx.get(AcademicYear, cls.year_id)
        on = min(max(on or clock.today(), year.starts_on), year.ends_on)
        ctx = load_context(tx, cls.school_id, year)
        rows = [_row(s) for s in _slots_on(tx, class_id, on)]
        later = sorted({d for d in tx.exec(_live(select(TimetableSlot.valid_from).where(
            TimetableSlot.class_id == class_id, TimetableSlot.valid_from > on), on)).all()})
        editable = not year.is_closed and policy.allowed(actor, "timetable.edit", target)
        return _class_view(ctx, cls, year, on, rows, later, editable)


def _class_view(ctx: Context, cls: SchoolClass, year: AcademicYear, on: date, rows: list[SlotRow],
                later: list[date], editable: bool) -> ClassTimetable:
    plan = ctx.curriculum.get(cls.id, {})
    curriculum = {sid: (ctx.subjects.get(sid, "?"), h) for sid, h in
                  sorted(plan.items(), key=lambda kv: ctx.subjects.get(kv[0], ""))}
    slots = [ctx.slot(i, cls.id, r, None, None) for i, r in enumerate(rows)]
    groups = sorted(((g, s, n) for g, (c, s, n) in ctx.subgroups.items() if c == cls.id),
                    key=lambda g: (ctx.subjects.get(g[1], ""), g[2]))
    return ClassTimetable(
        class_id=cls.id, class_name=cls.name, grade=cls.grade, shift=cls.shift, school_id=cls.school_id,
        year_id=year.id, year_starts_on=year.starts_on, year_ends_on=year.ends_on, on=on, rows=rows,
        subjects=[(sid, name) for sid, (name, _) in curriculum.items()],
        teachers=sorted(ctx.teachers.items(), key=lambda t: t[1]), subgroups=groups,
        numbers=ctx.numbers(cls.shift), hours=hours_versus_curriculum(curriculum, slots), later_changes=later,
        editable=editable, subject_names=dict(ctx.subjects), teacher_names=dict(ctx.teachers),
        subgroup_names={g: n for g, _, n in groups})


@dataclass
class Preview:
    hours: list[HoursRow]
    grid: dict[tuple[int, int], list[str]]
    problems: list[str]
    bad_rows: frozenset[int] = frozenset()   # editor rows (0-based) that a problem names
    notices: list[str] = field(default_factory=list)  # allowed, but worth a look


def _unassigned(tx: Session, ctx: Context, cls: SchoolClass, rows: list[SlotRow]) -> list[str]:
    """Rows whose teacher has no teaching load in that subject anywhere in the school (a maths
    teacher placed on Русский язык): allowed (a substitute, a new load), but said."""
    pairs = {(r.teacher_id, r.subject_id) for r in rows}
    if not pairs:
        return []
    known = set(tx.exec(select(TeachingAssignment.teacher_id, TeachingAssignment.subject_id).where(
        TeachingAssignment.school_id == cls.school_id,
        TeachingAssignment.teacher_id.in_({t for t, _ in pairs}))).all())
    out = []
    for i, r in enumerate(rows):
        if (r.teacher_id, r.subject_id) not in known:
            out.append(f"Строка {i + 1}: у учителя {ctx.teachers.get(r.teacher_id, '?')} нет нагрузки "
                       f"по предмету «{ctx.subjects.get(r.subject_id, '?')}» — проверьте, тот ли учитель.")
    return out


def preview(actor: Actor, class_id: int, rows: list[SlotRow], effective_from: date) -> Preview:
    """What the edited rows make (hours against the curriculum, the week) and what would refuse
    them, without saving anything."""
    with reading() as tx:
        target = targets.for_class(tx, class_id)
        policy.require(actor, "timetable.view", target)
        cls = tx.get(SchoolClass, class_id)
        year = tx.get(AcademicYear, cls.year_id)
        ctx = load_context(tx, cls.school_id, year, members_from=effective_from)
        view = _class_view(ctx, cls, year, effective_from, rows, [], False)
        problems = _row_problems(ctx, cls, rows)
        bad = {int(p.split(":")[0].split()[-1]) - 1 for p in problems if p.startswith("Строка ")}
        if not problems:
            conflicts = conflicts_for(tx, ctx, {cls.id: rows}, effective_from)
            problems = [c.message for c in conflicts]
            bad = {k[1] for c in conflicts for k in c.keys
                   if isinstance(k, tuple) and len(k) == 2 and k[0] == cls.id and isinstance(k[1], int)}
        return Preview(view.hours, view.grid(rows), problems, frozenset(bad), _unassigned(tx, ctx, cls, rows))


# ------------------------------------------------------------------ checking
def _row_problems(ctx: Context, cls: SchoolClass, rows: list[SlotRow], where=None) -> list[str]:
    """Problems of single rows (before looking at clashes)."""
    where = where or (lambda i: f"Строка {i + 1}")
    numbers = set(ctx.numbers(cls.shift))
    out = []
    for i, r in enumerate(rows):
        if r.weekday not in DAYS:
            out.append(f"{where(i)}: день недели — от понедельника до субботы.")
        if r.lesson_number not in numbers:
            out.append(f"{where(i)}: {r.lesson_number} урока нет в расписании звонков {cls.shift} смены.")
        if r.subject_id not in ctx.subjects:
            out.append(f"{where(i)}: не выбран предмет.")
        if r.teacher_id not in ctx.teachers:
            out.append(f"{where(i)}: не выбран учитель.")
        if len((r.room or "").strip()) > 20:
            out.append(f"{where(i)}: номер кабинета — до 20 символов.")
    seen: dict[tuple, int] = {}
    for i, r in enumerate(rows):
        sig = r.signature()
        if sig in seen:
            out.append(f"{where(i)}: повторяет строку {seen[sig] + 1}.")
        seen.setdefault(sig, i)
    return out


def conflicts_for(tx: Session, ctx: Context, new: dict[int, list[SlotRow]], effective_from: date) -> list[Conflict]:
    """Clashes of the new rows (keys (class id, row index)) with each other and with the slots
    of the other classes valid on or after the date; and curriculum problems of the new rows."""
    others = tx.exec(_live(select(TimetableSlot).where(
        TimetableSlot.school_id == ctx.school_id,
        TimetableSlot.class_id.in_([c for c in ctx.classes if c not in new] or [-1])), effective_from)).all()
    slots = [ctx.slot(("slot", s.id), s.class_id, s, max(s.valid_from, effective_from), s.valid_to) for s in others]
    keys = []
    for class_id, rows in new.items():
        for i, r in enumerate(rows):
            keys.append((class_id, i))
            slots.append(ctx.slot((class_id, i), class_id, r, effective_from, None))
    curriculum = {c: set(plan) for c, plan in ctx.curriculum.items()}
    subgroups = {g: (c, s) for g, (c, s, _) in ctx.subgroups.items()}
    return find_conflicts(slots, bells=ctx.bells, curriculum=curriculum, subgroups=subgroups, members=ctx.members,
                          max_lesson_number=12, only_keys=keys)


def check_school(actor: Actor, school_id: int, *, year_id: int | None = None,
                 on: date | None = None) -> list[Conflict]:
    """Every conflict of the school's timetable valid on `on` or later (default: the whole year)."""
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        year = year_for(tx, school_id, year_id, on)
        day = on or year.starts_on
        ctx = load_context(tx, school_id, year, members_from=day)
        rows = tx.exec(_live(select(TimetableSlot).where(
            TimetableSlot.school_id == school_id,
            TimetableSlot.class_id.in_(list(ctx.classes) or [-1])), day)).all()
        slots = [ctx.slot(s.id, s.class_id, s, max(s.valid_from, day), s.valid_to) for s in rows]
    return find_conflicts(slots, bells=ctx.bells, curriculum={c: set(p) for c, p in ctx.curriculum.items()},
                          subgroups={g: (c, s) for g, (c, s, _) in ctx.subgroups.items()}, members=ctx.members)


# ------------------------------------------------------------------ saving
@dataclass
class SaveResult:
    class_names: list[str]
    effective_from: date
    created: int = 0
    closed: int = 0
    unchanged: int = 0
    assignments_added: int = 0
    lessons: GenerationResult | None = None

    def summary(self) -> str:
        text = (f"Расписание {', '.join(self.class_names)} с {self.effective_from:%d.%m.%Y} сохранено: "
                f"новых строк {self.created}, закрыто прежних {self.closed}, без изменений {self.unchanged}.")
        if self.lessons is not None:
            text += " " + self.lessons.summary()
        return text


def save_class(actor: Actor, class_id: int, rows: list[SlotRow], effective_from: date) -> SaveResult:
    """Make `rows` the class's timetable from `effective_from` on; refused as a whole
    (TimetableError with every reason) when a row is wrong or clashes."""
    with transaction() as tx:
        policy.require(actor, "timetable.edit", targets.for_class(tx, class_id))
        cls = tx.get(SchoolClass, class_id)
        return replace_classes(tx, actor, cls.school_id, {class_id: rows}, effective_from)


def replace_classes(tx: Session, actor: Actor, school_id: int, new: dict[int, list[SlotRow]],
                    effective_from: date, *, row_label=None) -> SaveResult:
    """Inside the caller's transaction (policy checked by the caller): check, then replace the
    timetables of the classes in `new` from the date, regenerate their lessons, audit."""
    first = next(iter(new))
    year = tx.get(AcademicYear, tx.get(SchoolClass, first).year_id)
    if year.is_closed:
        raise TimetableError([f"{year.start_year}/{year.start_year + 1} учебный год закрыт: расписание не меняется."])
    if not year.starts_on <= effective_from <= year.ends_on:
        raise TimetableError([f"Дата начала действия {effective_from:%d.%m.%Y} вне учебного года "
                              f"{year.start_year}/{year.start_year + 1}."])
    ctx = load_context(tx, school_id, year, members_from=effective_from)
    problems = []
    for class_id, rows in new.items():
        cls = ctx.classes.get(class_id)
        if cls is None:
            raise TimetableError(["Все классы должны быть одного учебного года."])
        label = (lambda i, c=class_id: row_label(c, i)) if row_label else None
        problems += _row_problems(ctx, cls, rows, label)
    if problems:
        raise TimetableError(problems)
    conflicts = conflicts_for(tx, ctx, new, effective_from)
    if conflicts:
        raise TimetableError([_with_rows(c, row_label) for c in conflicts], conflicts)
    result = SaveResult([ctx.classes[c].name for c in new], effective_from)
    from services.planning.curriculum import ensure_assignments
    for class_id, rows in new.items():
        cls = ctx.classes[class_id]
        before = [_describe(ctx, r) for r in sorted(map(_row, _slots_on(tx, class_id, effective_from)),
                                                     key=lambda r: (r.weekday, r.lesson_number))]
        _replace(tx, cls, rows, effective_from, result)
        result.assignments_added += ensure_assignments(
            tx, cls, {(r.subject_id, r.subgroup_id, r.teacher_id) for r in rows})
        after = [_describe(ctx, r) for r in sorted(rows, key=lambda r: (r.weekday, r.lesson_number))]
        if before != after:
            audit.record(tx, actor, "timetable.changed", school_id=school_id, entity="class", entity_id=class_id,
                         old=before, new=after, detail=f"{cls.name}, с {effective_from:%d.%m.%Y}")
    tx.flush()
    result.lessons = generate_in(tx, actor, school_id, year, class_ids=list(new), date_from=effective_from)
    _drop_empty_slots(tx, list(new))
    return result


def _with_rows(c: Conflict, row_label) -> str:
    if row_label is None:
        return c.message
    rows = [row_label(k[0], k[1]) for k in c.keys if isinstance(k, tuple) and k and k[0] != "slot"]
    return f"{'; '.join(rows)}: {c.message}" if rows else c.message


def _describe(ctx: Context, r: SlotRow) -> str:
    group = f" ({ctx.subgroups[r.subgroup_id][2]})" if r.subgroup_id in ctx.subgroups else ""
    room = f", каб. {r.room}" if r.room else ""
    return (f"{when(r.weekday, r.lesson_number)}: {ctx.subjects.get(r.subject_id, '?')}{group} — "
            f"{ctx.teachers.get(r.teacher_id, '?')}{room}")


def _replace(tx: Session, cls: SchoolClass, rows: list[SlotRow], day: date, result: SaveResult) -> None:
    wanted = Counter(r.signature() for r in rows)
    old = tx.exec(_live(select(TimetableSlot).where(TimetableSlot.class_id == cls.id), day)
                  .order_by(TimetableSlot.valid_from, TimetableSlot.id)).all()
    for s in old:
        sig = _row(s).signature()
        if s.valid_from <= day and wanted[sig] > 0:
            wanted[sig] -= 1
            if s.valid_to is not None:
                s.valid_to = None
                tx.add(s)
            result.unchanged += 1
        else:
            s.valid_to = day - timedelta(days=1)
            tx.add(s)
            result.closed += 1
    for r in rows:
        sig = r.signature()
        if wanted[sig] > 0:
            wanted[sig] -= 1
            tx.add(TimetableSlot(school_id=cls.school_id, class_id=cls.id, subgroup_id=r.subgroup_id,
                                 subject_id=r.subject_id, teacher_id=r.teacher_id, weekday=r.weekday,
                                 lesson_number=r.lesson_number, room=(r.room or "").strip(), valid_from=day))
            result.created += 1


def _drop_empty_slots(tx: Session, class_ids: list[int]) -> None:
    """Slots closed before they began are removed, unless a kept lesson still points at one."""
    empty = tx.exec(select(TimetableSlot).where(TimetableSlot.class_id.in_(class_ids),
                                                TimetableSlot.valid_to < TimetableSlot.valid_from)).all()
    if not empty:
        return
    used = set(tx.exec(select(Lesson.slot_id).where(Lesson.slot_id.in_([s.id for s in empty])).distinct()).all())
    for s in empty:
        if s.id not in used:
            tx.delete(s)


def day_name(weekday: int) -> str:
    return DAY_SHORT.get(weekday, str(weekday))


def classes_for(actor: Actor, school_id: int, action: str = "timetable.view", on: date | None = None
                ) -> list[tuple[int, str]]:
    """The classes of the school's current year (or of the year containing `on`) on which the
    actor may do `action`, in grade order."""
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        year = year_for(tx, school_id, on=on)
        classes = tx.exec(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                    SchoolClass.year_id == year.id)
                          .order_by(SchoolClass.grade, SchoolClass.letter)).all()
        return [(c.id, c.name) for c in classes if policy.allowed(actor, action, targets.for_class(tx, c.id))]
