"""Substitutions and changes of single lessons (R-PLAN-4; regulation 1.6, 4.4, 4.6).

The administrator (and a deputy, for their parallels — policy «substitution.manage») replaces
the teacher of one lesson or of an absent teacher's lessons over a date range, cancels a
lesson, or moves it to another day, lesson number or room. A substitution sets
Lesson.teacher_id to the substitute — the lesson then is in the substitute's journal and
to-do and out of the absent teacher's — and records a Substitution row: who was absent, who
replaced them (None: nobody, the lesson is «missed»), and whether the substitute teaches that
subject (the equivalence indicator). Every change is audited; the teachers concerned are to be
told through `notify_lesson_changed` (the notices come with another issue).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import delete, or_
from sqlmodel import Session, select

from models import (
    Holiday, Lesson, LessonMove, SchoolClass, Staff, StudyPeriod, Subject, Substitution, TeachingAssignment,
)
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target
from services.planning.timetable_lessons import lesson_contents
from services.rules.names import short_name


class SubstitutionError(ValueError):
    """str(e) is a Russian message saying what is wrong."""


# ------------------------------------------------------------------ the call point for notices
@dataclass(frozen=True)
class LessonChange:
    """A change of one lesson that the teachers concerned (and the class) should hear about."""
    kind: str                   # substitution | missed | cancelled | moved | restored
    school_id: int
    lesson_id: int
    class_id: int
    subject_id: int
    lesson_date: date
    lesson_number: int
    teacher_ids: tuple[int, ...]  # Staff ids to tell: the absent teacher, the substitute
    text: str                   # Russian, ready to show


def notify_lesson_changed(changes: list[LessonChange]) -> None:
    """CALL POINT for notices: called after every committed change of lessons (substitution,
    missed lesson, cancellation, move, restoration) with what changed and whom to tell: the
    teachers in `teacher_ids`, the class teacher, the pupils and their guardians get a notice
    (services/comms/notices.lesson_changed, issue 8)."""
    from services.comms import notices
    notices.lesson_changed(changes)


# ------------------------------------------------------------------ helpers
@dataclass(frozen=True)
class Candidate:
    staff_id: int
    name: str
    same_subject: bool
    busy: str                  # «» when free at that time, else what they teach then
    lessons_that_day: int

    @property
    def free(self) -> bool:
        return not self.busy


def _staff(tx: Session, school_id: int, on: date) -> dict[int, Staff]:
    return {s.id: s for s in tx.exec(select(Staff).where(
        Staff.school_id == school_id, or_(Staff.left_on.is_(None), Staff.left_on >= on))).all()}


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def subject_teachers(tx: Session, school_id: int, subject_id: int, staff: dict[int, Staff]) -> set[int]:
    """Who teaches the subject: by a teaching assignment, or by the subjects of their staff record."""
    ids = set(tx.exec(select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.school_id == school_id, TeachingAssignment.subject_id == subject_id)).all())
    subject = tx.get(Subject, subject_id)
    names = {_norm(subject.name), _norm(subject.short_name)} - {""}
    for s in staff.values():
        listed = {_norm(x) for x in (s.subjects or "").replace(";", ",").split(",")}
        if names & listed:
            ids.add(s.id)
    return ids


def _busy(tx: Session, school_id: int, day: date, starts: time, ends: time, exclude: set[int]) -> dict[int, str]:
    """Teacher id → what they teach at that time on that day (lessons not cancelled)."""
    out = {}
    for teacher_id, cname, sname in tx.exec(
            select(Lesson.teacher_id, SchoolClass.name, Subject.name)
            .join(SchoolClass, SchoolClass.id == Lesson.class_id).join(Subject, Subject.id == Lesson.subject_id)
            .where(Lesson.school_id == school_id, Lesson.lesson_date == day, Lesson.status != "cancelled",
                   Lesson.starts_at < ends, Lesson.ends_at > starts, Lesson.teacher_id.is_not(None),
                   Lesson.id.not_in(exclude or {-1}))).all():
        out.setdefault(teacher_id, f"{cname} {sname}")
    return out


def _lesson(tx: Session, actor: Actor, lesson_id: int) -> Lesson:
    policy.require(actor, "substitution.manage", targets.for_lesson(tx, lesson_id))
    lesson = tx.get(Lesson, lesson_id)
    if lesson is None:
        raise SubstitutionError("Урок не найден.")
    return lesson


def _repropose(tx: Session, lesson: Lesson) -> None:
    """A lesson that stops or starts counting (missed, cancelled, restored) shifts the КТП's topics."""
    from services.planning.lesson_plans import propose_for_classes
    cls = tx.get(SchoolClass, lesson.class_id)
    tx.flush()
    propose_for_classes(tx, lesson.school_id, cls.year_id, [cls.id], [lesson.subject_id])


