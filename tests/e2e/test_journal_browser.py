"""In a real Chromium against the demo portal: the demo teacher opens the journal of a class of
the demo parent's child (by the to-do's kind of link, ?class=&subject=&date=), types a mark
into the child's cell of the grid (a glide-data-grid canvas: select a cell, move with the
arrow keys, type, Enter) and saves; the mark is in the database; then the parent signs in and
sees it in the diary, highlighted as new."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from models import Mark, Work
from models.db import reading
from pages.journal import teacher_journal
from services.core import auth, clock
from services.journal import diary, grid as journal, todo
from tests.e2e.conftest import choose, settle, shot
from tests.e2e.test_diary_browser import sign_in
from tests.e2e.test_sign_in_browser import who

ROW = teacher_journal.ROW_HEIGHT  # px: glide-data-grid's row (and header) height in Streamlit


def target_cell(portal):
    """A journal of the teacher with the parent's child, and the child's empty cell of the
    latest lesson up to today (this week's first, so the diary shows it without paging)."""
    teacher = auth.actor_for_user(who(portal, "teacher")[1])
    parent = auth.actor_for_user(who(portal, "parent")[1])
    children = {c.student_id: c for c in diary.children_of(parent)}
    school_id = min(teacher.school_ids())
    today = clock.today()
    best = None
    for choice in journal.choices(teacher, school_id):
        if not choice.own:
            continue
        periods, current = journal.periods(school_id, choice.year_id)
        period = next(p for p in periods if p.id == current)
        lo, hi = teacher_journal._range(period, today, False)
        grid = journal.load_grid(teacher, choice.class_id, choice.subject_id, period_id=period.id,
                                 subgroup_id=choice.subgroup_id, date_from=lo, date_to=hi)
        for row, pupil in enumerate(grid.pupils):
            if pupil.student_id not in children:
                continue
            for col, column in enumerate(grid.columns):
                if (column.lesson_date <= today and column.lesson_id in grid.editable_lessons and column.first_of_lesson
                        and grid.cells[(pupil.student_id, column.label)] == ""):
                    if best is None or column.lesson_date > best[4].lesson_date:
                        best = (choice, grid, row, col, column, pupil)
    if best is None:
        pytest.fail("the demo teacher has no empty cell of the parent's child in the current weeks")
    return best


def test_a_teacher_types_a_mark_and_the_parent_sees_it_in_the_diary(page: Page, portal, browser, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    choice, grid, row, col, column, pupil = target_cell(portal)
    page.set_viewport_size({"width": 2400, "height": 1600})
    sign_in(page, portal, "teacher")
    expect(page.get_by_role("heading", name="Журнал")).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    settle(page)
    choose(page, page.get_by_test_id("stSelectbox").first,  # «Класс и предмет»
           page.get_by_role("option", name=choice.label, exact=True))
    page.get_by_role("heading", name="Журнал").click()  # away from the closed list: the next click is the grid's
    expect(page.get_by_text(f"{grid.class_name} · {grid.subject_name} · {grid.period_name}")).to_be_visible(
        timeout=30_000)
    editor = page.locator('[data-testid="stDataFrame"]').first
    expect(editor).to_be_visible()
    settle(page)
    # the grid shows the lessons up to today: select the column's first cell, go down to the
    # child's row with the arrow keys (the grid scrolls itself), type, Enter
    x = teacher_journal.PUPIL_WIDTH + col * teacher_journal.WORK_WIDTH + teacher_journal.WORK_WIDTH // 2
    assert x < editor.bounding_box()["width"] - 20, "the lesson's column is out of sight"
    save = page.get_by_role("button", name="Сохранить", exact=True)
    unsaved = page.locator(f".{teacher_journal.UNSAVED_CLASS}")
    overlay = page.locator("#portal textarea, #portal input").first  # the grid's cell editor
    for attempt in range(3):  # the grid may not take the very first click while it settles
        # the first pupil's name, then the keyboard to the column and the row (the columns may be
        # wider than configured when the grid stretches to a wide window)
        editor.click(position={"x": 20, "y": ROW + ROW // 2})
        page.wait_for_timeout(300)
        for key in ["ArrowRight"] * (col + 1) + ["ArrowDown"] * row + ["5"]:
            page.keyboard.press(key)
            page.wait_for_timeout(80)
        try:
            expect(overlay).to_have_value("5", timeout=3_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
            if attempt == 2:
                shot(page, "e2e_journal_not_typed")
                raise
    page.keyboard.press("Enter")
    expect(unsaved).to_have_text("Не сохранено: 1")  # the edit stays in the browser (a form), which counts it
    save.click()  # at once: the page holds the click until the grid hands the last cell to the form
    expect(page.get_by_text("Сохранено клеток: 1")).to_be_visible(timeout=30_000)
    expect(unsaved).to_have_text("")  # a fresh grid over the saved marks
    settle(page)
    shot(page, "e2e_journal_saved")
    page.get_by_text("Урок: тема, домашнее задание, работы").click()  # the lesson panel opens on request
    page.get_by_role("button", name="Сохранить урок").scroll_into_view_if_needed()
    settle(page)
    shot(page, "e2e_journal_lesson")
    with reading() as tx:
        values = tx.exec(select(Mark.value).join(Work, Work.id == Mark.work_id)
                         .where(Work.lesson_id == column.lesson_id, Mark.student_id == pupil.student_id)).all()
    assert values == ["5"]

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    try:
        parent_page = context.new_page()
        parent_page.set_default_timeout(30_000)
        sign_in(parent_page, portal, "parent")
        expect(parent_page.get_by_role("heading", name="Дневник")).to_be_visible(timeout=30_000)
        children = diary.children_of(auth.actor_for_user(who(portal, "parent")[1]))
        if len(children) > 1:  # the parent switches to the child who got the mark
            parent_page.get_by_role("button", name=next(c for c in children
                                                        if c.student_id == pupil.student_id).name).first.click()
        monday = clock.today() - timedelta(days=clock.today().weekday())
        while column.lesson_date < monday:
            parent_page.get_by_role("button", name="← Назад").click()
            monday -= timedelta(days=7)
        mark = re.compile(rf"{column.lesson_date:%d\.%m\.%Y} · {re.escape(grid.subject_name)} · 5 \(.+\) · новая")
        expect(parent_page.get_by_text(mark).first).to_be_visible(timeout=30_000)  # highlighted as new
        settle(parent_page)
        shot(parent_page, "e2e_journal_parent_diary")
    finally:
        context.close()


def test_a_todo_link_opens_the_journal_on_its_class_subject_and_date(page: Page, portal, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    teacher = auth.actor_for_user(who(portal, "teacher")[1])
    items = todo.overdue(teacher)
    if not items:
        pytest.skip("the demo teacher has nothing overdue today")
    first = max(items, key=lambda i: (i.lesson_date, i.lesson_number))
    sign_in(page, portal, "teacher")
    expect(page.get_by_role("heading", name="Журнал")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Мои задачи").click()
    expect(page.get_by_role("heading", name="Мои задачи")).to_be_visible()
    link = page.get_by_role("link", name=f"{first.lesson_date:%d.%m.%Y}, урок №{first.lesson_number}: "
                                         f"{first.class_name}, {first.subject_name}").first
    expect(link).to_be_visible()
    shot(page, "e2e_teacher_todo")
    page.evaluate("window.__sameApp = true")  # gone after a full page load
    link.click()
    expect(page.get_by_role("heading", name="Журнал")).to_be_visible()
    assert page.evaluate("window.__sameApp === true"), "the link reloaded the page instead of navigating in the app"
    expect(page.get_by_text(f"{first.class_name} · {first.subject_name} ·")).to_be_visible()
    assert f"date={first.lesson_date.isoformat()}" in page.url
    expect(page.get_by_text("Page not found")).to_have_count(0)
    settle(page)
    shot(page, "e2e_journal_from_todo")


def test_unsaved_marks_are_counted_and_leaving_asks_first(page: Page, portal):
    """Issue 14, item 3: a typed mark is counted beside «Сохранить»; a menu link then asks
    before leaving (cancelled: the journal and its mark stay; confirmed: the page changes)."""
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, portal, "teacher")
    editor = page.locator('[data-testid="stDataFrame"]').first
    expect(editor).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    page.wait_for_timeout(800)  # let the grid paint its canvas
    expect(page.get_by_role("button", name="Сохранить", exact=True)).to_be_in_viewport()
    # today's lesson (or the last one) is marked (in the grid's accessible table; the canvas draws it)
    expect(page.locator('[data-testid="stDataFrame"] th', has_text="▶")).to_have_count(1)
    page.screenshot(path=str(shot(page, "e2e_journal_open").with_name("e2e_journal_1440x900.png")))  # the window
    editor.click(position={"x": teacher_journal.PUPIL_WIDTH + teacher_journal.WORK_WIDTH // 2, "y": ROW + ROW // 2})
    page.wait_for_function("document.activeElement && document.activeElement.closest('[data-testid=stDataFrame]')")
    page.keyboard.press("4")
    expect(page.locator("#portal textarea, #portal input").first).to_have_value("4")  # the cell's editor is open
    page.keyboard.press("Enter")
    unsaved = page.locator(f".{teacher_journal.UNSAVED_CLASS}")
    expect(unsaved).to_have_text("Не сохранено: 1")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("link", name="Мои задачи").click()
    page.wait_for_timeout(500)
    assert asked and "несохранённые изменения" in asked[0], asked
    expect(page.get_by_role("heading", name="Журнал")).to_be_visible()
    expect(unsaved).to_have_text("Не сохранено: 1")
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.get_by_role("link", name="Мои задачи").click()
    expect(page.get_by_role("heading", name="Мои задачи")).to_be_visible()
    assert len(asked) == 2
