"""The register of pupils' movement (книга движения учащихся): arrivals, departures,
transfers between classes, promotions, repeats and graduations, each with its date and order.

Enrollment rows say where a pupil was on which dates; a Movement row says why and by which
order a pupil came, left or changed class (the departure's order has no other place to live)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class Movement(SQLModel, table=True):
    __table_args__ = (
        Index("ix_movement_school_on", "school_id", "on_date"),
        Index("ix_movement_school_student", "school_id", "student_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    student_id: int = Field(foreign_key="student.id")
    # arrival | departure | transfer | promoted | conditional | repeat | graduated
    kind: str = Field(max_length=16)
    on_date: date  # first day in the new class (arrival, transfer) or first day gone (departure)
    from_class_id: Optional[int] = Field(default=None, foreign_key="schoolclass.id")
    to_class_id: Optional[int] = Field(default=None, foreign_key="schoolclass.id")
    order_number: str = Field(default="", max_length=60)
    note: str = Field(default="", max_length=300)  # where the pupil went / came from, the reason
    recorded_at: datetime
    recorded_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