def _label(tx: Session, lesson: Lesson) -> str:
    cls = tx.get(SchoolClass, lesson.class_id)
    subject = tx.get(Subject, lesson.subject_id)
    return f"{cls.name} {subject.name}, {lesson.lesson_date:%d.%m.%Y}, {lesson.lesson_number} урок"


def absent_teacher(tx: Session, lesson: Lesson) -> int | None:
    """The teacher the lesson belongs to by the timetable (before any substitution)."""
    first = tx.exec(select(Substitution.absent_teacher_id).where(Substitution.lesson_id == lesson.id)
                    .order_by(Substitution.id)).first()
    return first if first is not None else lesson.teacher_id


# ------------------------------------------------------------------ reading
def candidates(actor: Actor, lesson_id: int) -> list[Candidate]:
    """Who could replace the lesson's teacher: free teachers of the subject first, then other
    free teachers, then the busy ones (with what keeps them busy)."""
    with reading() as tx:
        lesson = _lesson(tx, actor, lesson_id)
        return _candidates(tx, lesson, {lesson.id}, absent_teacher(tx, lesson))


def _candidates(tx: Session, lesson: Lesson, exclude: set[int], absent: int | None,
                taken: dict[int, str] | None = None) -> list[Candidate]:
    staff = _staff(tx, lesson.school_id, lesson.lesson_date)
    same = subject_teachers(tx, lesson.school_id, lesson.subject_id, staff)
    busy = _busy(tx, lesson.school_id, lesson.lesson_date, lesson.starts_at, lesson.ends_at, exclude)
    busy.update(taken or {})
    counts: dict[int, int] = defaultdict(int)
    for t in tx.exec(select(Lesson.teacher_id).where(Lesson.school_id == lesson.school_id,
                                                     Lesson.lesson_date == lesson.lesson_date,
                                                     Lesson.status != "cancelled")).all():
        counts[t] += 1
    out = [Candidate(s.id, short_name(s.last_name, s.first_name, s.middle_name), s.id in same,
                     busy.get(s.id, ""), counts.get(s.id, 0))
           for s in staff.values() if s.id != absent]
    return sorted(out, key=lambda c: (not c.free, not c.same_subject, c.lessons_that_day, c.name))


@dataclass(frozen=True)
class AbsenceLesson:
    lesson_id: int
    lesson_date: date
    lesson_number: int
    starts_at: time
    class_name: str
    subject_name: str
    teacher_id: int | None
    status: str
    candidates: tuple[Candidate, ...]


def absence_plan(actor: Actor, teacher_id: int, date_from: date, date_to: date) -> list[AbsenceLesson]:
    """The lessons of an absent teacher over the dates (as the timetable gave them to this
    teacher: not yet substituted), each with its possible substitutes."""
    if date_to < date_from:
        raise SubstitutionError("Конец периода раньше начала.")
    with reading() as tx:
        teacher = tx.get(Staff, teacher_id)
        if teacher is None:
            raise SubstitutionError("Учитель не найден.")
        policy.require(actor, "timetable.view", school_target(tx, teacher.school_id))
        rows = tx.exec(select(Lesson, SchoolClass.name, Subject.name)
                       .join(SchoolClass, SchoolClass.id == Lesson.class_id)
                       .join(Subject, Subject.id == Lesson.subject_id)
                       .where(Lesson.school_id == teacher.school_id, Lesson.teacher_id == teacher_id,
                              Lesson.status == "scheduled", Lesson.lesson_date >= date_from,
                              Lesson.lesson_date <= date_to)
                       .order_by(Lesson.lesson_date, Lesson.lesson_number)).all()
        out = []
        for lesson, cname, sname in rows:
            if not policy.allowed(actor, "substitution.manage", targets.for_lesson(tx, lesson.id)):
                continue
            out.append(AbsenceLesson(lesson.id, lesson.lesson_date, lesson.lesson_number, lesson.starts_at, cname,
                                     sname, lesson.teacher_id, lesson.status,
                                     tuple(_candidates(tx, lesson, {lesson.id}, teacher_id))))
        return out


