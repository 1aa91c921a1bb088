"""A school's own thresholds and definition parameters of its indicators and checks."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class IndicatorSetting(SQLModel, table=True):
    """One school's override of an indicator's thresholds (green / yellow) and parameters.

    `params` is JSON: {"fail_k": 4, ...}; a missing key keeps the registry's default."""
    __table_args__ = (UniqueConstraint("school_id", "indicator_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    indicator_id: str = Field(max_length=64)
    green: Optional[float] = None
    yellow: Optional[float] = None
    params: str = Field(default="{}", max_length=2000)
    updated_at: datetime
    updated_by_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
