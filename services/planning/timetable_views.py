"""Timetables to look at: a week of lessons by class, by teacher, by room (with every change —
substitutions, missed and cancelled lessons, moves — shown where it happened), the list of
changes, and the whole school's weekly timetable on one page."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from models import AcademicYear, Lesson, LessonMove, SchoolClass, Subgroup, Subject, Substitution, TimetableSlot
from models.db import reading
from services.core import clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target
from services.planning.timetable_lessons import teacher_names
from services.planning.years import year_for
from services.rules.timetable import DAY_SHORT

STATUS = {"scheduled": "", "cancelled": "отменён", "missed": "не проведён"}


@dataclass(frozen=True)
class LessonCell:
    lesson_id: int
    class_name: str
    subject_name: str
    subgroup_name: str
    teacher_name: str
    room: str
    status: str
    note: str               # «замена: ведёт Петрова А. С. вместо Ивановой А. С.», «перенесён с 12.11, 3 урок»

    @property
    def changed(self) -> bool:
        return bool(self.note) or self.status != "scheduled"

    def text(self, show_class: bool = True, show_teacher: bool = True) -> str:
        head = f"{self.class_name} " if show_class else ""
        group = f" ({self.subgroup_name})" if self.subgroup_name else ""
        parts = [f"{head}{self.subject_name}{group}"]
        if show_teacher and self.teacher_name:
            parts.append(self.teacher_name)
        if self.room:
            parts.append(f"каб. {self.room}")
        text = ", ".join(parts)
        if self.status != "scheduled":
            text += f" — {STATUS[self.status].upper()}"
        if self.note:
            text += f" ({self.note})"
        return text


@dataclass
class Week:
    title: str
    monday: date
    days: list[date]
    numbers: list[int]
    cells: dict[tuple[date, int], list[LessonCell]] = field(default_factory=dict)

    def changes(self) -> list[tuple[date, int, LessonCell]]:
        return [(d, n, c) for (d, n), cs in sorted(self.cells.items()) for c in cs if c.changed]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week(tx: Session, title: str, monday: date, conds) -> Week:
    days = [monday + timedelta(days=i) for i in range(6)]
    rows = tx.exec(select(Lesson, SchoolClass.name, Subject.name, Subgroup.name)
                   .join(SchoolClass, SchoolClass.id == Lesson.class_id)
                   .join(Subject, Subject.id == Lesson.subject_id)
                   .join(Subgroup, Subgroup.id == Lesson.subgroup_id, isouter=True)
                   .where(Lesson.lesson_date >= days[0], Lesson.lesson_date <= days[-1], *conds)
                   .order_by(Lesson.lesson_date, Lesson.lesson_number, SchoolClass.grade, SchoolClass.letter)).all()
    if not rows:
        return Week(title, monday, days[:5], list(range(1, 8)))
    school_id = rows[0][0].school_id
    names = teacher_names(tx, school_id)
    notes = _notes(tx, [l.id for l, *_ in rows], names)
    cells: dict[tuple[date, int], list[LessonCell]] = defaultdict(list)
    for lesson, cname, sname, gname in rows:
        cells[(lesson.lesson_date, lesson.lesson_number)].append(LessonCell(
            lesson.id, cname, sname, gname or "", names.get(lesson.teacher_id, "") if lesson.teacher_id else "",
            lesson.room, lesson.status, notes.get(lesson.id, "")))
    used_days = [d for d in days if d.weekday() < 5 or any(k[0] == d for k in cells)]
    numbers = sorted({n for _, n in cells} | set(range(1, max(n for _, n in cells) + 1)))
    return Week(title, monday, used_days, numbers, dict(cells))


def _notes(tx: Session, lesson_ids: list[int], names: dict[int, str]) -> dict[int, str]:
    """Lesson id → what changed about it, in Russian."""
    if not lesson_ids:
        return {}
    out: dict[int, list[str]] = defaultdict(list)
    latest = {}
    for s in tx.exec(select(Substitution).where(Substitution.lesson_id.in_(lesson_ids)).order_by(Substitution.id)).all():
        latest[s.lesson_id] = s
    for lid, s in latest.items():
        absent = names.get(s.absent_teacher_id, "—")
        if s.substitute_teacher_id is None:
            out[lid].append(f"замена не найдена, учитель {absent}")
        else:
            out[lid].append(f"замена: ведёт {names.get(s.substitute_teacher_id, '—')} вместо {absent}")
    for m in tx.exec(select(LessonMove).where(LessonMove.lesson_id.in_(lesson_ids)).order_by(LessonMove.id)).all():
        out[m.lesson_id].append(f"перенесён с {m.from_date:%d.%m}, {m.from_number} урок")
    return {k: "; ".join(v) for k, v in out.items()}


def class_week(actor: Actor, class_id: int, day: date | None = None) -> Week:
    """The class's lessons of the week containing `day` (default today), changes included."""
    with reading() as tx:
        policy.require(actor, "timetable.view", targets.for_class(tx, class_id))
        cls = tx.get(SchoolClass, class_id)
        return _week(tx, f"Класс {cls.name}", monday_of(day or clock.today()),
                     [Lesson.school_id == cls.school_id, Lesson.class_id == class_id])


