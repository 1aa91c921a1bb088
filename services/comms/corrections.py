"""Correction requests (R-COM-2; regulation 2.3): any user reports data that is wrong — what,
where, what it should be, and a link to the screen where they saw it; the school's
administrator corrects it within 1 calendar day and the reporter is told in their inbox.

The deadline (SPEC.md §10) is `rules.deadlines.correction_due` applied in the school's time
zone: the same wall-clock time a day later (SchoolSettings.correction_hours, 24 by default),
"by T" including T. In Moscow time that is exactly 24 hours; where clocks change it is still
one calendar day. The administrator's queue shows each open request with the time left and
flags the overdue ones; `remind_overdue` (manage.py remind, for cron) tells the
administrators once about each overdue request.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from models import CorrectionRequest, Notice, SchoolSettings, User
from models.db import reading, transaction
from services.comms import notices
from services.core import audit, clock, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.rules import deadlines

WHAT_MAX, LOCATION_MAX, SHOULD_BE_MAX, LINK_MAX, RESOLUTION_MAX = 1000, 300, 1000, 300, 1000
STATUS_TITLES = {"open": "ожидает", "resolved": "исправлено", "rejected": "отклонено"}


class CorrectionError(ValueError):
    """str(e) is a Russian message saying what is wrong."""


# ------------------------------------------------------------------ the deadline (pure)
@dataclass(frozen=True)
class Timing:
    due: datetime          # aware UTC
    left: timedelta        # negative when overdue
    overdue: bool


def due_of(created_at: datetime, tz_name: str | None, hours: int = 24) -> datetime:
    """When a request filed at `created_at` must be resolved by: `hours` later by the school's
    wall clock (one calendar day for 24), returned in UTC."""
    local = clock.to_local(created_at, tz_name)
    return deadlines.correction_due(local, hours).astimezone(clock.UTC)


def timing(created_at: datetime, now: datetime, tz_name: str | None, hours: int = 24) -> Timing:
    due = due_of(created_at, tz_name, hours)
    return Timing(due=due, left=due - now, overdue=not deadlines.on_time(now, due))


def left_text(t: Timing) -> str:
    """«осталось 5 ч 07 мин», «срок истёк только что», «просрочено на 1 ч 02 мин»."""
    seconds = int(abs(t.left).total_seconds())
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    span = f"{hours} ч {minutes:02d} мин" if hours else f"{minutes} мин"
    if t.overdue:
        return f"просрочено на {span}" if seconds >= 60 else "просрочено"
    return f"осталось {span}" if seconds >= 60 else "срок истекает сейчас"


# ------------------------------------------------------------------ reading
@dataclass(frozen=True)
class CorrectionRow:
    id: int
    reporter_user_id: int
    reporter: str
    what: str
    location: str
    should_be: str
    link: str
    status: str
    status_title: str
    created_at: datetime
    due: datetime
    left: str             # for an open request: the time left or how late; else ""
    overdue: bool         # open and past its deadline
    resolved_at: datetime | None
    resolver: str
    resolution: str
    on_time: bool | None  # resolved within the deadline (None while open)


def _settings(tx: Session, school_id: int) -> tuple[str | None, int]:
    s = tx.get(SchoolSettings, school_id)
    return (s.timezone, s.correction_hours) if s else (None, 24)


def _name(u: User | None) -> str:
    return (" ".join(p for p in (u.last_name, u.first_name, u.middle_name) if p) or u.login) if u else ""


def _rows(tx: Session, school_id: int, requests: list[CorrectionRequest]) -> list[CorrectionRow]:
    tz, hours = _settings(tx, school_id)
    ids = {r.reporter_user_id for r in requests} | {r.resolved_by_user_id for r in requests if r.resolved_by_user_id}
    users = {u.id: u for u in tx.exec(select(User).where(User.id.in_(sorted(ids))))} if ids else {}
    now = clock.now()
    out = []
    for r in requests:
        t = timing(r.created_at, now, tz, hours)
        is_open = r.status == "open"
        out.append(CorrectionRow(
            id=r.id, reporter_user_id=r.reporter_user_id, reporter=_name(users.get(r.reporter_user_id)),
            what=r.what, location=r.location, should_be=r.should_be, link=r.link, status=r.status,
            status_title=STATUS_TITLES.get(r.status, r.status), created_at=r.created_at, due=t.due,
            left=left_text(t) if is_open else "", overdue=is_open and t.overdue, resolved_at=r.resolved_at,
            resolver=_name(users.get(r.resolved_by_user_id)), resolution=r.resolution,
            on_time=None if is_open else deadlines.on_time(r.resolved_at, t.due)))
    return out


def queue(actor: Actor, school_id: int, include_closed: bool = False, limit: int = 500) -> list[CorrectionRow]:
    """The administrator's queue: open requests, the nearest deadline first (overdue on top);
    with include_closed, the resolved and rejected ones follow, the latest first."""
    with reading() as tx:
        policy.require(actor, "correction.resolve", school_target(tx, school_id, entity="correction_request"))
        open_rows = tx.exec(select(CorrectionRequest).where(
            CorrectionRequest.school_id == school_id, CorrectionRequest.status == "open")
            .order_by(CorrectionRequest.created_at, CorrectionRequest.id).limit(limit)).all()
        closed = []
        if include_closed:
            closed = tx.exec(select(CorrectionRequest).where(
                CorrectionRequest.school_id == school_id, CorrectionRequest.status != "open")
                .order_by(CorrectionRequest.resolved_at.desc(), CorrectionRequest.id.desc()).limit(limit)).all()
        return _rows(tx, school_id, list(open_rows) + list(closed))


def my_requests(actor: Actor, school_id: int, limit: int = 100) -> list[CorrectionRow]:
    """The actor's own requests in the school, the latest first."""
    with reading() as tx:
        policy.require(actor, "correction.create", school_target(tx, school_id, entity="correction_request"))
        rows = tx.exec(select(CorrectionRequest).where(
            CorrectionRequest.school_id == school_id, CorrectionRequest.reporter_user_id == actor.user_id)
            .order_by(CorrectionRequest.id.desc()).limit(limit)).all()
        return _rows(tx, school_id, list(rows))


