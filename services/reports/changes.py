"""The report of mark changes (1.13, R-JRN-6, R-REP-3), for the administrator, all year.

Read from the audit log: every AuditEvent «mark.changed» of the school in the school year.
Its old and new are {"marks": [...]}; a journal mark has entity «mark» and detail
«lesson=..; date=..; class=..; subject=..; student=..»; a period, annual, exam or final mark
has entity «period_mark», entity_id «KIND:PERIOD_OR_YEAR:SUBJECT:STUDENT» and detail
«kind=..; class=..; subject=..; student=..».

A change is a mark replaced or removed; the first entry of a mark (nothing before it) is not
a change and is shown only when asked for. «Inside the edit window» compares the moment of
the change with the end of the window the school has set now (services/rules/edit_window) counted
from the lesson date; for a period mark from the last day of its study period, for annual,
exam and final marks from the last day of the year's last study period.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlmodel import select

from models import AuditEvent, SchoolClass, SchoolSettings, Student, StudyPeriod, Subject, User
from models.db import reading
from services.core import clock, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.reports.common import SchoolHead, full_name, periods_of, school_head, year_of, year_title
from services.rules.edit_window import EDIT_WINDOWS, edit_window_end

ACTION = "report.mark_changes"
KIND_TITLES = {"mark": "за урок", "period": "за период", "annual": "годовая", "exam": "экзаменационная",
               "final": "итоговая"}


@dataclass(frozen=True)
class ChangeRow:
    event_id: int
    changed_at: datetime          # local time of the school
    kind: str                     # mark | period | annual | exam | final
    kind_title: str
    lesson_date: date | None
    period_title: str             # «2 четверть» for a period mark, «» else
    class_id: int | None
    class_name: str
    subject_id: int | None
    subject: str
    student_id: int | None
    pupil: str
    old: str                      # «5/4», «» for a first entry
    new: str                      # «», when the mark was removed
    user_id: int | None
    who: str
    inside_window: bool | None    # None: no reference date known
    window_end: datetime | None

    @property
    def is_change(self) -> bool:
        return bool(self.old)


@dataclass
class ChangesReport:
    school: SchoolHead
    start_year: int
    edit_window: str
    edit_window_title: str
    made_at: datetime
    rows: list[ChangeRow] = field(default_factory=list)
    filters: str = ""

    @property
    def title(self) -> str:
        return "Отчёт об изменении отметок"

    @property
    def pupils(self) -> int:
        return len({r.student_id for r in self.rows})


def _parse_detail(text: str) -> dict[str, str]:
    out = {}
    for part in (text or "").split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def _marks(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        value = json.loads(raw)
    except ValueError:
        return str(raw)
    if isinstance(value, dict):
        value = value.get("marks", [])
    if isinstance(value, list):
        return "/".join(str(v) for v in value)
    return str(value)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def changes(actor: Actor, school_id: int, *, start_year: int | None = None, date_from: date | None = None,
            date_to: date | None = None, class_id: int | None = None, subject_id: int | None = None,
            student_id: int | None = None, user_id: int | None = None, only_outside: bool = False,
            include_first: bool = False, kinds: tuple[str, ...] | None = None) -> ChangesReport:
    """Mark changes of the school year, newest first, filtered."""
    with reading() as tx:
        policy.require(actor, ACTION, school_target(tx, school_id))
        head = school_head(tx, school_id)
        year = year_of(tx, school_id, start_year=start_year)
        settings = tx.get(SchoolSettings, school_id) or SchoolSettings(school_id=school_id)
        tz = clock.zone(head.timezone)
        lo = datetime.combine(max(year.starts_on, date_from or year.starts_on), time.min, tz)
        hi = datetime.combine(min(year.ends_on, date_to or year.ends_on), time.max, tz)
        events = tx.exec(select(AuditEvent).where(
            AuditEvent.school_id == school_id, AuditEvent.action == "mark.changed",
            AuditEvent.at >= clock.to_stored(lo), AuditEvent.at <= clock.to_stored(hi))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()
        parsed = []
        for ev in events:
            d = _parse_detail(ev.detail)
            kind = "mark"
            period_id = None
            if ev.entity == "period_mark":
                kind = d.get("kind") or (ev.entity_id.split(":", 1)[0] if ev.entity_id else "period")
                bits = (ev.entity_id or "").split(":")
                if kind == "period" and len(bits) > 1:
                    period_id = _int(bits[1])
            lesson_day = None
            if d.get("date"):
                try:
                    lesson_day = date.fromisoformat(d["date"])
                except ValueError:
                    lesson_day = None
            parsed.append((ev, kind, lesson_day, period_id, _int(d.get("class")), _int(d.get("subject")),
                           _int(d.get("student"))))
        ids = lambda i: sorted({p[i] for p in parsed if p[i] is not None})  # noqa: E731
        class_ids = set(ids(4)) | ({class_id} if class_id is not None else set())
        subject_ids = set(ids(5)) | ({subject_id} if subject_id is not None else set())
        classes = dict(tx.exec(select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(class_ids)))
                       .all()) if class_ids else {}
        subjects = dict(tx.exec(select(Subject.id, Subject.name).where(Subject.id.in_(subject_ids))).all()) \
            if subject_ids else {}
        pupils = {sid: full_name(l, f) for sid, l, f in tx.exec(
            select(Student.id, Student.last_name, Student.first_name).where(Student.id.in_(ids(6)))).all()} \
            if ids(6) else {}
        user_ids = sorted({ev.actor_user_id for ev, *_ in parsed if ev.actor_user_id})
        users = {uid: full_name(l, f, m) for uid, l, f, m in tx.exec(
            select(User.id, User.last_name, User.first_name, User.middle_name).where(User.id.in_(user_ids))).all()} \
            if user_ids else {}
        periods = {p.id: p for p in tx.exec(select(StudyPeriod).where(StudyPeriod.school_id == school_id)).all()}
        year_periods = periods_of(tx, school_id, year.id)
    year_end = year_periods[-1].ends_on if year_periods else year.ends_on
    report = ChangesReport(head, year.start_year, settings.edit_window,
                           EDIT_WINDOWS.get(settings.edit_window, EDIT_WINDOWS["never"]).title, clock.now())
    for ev, kind, lesson_day, period_id, cls, subj, sid in parsed:
        old, new = _marks(ev.old), _marks(ev.new)
        if not include_first and not old:
            continue
        if kinds and kind not in kinds:
            continue
        if (class_id is not None and cls != class_id) or (subject_id is not None and subj != subject_id) \
                or (student_id is not None and sid != student_id) \
                or (user_id is not None and ev.actor_user_id != user_id):
            continue
        period = periods.get(period_id) if period_id else None
        reference = lesson_day if kind == "mark" else (period.ends_on if period else year_end)
        end = edit_window_end(reference, settings.edit_window, tz) if reference else None
        at = clock.to_local(ev.at, head.timezone)
        inside = None if end is None else at <= end
        if only_outside and inside is not False:
            continue
        who = users.get(ev.actor_user_id, "") if ev.actor_user_id else ""
        who = f"{who} ({ev.actor_login})" if who and ev.actor_login else (who or ev.actor_login or "система")
        report.rows.append(ChangeRow(
            ev.id, at, kind, KIND_TITLES.get(kind, kind), lesson_day, period.name if period else "",
            cls, classes.get(cls, ""), subj, subjects.get(subj, ""), sid, pupils.get(sid, ""), old, new,
            ev.actor_user_id, who, inside, end))
    bits = [f"учебный год {year_title(year.start_year)}"]
    if date_from or date_to:
        bits.append(f"изменения с {(date_from or year.starts_on):%d.%m.%Y} по {(date_to or year.ends_on):%d.%m.%Y}")
    if class_id is not None:
        bits.append(f"класс {classes.get(class_id, class_id)}")
    if subject_id is not None:
        bits.append(f"предмет {subjects.get(subject_id, subject_id)}")
    if only_outside:
        bits.append("только вне срока редактирования")
    if include_first:
        bits.append("с первичным выставлением")
    report.filters = "; ".join(bits)
    return report
