"""Reports of messages that break the school's rules, for the moderator (issue 8)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class MessageReport(SQLModel, table=True):
    """A member of a conversation asks the moderator to look at one message. The moderator
    hides the message (Message.hidden_*) or keeps it; either way the report is closed."""
    __table_args__ = (Index("ix_messagereport_school_open", "school_id", "closed_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    message_id: int = Field(foreign_key="message.id")
    reporter_user_id: int = Field(foreign_key="user.id")
    reason: str = Field(default="", max_length=300)
    created_at: datetime
    closed_at: Optional[datetime] = None
    closed_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    outcome: str = Field(default="", max_length=16)  # hidden | kept
