"""The journal: work types, works (journal columns), marks, attendance, homework,
homework not done, and period marks."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class WorkType(SQLModel, table=True):
    """A type of work with its weight and checking time (1.8)."""
    __table_args__ = (UniqueConstraint("school_id", "name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    name: str = Field(max_length=120)
    weight: float = 1.0
    checking_days: int = 0  # 0 = marks due by 21:00 of the lesson day
    is_test: bool = False  # контрольная: counts as a test for end-of-period control
    is_default: bool = False  # «работа на уроке»
    is_active: bool = True


class Work(SQLModel, table=True):
    """A column of the journal: one lesson, one work type."""
    __table_args__ = (Index("ix_work_school_lesson", "school_id", "lesson_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    lesson_id: int = Field(foreign_key="lesson.id")
    work_type_id: int = Field(foreign_key="worktype.id")
    title: str = Field(default="", max_length=200)
    created_at: datetime


class Mark(SQLModel, table=True):
    """One mark of one pupil for one work; a double mark «5/4» is two rows (position 0, 1)."""
    __table_args__ = (
        Index("ix_mark_school_work", "school_id", "work_id"),
        Index("ix_mark_school_student", "school_id", "student_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    work_id: int = Field(foreign_key="work.id")
    student_id: int = Field(foreign_key="student.id")
    position: int = 0
    value: str = Field(max_length=8)  # 1..5 | осв | н/а | зач | незач
    numeric: Optional[int] = None  # 1..5, else None
    entered_at: datetime
    entered_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    updated_at: Optional[datetime] = None
    version: int = 1


class Attendance(SQLModel, table=True):
    """A pupil's absence or lateness at one lesson (no row = present)."""
    __table_args__ = (
        UniqueConstraint("school_id", "lesson_id", "student_id"),
        Index("ix_attendance_school_student", "school_id", "student_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    lesson_id: int = Field(foreign_key="lesson.id")
    student_id: int = Field(foreign_key="student.id")
    status: str = Field(max_length=8)  # absent (Н) | ill (Б) | excused (У) | late (О)
    entered_at: datetime
    entered_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    version: int = 1


class Homework(SQLModel, table=True):
    __table_args__ = (Index("ix_homework_school_lesson", "school_id", "lesson_id"),
                      Index("ix_homework_school_due", "school_id", "due_on"))
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    lesson_id: int = Field(foreign_key="lesson.id")
    text: str = Field(default="", max_length=2000)
    pages: str = Field(default="", max_length=200)
    tasks: str = Field(default="", max_length=200)
    minutes: Optional[int] = None  # the teacher's estimate of the time it takes
    attachment_id: Optional[int] = Field(default=None, foreign_key="attachment.id")
    due_on: Optional[date] = None  # the day it is to be done by: the next lesson of the subject by default
    entered_at: datetime
    entered_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    version: int = 1


class HomeworkMiss(SQLModel, table=True):
    """A pupil who did not do a homework."""
    __table_args__ = (UniqueConstraint("school_id", "homework_id", "student_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    homework_id: int = Field(foreign_key="homework.id")
    student_id: int = Field(foreign_key="student.id")
    entered_at: datetime


class PeriodMark(SQLModel, table=True):
    """A period, annual, exam or final mark of a pupil in a subject."""
    __table_args__ = (
        Index("ix_periodmark_school_student", "school_id", "student_id", "subject_id"),
        Index("ix_periodmark_school_year", "school_id", "year_id", "kind"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    year_id: int = Field(foreign_key="academicyear.id")
    student_id: int = Field(foreign_key="student.id")
    subject_id: int = Field(foreign_key="subject.id")
    class_id: Optional[int] = Field(default=None, foreign_key="schoolclass.id")
    period_id: Optional[int] = Field(default=None, foreign_key="studyperiod.id")
    kind: str = Field(max_length=8)  # period | annual | exam | final
    value: str = Field(max_length=8)
    numeric: Optional[int] = None
    entered_at: datetime
    entered_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    version: int = 1


class DiaryVisit(SQLModel, table=True):
    """When a user last opened a pupil's diary: marks entered since then are shown as new."""
    __table_args__ = (UniqueConstraint("user_id", "student_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    user_id: int = Field(foreign_key="user.id")
    student_id: int = Field(foreign_key="student.id")
    seen_at: datetime