def teacher_week(actor: Actor, school_id: int, teacher_id: int, day: date | None = None) -> Week:
    """A teacher's lessons of the week (substitutions they give included), and the lessons taken
    from them by a substitution, shown as such."""
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        name = teacher_names(tx, school_id).get(teacher_id)
        if name is None:
            raise ValueError("Учитель не найден в этой школе.")
        given_away = select(Substitution.lesson_id).where(Substitution.school_id == school_id,
                                                          Substitution.absent_teacher_id == teacher_id)
        return _week(tx, f"Учитель {name}", monday_of(day or clock.today()),
                     [Lesson.school_id == school_id,
                      or_(Lesson.teacher_id == teacher_id, Lesson.id.in_(given_away))])


def room_week(actor: Actor, school_id: int, room: str, day: date | None = None) -> Week:
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        return _week(tx, f"Кабинет {room}", monday_of(day or clock.today()),
                     [Lesson.school_id == school_id, func.lower(func.trim(Lesson.room)) == room.strip().lower()])


def my_week(actor: Actor, day: date | None = None) -> list[Week]:
    """The signed-in person's own timetables: a teacher's lessons, a pupil's or parent's class."""
    weeks = []
    with reading() as tx:
        from models import Staff
        staff = tx.exec(select(Staff).where(Staff.id.in_(actor.staff_ids or {-1}))).all()
    for s in staff:
        weeks.append(teacher_week(actor, s.school_id, s.id, day))
    for class_id in sorted(actor.child_class_ids):
        weeks.append(class_week(actor, class_id, day))
    return weeks


def rooms(actor: Actor, school_id: int) -> list[str]:
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        found = {r.strip() for r in tx.exec(select(TimetableSlot.room).where(
            TimetableSlot.school_id == school_id, TimetableSlot.room != "").distinct()).all() if r.strip()}
        return sorted(found, key=lambda r: (len(r), r))


# ------------------------------------------------------------------ the list of changes
@dataclass(frozen=True)
class ChangeRow:
    lesson_id: int
    lesson_date: date
    lesson_number: int
    class_name: str
    subject_name: str
    kind: str          # замена | не проведён | отменён | перенос
    text: str


