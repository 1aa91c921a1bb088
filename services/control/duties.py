"""What the regulation still asks of the school, for the director's dashboard: months and periods
without a recorded check (5.10, 5.11), required documents missing (4.2, 4.7), years closed or ended
without their archive (5.13)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from models import AcademicYear, AuditEvent
from models.db import reading
from services.control import acts as control, records as control_records, required_docs
from services.core import clock, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.planning.year_close import archive_made


@dataclass(frozen=True)
class Duty:
    clause: str
    text: str
    page: str      # the menu key of the screen where it is put right


def control_lines(school_id: int) -> list[str]:
    """The months and ended periods without a recorded check, as Russian lines."""
    lines = []
    months = control_records.months_without_check(school_id)
    if months:
        lines.append("Нет ежемесячной проверки журналов за: " + ", ".join(control.month_title(m) for m in months))
    periods = control_records.periods_without_control(school_id)
    if periods:
        lines.append("Нет контроля по итогам периода: " + ", ".join(
            f"{p.name} (закончилась {p.ended_on:%d.%m.%Y})" for p in periods))
    return lines


def _archives(school_id: int) -> list[str]:
    today = clock.today()
    out = []
    with reading() as tx:
        years = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id)
                        .order_by(AcademicYear.start_year)).all()
        for y in years:
            if not (y.is_closed or y.ends_on < today) or archive_made(tx, school_id, y.id):
                continue
            title = f"{y.start_year}/{y.start_year + 1}"
            if y.is_closed:
                reason = tx.exec(select(AuditEvent.detail).where(
                    AuditEvent.school_id == school_id, AuditEvent.action == "year.closed",
                    AuditEvent.entity_id == str(y.id))).first()
                why = f" ({reason})" if reason else ""
                out.append(f"{title} учебный год закрыт без архива журналов{why}.")
            else:
                out.append(f"{title} учебный год закончился, архив журналов не сделан.")
    return out


def open_duties(actor: Actor, school_id: int) -> list[Duty]:
    with reading() as tx:
        policy.require(actor, "control.run", school_target(tx, school_id))
    duties = [Duty("5.10, 5.11", line, "control") for line in control_lines(school_id)]
    missing = required_docs.missing(school_id)
    if missing:
        total = len(required_docs.REQUIRED)
        duties.append(Duty("4.2, 4.7", "Нет утверждённых документов: " + "; ".join(missing)
                           + f" (утверждено {total - len(missing)} из {total}).", "required-docs"))
    duties += [Duty("5.13", line, "archive") for line in _archives(school_id)]
    return duties
