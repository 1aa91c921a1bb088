"""«Первая неделя» in AppTest (issue 15): each line with its state and a link to the screen that
fixes it; the teacher is refused."""
from __future__ import annotations

from services import calendar
from services.actor import SYSTEM
from tests.ui.conftest import render_page


def test_the_checklist_shows_what_is_done_and_links_the_rest(world, monkeypatch):
    calendar.create_year(SYSTEM, world.school_id, 2026)
    at = render_page(monkeypatch, "pages.first_week", world.ids["admin1"], world.school_id)
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown)
    captions = "\n".join(c.value for c in at.caption)
    assert "Готово 2 из 13" in at.get("progress")[0].proto.text
    assert "**1. Учебный год, периоды и каникулы** — 2026/2027\\: периодов 4" in text
    assert "Звонки не заданы" in text and "Ученики не загружены" in text
    links = [link.proto.label for link in at.get("page_link")]
    assert "Открыть «Виды работ»" in links and "Открыть «Загрузка из Excel»" in links
    assert "manage.py bells --school" in captions


def test_the_teacher_is_refused(world, monkeypatch):
    at = render_page(monkeypatch, "pages.first_week", world.ids["teacher1"], world.school_id)
    assert at.error and "Недостаточно прав" in at.error[0].value
