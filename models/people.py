"""Users and their roles, staff, students, guardians, enrolments, credentials, consents,
server-side sessions and sign-in attempts."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    login: str = Field(max_length=120, unique=True)
    password_hash: Optional[str] = Field(default=None, max_length=255)
    last_name: str = Field(default="", max_length=100)
    first_name: str = Field(default="", max_length=100)
    middle_name: str = Field(default="", max_length=100)
    email: Optional[str] = Field(default=None, max_length=200, index=True)
    phone: Optional[str] = Field(default=None, max_length=40)
    is_active: bool = True
    must_change_password: bool = False
    created_at: datetime
    activated_at: Optional[datetime] = None  # first successful sign-in
    last_login_at: Optional[datetime] = None
    password_changed_at: Optional[datetime] = None
    oidc_subject: Optional[str] = Field(default=None, max_length=255, unique=True)
    oidc_linked_at: Optional[datetime] = None
    oidc_last_used_at: Optional[datetime] = None


class RoleGrant(SQLModel, table=True):
    """One role of one user, with its scope.

    school_id — the school (all roles but the coordinator); municipality_id — the
    coordinator's municipality; class_id — the class teacher's class; grades and
    subject_ids — a deputy's parallels or subject areas (comma-separated; empty = whole school).
    """
    __table_args__ = (Index("ix_rolegrant_school_role", "school_id", "role"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(max_length=32)
    school_id: Optional[int] = Field(default=None, foreign_key="school.id")
    municipality_id: Optional[int] = Field(default=None, foreign_key="municipality.id")
    class_id: Optional[int] = Field(default=None, foreign_key="schoolclass.id")
    grades: str = Field(default="", max_length=64)
    subject_ids: str = Field(default="", max_length=255)
    granted_at: datetime
    revoked_at: Optional[datetime] = None


class Staff(SQLModel, table=True):
    __table_args__ = (Index("ix_staff_school_user", "school_id", "user_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    position: str = Field(default="Учитель", max_length=120)
    subjects: str = Field(default="", max_length=500)  # as written in the staff list
    phone: Optional[str] = Field(default=None, max_length=40)
    email: Optional[str] = Field(default=None, max_length=200)
    hired_on: Optional[date] = None
    left_on: Optional[date] = None


class Student(SQLModel, table=True):
    __table_args__ = (
        Index("ix_student_school_name", "school_id", "last_name", "first_name"),
        Index("ix_student_school_snils", "school_id", "snils"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    user_id: Optional[int] = Field(default=None, foreign_key="user.id", index=True)
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    birth_date: Optional[date] = None
    sex: str = Field(default="", max_length=1)  # м | ж
    snils: Optional[str] = Field(default=None, max_length=14)
    arrived_on: Optional[date] = None
    left_on: Optional[date] = None
    created_at: datetime


class Enrollment(SQLModel, table=True):
    """A pupil's membership of a class over dates: arrivals, transfers and leaving keep history."""
    __table_args__ = (
        Index("ix_enrollment_school_class", "school_id", "class_id"),
        Index("ix_enrollment_school_student", "school_id", "student_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    student_id: int = Field(foreign_key="student.id")
    class_id: int = Field(foreign_key="schoolclass.id")
    starts_on: date
    ends_on: Optional[date] = None  # last day in the class; None = still there
    order_number: str = Field(default="", max_length=60)
    reason: str = Field(default="", max_length=32)  # enrolled | transfer | promoted | left | graduated


class Guardian(SQLModel, table=True):
    __table_args__ = (Index("ix_guardian_school_user", "school_id", "user_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    phone: Optional[str] = Field(default=None, max_length=40)
    email: Optional[str] = Field(default=None, max_length=200)


class StudentGuardian(SQLModel, table=True):
    __table_args__ = (
        Index("ix_studentguardian_school_student", "school_id", "student_id"),
        Index("ix_studentguardian_school_guardian", "school_id", "guardian_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    student_id: int = Field(foreign_key="student.id")
    guardian_id: int = Field(foreign_key="guardian.id")
    relation: str = Field(default="", max_length=40)  # мать, отец, опекун…


class CredentialIssue(SQLModel, table=True):
    """One hand-over of credentials (the ledger of 3.2, 5.17)."""
    __table_args__ = (Index("ix_credentialissue_school_at", "school_id", "issued_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    user_id: int = Field(foreign_key="user.id")
    issued_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    issued_at: datetime
    kind: str = Field(default="initial", max_length=16)  # initial | reset
    recipient: str = Field(default="", max_length=300)  # to whom it was handed


class Consent(SQLModel, table=True):
    __table_args__ = (Index("ix_consent_school_student", "school_id", "student_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    student_id: int = Field(foreign_key="student.id")
    guardian_id: Optional[int] = Field(default=None, foreign_key="guardian.id")
    given_on: date
    document: str = Field(default="", max_length=300)
    recorded_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    withdrawn_on: Optional[date] = None


class UserSession(SQLModel, table=True):
    """A signed-in session kept on the server; the browser holds only the token."""
    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    method: str = Field(default="password", max_length=16)  # password | oidc
    created_at: datetime
    last_seen_at: datetime
    ended_at: Optional[datetime] = None
    end_reason: Optional[str] = Field(default=None, max_length=32)


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt. `throttled`: refused by the lock without checking the password
    (such attempts never extend a lock); `client`: the address it came from."""
    __table_args__ = (Index("ix_loginattempt_login_at", "login", "at"),
                      Index("ix_loginattempt_client_at", "client", "at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    login: str = Field(max_length=120)
    user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    at: datetime
    success: bool
    throttled: bool = False
    client: Optional[str] = Field(default=None, max_length=64)
