"""Work types (issue 15): a new school gets the standard set; changes are all or nothing and
audited; a weight changed mid-year changes the averages from then on; a retired type keeps its
marks; the deputy sees the types and may not change them."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent, Mark, WorkType
from models.db import reading, transaction
from services.core import auth
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.journal import grid as journal, lessons
from services.planning import work_types
from services.rules.work_types import STANDARD_SET
from services.setup import new_school
from tests.integration import journal_world

MSK = ZoneInfo("Europe/Moscow")


def _types(school_id):
    with reading() as tx:
        return {w.name: w for w in tx.exec(select(WorkType).where(WorkType.school_id == school_id)).all()}


def test_a_new_school_gets_the_standard_set(db_url):
    with transaction() as tx:
        school_id = new_school.create_school(tx, "Округ", "МБОУ СОШ № 3", "СОШ № 3")
    types = _types(school_id)
    assert set(types) == {t.name for t in STANDARD_SET}
    assert [n for n, w in types.items() if w.is_default] == ["Работа на уроке"]
    assert types["Контрольная работа"].weight == 2 and types["Контрольная работа"].is_test
    assert types["Сочинение"].checking_days == 7
    # the standard set again adds nothing
    with transaction() as tx:
        assert work_types.add_standard_set(tx, school_id) == 0


def test_changes_are_all_or_nothing_checked_and_audited(db_url):
    with transaction() as tx:
        school_id = new_school.create_school(tx, "Округ", "Школа", "Школа")
    types = _types(school_id)
    test_id, essay_id = types["Тест"].id, types["Сочинение"].id
    # one bad row (weight 7) stops the good one (rename) too, and says which and why
    with pytest.raises(work_types.WorkTypeError) as e:
        work_types.save(SYSTEM, school_id, {test_id: {"name": "Тестирование"}, essay_id: {"weight": "7"}})
    assert "«Сочинение»" in str(e.value) and "от 0,5 до 5" in str(e.value)
    assert _types(school_id)["Тест"].name == "Тест"
    # a duplicate name, a retired default: refused
    with pytest.raises(work_types.WorkTypeError, match="уже есть"):
        work_types.add_type(SYSTEM, school_id, "  тест ")
    with pytest.raises(work_types.WorkTypeError, match="по умолчанию"):
        work_types.update_type(SYSTEM, types["Работа на уроке"].id, is_active=False)
    # good changes: rename, weight «2,5», a new default takes the mark, not in averages = weight 0
    result = work_types.save(SYSTEM, school_id, {test_id: {"name": "Тестирование", "weight": "2,5"},
                                                 essay_id: {"is_default": True},
                                                 types["Домашняя работа"].id: {"in_average": False}})
    assert sorted(result.changed) == ["Домашняя работа", "Работа на уроке", "Сочинение", "Тестирование"]
    assert sorted(result.weight_changed) == ["Домашняя работа", "Тестирование"]
    after = _types(school_id)
    assert after["Тестирование"].weight == 2.5
    assert [n for n, w in after.items() if w.is_default] == ["Сочинение"]
    assert after["Домашняя работа"].weight == 0
    # counted again: weight 1 unless given
    work_types.update_type(SYSTEM, after["Домашняя работа"].id, in_average=True)
    assert _types(school_id)["Домашняя работа"].weight == 1
    with reading() as tx:
        events = tx.exec(select(AuditEvent).where(AuditEvent.action == "worktype.changed")).all()
    assert len(events) == 5 and any('"weight": 2.5' in (e.new or "") for e in events)


def test_weight_changes_averages_and_retiring_keeps_the_marks(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    jw = journal_world.build()
    with reading() as tx:
        math = auth.load_actor(tx, jw.users["math"])
        deputy_free = auth.load_actor(tx, jw.users["ct"])
    day10, day12 = (jw.lessons[("math", date(2026, 11, d))] for d in (10, 12))
    lessons.add_work(math, day12, jw.work_types["Контрольная работа"])
    g = journal.load_grid(math, jw.class_id, jw.math, period_id=jw.period_id)
    alexeev = jw.pupils["Алексеев"]
    test_col = next(c for c in g.columns if c.work_type == "Контрольная работа")
    lesson_col = next(c for c in g.columns if c.lesson_id == day10)
    journal.save_cells(math, journal.diff(g, {(alexeev, lesson_col.label): "5", (alexeev, test_col.label): "3"}))

    def weighted():
        grid = journal.load_grid(math, jw.class_id, jw.math, period_id=jw.period_id)
        return grid.summaries[alexeev].weighted

    assert weighted() == pytest.approx((5 * 1 + 3 * 2) / 3)
    work_types.update_type(SYSTEM, jw.work_types["Контрольная работа"], weight=4)
    assert weighted() == pytest.approx((5 * 1 + 3 * 4) / 5)
    work_types.update_type(SYSTEM, jw.work_types["Контрольная работа"], in_average=False)
    assert weighted() == pytest.approx(5.0)
    # retired: not offered for new works, its marks and column stay
    work_types.update_type(SYSTEM, jw.work_types["Контрольная работа"], is_active=False)
    assert [t.name for t in lessons.work_types(jw.school_id)] == ["Работа на уроке"]
    with reading() as tx:
        assert len(tx.exec(select(Mark)).all()) == 2
    grid = journal.load_grid(math, jw.class_id, jw.math, period_id=jw.period_id)
    assert grid.cells[(alexeev, test_col.label)] == "3"
    # a class teacher (no work-type role) is refused, and the refusal is audited
    with pytest.raises(AccessDenied):
        work_types.list_types(deputy_free, jw.school_id)
    with pytest.raises(AccessDenied):
        work_types.update_type(deputy_free, jw.work_types["Работа на уроке"], weight=2)
    with reading() as tx:
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
