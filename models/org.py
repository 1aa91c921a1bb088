"""Municipalities, schools and each school's settings."""
from __future__ import annotations

from typing import Optional

from sqlmodel import Field, SQLModel


class Municipality(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)


class School(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    name: str = Field(max_length=300)
    short_name: str = Field(max_length=100)
    address: str = Field(default="", max_length=300)


class SchoolSettings(SQLModel, table=True):
    """One row per school; see services/core/school_settings.py for names, defaults and help."""
    school_id: int = Field(foreign_key="school.id", primary_key=True)
    timezone: str = Field(default="Europe/Moscow", max_length=64)
    period_type: str = Field(default="quarter", max_length=16)  # quarter | trimester | half
    edit_window: str = Field(default="never", max_length=16)  # never|week|two_weeks|three_weeks|month
    mark_deadline_hour: int = 21
    homework_deadline_hours: int = 3
    attendance_deadline_days: int = 2
    credential_working_days: int = 10
    correction_hours: int = 24
    mark_round_from: int = 50  # hundredths: the suggested period mark rounds up from x,50 (or x,60 …)
    version: int = 1
