"""The correction request's deadline (SPEC.md §10, regulation 2.3) as a pure computation."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from services.comms.corrections import Timing, due_of, left_text, timing

MSK = ZoneInfo("Europe/Moscow")
UTC = timezone.utc


def test_one_day_in_moscow_time_at_its_boundary():
    filed = datetime(2026, 11, 10, 23, 30, tzinfo=MSK)        # late evening, Moscow
    due = due_of(filed.astimezone(UTC), "Europe/Moscow")
    assert due == datetime(2026, 11, 11, 23, 30, tzinfo=MSK)
    assert due.tzinfo == UTC                                   # stored form
    s = timedelta(seconds=1)
    assert timing(filed, due - s, "Europe/Moscow").overdue is False
    assert timing(filed, due, "Europe/Moscow").overdue is False   # "by T" includes T
    assert timing(filed, due + s, "Europe/Moscow").overdue is True


def test_a_calendar_day_where_clocks_change():
    # Berlin moves to summer time on 29 March 2026: one calendar day is 23 hours there
    filed = datetime(2026, 3, 28, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    due = due_of(filed, "Europe/Berlin")
    assert due == datetime(2026, 3, 29, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert due - filed == timedelta(hours=23)
    assert due_of(filed, "Europe/Berlin", hours=48) - filed == timedelta(hours=47)


def test_time_left_in_words():
    def t(seconds):
        return Timing(due=datetime(2026, 1, 1, tzinfo=UTC), left=timedelta(seconds=seconds), overdue=seconds < 0)
    assert left_text(t(5 * 3600 + 7 * 60 + 30)) == "осталось 5 ч 07 мин"
    assert left_text(t(59 * 60)) == "осталось 59 мин"
    assert left_text(t(30)) == "срок истекает сейчас"
    assert left_text(t(-(3600 + 120))) == "просрочено на 1 ч 02 мин"
    assert left_text(t(-1)) == "просрочено"