# ------------------------------------------------------------------ changing
def substitute(actor: Actor, lesson_id: int, substitute_id: int | None, reason: str = "") -> LessonChange:
    """Replace the teacher of one lesson (substitute_id None: nobody can, the lesson is missed)."""
    changes = substitute_many(actor, {lesson_id: substitute_id}, reason)
    return changes[0]


def substitute_many(actor: Actor, choices: dict[int, int | None], reason: str = "") -> list[LessonChange]:
    """Replace teachers of several lessons (lesson id → substitute staff id, or None = missed) in
    one transaction: all or nothing, every problem named."""
    reason = reason.strip()
    if len(reason) > 200:
        raise SubstitutionError("Причина замены — до 200 символов.")
    if not choices:
        raise SubstitutionError("Не выбран ни один урок.")
    now = clock.now()
    out: list[LessonChange] = []
    with transaction() as tx:
        problems = []
        shifted: dict[tuple[int, int], int] = {}  # lessons that start or stop counting for the КТП
        taken: dict[tuple[date, int], list[tuple[time, time, str]]] = defaultdict(list)
        for lesson_id, sub_id in sorted(choices.items()):
            lesson = _lesson(tx, actor, lesson_id)
            label = _label(tx, lesson)
            if lesson.status == "cancelled":
                problems.append(f"{label}: урок отменён — сначала восстановите его.")
                continue
            absent = absent_teacher(tx, lesson)
            staff = _staff(tx, lesson.school_id, lesson.lesson_date)
            if sub_id is not None:
                if sub_id not in staff:
                    problems.append(f"{label}: заменяющий учитель не найден среди сотрудников школы.")
                    continue
                if sub_id == absent:
                    problems.append(f"{label}: это учитель урока по расписанию — чтобы вернуть урок ему, "
                                    "отмените замену.")
                    continue
                busy = _busy(tx, lesson.school_id, lesson.lesson_date, lesson.starts_at, lesson.ends_at,
                             set(choices))
                clash = busy.get(sub_id) or next((what for a, b, what in taken[(lesson.lesson_date, sub_id)]
                                                  if a < lesson.ends_at and b > lesson.starts_at), "")
                if clash:
                    name = short_name(staff[sub_id].last_name, staff[sub_id].first_name, staff[sub_id].middle_name)
                    problems.append(f"{label}: {name} в это время ведёт урок ({clash}).")
                    continue
                taken[(lesson.lesson_date, sub_id)].append((lesson.starts_at, lesson.ends_at, label))
            same = sub_id is not None and sub_id in subject_teachers(tx, lesson.school_id, lesson.subject_id, staff)
            old = {"teacher_id": lesson.teacher_id, "status": lesson.status}
            lesson.teacher_id = sub_id
            lesson.status = "scheduled" if sub_id is not None else "missed"
            if lesson.status != old["status"]:
                shifted[(lesson.class_id, lesson.subject_id)] = lesson.id
            lesson.version += 1
            tx.add(lesson)
            tx.add(Substitution(school_id=lesson.school_id, lesson_id=lesson.id, absent_teacher_id=absent,
                                substitute_teacher_id=sub_id, same_subject=same, reason=reason, created_at=now,
                                created_by_user_id=actor.user_id or None))
            names = {i: short_name(s.last_name, s.first_name, s.middle_name) for i, s in staff.items()}
            if sub_id is None:
                text = f"{label}: урок не проведён — замена не найдена (учитель {names.get(absent, '—')})."
            else:
                text = (f"{label}: замена — ведёт {names.get(sub_id)} вместо {names.get(absent, '—')}"
                        f"{'' if same else ' (другой предмет)'}.")
            if reason:
                text += f" Причина: {reason}."
            audit.record(tx, actor, "lesson.substituted" if sub_id else "lesson.missed",
                         school_id=lesson.school_id, entity="lesson", entity_id=lesson.id, old=old,
                         new={"teacher_id": sub_id, "status": lesson.status, "absent_teacher_id": absent,
                              "same_subject": same, "reason": reason})
            out.append(LessonChange("substitution" if sub_id else "missed", lesson.school_id, lesson.id,
                                    lesson.class_id, lesson.subject_id, lesson.lesson_date, lesson.lesson_number,
                                    tuple(t for t in (absent, sub_id) if t is not None), text))
        if problems:
            raise SubstitutionError("\n".join(problems))
        for lesson_id in shifted.values():
            _repropose(tx, tx.get(Lesson, lesson_id))
    notify_lesson_changed(out)
    return out


