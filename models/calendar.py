"""The school year: academic years, study periods, holidays and the bell schedule."""
from __future__ import annotations

from datetime import date, time
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class AcademicYear(SQLModel, table=True):
    """A school year, named by the calendar year it starts in (2025 = 2025/2026)."""
    __table_args__ = (UniqueConstraint("school_id", "start_year"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    start_year: int
    starts_on: date
    ends_on: date
    is_closed: bool = False


class StudyPeriod(SQLModel, table=True):
    __table_args__ = (Index("ix_studyperiod_school_year", "school_id", "year_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    year_id: int = Field(foreign_key="academicyear.id")
    kind: str = Field(max_length=16)  # quarter | trimester | half
    number: int
    name: str = Field(max_length=60)  # «1 четверть»
    starts_on: date
    ends_on: date


class Holiday(SQLModel, table=True):
    __table_args__ = (Index("ix_holiday_school_year", "school_id", "year_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    year_id: int = Field(foreign_key="academicyear.id")
    name: str = Field(max_length=120)
    kind: str = Field(default="vacation", max_length=16)  # vacation | public
    starts_on: date
    ends_on: date


class BellSchedule(SQLModel, table=True):
    """Start and end of each lesson number, per shift."""
    __table_args__ = (UniqueConstraint("school_id", "shift", "lesson_number"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    shift: int = 1
    lesson_number: int
    starts_at: time
    ends_at: time
