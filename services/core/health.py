"""«Состояние системы» for the administrator (R-SAFE-4; regulation 4.2): the database's size,
the last backup and its age (flagged past 26 hours), the schema version, and the errors of
the last day. Errors are AuditEvents «system.error», written by `record_error` from wherever a
request or a job failed, in a transaction of their own.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, or_, text
from sqlmodel import select

from models import AuditEvent
from models.db import get_engine, reading
from services.core import audit, backup, clock, config, policy, schema
from services.core.actor import Actor
from services.core.schools import school_target

BACKUP_STALE_AFTER = timedelta(hours=26)
ERROR_ACTION = "system.error"


@dataclass(frozen=True)
class ErrorRow:
    at: datetime
    where: str
    detail: str


@dataclass(frozen=True)
class Health:
    database: str                 # SQLite | PostgreSQL
    size_bytes: int
    last_backup_at: datetime | None
    last_backup_path: str
    backup_age: timedelta | None
    backup_stale: bool
    schema_version: str | None
    schema_head: str
    errors_last_day: int
    recent_errors: tuple[ErrorRow, ...]
    checked_at: datetime

    @property
    def schema_current(self) -> bool:
        return self.schema_version == self.schema_head


def database_size(url: str | None = None) -> int:
    url = url or config.database_url()
    if url.startswith("sqlite"):
        path = backup.sqlite_path(url)
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    with get_engine(url).connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def status(actor: Actor, school_id: int, *, backup_dir: str | Path | None = None) -> Health:
    with reading() as tx:
        policy.require(actor, "health.view", school_target(tx, school_id, entity="health"))
        since = clock.now() - timedelta(days=1)
        # errors of this school and of the installation as a whole, never another school's
        mine = (AuditEvent.action == ERROR_ACTION, AuditEvent.at >= since,
                or_(AuditEvent.school_id == school_id, AuditEvent.school_id.is_(None)))
        count = tx.exec(select(func.count()).select_from(AuditEvent).where(*mine)).one()
        rows = tx.exec(select(AuditEvent).where(*mine).order_by(AuditEvent.at.desc()).limit(20)).all()
    url = config.database_url()
    last = backup.last_backup(backup_dir)
    now = clock.now()
    age = now - last.made_at if last else None
    return Health(
        database="SQLite" if url.startswith("sqlite") else "PostgreSQL", size_bytes=database_size(url),
        last_backup_at=last.made_at if last else None, last_backup_path=last.path if last else "",
        backup_age=age, backup_stale=age is None or age > BACKUP_STALE_AFTER,
        schema_version=schema.current_version(url), schema_head=schema.head_version(),
        errors_last_day=int(count),
        recent_errors=tuple(ErrorRow(clock.to_local(e.at), e.entity, e.detail) for e in rows), checked_at=now)


def record_error(where: str, error: BaseException | str, *, actor: Actor | None = None,
                 school_id: int | None = None) -> None:
    """Note a failure for the health screen (never raises: it is called while handling one)."""
    if isinstance(error, BaseException):
        last = traceback.format_exception_only(type(error), error)[-1].strip()
        detail = last
    else:
        detail = str(error)
    try:
        audit.record_now(actor, ERROR_ACTION, school_id=school_id, entity=where[:64], detail=detail[:1000])
    except Exception:
        pass


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("Б", "КБ", "МБ", "ГБ"):
        if size < 1024 or unit == "ГБ":
            return f"{size:.0f} {unit}" if unit == "Б" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} Б"


def human_age(age: timedelta | None) -> str:
    if age is None:
        return "копий нет"
    hours = int(age.total_seconds() // 3600)
    if hours < 1:
        return f"{int(age.total_seconds() // 60)} мин назад"
    if hours < 48:
        return f"{hours} ч назад"
    return f"{hours // 24} дн назад"