def cancel(actor: Actor, lesson_id: int, reason: str) -> LessonChange:
    """Cancel a lesson (it leaves the journal and the timetables show it cancelled). A lesson that
    already holds marks, attendance, homework or a topic cannot be cancelled."""
    reason = reason.strip()
    if not reason:
        raise SubstitutionError("Укажите причину отмены урока.")
    with transaction() as tx:
        lesson = _lesson(tx, actor, lesson_id)
        label = _label(tx, lesson)
        if lesson.status == "cancelled":
            raise SubstitutionError(f"{label}: урок уже отменён.")
        data, _ = lesson_contents(tx, [Lesson.id == lesson_id])
        if data.get(lesson_id):
            raise SubstitutionError(f"{label}: урок нельзя отменить — в нём есть {', '.join(data[lesson_id])}.")
        old = {"status": lesson.status, "comment": lesson.comment}
        lesson.status, lesson.comment = "cancelled", reason[:500]
        lesson.version += 1
        tx.add(lesson)
        _repropose(tx, lesson)
        audit.record(tx, actor, "lesson.cancelled", school_id=lesson.school_id, entity="lesson", entity_id=lesson_id,
                     old=old, new={"status": "cancelled", "comment": reason})
        change = LessonChange("cancelled", lesson.school_id, lesson.id, lesson.class_id, lesson.subject_id,
                              lesson.lesson_date, lesson.lesson_number,
                              tuple(t for t in (lesson.teacher_id,) if t is not None),
                              f"{label}: урок отменён. Причина: {reason}.")
    notify_lesson_changed([change])
    return change


def restore(actor: Actor, lesson_id: int) -> LessonChange:
    """Undo a cancellation and any substitution: the lesson is back with its own teacher."""
    with transaction() as tx:
        lesson = _lesson(tx, actor, lesson_id)
        label = _label(tx, lesson)
        absent = absent_teacher(tx, lesson)
        subs = tx.exec(select(Substitution).where(Substitution.lesson_id == lesson_id)).all()
        if lesson.status == "scheduled" and not subs:
            raise SubstitutionError(f"{label}: урок идёт по расписанию, отменять нечего.")
        old = {"teacher_id": lesson.teacher_id, "status": lesson.status, "comment": lesson.comment}
        tx.exec(delete(Substitution).where(Substitution.lesson_id == lesson_id))
        substitute_before = lesson.teacher_id
        lesson.teacher_id, lesson.status = absent, "scheduled"
        if old["status"] == "cancelled":
            lesson.comment = ""
        lesson.version += 1
        tx.add(lesson)
        _repropose(tx, lesson)
        audit.record(tx, actor, "lesson.restored", school_id=lesson.school_id, entity="lesson", entity_id=lesson_id,
                     old=old, new={"teacher_id": absent, "status": "scheduled"})
        change = LessonChange("restored", lesson.school_id, lesson.id, lesson.class_id, lesson.subject_id,
                              lesson.lesson_date, lesson.lesson_number,
                              tuple(t for t in {absent, substitute_before} if t is not None),
                              f"{label}: урок снова по расписанию.")
    notify_lesson_changed([change])
    return change


