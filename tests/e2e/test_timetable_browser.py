"""In a real Chromium against the demo portal: the demo deputy director opens «Редактор
расписания», types into the room cell of the class's first lesson a room another class has at
that very time; the screen names the clash, «Сохранить расписание» refuses it with the reason
and the timetable is unchanged."""
from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from models import TimetableSlot
from models.db import reading
from pages.planning import timetable_edit
from services.core import auth, clock
from services.planning import timetable
from tests.e2e.conftest import settle, shot
from tests.e2e.test_diary_browser import sign_in
from tests.e2e.test_sign_in_browser import who

ROW = timetable_edit.ROW_HEIGHT


def clash(portal):
    """The first class of the deputy whose first row clashes when given another class's room
    that is taken at the same time: (class name, that room, the expected reason)."""
    deputy = auth.actor_for_user(who(portal, "deputy")[1])
    school_id = min(deputy.school_ids())
    classes = timetable.classes_for(deputy, school_id, "timetable.edit")
    today = clock.today()
    with reading() as tx:
        taken = tx.exec(select(TimetableSlot.class_id, TimetableSlot.weekday, TimetableSlot.lesson_number,
                               TimetableSlot.room).where(TimetableSlot.school_id == school_id,
                                                         TimetableSlot.valid_from <= today,
                                                         (TimetableSlot.valid_to.is_(None))
                                                         | (TimetableSlot.valid_to >= today))).all()
    for class_id, name in classes[:1]:  # the editor opens on the first class
        view = timetable.load_class(deputy, class_id, today)
        if not view.rows:
            continue
        first = view.rows[0]
        for other, day, number, room in taken:
            if other != class_id and (day, number) == (first.weekday, first.lesson_number) and room \
                    and room != first.room:
                rows = [dataclasses.replace(first, room=room), *view.rows[1:]]
                problems = timetable.preview(deputy, class_id, rows, view.on).problems
                reason = next((p for p in problems if f"Кабинет {room} занят дважды" in p), None)
                if reason:
                    return class_id, name, room, reason
    pytest.fail("no room of another class clashes with the deputy's first class in the demo timetable")


def slots(portal, class_id):
    with reading(portal.demo.url) as tx:
        return sorted((s.id, s.room, s.valid_from, s.valid_to) for s in tx.exec(
            select(TimetableSlot).where(TimetableSlot.class_id == class_id)).all())


def test_the_deputy_edits_a_cell_and_a_clash_is_refused_with_its_reason(page: Page, portal, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    class_id, name, room, reason = clash(portal)
    before = slots(portal, class_id)
    page.set_viewport_size({"width": 2200, "height": 1300})
    sign_in(page, portal, "deputy")
    page.get_by_role("link", name="Редактор расписания").click()
    expect(page.get_by_role("heading", name="Редактор расписания")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"Строки расписания {name}")).to_be_visible(timeout=30_000)
    editor = page.locator('[data-testid="stDataFrame"]').first
    expect(editor).to_be_visible()
    settle(page)
    cell = {"x": 60, "y": ROW + ROW // 2}                # first row, «День» (after the row markers)
    warning = page.get_by_text(f"Кабинет {room} занят дважды")
    for attempt in range(3):  # the grid may not take the very first click while it settles
        editor.click(position=cell)
        settle(page)
        for _ in range(4):                                   # «Урок», «Предмет», «Учитель», «Кабинет»
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")                         # open the cell's editor
        page.keyboard.press("Control+a")
        page.keyboard.type(room)
        settle(page)
        page.keyboard.press("Enter")
        try:
            expect(warning.first).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                shot(page, "e2e_timetable_not_typed")
                raise
    page.get_by_role("button", name="Сохранить расписание").click()
    refused = page.get_by_test_id("stAlertContentError")
    expect(refused).to_contain_text("Расписание не сохранено", timeout=30_000)
    expect(refused).to_contain_text(f"Кабинет {room} занят дважды")
    settle(page)
    shot(page, "e2e_timetable_clash_refused")
    assert slots(portal, class_id) == before                 # nothing saved


def test_the_deputy_sees_the_whole_school_on_one_printable_page(page: Page, portal):
    page.set_viewport_size({"width": 1800, "height": 1100})
    sign_in(page, portal, "deputy")
    page.get_by_role("link", name="Расписание", exact=True).click()
    expect(page.get_by_role("heading", name="Расписание")).to_be_visible(timeout=30_000)
    page.get_by_text("Вся школа", exact=True).click()
    expect(page.get_by_text("Расписание, действующее на")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Скачать для печати (PDF, одна страница A3)")).to_be_visible()
    settle(page)
    shot(page, "e2e_timetable_whole_school")
