"""Messages, notices, correction requests, documents, attachments, olympiad results and
control acts."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index, LargeBinary, Column
from sqlmodel import Field, SQLModel


class Attachment(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: Optional[int] = Field(default=None, foreign_key="school.id", index=True)
    name: str = Field(max_length=255)
    mime: str = Field(default="application/octet-stream", max_length=100)
    size: int = 0
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime


class MessageThread(SQLModel, table=True):
    __table_args__ = (Index("ix_messagethread_school_created", "school_id", "created_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    kind: str = Field(default="direct", max_length=16)  # direct | announcement
    title: str = Field(default="", max_length=200)
    audience: str = Field(default="", max_length=64)  # for announcements: class:ID | grade:N | school
    created_by_user_id: int = Field(foreign_key="user.id")
    created_at: datetime


class ThreadMember(SQLModel, table=True):
    __table_args__ = (Index("ix_threadmember_user", "user_id", "thread_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    thread_id: int = Field(foreign_key="messagethread.id")
    user_id: int = Field(foreign_key="user.id")
    last_read_at: Optional[datetime] = None
    # the newest message of the thread this member has seen (ids never go back, unlike clocks
    # in tests and messages written within the same second); added by migration 0003_comms
    last_read_message_id: Optional[int] = None


class Message(SQLModel, table=True):
    __table_args__ = (Index("ix_message_school_thread", "school_id", "thread_id", "created_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    thread_id: int = Field(foreign_key="messagethread.id")
    sender_user_id: int = Field(foreign_key="user.id")
    body: str = Field(max_length=10000)
    attachment_id: Optional[int] = Field(default=None, foreign_key="attachment.id")
    created_at: datetime
    hidden_at: Optional[datetime] = None
    hidden_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    hidden_reason: str = Field(default="", max_length=300)


class Notice(SQLModel, table=True):
    """A message of the system itself to one user (a finding, an overdue credential…)."""
    __table_args__ = (Index("ix_notice_user_created", "user_id", "created_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: Optional[int] = Field(default=None, foreign_key="school.id")
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=32)
    text: str = Field(max_length=2000)
    link: str = Field(default="", max_length=300)
    created_at: datetime
    read_at: Optional[datetime] = None


class CorrectionRequest(SQLModel, table=True):
    __table_args__ = (Index("ix_correctionrequest_school_status", "school_id", "status"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    reporter_user_id: int = Field(foreign_key="user.id")
    what: str = Field(max_length=1000)
    location: str = Field(default="", max_length=300)
    should_be: str = Field(default="", max_length=1000)
    link: str = Field(default="", max_length=300)
    status: str = Field(default="open", max_length=16)  # open | resolved | rejected
    created_at: datetime
    resolved_at: Optional[datetime] = None
    resolved_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    resolution: str = Field(default="", max_length=1000)


class CellGrant(SQLModel, table=True):
    """One mark cell (a pupil at a lesson) opened to the lesson's teacher past the edit window, for
    a correction request (issue 16, item 5): until expires_at, for that teacher and that cell only."""
    __table_args__ = (Index("ix_cellgrant_school_lesson", "school_id", "lesson_id", "student_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    request_id: Optional[int] = Field(default=None, foreign_key="correctionrequest.id")
    lesson_id: int = Field(foreign_key="lesson.id")
    student_id: int = Field(foreign_key="student.id")
    staff_id: int = Field(foreign_key="staff.id")          # the teacher it is opened to
    granted_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    granted_at: datetime
    expires_at: datetime
    reason: str = Field(default="", max_length=1000)


class Document(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: Optional[int] = Field(default=None, foreign_key="school.id", index=True)
    title: str = Field(max_length=300)
    body: str = Field(default="", max_length=20000)
    audience: str = Field(default="all", max_length=16)  # all | staff | guardians | pupils
    attachment_id: Optional[int] = Field(default=None, foreign_key="attachment.id")
    is_published: bool = False
    published_at: Optional[datetime] = None
    created_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime
    # issue 19: served without sign-in on the school's public page (4.5; the site administrator decides)
    is_public: bool = False
    # issue 19: a document or an announcement of a municipality (school_id None), read by its schools (4.1)
    municipality_id: Optional[int] = Field(default=None, foreign_key="municipality.id", index=True)
    kind: str = Field(default="document", max_length=16)  # document | announcement


class OlympiadResult(SQLModel, table=True):
    __table_args__ = (Index("ix_olympiadresult_school_year", "school_id", "year_id", "olympiad", "stage"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    year_id: int = Field(foreign_key="academicyear.id")
    student_id: int = Field(foreign_key="student.id")
    olympiad: str = Field(max_length=32)  # vsosh | podmoskovnaya | vzlet_programme | vzlet_online
    stage: str = Field(default="", max_length=16)  # school | municipal | regional | final
    subject_name: str = Field(default="", max_length=120)
    status: str = Field(default="participant", max_length=16)  # participant | prize | winner
    held_on: Optional[date] = None


class OlympiadVenue(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    year_id: int = Field(foreign_key="academicyear.id")
    olympiad: str = Field(max_length=32)
    stage: str = Field(default="", max_length=16)
    held_on: Optional[date] = None


class ControlAct(SQLModel, table=True):
    """A dated act of control: the director's monthly review (4.7, 5.10) or a deputy's check."""
    __table_args__ = (Index("ix_controlact_school_on", "school_id", "held_on"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    kind: str = Field(max_length=32)  # director_review | control_check | monthly_check | period_control
    held_on: date
    author_user_id: int = Field(foreign_key="user.id")
    findings: str = Field(default="", max_length=20000)
    created_at: datetime
    # a deputy's monthly check (5.10) and the end-of-period control (5.11): what was checked, what was ordered
    classes: str = Field(default="", max_length=2000)    # the class names checked, «5А, 5Б»
    journals: str = Field(default="", max_length=2000)   # which journals (subjects) were checked
    orders: str = Field(default="", max_length=5000)     # what was ordered, to whom, by when
    period_id: Optional[int] = Field(default=None, foreign_key="studyperiod.id")