def move(actor: Actor, lesson_id: int, new_date: date, new_number: int, new_room: str | None = None,
         reason: str = "") -> LessonChange:
    """Move a lesson to another day, lesson number and/or room. The new time must be a school day
    of the class's year, and the class, the teacher and the room must be free then."""
    reason = reason.strip()
    with transaction() as tx:
        lesson = _lesson(tx, actor, lesson_id)
        label = _label(tx, lesson)
        if lesson.status == "cancelled":
            raise SubstitutionError(f"{label}: урок отменён — сначала восстановите его.")
        cls = tx.get(SchoolClass, lesson.class_id)
        room = lesson.room if new_room is None else new_room.strip()
        if len(room) > 20:
            raise SubstitutionError("Номер кабинета — до 20 символов.")
        if (new_date, new_number, room) == (lesson.lesson_date, lesson.lesson_number, lesson.room):
            raise SubstitutionError(f"{label}: урок уже в это время и в этом кабинете.")
        period = tx.exec(select(StudyPeriod).where(StudyPeriod.year_id == cls.year_id,
                                                   StudyPeriod.starts_on <= new_date,
                                                   StudyPeriod.ends_on >= new_date)).first()
        if period is None:
            raise SubstitutionError(f"{new_date:%d.%m.%Y} — не учебный день (вне учебных периодов).")
        holiday = tx.exec(select(Holiday.name).where(Holiday.year_id == cls.year_id, Holiday.starts_on <= new_date,
                                                     Holiday.ends_on >= new_date)).first()
        if holiday is not None:
            raise SubstitutionError(f"{new_date:%d.%m.%Y} — не учебный день: {holiday}.")
        if new_date.isoweekday() == 7:
            raise SubstitutionError(f"{new_date:%d.%m.%Y} — воскресенье.")
        from models import BellSchedule
        bell = tx.exec(select(BellSchedule).where(BellSchedule.school_id == lesson.school_id,
                                                  BellSchedule.shift == cls.shift,
                                                  BellSchedule.lesson_number == new_number)).first()
        if bell is None:
            raise SubstitutionError(f"{new_number} урока нет в расписании звонков {cls.shift} смены.")
        others = tx.exec(select(Lesson, SchoolClass.name, Subject.name)
                         .join(SchoolClass, SchoolClass.id == Lesson.class_id)
                         .join(Subject, Subject.id == Lesson.subject_id)
                         .where(Lesson.school_id == lesson.school_id, Lesson.lesson_date == new_date,
                                Lesson.status != "cancelled", Lesson.id != lesson_id,
                                Lesson.starts_at < bell.ends_at, Lesson.ends_at > bell.starts_at)).all()
        problems = []
        for other, cname, sname in others:
            what = f"{cname} {sname}"
            if other.class_id == lesson.class_id and (other.subgroup_id is None or lesson.subgroup_id is None
                                                      or other.subgroup_id == lesson.subgroup_id):
                problems.append(f"у класса {cname} в это время урок ({sname})")
            if lesson.teacher_id is not None and other.teacher_id == lesson.teacher_id:
                problems.append(f"учитель в это время ведёт урок ({what})")
            if room and other.room.strip().lower() == room.lower():
                problems.append(f"кабинет {room} занят ({what})")
        if problems:
            raise SubstitutionError(f"{label}: нельзя перенести на {new_date:%d.%m.%Y}, {new_number} урок — "
                                    + "; ".join(dict.fromkeys(problems)) + ".")
        move_row = LessonMove(school_id=lesson.school_id, lesson_id=lesson.id, from_date=lesson.lesson_date,
                              from_number=lesson.lesson_number, from_room=lesson.room, to_date=new_date,
                              to_number=new_number, to_room=room, reason=reason[:200], created_at=clock.now(),
                              created_by_user_id=actor.user_id or None)
        tx.add(move_row)
        old = {"date": lesson.lesson_date, "number": lesson.lesson_number, "room": lesson.room}
        lesson.lesson_date, lesson.lesson_number, lesson.room = new_date, new_number, room
        lesson.starts_at, lesson.ends_at, lesson.period_id = bell.starts_at, bell.ends_at, period.id
        lesson.version += 1
        tx.add(lesson)
        _repropose(tx, lesson)
        audit.record(tx, actor, "lesson.moved", school_id=lesson.school_id, entity="lesson", entity_id=lesson_id,
                     old=old, new={"date": new_date, "number": new_number, "room": room, "reason": reason})
        text = (f"{label}: перенесён на {new_date:%d.%m.%Y}, {new_number} урок"
                + (f", кабинет {room}" if room else "") + (f". Причина: {reason}" if reason else "") + ".")
        change = LessonChange("moved", lesson.school_id, lesson.id, lesson.class_id, lesson.subject_id, new_date,
                              new_number, tuple(t for t in (lesson.teacher_id,) if t is not None), text)
    notify_lesson_changed([change])
    return change
