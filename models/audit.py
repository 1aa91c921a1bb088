"""The audit log: every change, denial, sign-in and access to personal data."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, Text, Column
from sqlmodel import Field, SQLModel


class AuditEvent(SQLModel, table=True):
    __table_args__ = (
        Index("ix_auditevent_school_at", "school_id", "at"),
        Index("ix_auditevent_school_action_at", "school_id", "action", "at"),
        Index("ix_auditevent_user_at", "actor_user_id", "at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: Optional[int] = Field(default=None, foreign_key="school.id")
    actor_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    actor_login: str = Field(default="", max_length=120)
    action: str = Field(max_length=64)
    entity: str = Field(default="", max_length=64)
    entity_id: str = Field(default="", max_length=64)
    old: Optional[str] = Field(default=None, sa_column=Column(Text))  # JSON
    new: Optional[str] = Field(default=None, sa_column=Column(Text))  # JSON
    detail: str = Field(default="", max_length=1000)
    at: datetime
