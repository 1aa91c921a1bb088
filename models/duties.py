"""The regulation's duties that are records of their own: the reason of a pupil's absence noted by
the class teacher (1.7, 4.3) and the school's required documents of 4.2 and 4.7."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class AbsenceNote(SQLModel, table=True):
    """The reason of a pupil's absence over some days, for all subjects at once, with its document."""
    __table_args__ = (Index("ix_absencenote_school_student", "school_id", "student_id", "starts_on"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    student_id: int = Field(foreign_key="student.id")
    class_id: int = Field(foreign_key="schoolclass.id")
    starts_on: date
    ends_on: date
    reason: str = Field(max_length=8)           # ill (Б) | excused (У)
    document: str = Field(max_length=300)       # «справка № 15 от 12.11.2025», «заявление родителя»
    lessons: int = 0                            # how many «Н» it turned into «Б»/«У»
    recorded_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    recorded_at: datetime


class RequiredDocument(SQLModel, table=True):
    """One document of the school's required set (4.2, 4.7): the file uploaded, then approved by the
    director with the date and number of the order. A new upload replaces the file and awaits a new approval."""
    __table_args__ = (UniqueConstraint("school_id", "code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    code: str = Field(max_length=32)
    attachment_id: int = Field(foreign_key="attachment.id")
    uploaded_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    uploaded_at: datetime
    approved_on: Optional[date] = None
    approved_number: str = Field(default="", max_length=64)
    approved_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    approved_at: Optional[datetime] = None
