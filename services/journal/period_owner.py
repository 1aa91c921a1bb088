"""Which class sets a pupil's period mark, and the marks a pupil got in other classes during the
period (a transfer mid-period: R-CON-4, services/rules/transfer.py)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from models import Enrollment, Lesson, Mark, SchoolClass, Work, WorkType
from services.rules.transfer import owner_class


def owners(tx: Session, school_id: int, student_ids, start: date, end: date) -> dict[int, tuple[int, str]]:
    """pupil → (class_id, class name) of the class that sets the period mark; one query."""
    ids = list(student_ids)
    if not ids:
        return {}
    rows = tx.exec(select(Enrollment.student_id, Enrollment.class_id, Enrollment.starts_on, Enrollment.ends_on,
                          SchoolClass.name)
                   .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                   .where(Enrollment.school_id == school_id, Enrollment.student_id.in_(ids),
                          Enrollment.starts_on <= end,
                          or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= start))).all()
    spans, names = defaultdict(list), {}
    for sid, cid, s, e, name in rows:
        spans[sid].append((cid, s, e))
        names[cid] = name
    out = {}
    for sid, sp in spans.items():
        cid = owner_class(sp, start, end)
        if cid is not None:
            out[sid] = (cid, names[cid])
    return out


@dataclass
class Elsewhere:
    """The pupils' enrolments in other classes during the period and the marks they got there."""
    spans: dict[int, list[tuple[int, date, date | None]]] = field(default_factory=lambda: defaultdict(list))
    names: dict[int, str] = field(default_factory=dict)
    marks: list[tuple[int, str, float]] = field(default_factory=list)

    def owner(self, student_id: int, here: int, here_spans, start: date, end: date) -> str:
        """The name of the other class that sets the pupil's period mark; "" when it is this one."""
        if student_id not in self.spans:
            return ""
        spans = [(here, s, e) for s, e in here_spans] + self.spans[student_id]
        cid = owner_class(spans, start, end)
        return self.names.get(cid, "") if cid != here else ""


def elsewhere(tx: Session, school_id: int, subject_id: int, class_id: int, student_ids,
              start: date, end: date) -> Elsewhere:
    """One query for the pupils who changed class: their other classes of the period and their marks
    in the subject given in those classes' lessons between start and end."""
    out = Elsewhere()
    ids = list(student_ids)
    if not ids:
        return out
    lesson_on = and_(Lesson.school_id == school_id, Lesson.class_id == Enrollment.class_id,
                     Lesson.subject_id == subject_id, Lesson.status != "cancelled",
                     Lesson.lesson_date >= start, Lesson.lesson_date <= end,
                     Lesson.lesson_date >= Enrollment.starts_on,  # each mark once, under the enrolment it fell in
                     or_(Enrollment.ends_on.is_(None), Lesson.lesson_date <= Enrollment.ends_on))
    rows = tx.exec(
        select(Enrollment.id, Enrollment.student_id, Enrollment.class_id, Enrollment.starts_on, Enrollment.ends_on,
               SchoolClass.name, Mark.value, WorkType.weight)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .join(Lesson, lesson_on, isouter=True)
        .join(Work, Work.lesson_id == Lesson.id, isouter=True)
        .join(WorkType, WorkType.id == Work.work_type_id, isouter=True)
        .join(Mark, and_(Mark.work_id == Work.id, Mark.student_id == Enrollment.student_id), isouter=True)
        .where(Enrollment.school_id == school_id, Enrollment.student_id.in_(ids), Enrollment.class_id != class_id,
               Enrollment.starts_on <= end, or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= start))).all()
    seen = set()
    for eid, sid, cid, s, e, name, value, weight in rows:
        if eid not in seen:
            seen.add(eid)
            out.spans[sid].append((cid, s, e))
            out.names[cid] = name
        if value is not None:
            out.marks.append((sid, value, weight))
    return out
