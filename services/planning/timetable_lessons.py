"""Lessons made from the timetable (R-PLAN-2, R-PLAN-3): generated over the study periods,
holidays skipped, and regenerated after a change of the timetable or of the calendar.

Regenerating never deletes a lesson that holds anything (topic, works, marks, attendance,
homework) or that a person changed (substituted, moved, cancelled): when the timetable no
longer has such a lesson it is kept and listed (`pending`) for a person to resolve — keep it
as an extra lesson outside the timetable, or delete it if it holds no data. Lessons made by
hand (no slot) are never touched. The rules are services/rules/timetable_lessons.py.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, delete, func, insert, or_, update
from sqlmodel import Session, SQLModel, select

from models import (
    AcademicYear, Lesson, LessonMove, Mark, SchoolClass, Staff, Subject, Substitution, TimetableSlot, Work,
)
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target
from services.planning.lesson_plans import propose_for_classes
from services.planning.years import calendar_for, year_for
from services.rules.names import short_name
from services.rules.timetable_lessons import Existing, PlanSlot, plan_lessons, reason_kept, reconcile

CHUNK = 500
DATA_TITLES = {"work": "работы", "attendance": "посещаемость", "homework": "домашнее задание"}
ORDER = ("тема", "отметки", "работы", "посещаемость", "домашнее задание", "отметка «урок проведён»")


class GenerationError(ValueError):
    """str(e) is a Russian message."""


@dataclass(frozen=True)
class KeptLesson:
    lesson_id: int
    class_id: int
    class_name: str
    subject_name: str
    lesson_date: date
    lesson_number: int
    reason: str
    has_data: bool


@dataclass
class GenerationResult:
    date_from: date
    date_to: date
    classes: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    kept: list[KeptLesson] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"date_from": self.date_from, "date_to": self.date_to, "classes": self.classes,
                "created": self.created, "updated": self.updated, "deleted": self.deleted,
                "unchanged": self.unchanged,
                "kept": [{"lesson_id": k.lesson_id, "class": k.class_name, "subject": k.subject_name,
                          "date": k.lesson_date, "number": k.lesson_number, "reason": k.reason} for k in self.kept]}

    def summary(self) -> str:
        text = (f"Уроки с {self.date_from:%d.%m.%Y} по {self.date_to:%d.%m.%Y}: создано {self.created}, "
                f"изменено {self.updated}, удалено {self.deleted}, без изменений {self.unchanged}.")
        if self.kept:
            text += f" Оставлены для решения вручную: {len(self.kept)}."
        return text


# ------------------------------------------------------------------ what lessons hold
def _referencing_tables():
    """Tables with a foreign key to lesson.id (other areas may add more: they count as data)."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "lesson" and fk.column.name == "id":
                out.append((table, fk.parent))
    return out


def lesson_contents(tx: Session, lesson_filter) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """(data, changes) per lesson id for the lessons that `lesson_filter` (conditions on Lesson)
    selects: what each holds, and what a person changed about it."""
    data: dict[int, list[str]] = defaultdict(list)
    changes: dict[int, list[str]] = defaultdict(list)
    ids = select(Lesson.id).where(*lesson_filter)
    for lid, topic, held, taken, status in tx.exec(
            select(Lesson.id, Lesson.topic, Lesson.held, Lesson.attendance_taken_at, Lesson.status)
            .where(*lesson_filter, or_(Lesson.topic != "", Lesson.held.is_(True),
                                       Lesson.attendance_taken_at.is_not(None), Lesson.status != "scheduled"))).all():
        if topic:
            data[lid].append("тема")
        if held:
            data[lid].append("отметка «урок проведён»")
        if taken is not None:
            data[lid].append("посещаемость")
        if status == "cancelled":
            changes[lid].append("отменён")
        elif status == "missed":
            changes[lid].append("не проведён")
    for lid in tx.exec(select(Work.lesson_id).join(Mark, Mark.work_id == Work.id)
                       .where(Work.lesson_id.in_(ids)).distinct()).all():
        data[lid].append("отметки")
    for table, column in _referencing_tables():
        found = tx.exec(select(column).where(column.in_(ids)).distinct()).all()
        for lid in found:
            if table.name == "substitution":
                changes[lid].append("замена")
            elif table.name == "lessonmove":
                changes[lid].append("перенос")
            else:
                title = DATA_TITLES.get(table.name, f"связанные записи ({table.name})")
                if title not in data[lid]:
                    data[lid].append(title)
    for lid, items in data.items():
        if "отметки" in items and "работы" in items:
            items.remove("работы")
        items.sort(key=lambda t: ORDER.index(t) if t in ORDER else len(ORDER))
    return data, changes


