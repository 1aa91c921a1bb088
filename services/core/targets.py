"""Targets for the policy, built from the rows they describe (one query each)."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models import Enrollment, Lesson, School, SchoolClass, Student
from models import Guardian, RoleGrant, Staff
from services.core import clock, policy
from services.core.policy import Target


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


def for_account(tx: Session, user_id: int) -> tuple[Target, ...]:
    """Every place an account belongs to, for policy.decide_account, one Target per role: the
    school (for the coordinator, the municipality) of each active role, and the school of each
    person record (staff still working → "staff", pupil → "student", parent → "parent"). An
    account with none of these is described by its revoked roles, so that it stays with the
    school it was last in."""
    grants = tx.exec(select(RoleGrant.school_id, RoleGrant.municipality_id, RoleGrant.role, RoleGrant.revoked_at)
                     .where(RoleGrant.user_id == user_id)).all()
    places = {(s, None if s is not None else m, r) for s, m, r, revoked in grants if revoked is None}
    for model, role, extra in ((Staff, "staff", (Staff.left_on.is_(None),)), (Student, "student", ()),
                               (Guardian, "parent", ())):
        places |= {(s, None, role) for s in tx.exec(select(model.school_id).where(
            model.user_id == user_id, *extra)).all()}
    if not places:
        places = {(s, None if s is not None else m, r) for s, m, r, _ in grants}
    schools = [s for s, _, _ in places if s is not None]
    municipality = dict(tx.exec(select(School.id, School.municipality_id).where(
        School.id.in_(schools))).all()) if schools else {}
    return tuple(Target(school_id=s, municipality_id=municipality.get(s) if s is not None else m, user_id=user_id,
                        role=r, entity="user", entity_id=user_id)
                 for s, m, r in sorted(places, key=lambda p: (p[0] or 0, p[1] or 0, p[2])))


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
