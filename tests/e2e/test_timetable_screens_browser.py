"""In a real Chromium against the demo portal: the administrator sees the school year (periods,
vacations, bells) and, on «Замены и изменения», replaces an absent teacher's lessons of the next
days in one step — the lessons go to the substitutes (or count as missed); the deputy director
sees the curriculum of a class of their parallel; a teacher sees their КТП screen. Screenshots
go to test-artifacts/."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlmodel import select

from models import Lesson, Substitution
from models.db import reading
from services import auth, clock
from services.timetable_lessons import teacher_names
from tests.e2e.conftest import shot
from tests.e2e.test_diary_browser import sign_in
from tests.e2e.test_sign_in_browser import who


def settle(page: Page) -> None:
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)
    page.wait_for_timeout(800)  # let the tables paint their canvases


def open_page(page: Page, title: str, heading: str | None = None) -> None:
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=heading or title)).to_be_visible(timeout=30_000)
    settle(page)


def busiest_teacher(portal, school_id: int):
    """The teacher with the most lessons from today over the next four days (the default span)."""
    today = clock.today()
    with reading(portal.demo.url) as tx:
        counts = Counter(tx.exec(select(Lesson.teacher_id).where(
            Lesson.school_id == school_id, Lesson.status == "scheduled", Lesson.teacher_id.is_not(None),
            Lesson.lesson_date >= today, Lesson.lesson_date <= today + timedelta(days=4))).all())
        names = teacher_names(tx, school_id)
    teacher_id, _ = counts.most_common(1)[0]
    return teacher_id, names[teacher_id]


def test_the_admin_replaces_an_absent_teacher_and_sees_the_school_year(page: Page, portal, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    admin = auth.actor_for_user(who(portal, "admin")[1])
    school_id = min(admin.school_ids())
    teacher_id, name = busiest_teacher(portal, school_id)
    page.set_viewport_size({"width": 1600, "height": 1100})
    sign_in(page, portal, "admin")
    open_page(page, "Учебный год")
    expect(page.get_by_role("tab", name="Учебные периоды")).to_be_visible()
    expect(page.get_by_text("учебных дней")).to_be_visible()
    shot(page, "e2e_timetable_school_year")
    page.get_by_role("tab", name="Каникулы и праздники").click()
    settle(page)
    shot(page, "e2e_timetable_holidays")

    open_page(page, "Замены и изменения")
    page.get_by_text("Отсутствие учителя").click()
    settle(page)
    teacher_box = page.get_by_role("combobox", name="Отсутствующий учитель")   # type to pick the teacher
    teacher_box.click()
    teacher_box.fill(name)
    page.get_by_role("option", name=name, exact=True).click()
    expect(page.get_by_text(f"Уроки {name}")).to_be_visible(timeout=30_000)
    settle(page)
    shot(page, "e2e_timetable_absence")
    page.get_by_role("button", name="Назначить замены").click()
    expect(page.get_by_text("Замены назначены")).to_be_visible(timeout=30_000)
    settle(page)
    shot(page, "e2e_timetable_absence_done")
    with reading(portal.demo.url) as tx:
        subs = tx.exec(select(Substitution).where(Substitution.absent_teacher_id == teacher_id,
                                                  Substitution.created_at.is_not(None))).all()
        moved = [tx.get(Lesson, s.lesson_id) for s in subs]
    assert subs, "no lesson was substituted"
    assert all(lesson.teacher_id != teacher_id for lesson in moved)          # out of the absent teacher's
    assert all((lesson.teacher_id is None) == (lesson.status == "missed") for lesson in moved)


def test_the_deputy_sees_the_curriculum_and_a_teacher_the_lesson_plans(browser, portal, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    for role, title, heading, name in (("deputy", "Учебный план и нагрузка", None, "e2e_timetable_curriculum"),
                                       ("deputy", "Уроки из расписания", None, "e2e_timetable_lessons"),
                                       ("teacher", "КТП", "Календарно-тематическое планирование (КТП)",
                                        "e2e_timetable_lesson_plans")):
        context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="ru-RU")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            sign_in(page, portal, role)
            open_page(page, title, heading)
            expect(page.get_by_test_id("stException")).to_have_count(0)
            shot(page, name)
        finally:
            context.close()