# ------------------------------------------------------------------ generation
def generate(actor: Actor, school_id: int, *, year_id: int | None = None, class_ids: list[int] | None = None,
             date_from: date | None = None, date_to: date | None = None) -> GenerationResult:
    """Generate (or bring up to date) the lessons of the year's classes between the dates
    (default: the whole year). Needs «изменение расписания» for every class concerned."""
    with transaction() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        year = year_for(tx, school_id, year_id)
        classes = _classes(tx, school_id, year, class_ids)
        for cls in classes:
            policy.require(actor, "timetable.edit", targets.for_class(tx, cls.id))
        result = generate_in(tx, actor, school_id, year, class_ids=[c.id for c in classes],
                             date_from=date_from, date_to=date_to)
        return result


def _classes(tx: Session, school_id: int, year: AcademicYear, class_ids: list[int] | None) -> list[SchoolClass]:
    stmt = select(SchoolClass).where(SchoolClass.school_id == school_id, SchoolClass.year_id == year.id)
    if class_ids is not None:
        stmt = stmt.where(SchoolClass.id.in_(class_ids or [-1]))
    classes = list(tx.exec(stmt.order_by(SchoolClass.grade, SchoolClass.letter)).all())
    if class_ids is not None and len(classes) != len(set(class_ids)):
        raise GenerationError("Класс не найден в этом учебном году школы.")
    return classes


def generate_in(tx: Session, actor: Actor, school_id: int, year: AcademicYear, *,
                class_ids: list[int] | None = None, date_from: date | None = None,
                date_to: date | None = None) -> GenerationResult:
    """The work of `generate` inside the caller's transaction (the caller has checked the policy)."""
    if year.is_closed:
        raise GenerationError(f"{year.start_year}/{year.start_year + 1} учебный год закрыт: уроки не меняются.")
    lo = max(date_from or year.starts_on, year.starts_on)
    hi = min(date_to or year.ends_on, year.ends_on)
    result = GenerationResult(lo, hi)
    if lo > hi:
        return result
    classes = _classes(tx, school_id, year, class_ids)
    result.classes = len(classes)
    if not classes:
        return result
    cids = [c.id for c in classes]
    cal = calendar_for(tx, school_id, year.id)
    names = {c.id: c.name for c in classes}
    shift = {c.id: c.shift for c in classes}
    slots = [PlanSlot(id=s.id, class_id=s.class_id, subject_id=s.subject_id, teacher_id=s.teacher_id,
                      weekday=s.weekday, lesson_number=s.lesson_number, room=s.room, subgroup_id=s.subgroup_id,
                      shift=shift[s.class_id], valid_from=s.valid_from, valid_to=s.valid_to,
                      class_name=names[s.class_id])
             for s in tx.exec(select(TimetableSlot).where(
                 TimetableSlot.school_id == school_id, TimetableSlot.class_id.in_(cids),
                 TimetableSlot.valid_from <= hi,
                 or_(TimetableSlot.valid_to.is_(None), TimetableSlot.valid_to >= lo))).all()
             if s.valid_to is None or s.valid_to >= s.valid_from]
    from services.rules.timetable_lessons import PlanError
    try:
        planned = plan_lessons(slots, cal, lo, hi)
    except PlanError as e:
        raise GenerationError(str(e)) from None

    # lessons made from the timetable whose planned day is in [lo, hi]
    moved_from: dict[int, date] = {}
    for lesson_id, first in tx.exec(select(LessonMove.lesson_id, func.min(LessonMove.from_date))
                                    .join(Lesson, Lesson.id == LessonMove.lesson_id)
                                    .where(LessonMove.school_id == school_id, Lesson.class_id.in_(cids))
                                    .group_by(LessonMove.lesson_id)).all():
        moved_from[lesson_id] = first
    moved_in = [lid for lid, d in moved_from.items() if lo <= d <= hi]
    base = [Lesson.school_id == school_id, Lesson.class_id.in_(cids), Lesson.slot_id.is_not(None)]
    in_range = and_(Lesson.lesson_date >= lo, Lesson.lesson_date <= hi)
    window = [*base, or_(in_range, Lesson.id.in_(moved_in)) if moved_in else in_range]
    rows = tx.exec(select(Lesson.id, Lesson.slot_id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id,
                          Lesson.teacher_id, Lesson.lesson_date, Lesson.lesson_number, Lesson.starts_at,
                          Lesson.ends_at, Lesson.room, Lesson.period_id, Lesson.version).where(*window)).all()
    data, changes = lesson_contents(tx, window)
    versions = {}
    existing = []
    for (lid, slot_id, class_id, subgroup_id, subject_id, teacher_id, day, number, starts, ends, room, period_id,
         version) in rows:
        planned_day = moved_from.get(lid)
        if not lo <= (planned_day or day) <= hi:
            continue  # moved here from outside the range: its own day decides
        versions[lid] = version
        existing.append(Existing(lid, slot_id, class_id, subgroup_id, subject_id, teacher_id, day, number, starts,
                                 ends, room, period_id, planned_day, tuple(data.get(lid, ())),
                                 tuple(changes.get(lid, ()))))
    plan = reconcile(existing, planned)
    _apply(tx, school_id, plan, versions)
    if plan.create or plan.update or plan.delete:
            propose_for_classes(tx, school_id, year.id, cids)
    result.created, result.updated = len(plan.create), len(plan.update)
    result.deleted, result.unchanged = len(plan.delete), plan.unchanged
    result.kept = _describe(tx, [(k.lesson.id, k.reason, bool(k.lesson.data)) for k in plan.kept])
    if plan.create or plan.update or plan.delete:
        audit.record(tx, actor, "lessons.generated", school_id=school_id, entity="academic_year",
                     entity_id=year.id, new={"from": lo, "to": hi, "classes": len(classes),
                                             "created": result.created, "updated": result.updated,
                                             "deleted": result.deleted,
                                             "kept": [k.lesson_id for k in result.kept]})
    return result