def open_count(actor: Actor, school_id: int | None) -> int:
    """Open requests of the school, for the menu of those who resolve them (0 for others)."""
    if school_id is None or school_id not in policy.schools_for(actor, "correction.resolve"):
        return 0
    with reading() as tx:
        return int(tx.exec(select(func.count()).select_from(CorrectionRequest).where(
            CorrectionRequest.school_id == school_id, CorrectionRequest.status == "open")).one())


# ------------------------------------------------------------------ writing
def _text(value: str, limit: int, label: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CorrectionError(f"Заполните поле «{label}».")
    if len(value) > limit:
        raise CorrectionError(f"Поле «{label}» слишком длинное: {len(value)} знаков, можно не больше {limit}.")
    return value


def _local(moment: datetime, tz: str | None) -> str:
    return clock.to_local(moment, tz).strftime("%d.%m.%Y %H:%M")


def file_request(actor: Actor, school_id: int, what: str, location: str = "", should_be: str = "",
                 link: str = "") -> int:
    """Report wrong data; the school's administrators are told. Returns the request's id."""
    what = _text(what, WHAT_MAX, "Что неверно", required=True)
    location = _text(location, LOCATION_MAX, "Где")
    should_be = _text(should_be, SHOULD_BE_MAX, "Как должно быть")
    link = _text(link, LINK_MAX, "Ссылка")
    with transaction() as tx:
        policy.require(actor, "correction.create", school_target(tx, school_id, entity="correction_request"))
        row = CorrectionRequest(school_id=school_id, reporter_user_id=actor.user_id, what=what, location=location,
                                should_be=should_be, link=link, status="open", created_at=clock.now())
        tx.add(row)
        tx.flush()
        tz, hours = _settings(tx, school_id)
        due = due_of(row.created_at, tz, hours)
        text = f"Заявка № {row.id} от {actor.name}: {what}"
        if location:
            text += f" (где: {location})"
        text += f". Исправить до {_local(due, tz)}."
        notices.notify(tx, notices.school_staff(tx, school_id, ("admin",)), "correction_new", text,
                       link=f"correction:{row.id}", school_id=school_id)
        audit.record(tx, actor, "correction.filed", school_id=school_id, entity="correction_request",
                     entity_id=row.id, new={"what": what, "location": location, "should_be": should_be,
                                            "link": link, "due": due})
        return row.id


def resolve(actor: Actor, request_id: int, comment: str, outcome: str = "resolved") -> CorrectionRow:
    """Close a request as corrected («resolved») or not to be corrected («rejected»); the comment
    is required and goes to the reporter's inbox."""
    if outcome not in ("resolved", "rejected"):
        raise CorrectionError("Итог заявки: «исправлено» или «отклонено».")
    comment = _text(comment, RESOLUTION_MAX, "Комментарий", required=True)
    with transaction() as tx:
        row = tx.get(CorrectionRequest, request_id)
        if row is None:
            raise CorrectionError(f"Заявка № {request_id} не найдена.")
        policy.require(actor, "correction.resolve", school_target(tx, row.school_id, entity="correction_request",
                                                                  entity_id=request_id))
        if row.status != "open":
            raise CorrectionError(f"Заявка № {request_id} уже закрыта ({STATUS_TITLES.get(row.status, row.status)}).")
        tz, hours = _settings(tx, row.school_id)
        now = clock.now()
        due = due_of(row.created_at, tz, hours)
        row.status, row.resolved_at, row.resolved_by_user_id, row.resolution = outcome, now, actor.user_id or None, comment
        tx.add(row)
        verb = "исправлены" if outcome == "resolved" else "не исправлены (заявка отклонена)"
        notices.notify(tx, row.reporter_user_id, "correction_done",
                       f"Ваша заявка № {row.id} «{row.what[:200]}»: данные {verb}. Комментарий: {comment}",
                       link=f"correction:{row.id}", school_id=row.school_id)
        audit.record(tx, actor, "correction.resolved", school_id=row.school_id, entity="correction_request",
                     entity_id=row.id, old={"status": "open"},
                     new={"status": outcome, "resolution": comment, "due": due,
                          "on_time": deadlines.on_time(now, due)})
        tx.flush()
        return _rows(tx, row.school_id, [row])[0]


def remind_overdue(school_id: int | None = None) -> int:
    """Tell the administrators about each open request past its deadline, once per request
    (for cron: manage.py remind). Returns the number of requests reminded of."""
    with transaction() as tx:
        stmt = select(CorrectionRequest).where(CorrectionRequest.status == "open")
        if school_id is not None:
            stmt = stmt.where(CorrectionRequest.school_id == school_id)
        told = set(tx.exec(select(Notice.link).where(Notice.kind == "correction_overdue")).all())
        reminded = 0
        now = clock.now()
        settings: dict[int, tuple[str | None, int]] = {}
        for row in tx.exec(stmt.order_by(CorrectionRequest.id)).all():
            link = f"correction:{row.id}"
            if link in told:
                continue
            if row.school_id not in settings:
                settings[row.school_id] = _settings(tx, row.school_id)
            tz, hours = settings[row.school_id]
            t = timing(row.created_at, now, tz, hours)
            if not t.overdue:
                continue
            notices.notify(tx, notices.school_staff(tx, row.school_id, ("admin",)), "correction_overdue",
                           f"Заявка № {row.id} «{row.what[:200]}» не рассмотрена в срок (до {_local(t.due, tz)}).",
                           link=link, school_id=row.school_id)
            reminded += 1
        return reminded

