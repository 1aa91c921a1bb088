"""In a real Chromium against the demo portal: «Расписание» opens on the view each role uses
(own week for a teacher, the whole school for a deputy, who teaches nothing), the week fits a
1440 px window with every day's lessons in full, a phone reads it as a list of days, and no page
asks any address outside the portal (the page icon included)."""
from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import Page, expect

from tests.e2e.conftest import settle, shot
from tests.e2e.test_diary_browser import sign_in


def _open_timetable(page: Page, portal, role: str) -> list[str]:
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).scheme in ("http", "https", "ws", "wss")
            and urlparse(r.url).hostname not in ("localhost", "127.0.0.1") else None)
    sign_in(page, portal, role)
    page.get_by_role("link", name="Расписание", exact=True).click()
    expect(page.get_by_role("heading", name="Расписание")).to_be_visible(timeout=30_000)
    settle(page)
    return outside


def test_a_deputy_opens_the_whole_school_not_an_empty_own_week(page: Page, portal):
    page.set_viewport_size({"width": 1440, "height": 900})
    outside = _open_timetable(page, portal, "deputy")
    expect(page.get_by_text("Расписание, действующее на")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("На этой неделе уроков нет")).to_have_count(0)
    assert page.get_by_role("radio", name="Моё").count() == 0
    expect(page.get_by_text("Только мои параллели")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    settle(page)
    shot(page, "e2e_timetable_deputy_default")
    assert not outside, f"requests outside the portal: {outside[:5]}"
    icon = page.locator("link[rel='shortcut icon']").get_attribute("href") or ""
    assert urlparse(icon).hostname in (None, "localhost", "127.0.0.1"), icon


def test_a_teachers_week_fits_the_window_and_reads_on_a_phone(page: Page, portal):
    page.set_viewport_size({"width": 1440, "height": 900})
    outside = _open_timetable(page, portal, "teacher")
    week = page.locator("table.tt-week").first
    expect(week).to_be_visible(timeout=30_000)
    box = week.bounding_box()
    assert box and box["x"] + box["width"] <= 1440, box
    # every cell's text is inside its cell: nothing cut off mid-word
    cut = page.evaluate("""() => [...document.querySelectorAll('table.tt-week td')]
        .filter(td => td.scrollWidth > td.clientWidth + 1).length""")
    assert cut == 0
    headers = week.locator("th").all_inner_texts()
    assert any(h.startswith("Пт") for h in headers), headers
    shot(page, "e2e_timetable_teacher_1440")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()                                   # as a phone opens it: the menu folded away
    expect(page.get_by_role("heading", name="Расписание")).to_be_visible(timeout=30_000)
    settle(page)
    expect(week).to_be_hidden()
    days = page.locator(".tt-days .tt-day")
    expect(days.first).to_be_visible()
    assert days.count() >= 5
    width = page.evaluate("() => document.querySelector('.tt-days').getBoundingClientRect().right")
    assert width <= 390
    shot(page, "e2e_timetable_teacher_phone")
    assert not outside, f"requests outside the portal: {outside[:5]}"
