"""In a real Chromium against the demo portal: the administrator sees the school year (periods,
vacations, bells) and, on «Замены и изменения», replaces an absent teacher's lessons of the next
days in one step — the lessons go to the substitutes (or count as missed); the deputy director
sees the curriculum of a class of their parallel; a teacher sees their КТП screen. Screenshots
go to test-artifacts/."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from models import Lesson, Substitution
from models.db import reading
from services.core import auth, clock
from services.planning import substitutions
from services.planning.timetable_lessons import teacher_names
from tests.e2e.conftest import settle, shot
from tests.e2e.test_diary_browser import sign_in
from tests.e2e.test_sign_in_browser import who


def open_page(page: Page, title: str, heading: str | None = None) -> None:
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=heading or title)).to_be_visible(timeout=30_000)
    settle(page)


def busiest_teacher(portal, school_id: int):
    """The teacher with the most lessons from today over the next four days (the default span),
    among those whose substitution touches no demo account: not a demo login themselves, none of
    their lessons then in a class of a demo pupil, parent or class teacher, and no demo teacher
    proposed as a substitute (the other browser tests of the session read those accounts'
    inboxes and journals)."""
    today = clock.today()
    demo = [auth.actor_for_user(who(portal, role)[1]) for role in portal.demo.logins]
    own_staff = set().union(*(a.staff_ids for a in demo))
    own_classes = set().union(*(a.child_class_ids for a in demo)) | {
        g.class_id for a in demo for g in a.grants if g.class_id is not None}
    with reading(portal.demo.url) as tx:
        rows = tx.exec(select(Lesson.teacher_id, Lesson.class_id).where(
            Lesson.school_id == school_id, Lesson.status == "scheduled", Lesson.teacher_id.is_not(None),
            Lesson.lesson_date >= today, Lesson.lesson_date <= today + timedelta(days=4))).all()
        names = teacher_names(tx, school_id)
    touching = {t for t, c in rows if c in own_classes} | own_staff
    admin = auth.actor_for_user(who(portal, "admin")[1])
    for teacher_id, _ in Counter(t for t, _ in rows if t not in touching).most_common():
        plan = substitutions.absence_plan(admin, teacher_id, today, today + timedelta(days=4))
        proposed = {next((c.staff_id for c in lesson.candidates if c.free), None) for lesson in plan}
        if not proposed & own_staff:          # nor is a demo teacher proposed as the substitute
            return teacher_id, names[teacher_id]
    pytest.fail("every teacher of the next days concerns a demo account")


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
