"""Movement of pupils during the year (R-CON-4): arrivals, departures and transfers between
classes. Each ends or starts an Enrollment (the dates a pupil is in a class) and writes a
Movement row (the register, with the order number). Marks, attendance and homework misses
stay on the lessons where they were given: the journal shows a pupil only for their dates in
the class («—» outside), so a transfer never moves or deletes a mark. A transfer or departure
dated before marks the pupil already has in the old class is refused: those marks would vanish
from sight.

The `*_in` functions work inside the caller's transaction (the importer uses them for a whole
file); `transfer`, `depart` and `arrive` are the one-pupil actions of the screens.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import Session, select

from models import (
    AcademicYear, Attendance, Enrollment, Lesson, Mark, Movement, SchoolClass, Student, SubgroupMember,
    Subgroup, Work,
)
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor

KIND_TITLES = {"arrival": "Прибытие", "departure": "Выбытие", "transfer": "Перевод",
               "promoted": "Перевод в следующий класс", "conditional": "Условный перевод",
               "repeat": "Оставлен на повторное обучение", "graduated": "Окончил обучение"}


class MovementError(ValueError):
    """str(e) is a Russian message saying what is wrong; `field` names the import column it is
    about (the date, unless said otherwise)."""

    def __init__(self, message: str, field: str = "on_date"):
        super().__init__(message)
        self.field = field


def _d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def year_of_class(tx: Session, cls: SchoolClass) -> AcademicYear:
    return tx.get(AcademicYear, cls.year_id)


def require_open_year(tx: Session, cls: SchoolClass, on: date | None = None) -> AcademicYear:
    year = year_of_class(tx, cls)
    if year.is_closed:
        raise MovementError(f"{year.start_year}/{year.start_year + 1} учебный год закрыт: "
                            f"данные класса {cls.name} только для чтения.")
    if on is not None and not year.starts_on <= on <= year.ends_on:
        raise MovementError(f"Дата {_d(on)} вне {year.start_year}/{year.start_year + 1} учебного года "
                            f"класса {cls.name}.")
    return year


def enrolment_on(tx: Session, school_id: int, student_id: int, on: date) -> Enrollment | None:
    """The pupil's enrolment that covers `on` (None when not in any class that day)."""
    return tx.exec(select(Enrollment).where(
        Enrollment.school_id == school_id, Enrollment.student_id == student_id, Enrollment.starts_on <= on,
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= on)).order_by(Enrollment.starts_on.desc())).first()


def entries_from(tx: Session, school_id: int, student_id: int, class_id: int, on: date) -> list[date]:
    """Dates on or after `on` with a mark or an attendance record of the pupil in the class."""
    marked = tx.exec(select(Lesson.lesson_date).join(Work, Work.lesson_id == Lesson.id)
                     .join(Mark, Mark.work_id == Work.id)
                     .where(Mark.school_id == school_id, Mark.student_id == student_id,
                            Lesson.class_id == class_id, Lesson.lesson_date >= on)).all()
    present = tx.exec(select(Lesson.lesson_date).join(Attendance, Attendance.lesson_id == Lesson.id)
                      .where(Attendance.school_id == school_id, Attendance.student_id == student_id,
                             Lesson.class_id == class_id, Lesson.lesson_date >= on)).all()
    return sorted(set(marked) | set(present))


def _refuse_hidden_entries(tx: Session, school_id: int, student_id: int, cls: SchoolClass, on: date,
                           what: str) -> None:
    dates = entries_from(tx, school_id, student_id, cls.id, on)
    if dates:
        shown = ", ".join(d.strftime("%d.%m") for d in dates[:5]) + ("…" if len(dates) > 5 else "")
        raise MovementError(f"У ученика есть отметки или пропуски в {cls.name} с {_d(on)} ({shown}): "
                            f"{what} не раньше {_d(dates[-1] + timedelta(days=1))}.")


def _end_subgroups(tx: Session, school_id: int, student_id: int, class_id: int, last_day: date) -> None:
    members = tx.exec(select(SubgroupMember).join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id).where(
        SubgroupMember.school_id == school_id, SubgroupMember.student_id == student_id,
        Subgroup.class_id == class_id, or_(SubgroupMember.ends_on.is_(None), SubgroupMember.ends_on > last_day))).all()
    for m in members:
        if m.starts_on > last_day:
            tx.delete(m)
        else:
            m.ends_on = last_day
            tx.add(m)


def _record(tx: Session, actor: Actor, student: Student, kind: str, on: date, *, from_cls=None, to_cls=None,
            order_number: str = "", note: str = "") -> Movement:
    row = Movement(school_id=student.school_id, student_id=student.id, kind=kind, on_date=on,
                   from_class_id=from_cls.id if from_cls else None, to_class_id=to_cls.id if to_cls else None,
                   order_number=order_number, note=note, recorded_at=clock.now(),
                   recorded_by_user_id=actor.user_id or None)
    tx.add(row)
    audit.record(tx, actor, f"student.{kind}", school_id=student.school_id, entity="student", entity_id=student.id,
                 new={"kind": kind, "on": on, "from": from_cls.name if from_cls else None,
                      "to": to_cls.name if to_cls else None, "order": order_number, "note": note})
    return row


