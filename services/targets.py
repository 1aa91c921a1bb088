"""Targets for the policy, built from the rows they describe (one query each)."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models import Enrollment, Lesson, School, SchoolClass, Student
from services import clock
from services import policy
from services.policy import Target


def for_student(tx: Session, student_id: int, on: date | None = None) -> Target:
    """A pupil, with their class on `on` (default today); an unknown id gives an empty target."""
    on = on or clock.today()
    row = tx.exec(
        select(Student.school_id, School.municipality_id, Enrollment.class_id, SchoolClass.grade)
        .join(School, School.id == Student.school_id)
        .join(Enrollment, (Enrollment.student_id == Student.id) & (Enrollment.starts_on <= on)
              & ((Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= on)), isouter=True)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id, isouter=True)
        .where(Student.id == student_id).order_by(Enrollment.starts_on.desc())).first()
    if row is None:
        return Target(student_id=student_id, entity="student", entity_id=student_id)
    school_id, municipality_id, class_id, grade = row
    return Target(school_id=school_id, municipality_id=municipality_id, class_id=class_id, grade=grade,
                  student_id=student_id, entity="student", entity_id=student_id)


def for_lesson(tx: Session, lesson_id: int) -> Target:
    row = tx.exec(
        select(Lesson.school_id, School.municipality_id, Lesson.class_id, SchoolClass.grade,
               Lesson.subject_id, Lesson.teacher_id)
        .join(School, School.id == Lesson.school_id)
        .join(SchoolClass, SchoolClass.id == Lesson.class_id)
        .where(Lesson.id == lesson_id)).first()
    if row is None:
        return Target(entity="lesson", entity_id=lesson_id)
    return of_lesson(lesson_id, *row)


def of_lesson(lesson_id: int, school_id: int, municipality_id: int | None, class_id: int, grade: int,
              subject_id: int, teacher_id: int | None) -> Target:
    """A lesson as the policy sees it, from values already read (the journal's save reads them
    with its lessons, in the same query)."""
    return Target(school_id=school_id, municipality_id=municipality_id, class_id=class_id, grade=grade,
                  subject_id=subject_id, teacher_id=teacher_id, entity="lesson", entity_id=lesson_id)


def for_class(tx: Session, class_id: int, subject_id: int | None = None) -> Target:
    row = tx.exec(select(SchoolClass.school_id, School.municipality_id, SchoolClass.grade)
                  .join(School, School.id == SchoolClass.school_id)
                  .where(SchoolClass.id == class_id)).first()
    if row is None:
        return Target(entity="class", entity_id=class_id)
    school_id, municipality_id, grade = row
    return Target(school_id=school_id, municipality_id=municipality_id, class_id=class_id, grade=grade,
                  subject_id=subject_id, entity="class", entity_id=class_id)


def not_in_class(tx: Session, class_id: int, student_ids) -> list[int]:
    """Those of `student_ids` never enrolled in the class (a forged payload: a pupil of another
    class, school or municipality, or no pupil at all), in id order; [] when all belong."""
    ids = {int(s) for s in student_ids}
    if not ids:
        return []
    found = set(tx.exec(select(Enrollment.student_id).where(
        Enrollment.class_id == class_id, Enrollment.student_id.in_(sorted(ids)))).all())
    return sorted(ids - found)


def require_pupils_of(tx: Session, actor, action: str, target: Target, student_ids) -> None:
    """Refuse (AccessDenied, audited; the caller's transaction rolls back whole) when a pupil of
    the payload was never in the target's class: a pupil of another class, school or municipality."""
    strangers = not_in_class(tx, target.class_id, student_ids)
    if strangers:
        raise policy.refusal(actor, action, target, (
            f"Недостаточно прав: {policy.title(action)}. Ученики с кодами {', '.join(map(str, strangers[:10]))} "
            "не числятся в этом классе: ничего не сохранено."))