def _apply(tx: Session, school_id: int, plan, versions: dict[int, int]) -> None:
    ids = [e.id for e in plan.delete]
    for i in range(0, len(ids), CHUNK):
        tx.exec(delete(Lesson).where(Lesson.id.in_(ids[i:i + CHUNK])).execution_options(synchronize_session=False))
    by_keys: dict[tuple, list[dict]] = defaultdict(list)
    for old, changes in plan.update:
        row = {"id": old.id, **changes, "version": versions[old.id] + 1}
        by_keys[tuple(sorted(row))].append(row)
    conn = tx.connection()
    table = Lesson.__table__
    from sqlalchemy import bindparam
    for keys, rows in by_keys.items():
        stmt = (table.update().where(table.c.id == bindparam("_id"))
                .values({k: bindparam(f"_{k}") for k in keys if k != "id"}))
        conn.execute(stmt, [{f"_{k}": v for k, v in r.items()} for r in rows])
    if plan.create:
        rows = [{"school_id": school_id, "class_id": p.class_id, "subgroup_id": p.subgroup_id,
                 "subject_id": p.subject_id, "teacher_id": p.teacher_id, "period_id": p.period_id,
                 "slot_id": p.slot_id, "lesson_date": p.lesson_date, "lesson_number": p.lesson_number,
                 "starts_at": p.starts_at, "ends_at": p.ends_at, "room": p.room, "status": "scheduled",
                 "held": False, "topic": "", "planned_topic_id": None, "topic_entered_at": None,
                 "attendance_taken_at": None, "comment": "", "version": 1} for p in plan.create]
        for i in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[i:i + 5000])
    tx.expire_all()


def _describe(tx: Session, items: list[tuple[int, str, bool]]) -> list[KeptLesson]:
    if not items:
        return []
    ids = [i for i, _, _ in items]
    info = {lid: (cid, cname, sname, d, n) for lid, cid, cname, sname, d, n in tx.exec(
        select(Lesson.id, Lesson.class_id, SchoolClass.name, Subject.name, Lesson.lesson_date, Lesson.lesson_number)
        .join(SchoolClass, SchoolClass.id == Lesson.class_id).join(Subject, Subject.id == Lesson.subject_id)
        .where(Lesson.id.in_(ids))).all()}
    out = []
    for lid, reason, has_data in items:
        cid, cname, sname, d, n = info[lid]
        out.append(KeptLesson(lid, cid, cname, sname, d, n, reason, has_data))
    return sorted(out, key=lambda k: (k.lesson_date, k.class_name, k.lesson_number))


# ------------------------------------------------------------------ lessons left to a person
def pending(actor: Actor, school_id: int, *, year_id: int | None = None,
            class_ids: list[int] | None = None) -> list[KeptLesson]:
    """Lessons kept although the timetable no longer has them (their slot is not valid on the
    day they were planned for), with what they hold."""
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        year = year_for(tx, school_id, year_id)
        return _pending(tx, school_id, year, class_ids)