# ------------------------------------------------------------------ inside a transaction
def arrive_in(tx: Session, actor: Actor, student: Student, cls: SchoolClass, on: date, *,
              order_number: str = "", note: str = "", reason: str = "enrolled", log: bool = True) -> bool:
    """Enrol a pupil into a class from `on`. False when already so enrolled (nothing to do)."""
    require_open_year(tx, cls, on)
    current = enrolment_on(tx, student.school_id, student.id, on) if student.id else None
    if current is not None:
        if current.class_id == cls.id:
            return False
        other = tx.get(SchoolClass, current.class_id)
        raise MovementError(f"Ученик уже числится в {other.name} с {_d(current.starts_on)}: "
                            f"для смены класса нужен перевод.", "kind")
    later = tx.exec(select(Enrollment).where(Enrollment.student_id == student.id, Enrollment.starts_on > on)
                    .order_by(Enrollment.starts_on)).first() if student.id else None
    ends_on = later.starts_on - timedelta(days=1) if later is not None else None
    tx.add(Enrollment(school_id=student.school_id, student_id=student.id, class_id=cls.id, starts_on=on,
                      ends_on=ends_on, order_number=order_number, reason=reason))
    if student.arrived_on is None or (student.left_on is not None and student.left_on < on):
        student.arrived_on = on
    if student.left_on is not None and student.left_on < on:
        student.left_on = None
    tx.add(student)
    if log:
        _record(tx, actor, student, "arrival", on, to_cls=cls, order_number=order_number, note=note)
    return True


def transfer_in(tx: Session, actor: Actor, student: Student, to_cls: SchoolClass, on: date, *,
                order_number: str = "", note: str = "", from_cls: SchoolClass | None = None) -> bool:
    """Move a pupil to another class of the same year from `on` (their first day there).
    False when the pupil is already in that class from that day."""
    require_open_year(tx, to_cls, on)
    current = enrolment_on(tx, student.school_id, student.id, on)
    if current is not None and current.class_id == to_cls.id and current.starts_on == on:
        return False
    before = enrolment_on(tx, student.school_id, student.id, on - timedelta(days=1))
    if before is None:
        raise MovementError(f"{_d(on - timedelta(days=1))} ученик не числится ни в одном классе: "
                            f"переводить неоткуда (для нового ученика — прибытие).")
    old = tx.get(SchoolClass, before.class_id)
    if from_cls is not None and from_cls.id != old.id:
        raise MovementError(f"Ученик числится в {old.name}, а не в {from_cls.name}.", "from_class")
    if old.id == to_cls.id:
        raise MovementError(f"Ученик уже учится в {to_cls.name}.", "to_class")
    if old.year_id != to_cls.year_id:
        raise MovementError("Перевод возможен только между классами одного учебного года.")
    _refuse_hidden_entries(tx, student.school_id, student.id, old, on, "дата перевода")
    planned_end = before.ends_on
    before.ends_on = on - timedelta(days=1)
    tx.add(before)
    _end_subgroups(tx, student.school_id, student.id, old.id, on - timedelta(days=1))
    tx.add(Enrollment(school_id=student.school_id, student_id=student.id, class_id=to_cls.id, starts_on=on,
                      ends_on=planned_end, order_number=order_number, reason="transfer"))
    _record(tx, actor, student, "transfer", on, from_cls=old, to_cls=to_cls, order_number=order_number, note=note)
    return True


def depart_in(tx: Session, actor: Actor, student: Student, on: date, *, order_number: str = "",
              note: str = "") -> bool:
    """The pupil leaves the school; `on` is the first day they are gone. False when already so."""
    last_day = on - timedelta(days=1)
    before = enrolment_on(tx, student.school_id, student.id, last_day)
    if before is None:
        if student.left_on == last_day:
            return False
        raise MovementError(f"{_d(last_day)} ученик не числится ни в одном классе школы.")
    if before.ends_on == last_day and student.left_on == last_day:
        return False
    cls = tx.get(SchoolClass, before.class_id)
    require_open_year(tx, cls)
    _refuse_hidden_entries(tx, student.school_id, student.id, cls, on, "дата выбытия")
    later = tx.exec(select(Enrollment).where(Enrollment.student_id == student.id, Enrollment.starts_on > last_day)).all()
    for e in later:
        tx.delete(e)
    before.ends_on = last_day
    tx.add(before)
    _end_subgroups(tx, student.school_id, student.id, cls.id, last_day)
    student.left_on = last_day
    tx.add(student)
    _record(tx, actor, student, "departure", on, from_cls=cls, order_number=order_number, note=note)
    return True


# ------------------------------------------------------------------ one pupil, from a screen
def _student_for(tx: Session, actor: Actor, student_id: int) -> Student:
    target = targets.for_student(tx, student_id)
    policy.require(actor, "student.move", target)
    student = tx.get(Student, student_id)
    if student is None:
        raise MovementError("Ученик не найден.")
    return student


