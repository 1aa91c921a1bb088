"""The class teacher's daily record (1.7, 4.3; R-JRN-8): for a day of the class, who missed lessons and who
did not do the homework checked that day; and the reason of an absence recorded for all subjects at
once — every «Н» of the pupil over the days given becomes «Б» (ill) or «У» (excused), with the
document noted (AbsenceNote) and each change audited."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import select

from models import AbsenceNote, Attendance, Enrollment, Homework, HomeworkMiss, Lesson, Student, Subject
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.journal.class_teacher import ClassError
from services.journal.grid import closed_year
from services.rules.cells import ATTENDANCE_LETTERS

REASONS = {"ill": "Б — болел", "excused": "У — по уважительной причине"}
DOCUMENT_MAX, SPAN_MAX = 300, 62


@dataclass
class PupilDay:
    student_id: int
    name: str
    absences: list[str] = field(default_factory=list)      # «2. Математика — Н»
    homework_missed: list[str] = field(default_factory=list)  # subjects whose homework was not done
    unexplained: int = 0                                     # «Н» still without a reason

    @property
    def missed(self) -> bool:
        return bool(self.absences)


@dataclass(frozen=True)
class NoteRow:
    id: int
    student: str
    starts_on: date
    ends_on: date
    reason: str
    document: str
    lessons: int


@dataclass
class DayRecord:
    class_id: int
    day: date
    lessons: int
    pupils: list[PupilDay]     # only those who missed a lesson or a homework
    notes: list[NoteRow]       # the reasons recorded that cover the day


def _enrolled(tx, class_id: int, first: date, last: date):
    return tx.exec(select(Student.id, Student.last_name, Student.first_name)
                   .join(Enrollment, Enrollment.student_id == Student.id)
                   .where(Enrollment.class_id == class_id, Enrollment.starts_on <= last,
                          or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= first))
                   .distinct().order_by(Student.last_name, Student.first_name)).all()


def day_record(actor: Actor, class_id: int, day: date) -> DayRecord:
    with reading() as tx:
        policy.require(actor, "attendance.class_day", targets.for_class(tx, class_id))
        lessons = tx.exec(select(Lesson, Subject.name).join(Subject, Subject.id == Lesson.subject_id)
                          .where(Lesson.class_id == class_id, Lesson.lesson_date == day,
                                 Lesson.status != "cancelled").order_by(Lesson.lesson_number)).all()
        pupils = {sid: PupilDay(sid, f"{last} {first}") for sid, last, first in _enrolled(tx, class_id, day, day)}
        by_id = {l.id: (l, name) for l, name in lessons}
        for a in tx.exec(select(Attendance).where(Attendance.lesson_id.in_(list(by_id) or [-1]))
                         .order_by(Attendance.lesson_id)).all():
            pupil = pupils.get(a.student_id)
            if pupil is None or a.status == "late":
                continue
            lesson, name = by_id[a.lesson_id]
            pupil.absences.append(f"{lesson.lesson_number}. {name} — {ATTENDANCE_LETTERS[a.status]}")
            pupil.unexplained += a.status == "absent"
        # the homework checked today: that of each subject's previous lesson (as the teacher marks it)
        for lesson, name in lessons:
            prev = tx.exec(select(Lesson.id).where(
                Lesson.school_id == lesson.school_id, Lesson.class_id == class_id,
                Lesson.subject_id == lesson.subject_id, Lesson.lesson_date < day)
                .order_by(Lesson.lesson_date.desc(), Lesson.lesson_number.desc()).limit(1)).first()
            if prev is None:
                continue
            for sid in tx.exec(select(HomeworkMiss.student_id).join(Homework, Homework.id == HomeworkMiss.homework_id)
                               .where(Homework.lesson_id == prev)).all():
                if sid in pupils and name not in pupils[sid].homework_missed:
                    pupils[sid].homework_missed.append(name)
        notes = _notes(tx, class_id, day, day)
    shown = [p for p in pupils.values() if p.absences or p.homework_missed]
    return DayRecord(class_id, day, len(lessons), shown, notes)


def _notes(tx, class_id: int, first: date, last: date) -> list[NoteRow]:
    rows = tx.exec(select(AbsenceNote, Student.last_name, Student.first_name)
                   .join(Student, Student.id == AbsenceNote.student_id)
                   .where(AbsenceNote.class_id == class_id, AbsenceNote.starts_on <= last,
                          AbsenceNote.ends_on >= first).order_by(AbsenceNote.id)).all()
    return [NoteRow(n.id, f"{ln} {fn}", n.starts_on, n.ends_on, n.reason, n.document, n.lessons) for n, ln, fn in rows]


def record_reason(actor: Actor, class_id: int, student_id: int, starts_on: date, ends_on: date, reason: str,
                  document: str) -> int:
    """Every «Н» of the pupil in the class's lessons from starts_on to ends_on becomes «Б» or «У»
    (reason «ill» or «excused»), for all subjects at once, with the document noted. All or nothing;
    returns how many lessons changed."""
    document = " ".join((document or "").split())
    if reason not in REASONS:
        raise ClassError(f"Причина «{reason}» не подходит: выберите «Б» (болел) или «У» (уважительная причина).")
    if not document:
        raise ClassError("Укажите документ: например, «справка № 15 от 12.11.2025» или «заявление родителя».")
    if len(document) > DOCUMENT_MAX:
        raise ClassError(f"Документ описан слишком длинно: не больше {DOCUMENT_MAX} знаков.")
    if ends_on < starts_on:
        raise ClassError(f"Дни указаны наоборот: {starts_on:%d.%m.%Y} позже {ends_on:%d.%m.%Y}.")
    if ends_on - starts_on > timedelta(days=SPAN_MAX):
        raise ClassError(f"Слишком длинный срок: не больше {SPAN_MAX} дней за одну запись.")
    if ends_on > clock.today():
        raise ClassError("Причину отмечают за прошедшие дни и сегодня, не вперёд.")
    now = clock.now()
    with transaction() as tx:
        target = targets.for_class(tx, class_id)
        policy.require(actor, "attendance.class_day", target)
        targets.require_pupils_of(tx, actor, "attendance.class_day", target, [student_id])
        closed = closed_year(tx, {class_id})
        if closed:
            raise ClassError(closed)
        rows = tx.exec(select(Attendance, Lesson).join(Lesson, Lesson.id == Attendance.lesson_id).where(
            Lesson.class_id == class_id, Lesson.lesson_date >= starts_on, Lesson.lesson_date <= ends_on,
            Attendance.student_id == student_id, Attendance.status == "absent")).all()
        if not rows:
            raise ClassError(f"С {starts_on:%d.%m.%Y} по {ends_on:%d.%m.%Y} у ученика нет пропусков «Н»: "
                             "менять нечего.")
        for a, lesson in rows:
            a.status, a.version, a.entered_at, a.entered_by_user_id = reason, a.version + 1, now, actor.user_id
            tx.add(a)
            audit.record(tx, actor, "attendance.changed", school_id=target.school_id, entity="attendance",
                         entity_id=f"{lesson.id}:{student_id}", old="absent", new=reason,
                         detail=f"причина пропуска: {document}")
        note = AbsenceNote(school_id=target.school_id, student_id=student_id, class_id=class_id, starts_on=starts_on,
                           ends_on=ends_on, reason=reason, document=document, lessons=len(rows),
                           recorded_by_user_id=actor.user_id or None, recorded_at=now)
        tx.add(note)
        tx.flush()
        audit.record(tx, actor, "absence.reason_recorded", school_id=target.school_id, entity="absence_note",
                     entity_id=note.id, new={"student_id": student_id, "from": starts_on, "to": ends_on,
                                             "reason": reason, "document": document, "lessons": len(rows)})
        return len(rows)


def pupils_of(actor: Actor, class_id: int, day: date) -> list[tuple[int, str]]:
    """The class's pupils on the day (for choosing whose absence to explain)."""
    with reading() as tx:
        policy.require(actor, "attendance.class_day", targets.for_class(tx, class_id))
        return [(sid, f"{last} {first}") for sid, last, first in _enrolled(tx, class_id, day, day)]
