"""Notifications by e-mail (issue 16, item 4): the school's SMTP settings, each account's address
(confirmed by a letter first), what it subscribed to, and the outbox of letters."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class MailSettings(SQLModel, table=True):
    """The school's mail server. The password is kept encrypted (services/core/secret_box: the key lives
    outside the database, like the portal's other secrets) and is never shown back."""
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", unique=True)
    host: str = Field(default="", max_length=255)
    port: int = 587
    security: str = Field(default="starttls", max_length=16)  # starttls | tls | none
    login: str = Field(default="", max_length=255)
    password_enc: str = Field(default="", max_length=1000)
    sender: str = Field(default="", max_length=255)
    portal_url: str = Field(default="", max_length=255)  # links in letters lead here
    digest_time: str = Field(default="19:00", max_length=5)  # the evening digest, school time
    updated_at: Optional[datetime] = None
    updated_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")


class MailAddress(SQLModel, table=True):
    """One account's e-mail address for notifications; nothing about a child goes to it before
    `confirmed_at`. `secret` signs the unsubscribe links of its letters."""
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", unique=True)
    email: str = Field(max_length=255)
    secret: str = Field(max_length=64)
    confirm_hash: str = Field(default="", max_length=64)
    confirm_sent_at: Optional[datetime] = None
    confirmed_at: Optional[datetime] = None
    created_at: datetime


class MailSubscription(SQLModel, table=True):
    """A kind of letters one account gets: about one child (marks, homework, absences) or about the
    account itself (student_id NULL: announcements, messages, correction requests)."""
    __table_args__ = (UniqueConstraint("user_id", "student_id", "kind"),
                      Index("ix_mailsubscription_school_kind", "school_id", "kind", "student_id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    user_id: int = Field(foreign_key="user.id")
    student_id: Optional[int] = Field(default=None, foreign_key="student.id")
    kind: str = Field(max_length=16)   # services/rules/mail.KINDS
    mode: str = Field(default="now", max_length=8)  # now | digest
    created_at: datetime


class MailOutbox(SQLModel, table=True):
    """One item to send: a letter of its own (digest False) or a line of the evening digest."""
    __table_args__ = (Index("ix_mailoutbox_state_due", "state", "due_at"),
                      Index("ix_mailoutbox_school_created", "school_id", "created_at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    to_email: str = Field(max_length=255)
    kind: str = Field(max_length=16)
    student_id: Optional[int] = Field(default=None, foreign_key="student.id")
    subject: str = Field(max_length=300)
    body: str = Field(max_length=4000)
    digest: bool = False
    due_at: datetime
    state: str = Field(default="due", max_length=8)  # due | sent | failed | dropped
    attempts: int = 0
    next_try_at: Optional[datetime] = None
    last_error: str = Field(default="", max_length=1000)
    sent_at: Optional[datetime] = None
    created_at: datetime