def changes(actor: Actor, school_id: int, date_from: date, date_to: date, *, class_id: int | None = None,
            teacher_id: int | None = None) -> list[ChangeRow]:
    """Changes of lessons between the dates: substitutions, missed and cancelled lessons, moves —
    of the whole school, of a class, or those that concern a teacher."""
    with reading() as tx:
        target = targets.for_class(tx, class_id) if class_id else school_target(tx, school_id)
        policy.require(actor, "timetable.view", target)
        names = teacher_names(tx, school_id)
        conds = [Lesson.school_id == school_id, Lesson.lesson_date >= date_from, Lesson.lesson_date <= date_to]
        if class_id:
            conds.append(Lesson.class_id == class_id)
        subs = select(Substitution.lesson_id).where(Substitution.school_id == school_id)
        moves = select(LessonMove.lesson_id).where(LessonMove.school_id == school_id)
        conds.append(or_(Lesson.status != "scheduled", Lesson.id.in_(subs), Lesson.id.in_(moves)))
        if teacher_id:
            conds.append(or_(Lesson.teacher_id == teacher_id, Lesson.id.in_(
                select(Substitution.lesson_id).where(Substitution.absent_teacher_id == teacher_id))))
        rows = tx.exec(select(Lesson, SchoolClass.name, Subject.name)
                       .join(SchoolClass, SchoolClass.id == Lesson.class_id)
                       .join(Subject, Subject.id == Lesson.subject_id).where(*conds)
                       .order_by(Lesson.lesson_date, Lesson.lesson_number, SchoolClass.grade, SchoolClass.letter)).all()
        notes = _notes(tx, [l.id for l, *_ in rows], names)
        out = []
        for lesson, cname, sname in rows:
            if lesson.status == "cancelled":
                kind, text = "отменён", f"Урок отменён{': ' + lesson.comment if lesson.comment else ''}"
            elif lesson.status == "missed":
                kind, text = "не проведён", notes.get(lesson.id, "замена не найдена")
            elif lesson.id in notes and notes[lesson.id].startswith("замена"):
                kind = "замена"
                text = notes[lesson.id]
            else:
                kind, text = "перенос", notes.get(lesson.id, "")
            out.append(ChangeRow(lesson.id, lesson.lesson_date, lesson.lesson_number, cname, sname, kind, text))
        return out


# ------------------------------------------------------------------ the whole school
@dataclass
class SchoolGrid:
    school_id: int
    on: date
    year_label: str
    classes: list[tuple[int, str]]
    days: list[int]
    numbers: list[int]
    cells: dict[tuple[int, int, int], list[str]]   # (class id, weekday, number) → «Мат 12»

    def cell(self, class_id: int, weekday: int, number: int) -> str:
        return " / ".join(self.cells.get((class_id, weekday, number), []))


def school_grid(actor: Actor, school_id: int, on: date | None = None) -> SchoolGrid:
    """The weekly timetable of every class valid on `on` (default today): one printable page."""
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        year: AcademicYear = year_for(tx, school_id, on=on)
        day = min(max(on or clock.today(), year.starts_on), year.ends_on)
        classes = [(c.id, c.name) for c in tx.exec(select(SchoolClass).where(
            SchoolClass.school_id == school_id, SchoolClass.year_id == year.id)
            .order_by(SchoolClass.grade, SchoolClass.letter)).all()]
        subjects = {s.id: (s.short_name or s.name) for s in tx.exec(select(Subject).where(
            Subject.school_id == school_id)).all()}
        groups = {g.id: g.name.split(" ")[0] for g in tx.exec(select(Subgroup).where(
            Subgroup.school_id == school_id)).all()}
        slots = tx.exec(select(TimetableSlot).where(
            TimetableSlot.school_id == school_id, TimetableSlot.class_id.in_([c for c, _ in classes] or [-1]),
            TimetableSlot.valid_from <= day,
            or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= day))
            .order_by(TimetableSlot.subgroup_id)).all()
    cells: dict[tuple[int, int, int], list[str]] = defaultdict(list)
    for s in slots:
        group = f"({groups.get(s.subgroup_id, '')})" if s.subgroup_id else ""
        room = f" {s.room}" if s.room else ""
        cells[(s.class_id, s.weekday, s.lesson_number)].append(f"{subjects.get(s.subject_id, '?')}{group}{room}")
    days = sorted({s.weekday for s in slots} | {1, 2, 3, 4, 5})
    numbers = list(range(1, max((s.lesson_number for s in slots), default=7) + 1))
    return SchoolGrid(school_id, day, f"{year.start_year}/{year.start_year + 1}", classes, days, numbers, dict(cells))


def day_label(weekday: int) -> str:
    return DAY_SHORT.get(weekday, str(weekday))