def _class_in(tx: Session, school_id: int, class_id: int) -> SchoolClass:
    cls = tx.get(SchoolClass, class_id)
    if cls is None or cls.school_id != school_id:
        raise MovementError("Класс не найден в этой школе.")
    return cls


def transfer(actor: Actor, student_id: int, to_class_id: int, on: date, order_number: str = "",
             note: str = "") -> bool:
    with transaction() as tx:
        student = _student_for(tx, actor, student_id)
        return transfer_in(tx, actor, student, _class_in(tx, student.school_id, to_class_id), on,
                           order_number=order_number.strip(), note=note.strip())


def depart(actor: Actor, student_id: int, on: date, order_number: str = "", note: str = "") -> bool:
    with transaction() as tx:
        student = _student_for(tx, actor, student_id)
        return depart_in(tx, actor, student, on, order_number=order_number.strip(), note=note.strip())


def arrive(actor: Actor, student_id: int, class_id: int, on: date, order_number: str = "", note: str = "") -> bool:
    """A pupil who left comes back (a new pupil comes in through the roster import)."""
    with transaction() as tx:
        student = _student_for(tx, actor, student_id)
        return arrive_in(tx, actor, student, _class_in(tx, student.school_id, class_id), on,
                         order_number=order_number.strip(), note=note.strip())


@dataclass(frozen=True)
class HistoryRow:
    on: date
    kind: str
    title: str
    from_class: str
    to_class: str
    order_number: str
    note: str


@dataclass(frozen=True)
class EnrolmentRow:
    class_name: str
    starts_on: date
    ends_on: date | None
    reason: str


def history(actor: Actor, student_id: int) -> tuple[list[EnrolmentRow], list[HistoryRow]]:
    """A pupil's enrolments (class and dates) and the movement register rows, oldest first."""
    with reading() as tx:
        policy.require(actor, "student.view", targets.for_student(tx, student_id))
        names = dict(tx.exec(select(SchoolClass.id, SchoolClass.name).join(
            Enrollment, Enrollment.class_id == SchoolClass.id).where(Enrollment.student_id == student_id)).all())
        enrolments = [EnrolmentRow(names.get(e.class_id, ""), e.starts_on, e.ends_on, e.reason)
                      for e in tx.exec(select(Enrollment).where(Enrollment.student_id == student_id)
                                       .order_by(Enrollment.starts_on)).all()]
        rows = tx.exec(select(Movement).where(Movement.student_id == student_id)
                       .order_by(Movement.on_date, Movement.id)).all()
        ids = {r.from_class_id for r in rows} | {r.to_class_id for r in rows}
        ids.discard(None)
        if ids:
            names.update(dict(tx.exec(select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(ids))).all()))
        return enrolments, [HistoryRow(r.on_date, r.kind, KIND_TITLES.get(r.kind, r.kind),
                                       names.get(r.from_class_id, ""), names.get(r.to_class_id, ""),
                                       r.order_number, r.note) for r in rows]


# ------------------------------------------------------------------ the register, for the screen
@dataclass(frozen=True)
class RegisterRow:
    on: date
    student_id: int
    pupil: str
    title: str
    from_class: str
    to_class: str
    order_number: str
    note: str


def register(actor: Actor, school_id: int, date_from: date, date_to: date) -> list[RegisterRow]:
    """The school's movement register (книга движения) between two dates, oldest first."""
    from services.core.schools import school_target
    from services.people.rosters import full_name
    with reading() as tx:
        policy.require(actor, "student.move", school_target(tx, school_id, entity="movement"))
        rows = tx.exec(select(Movement, Student).join(Student, Student.id == Movement.student_id).where(
            Movement.school_id == school_id, Movement.on_date >= date_from, Movement.on_date <= date_to)
            .order_by(Movement.on_date, Movement.id)).all()
        ids = {m.from_class_id for m, _ in rows} | {m.to_class_id for m, _ in rows}
        ids.discard(None)
        names = dict(tx.exec(select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(ids))).all()) \
            if ids else {}
        return [RegisterRow(m.on_date, s.id, full_name(s), KIND_TITLES.get(m.kind, m.kind),
                            names.get(m.from_class_id, ""), names.get(m.to_class_id, ""), m.order_number, m.note)
                for m, s in rows]


def left_pupils(actor: Actor, school_id: int) -> list[tuple[int, str, date]]:
    """Pupils who have left the school (id, name, last day), newest first: whom «Прибытие» may bring back."""
    from services.core.schools import school_target
    from services.people.rosters import full_name
    with reading() as tx:
        policy.require(actor, "student.move", school_target(tx, school_id, entity="movement"))
        rows = tx.exec(select(Student).where(Student.school_id == school_id, Student.left_on.is_not(None))
                       .order_by(Student.left_on.desc(), Student.last_name, Student.first_name)).all()
        return [(s.id, full_name(s), s.left_on) for s in rows]
