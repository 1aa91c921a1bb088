"""Classes, subgroups, subjects, curriculum, teaching assignments, timetable, lessons,
substitutions and lesson plans (КТП)."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Subject(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("school_id", "name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    name: str = Field(max_length=120)
    short_name: str = Field(default="", max_length=40)
    area: str = Field(default="", max_length=120)  # предметная область


class SchoolClass(SQLModel, table=True):
    """A class of one school year: «5А» (DESIGN.md decision 11)."""
    __table_args__ = (UniqueConstraint("school_id", "year_id", "name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    year_id: int = Field(foreign_key="academicyear.id")
    grade: int
    letter: str = Field(max_length=2)
    name: str = Field(max_length=8)
    shift: int = 1
    room: str = Field(default="", max_length=20)


class Subgroup(SQLModel, table=True):
    __table_args__ = (Index("ix_subgroup_school_class", "school_id", "class_id", "subject_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    class_id: int = Field(foreign_key="schoolclass.id")
    subject_id: int = Field(foreign_key="subject.id")
    name: str = Field(max_length=60)  # «1 группа»


class SubgroupMember(SQLModel, table=True):
    __table_args__ = (Index("ix_subgroupmember_school_subgroup", "school_id", "subgroup_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    subgroup_id: int = Field(foreign_key="subgroup.id")
    student_id: int = Field(foreign_key="student.id")
    starts_on: date
    ends_on: Optional[date] = None


class CurriculumItem(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("school_id", "class_id", "subject_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    class_id: int = Field(foreign_key="schoolclass.id")
    subject_id: int = Field(foreign_key="subject.id")
    hours_per_week: float
    no_attestation: bool = False  # «Без аттестации»
    marking: str = Field(default="five", max_length=16)  # five | pass_fail
    split: bool = False  # taught in subgroups


class TeachingAssignment(SQLModel, table=True):
    __table_args__ = (
        Index("ix_teachingassignment_school_teacher", "school_id", "teacher_id"),
        Index("ix_teachingassignment_school_class", "school_id", "class_id", "subject_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    class_id: int = Field(foreign_key="schoolclass.id")
    subject_id: int = Field(foreign_key="subject.id")
    subgroup_id: Optional[int] = Field(default=None, foreign_key="subgroup.id")
    teacher_id: int = Field(foreign_key="staff.id")


class TimetableSlot(SQLModel, table=True):
    """One weekly slot, valid over a date range (a change takes effect from a date)."""
    __table_args__ = (Index("ix_timetableslot_school_class", "school_id", "class_id", "weekday"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    class_id: int = Field(foreign_key="schoolclass.id")
    subgroup_id: Optional[int] = Field(default=None, foreign_key="subgroup.id")
    subject_id: int = Field(foreign_key="subject.id")
    teacher_id: int = Field(foreign_key="staff.id")
    weekday: int  # 1 = Monday … 6 = Saturday
    lesson_number: int
    room: str = Field(default="", max_length=20)
    valid_from: date
    valid_to: Optional[date] = None


class Lesson(SQLModel, table=True):
    """One lesson on a date. teacher_id is who teaches it (the substitute, when substituted)."""
    __table_args__ = (
        Index("ix_lesson_school_class_subject_date", "school_id", "class_id", "subject_id", "lesson_date"),
        Index("ix_lesson_school_teacher_date", "school_id", "teacher_id", "lesson_date"),
        Index("ix_lesson_school_date", "school_id", "lesson_date"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    class_id: int = Field(foreign_key="schoolclass.id")
    subgroup_id: Optional[int] = Field(default=None, foreign_key="subgroup.id")
    subject_id: int = Field(foreign_key="subject.id")
    teacher_id: Optional[int] = Field(default=None, foreign_key="staff.id")
    period_id: Optional[int] = Field(default=None, foreign_key="studyperiod.id")
    slot_id: Optional[int] = Field(default=None, foreign_key="timetableslot.id")
    lesson_date: date
    lesson_number: int
    starts_at: time
    ends_at: time
    room: str = Field(default="", max_length=20)
    status: str = Field(default="scheduled", max_length=16)  # scheduled | cancelled | missed
    held: bool = False  # «урок проведён»
    topic: str = Field(default="", max_length=500)
    planned_topic_id: Optional[int] = Field(default=None, foreign_key="plannedtopic.id")
    topic_entered_at: Optional[datetime] = None
    attendance_taken_at: Optional[datetime] = None  # when the teacher recorded who was there
    no_homework: bool = False  # «Не задано»: the teacher chose to give no homework (not a finding)
    comment: str = Field(default="", max_length=500)
    version: int = 1


class Substitution(SQLModel, table=True):
    __table_args__ = (Index("ix_substitution_school_lesson", "school_id", "lesson_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    lesson_id: int = Field(foreign_key="lesson.id")
    absent_teacher_id: Optional[int] = Field(default=None, foreign_key="staff.id")
    substitute_teacher_id: Optional[int] = Field(default=None, foreign_key="staff.id")  # None = missed
    same_subject: bool = False
    reason: str = Field(default="", max_length=200)
    created_at: datetime
    created_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")


class LessonPlan(SQLModel, table=True):
    """КТП: the planned topics of a subject for a class (or a whole parallel)."""
    __table_args__ = (Index("ix_lessonplan_school_subject", "school_id", "subject_id", "class_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    year_id: int = Field(foreign_key="academicyear.id")
    subject_id: int = Field(foreign_key="subject.id")
    teacher_id: Optional[int] = Field(default=None, foreign_key="staff.id")
    class_id: Optional[int] = Field(default=None, foreign_key="schoolclass.id")
    grade: Optional[int] = None
    name: str = Field(default="", max_length=200)


class PlannedTopic(SQLModel, table=True):
    __table_args__ = (Index("ix_plannedtopic_school_plan", "school_id", "plan_id", "number"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    plan_id: int = Field(foreign_key="lessonplan.id")
    number: int
    topic: str = Field(max_length=500)
    hours: float = 1
    work_kind: str = Field(default="", max_length=32)  # практическая | лабораторная | контрольная | экскурсия
    planned_on: Optional[date] = None
