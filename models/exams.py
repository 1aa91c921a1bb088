"""Results of final works and exams (regulation 2.2): ВПР, ОГЭ and ЕГЭ, per pupil and subject."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class ExamResult(SQLModel, table=True):
    """One pupil's result of one work or exam in one subject in one school year: the primary score,
    the test score (ЕГЭ) and the mark (ОГЭ, ВПР: 2–5). Entering it again corrects it."""
    __table_args__ = (
        UniqueConstraint("school_id", "year_id", "kind", "subject_id", "student_id", name="uq_examresult_one"),
        Index("ix_examresult_school_student", "school_id", "student_id"),
        Index("ix_examresult_school_year", "school_id", "year_id", "kind", "subject_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    year_id: int = Field(foreign_key="academicyear.id")
    student_id: int = Field(foreign_key="student.id")
    subject_id: int = Field(foreign_key="subject.id")
    class_id: Optional[int] = Field(default=None, foreign_key="schoolclass.id")   # the pupil's class that day
    kind: str = Field(max_length=8)                 # vpr | oge | ege
    held_on: date
    primary_score: int
    test_score: Optional[int] = None                # ЕГЭ only (0–100)
    mark: Optional[int] = None                      # ОГЭ and ВПР (2–5)
    entered_at: datetime
    entered_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
