"""Homework arrives (issue 16, item 1), in a real Chromium against the demo portal: the teacher
writes homework with a file on the journal's lesson panel (due, by default, on the next lesson of
the subject); the parent finds it in the diary on the day it is due and downloads the file."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from models import Attachment, Homework
from models.db import reading
from pages.journal import teacher_journal
from services.core import auth, clock
from services.journal import diary, grid as journal
from tests.e2e.conftest import choose, settle, shot
from tests.e2e.test_diary_browser import sign_in
from tests.e2e.test_sign_in_browser import who

CARD = "Карточка: решить № 1–5 на обороте.".encode()


def target_lesson(portal):
    """A journal of the teacher's with the parent's child, and the lesson its panel opens on: the
    latest one up to today."""
    teacher = auth.actor_for_user(who(portal, "teacher")[1])
    parent = auth.actor_for_user(who(portal, "parent")[1])
    children = {c.student_id for c in diary.children_of(parent)}
    school_id = min(teacher.school_ids())
    today = clock.today()
    for choice in journal.choices(teacher, school_id):
        if not choice.own or choice.subgroup_id:
            continue
        periods, current = journal.periods(school_id, choice.year_id)
        period = next(p for p in periods if p.id == current)
        lo, hi = teacher_journal._range(period, today, False)
        grid = journal.load_grid(teacher, choice.class_id, choice.subject_id, period_id=period.id,
                                 date_from=lo, date_to=hi)
        pupils = [p.student_id for p in grid.pupils if p.student_id in children]
        past = [c for c in grid.columns if c.lesson_date <= today]
        if pupils and past:
            return choice, grid, past[-1], pupils[0]
    pytest.fail("the demo teacher teaches none of the parent's children")


def test_homework_with_a_file_reaches_the_parent_on_the_day_it_is_due(page: Page, portal, browser, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    choice, grid, column, child_id = target_lesson(portal)
    page.set_viewport_size({"width": 1600, "height": 1400})
    sign_in(page, portal, "teacher")
    expect(page.get_by_role("heading", name="Журнал")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    choose(page, page.get_by_test_id("stSelectbox").first, page.get_by_role("option", name=choice.label, exact=True))
    expect(page.get_by_text(f"{grid.class_name} · {grid.subject_name} · {grid.period_name}")).to_be_visible(
        timeout=30_000)
    settle(page)
    page.get_by_text("Урок: тема, домашнее задание, работы").click()  # the lesson panel opens on request
    settle(page)
    task = page.get_by_label("Задание", exact=True)
    task.scroll_into_view_if_needed()
    task.fill("Решить карточку")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        files=[{"name": "Карточка.txt", "mimeType": "text/plain", "buffer": CARD}])
    expect(page.get_by_text("Карточка.txt").first).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Сохранить урок").click()
    expect(page.get_by_text(f"Урок {column.lesson_date:%d.%m.%Y} сохранён.")).to_be_visible(timeout=30_000)
    shot(page, "e2e_homework_teacher")
    with reading() as tx:
        hw = tx.exec(select(Homework).where(Homework.lesson_id == column.lesson_id)).one()
        assert hw.text == "Решить карточку" and tx.get(Attachment, hw.attachment_id).name == "Карточка.txt"
    due_on = hw.due_on
    later = [c.lesson_date for c in grid.columns if c.lesson_date > column.lesson_date]
    assert due_on is not None and (not later or due_on == min(later))  # the next lesson of the subject

    context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="ru-RU", accept_downloads=True)
    try:
        parent_page = context.new_page()
        parent_page.set_default_timeout(30_000)
        sign_in(parent_page, portal, "parent")
        expect(parent_page.get_by_role("heading", name="Дневник")).to_be_visible(timeout=30_000)
        children = diary.children_of(auth.actor_for_user(who(portal, "parent")[1]))
        if len(children) > 1:
            parent_page.get_by_role("button", name=next(c for c in children if c.student_id == child_id).name
                                    ).first.click()
        monday = clock.today() - timedelta(days=clock.today().weekday())
        while due_on >= monday + timedelta(days=7):
            parent_page.get_by_role("button", name="Вперёд →").click()
            monday += timedelta(days=7)
        while due_on < monday:
            parent_page.get_by_role("button", name="← Назад").click()
            monday -= timedelta(days=7)
        expect(parent_page.get_by_text(f"(задано {column.lesson_date:%d.%m})").first).to_be_visible()
        button = parent_page.get_by_role("button", name=f"{grid.subject_name}: Карточка.txt")
        button.scroll_into_view_if_needed()
        parent_page.wait_for_timeout(500)
        shot(parent_page, "e2e_homework_parent_diary")
        with parent_page.expect_download() as got:
            button.click()
        path = got.value.path()
        assert got.value.suggested_filename == "Карточка.txt"
        with open(path, "rb") as f:
            assert f.read() == CARD
    finally:
        context.close()
