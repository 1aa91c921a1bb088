"""Correction requests on SQLite and PostgreSQL (R-COM-2; regulation 2.3): the deadline of one
calendar day in Moscow time at its boundary, the administrator's queue with the time left and
the overdue flag, resolving with a comment that reaches the reporter's inbox."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent, CorrectionRequest, Notice
from models.db import reading
from services.comms import corrections, notices
from services.comms.corrections import CorrectionError
from services.core import clock
from services.core.policy import AccessDenied
from tests.integration import comms_world
from tests.integration.comms_world import actor

MSK = ZoneInfo("Europe/Moscow")
FILED = datetime(2026, 11, 10, 23, 30, tzinfo=MSK)   # late evening in Moscow: 20:30 UTC
DUE = datetime(2026, 11, 11, 23, 30, tzinfo=MSK)
SECOND = timedelta(seconds=1)


@pytest.fixture
def w(db_url):
    world = comms_world.build()
    clock.set_now(FILED)
    yield world
    clock.set_now(None)


def uid(w, label, school="A"):
    return w.schools[school].users[label]


def told(kind: str) -> list[tuple[int, str]]:
    with reading() as tx:
        return [(n.user_id, n.text) for n in tx.exec(select(Notice).where(Notice.kind == kind)
                                                     .order_by(Notice.id)).all()]


def file(w, label="parent_of_pupil5_1") -> int:
    return corrections.file_request(actor(uid(w, label)), w.schools["A"].id, "Неверная отметка за 02.11",
                                    location="Дневник, математика", should_be="5 вместо 3",
                                    link="/diary?date=2026-11-02")


def test_the_deadline_is_one_calendar_day_in_moscow_time_at_its_boundary(w):
    a = w.schools["A"]
    request_id = file(w)
    admin = actor(uid(w, "admin"))
    (row,) = corrections.queue(admin, a.id)
    assert row.due == DUE and row.created_at == FILED
    assert (row.what, row.location, row.should_be, row.link) == (
        "Неверная отметка за 02.11", "Дневник, математика", "5 вместо 3", "/diary?date=2026-11-02")

    clock.set_now(DUE - timedelta(hours=5, minutes=7))
    (row,) = corrections.queue(admin, a.id)
    assert (row.overdue, row.left) == (False, "осталось 5 ч 07 мин")
    clock.set_now(DUE - SECOND)
    assert corrections.queue(admin, a.id)[0].overdue is False
    clock.set_now(DUE)                                   # "by T" includes T
    assert corrections.queue(admin, a.id)[0].overdue is False
    assert corrections.remind_overdue() == 0
    clock.set_now(DUE + SECOND)
    (row,) = corrections.queue(admin, a.id)
    assert (row.overdue, row.left) == (True, "просрочено")
    clock.set_now(DUE + timedelta(hours=1, minutes=2))
    assert corrections.queue(admin, a.id)[0].left == "просрочено на 1 ч 02 мин"
    # the administrators are reminded once about an overdue request
    assert corrections.remind_overdue() == 1 and corrections.remind_overdue() == 0
    assert [u for u, _ in told("correction_overdue")] == [uid(w, "admin")]
    # resolved late: the record says so
    done = corrections.resolve(admin, request_id, "Отметка исправлена на 5.")
    assert (done.status, done.on_time, done.overdue, done.left) == ("resolved", False, False, "")


def test_resolved_at_the_last_second_is_on_time(w):
    request_id = file(w)
    clock.set_now(DUE)
    done = corrections.resolve(actor(uid(w, "admin")), request_id, "Исправлено.")
    assert done.on_time is True
    with reading() as tx:
        (event,) = tx.exec(select(AuditEvent).where(AuditEvent.action == "correction.resolved")).all()
    assert json.loads(event.new)["on_time"] is True


def test_filing_tells_the_administrators_and_resolving_tells_the_reporter_only(w):
    a = w.schools["A"]
    request_id = file(w)
    other = file(w, "teacher6")
    # a new request: the administrators of school A, nobody else
    assert sorted({u for u, _ in told("correction_new")}) == [uid(w, "admin")]
    text = told("correction_new")[0][1]
    assert "Неверная отметка за 02.11" in text and "11.11.2026 23:30" in text
    admin = actor(uid(w, "admin"))
    with pytest.raises(CorrectionError, match="Комментарий"):
        corrections.resolve(admin, request_id, "   ")
    corrections.resolve(admin, request_id, "Отметка исправлена на 5.")
    corrections.resolve(admin, other, "Данные верны: в журнале стоит 4.", outcome="rejected")
    done = told("correction_done")
    assert [u for u, _ in done] == [uid(w, "parent_of_pupil5_1"), uid(w, "teacher6")]
    assert "Отметка исправлена на 5." in done[0][1] and "отклонена" in done[1][1]
    assert notices.unread_count(actor(uid(w, "parent_of_pupil5_1"))) == 1
    with pytest.raises(CorrectionError, match="уже закрыта"):
        corrections.resolve(admin, request_id, "Ещё раз")
    mine = corrections.my_requests(actor(uid(w, "parent_of_pupil5_1")), a.id)
    assert [(r.status_title, r.resolution) for r in mine] == [("исправлено", "Отметка исправлена на 5.")]
    assert [r.id for r in corrections.queue(admin, a.id)] == []
    assert [r.id for r in corrections.queue(admin, a.id, include_closed=True)] == [other, request_id]


def test_who_resolves_and_bad_input(w):
    a = w.schools["A"]
    with pytest.raises(CorrectionError, match="«Что неверно»"):
        corrections.file_request(actor(uid(w, "pupil5_1")), a.id, "  ")
    request_id = file(w, "pupil5_1")
    for label, school in (("teacher5", "A"), ("director", "A"), ("admin", "B")):
        with pytest.raises(AccessDenied):
            corrections.resolve(actor(uid(w, label, school)), request_id, "Исправлено")
    with pytest.raises(AccessDenied):
        corrections.queue(actor(uid(w, "teacher5")), a.id)
    with pytest.raises(AccessDenied):  # nobody files a request into another school
        corrections.file_request(actor(uid(w, "admin", "B")), a.id, "Ошибка")
    assert corrections.open_count(actor(uid(w, "admin")), a.id) == 1
    assert corrections.open_count(actor(uid(w, "teacher5")), a.id) == 0
    with reading() as tx:
        assert tx.get(CorrectionRequest, request_id).status == "open"
