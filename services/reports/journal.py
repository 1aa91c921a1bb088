"""A whole journal of one class (or subgroup) and subject for a school year, as plain values,
for the year archive (5.13): for every study period the grid exactly as the journal shows it
(services/journal/grid.load_grid: columns are works, cells «5/4», «Н», «О 5», «—» outside the
pupil's enrolment), the lessons with their topics, homework and teacher, and the period,
annual, exam and final marks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

from sqlmodel import select

from models import CurriculumItem, Lesson, PeriodMark, SchoolClass, Staff, StudyPeriod, Subgroup, Subject
from models.db import reading
from services.core.actor import Actor
from services.journal import grid as journal
from services.journal.grid import Column, Pupil, PupilSummary
from services.reports.common import SchoolHead, class_sort_key, full_name
from services.rules.work_types import show_weight

FINAL_KINDS = {"annual": "Годовая", "exam": "Экзаменационная", "final": "Итоговая"}


@dataclass(frozen=True)
class LessonLine:
    period: str
    lesson_id: int
    lesson_date: date
    number: int
    topic: str
    homework: str
    teacher: str
    works: str                 # «Работа на уроке; Контрольная работа (вес 2)»


@dataclass
class JournalPeriod:
    period_id: int
    name: str
    starts_on: date
    ends_on: date
    columns: list[Column]
    pupils: list[Pupil]
    cells: dict[tuple[int, str], str]
    summaries: dict[int, PupilSummary]


@dataclass
class JournalDoc:
    school: SchoolHead
    start_year: int
    class_id: int
    class_name: str
    grade: int
    subject_id: int
    subject_name: str
    subgroup_id: int | None
    group_name: str
    marking: str
    no_attestation: bool
    teachers: list[str]
    periods: list[JournalPeriod] = field(default_factory=list)
    lessons: list[LessonLine] = field(default_factory=list)
    pupils: list[tuple[int, str]] = field(default_factory=list)
    final_keys: list[tuple[str, str]] = field(default_factory=list)   # (key, title)
    final: dict[tuple[int, str], str] = field(default_factory=dict)    # (student, key) → mark

    @property
    def title(self) -> str:
        group = f" ({self.group_name})" if self.group_name else ""
        return f"{self.class_name} класс · {self.subject_name}{group}"


@dataclass(frozen=True)
class JournalKey:
    class_id: int
    subject_id: int
    subgroup_id: int | None


def journal_keys(school_id: int, year_id: int) -> list[JournalKey]:
    """Every class × subject (× subgroup) of the year that has lessons, in class and subject order."""
    with reading() as tx:
        classes = {c.id: c for c in tx.exec(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                                         SchoolClass.year_id == year_id)).all()}
        rows = tx.exec(select(Lesson.class_id, Lesson.subject_id, Lesson.subgroup_id)
                       .where(Lesson.school_id == school_id, Lesson.class_id.in_(list(classes)))
                       .distinct()).all() if classes else []
    return sorted((JournalKey(*r) for r in rows),
                  key=lambda k: (class_sort_key(classes[k.class_id]), k.subject_id, k.subgroup_id or 0))


def load(actor: Actor, head: SchoolHead, start_year: int, year_id: int, key: JournalKey,
         periods: list[StudyPeriod] | None = None, staff: dict[int, str] | None = None) -> JournalDoc:
    """One journal for the year (the actor needs journal.view on the class: load_grid checks)."""
    with reading() as tx:
        cls = tx.get(SchoolClass, key.class_id)
        subject = tx.get(Subject, key.subject_id)
        group = tx.get(Subgroup, key.subgroup_id) if key.subgroup_id else None
        item = tx.exec(select(CurriculumItem).where(CurriculumItem.class_id == key.class_id,
                                                    CurriculumItem.subject_id == key.subject_id)).first()
        if periods is None:
            periods = list(tx.exec(select(StudyPeriod).where(StudyPeriod.school_id == head.id,
                                                             StudyPeriod.year_id == year_id)
                                   .order_by(StudyPeriod.starts_on)).all())
        if staff is None:
            staff = staff_names(tx, head.id)
        finals = tx.exec(select(PeriodMark.student_id, PeriodMark.kind, PeriodMark.period_id, PeriodMark.value).where(
            PeriodMark.school_id == head.id, PeriodMark.year_id == year_id, PeriodMark.subject_id == key.subject_id,
            PeriodMark.class_id == key.class_id)).all()
    doc = JournalDoc(head, start_year, cls.id, cls.name, cls.grade, subject.id, subject.name, key.subgroup_id,
                     group.name if group else "", item.marking if item else "five",
                     bool(item.no_attestation) if item else False, [])
    names: dict[int, str] = {}
    teachers: list[str] = []
    for p in periods:
        grid = journal.load_grid(actor, key.class_id, key.subject_id, period_id=p.id, subgroup_id=key.subgroup_id,
                                 date_from=p.starts_on, date_to=p.ends_on)
        doc.periods.append(JournalPeriod(p.id, p.name, p.starts_on, p.ends_on, grid.columns, grid.pupils,
                                         grid.cells, grid.summaries))
        for pupil in grid.pupils:
            names.setdefault(pupil.student_id, pupil.name)
        by_lesson: dict[int, list[Column]] = {}
        for c in grid.columns:
            by_lesson.setdefault(c.lesson_id, []).append(c)
        for lesson_id, cols in by_lesson.items():
            first = cols[0]
            teacher = staff.get(first.teacher_id, "") if first.teacher_id else ""
            if teacher and teacher not in teachers:
                teachers.append(teacher)
            works = "; ".join(c.work_type + (f" (вес {show_weight(c.weight)})" if c.weight != 1 else "") for c in cols)
            doc.lessons.append(LessonLine(p.name, lesson_id, first.lesson_date, first.lesson_number, first.topic,
                                          grid.homework.get(lesson_id, ""), teacher, works))
    doc.teachers = teachers
    doc.pupils = sorted(names.items(), key=lambda kv: (kv[1], kv[0]))
    if not doc.no_attestation:
        doc.final_keys = [(f"period:{p.id}", p.name) for p in periods] + list(FINAL_KINDS.items())
        for sid, kind, period_id, value in finals:
            k = f"period:{period_id}" if kind == "period" else kind
            doc.final[(sid, k)] = value
        present = {k for _, k in doc.final}
        doc.final_keys = [(k, t) for k, t in doc.final_keys if k.startswith("period:") or k in present
                          or k == "annual"]
    return doc


def staff_names(tx, school_id: int) -> dict[int, str]:
    return {sid: full_name(last, first, middle) for sid, last, first, middle in tx.exec(
        select(Staff.id, Staff.last_name, Staff.first_name, Staff.middle_name)
        .where(Staff.school_id == school_id)).all()}


def iterate(actor: Actor, head: SchoolHead, start_year: int, year_id: int) -> Iterator[JournalDoc]:
    keys = journal_keys(head.id, year_id)
    with reading() as tx:
        periods = list(tx.exec(select(StudyPeriod).where(StudyPeriod.school_id == head.id,
                                                         StudyPeriod.year_id == year_id)
                               .order_by(StudyPeriod.starts_on)).all())
        staff = staff_names(tx, head.id)
    for key in keys:
        yield load(actor, head, start_year, year_id, key, periods, staff)
