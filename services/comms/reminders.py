"""Reminders for cron (`manage.py remind`): the system's notices about what is overdue.

* correction requests past their calendar day — the school's administrators, once per request
  (services/comms/corrections.remind_overdue);
* hand-overs of credentials past the 10th working day after the pupil's arrival (1.7, 3.3) —
  the class teacher of the pupil's class (the administrators when the class has none), once
  per pupil.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import select

from models import Enrollment, Notice, School
from models.db import reading, transaction
from services.comms import corrections, notices
from services.core import clock
from services.core.actor import SYSTEM
from services.people import credentials


@dataclass(frozen=True)
class Reminded:
    corrections: int
    credentials: int


def _schools(school_id: int | None) -> list[int]:
    if school_id is not None:
        return [school_id]
    with reading() as tx:
        return list(tx.exec(select(School.id).order_by(School.id)).all())


def credentials_overdue(school_id: int | None = None) -> int:
    """Tell the class teacher about each pupil whose (or whose guardians') credentials are overdue,
    once per pupil; returns how many pupils were told about."""
    told_about = 0
    for sid in _schools(school_id):
        late = [p for p in credentials.pending(SYSTEM, sid) if p.overdue]
        if not late:
            continue
        with transaction() as tx:
            told = set(tx.exec(select(Notice.link).where(Notice.school_id == sid,
                                                         Notice.kind == "credentials_overdue")).all())
            today = clock.today()
            class_of = dict(tx.exec(select(Enrollment.student_id, Enrollment.class_id).where(
                Enrollment.school_id == sid, Enrollment.student_id.in_([p.student_id for p in late]),
                Enrollment.starts_on <= today,
                (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= today))).all())
            admins = None
            teachers: dict[int, set[int]] = defaultdict(set)
            for p in late:
                link = f"student:{p.student_id}"
                if link in told:
                    continue
                class_id = class_of.get(p.student_id)
                if class_id is not None and class_id not in teachers:
                    teachers[class_id] = notices.class_teachers(tx, class_id)
                whom = teachers.get(class_id) or set()
                if not whom:
                    admins = admins if admins is not None else notices.school_staff(tx, sid, ("admin",))
                    whom = admins
                text = (f"Не выданы реквизиты доступа: {p.name}, {p.class_name} — {', '.join(p.missing)}. "
                        f"Срок выдачи истёк {clock.to_local(p.due).strftime('%d.%m.%Y')} "
                        f"(просрочено рабочих дней: {p.working_days_late}).")
                if notices.notify(tx, whom, "credentials_overdue", text, link=link, school_id=sid):
                    told_about += 1
    return told_about


def run(school_id: int | None = None) -> Reminded:
    """Everything overdue, once: what cron calls."""
    return Reminded(corrections=corrections.remind_overdue(school_id), credentials=credentials_overdue(school_id))
