"""«Заявки на исправление данных» (issue 16, item 5) in AppTest: the administrator finds the lesson
of a request, changes a mark directly with the reason, and opens another cell to its teacher."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from models import CellGrant
from models.db import reading
from services.comms import corrections
from services.journal import grid as journal
from sqlmodel import select
from tests.integration import reports_world
from tests.integration.reports_world import actor
from tests.ui.conftest import button, render_page


@pytest.fixture
def rw(sqlite_url, frozen_clock):
    frozen_clock(datetime.fromisoformat("2026-11-20T12:00:00+03:00"))
    return reports_world.build(edit_window="week")


def _cell(rw, pupil: str) -> str:
    grid = journal.load_grid(actor(rw, "admin"), rw.classes["5А"], rw.subjects["math"], period_id=rw.q2,
                             date_from=date(2026, 11, 10), date_to=date(2026, 11, 10))
    col = next(c for c in grid.columns if c.first_of_lesson)
    return grid.cells[(rw.pupils[pupil], col.label)]


def _open_page(rw, monkeypatch):
    at = render_page(monkeypatch, "pages.comms.corrections:render_queue", rw.users["admin"], rw.school_id)
    assert not at.exception, at.exception
    journal_box = at.selectbox(key="corr_fix_j")
    assert "5А — Математика" in journal_box.options
    journal_box.set_value(f"{rw.classes['5А']}:{rw.subjects['math']}:0")
    at.date_input(key="corr_fix_day").set_value(date(2026, 11, 10))
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_administrator_corrects_a_mark_and_opens_a_cell(rw, monkeypatch):
    first = corrections.file_request(actor(rw, "parent"), rw.school_id, "Отметка 10.11 должна быть 4")
    at = _open_page(rw, monkeypatch)
    at.selectbox(key="corr_fix_pick").set_value(first)
    at.selectbox(key="corr_fix_pupil").set_value(rw.pupils["Алексеев"])
    at.run()
    assert any("Сейчас в клетке: «5»" in c.value for c in at.caption)
    at.text_input(key="corr_fix_new").input("4")
    button(at, "Исправить сейчас").click().run()
    assert at.error and "Причина исправления" in at.error[0].value and _cell(rw, "Алексеев") == "5"
    at.text_input(key="corr_fix_reason").input("Ошибка ввода")
    button(at, "Исправить сейчас").click().run()
    assert not at.exception, at.exception
    assert _cell(rw, "Алексеев") == "4"
    assert corrections.my_requests(actor(rw, "parent"), rw.school_id)[0].status == "resolved"

    second = corrections.file_request(actor(rw, "parent"), rw.school_id, "У Борисовой 10.11 неверная отметка")
    at = _open_page(rw, monkeypatch)
    at.selectbox(key="corr_fix_pick").set_value(second)
    at.selectbox(key="corr_fix_pupil").set_value(rw.pupils["Борисова"])
    at.text_input(key="corr_fix_reason").input("Учитель уточнит")
    button(at, "Открыть клетку учителю на 24 часа").click().run()
    assert not at.exception, at.exception
    with reading() as tx:
        (grant,) = tx.exec(select(CellGrant)).all()
    assert (grant.request_id, grant.student_id, grant.staff_id) == (second, rw.pupils["Борисова"], rw.staff["math_t"])
    assert _cell(rw, "Борисова") == "5/4"
