"""Changes of single lessons that the timetable does not show: a lesson moved to another day,
lesson number or room. (Substitutions of the teacher live in study.Substitution; a cancelled
lesson is Lesson.status «cancelled».)

A move remembers where the lesson was, so that regenerating lessons from the timetable knows
that the slot's lesson of that day exists (moved), and does not make a second one."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class LessonMove(SQLModel, table=True):
    __table_args__ = (
        Index("ix_lessonmove_school_lesson", "school_id", "lesson_id"),
        Index("ix_lessonmove_school_date", "school_id", "to_date"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    lesson_id: int = Field(foreign_key="lesson.id")
    from_date: date
    from_number: int
    from_room: str = Field(default="", max_length=20)
    to_date: date
    to_number: int
    to_room: str = Field(default="", max_length=20)
    reason: str = Field(default="", max_length=200)
    created_at: datetime
    created_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