def _pending(tx: Session, school_id: int, year: AcademicYear, class_ids: list[int] | None) -> list[KeptLesson]:
    cids = [c.id for c in _classes(tx, school_id, year, class_ids)]
    if not cids:
        return []
    moved = dict(tx.exec(select(LessonMove.lesson_id, func.min(LessonMove.from_date))
                         .where(LessonMove.school_id == school_id).group_by(LessonMove.lesson_id)).all())
    rows = tx.exec(select(Lesson.id, Lesson.lesson_date, TimetableSlot.valid_from, TimetableSlot.valid_to,
                          TimetableSlot.weekday)
                   .join(TimetableSlot, TimetableSlot.id == Lesson.slot_id)
                   .where(Lesson.school_id == school_id, Lesson.class_id.in_(cids),
                          or_(Lesson.lesson_date < TimetableSlot.valid_from,
                              Lesson.lesson_date > TimetableSlot.valid_to,
                              TimetableSlot.valid_to < TimetableSlot.valid_from,
                              Lesson.id.in_(list(moved) or [-1])))).all()
    orphans = []
    for lid, day, vf, vt, weekday in rows:
        key = moved.get(lid, day)
        if key < vf or (vt is not None and (key > vt or vt < vf)) or key.isoweekday() != weekday:
            orphans.append(lid)
    if not orphans:
        return []
    data, changes = lesson_contents(tx, [Lesson.id.in_(orphans)])
    items = []
    for lid in orphans:
        e = Existing(lid, None, 0, None, 0, None, date.min, 0, None, None, "", None, None,
                     tuple(data.get(lid, ())), tuple(changes.get(lid, ())))
        items.append((lid, reason_kept(e) if e.pinned else "Урока нет в расписании.", bool(e.data)))
    return _describe(tx, items)


RESOLUTIONS = {"keep": "оставить как отдельный урок вне расписания", "delete": "удалить урок"}


def resolve(actor: Actor, lesson_id: int, action: str) -> None:
    """Resolve a kept lesson: «keep» detaches it from the timetable (it stays, an extra lesson);
    «delete» removes it — only when it holds no topic, works, marks, attendance or homework
    (its substitution and move records go with it)."""
    if action not in RESOLUTIONS:
        raise GenerationError("Решение: оставить урок (keep) или удалить (delete).")
    with transaction() as tx:
        target = targets.for_lesson(tx, lesson_id)
        policy.require(actor, "timetable.edit", target)
        lesson = tx.get(Lesson, lesson_id)
        if lesson is None:
            raise GenerationError("Урок не найден.")
        data, changes = lesson_contents(tx, [Lesson.id == lesson_id])
        before = {"date": lesson.lesson_date, "number": lesson.lesson_number, "slot_id": lesson.slot_id,
                  "subject_id": lesson.subject_id, "class_id": lesson.class_id, "teacher_id": lesson.teacher_id}
        if action == "keep":
            lesson.slot_id = None
            lesson.version += 1
            tx.add(lesson)
            audit.record(tx, actor, "lesson.detached", school_id=lesson.school_id, entity="lesson",
                         entity_id=lesson_id, old=before, new={"slot_id": None})
            return
        held = data.get(lesson_id)
        if held:
            raise GenerationError(f"Урок {lesson.lesson_date:%d.%m.%Y} ({lesson.lesson_number} урок) нельзя удалить: "
                                  f"в нём есть {', '.join(held)}. Оставьте его как отдельный урок.")
        tx.exec(delete(Substitution).where(Substitution.lesson_id == lesson_id))
        tx.exec(delete(LessonMove).where(LessonMove.lesson_id == lesson_id))
        tx.delete(lesson)
        audit.record(tx, actor, "lesson.deleted", school_id=target.school_id, entity="lesson", entity_id=lesson_id,
                     old={**before, "changes": changes.get(lesson_id, [])})


def teacher_names(tx: Session, school_id: int) -> dict[int, str]:
    """Staff id → «Фамилия И. О.» for the school."""
    out = {}
    for sid, last, first, middle in tx.exec(select(Staff.id, Staff.last_name, Staff.first_name, Staff.middle_name)
                                            .where(Staff.school_id == school_id)).all():
        out[sid] = short_name(last, first, middle)
    return out


def teacher_choices(school_id: int) -> dict[int, str]:
    """The school's teachers for a choice on screen: staff id → «Фамилия И. О.», by name."""
    with reading() as tx:
        names = teacher_names(tx, school_id)
    return dict(sorted(names.items(), key=lambda kv: kv[1]))


#END
