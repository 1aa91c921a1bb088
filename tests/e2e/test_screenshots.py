"""`make screenshots`: every page of every demo role at 1440×900, and the diary and the
timetable at a phone's 390×844, into test-artifacts/screens/ (run on demand, not in CI: set
SCREENSHOTS=1)."""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.crawl import settle, walk
from tests.e2e.test_crawl_browser import ROLES
from tests.e2e.test_diary_browser import sign_in

pytestmark = pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="on demand: make screenshots")
PHONE_PAGES = ("Дневник", "Расписание")


def _name(text: str) -> str:
    return re.sub(r"[^\w-]+", "_", text.strip()).strip("_")[:60] or "page"


@pytest.mark.parametrize("role", ROLES)
def test_screens_of_the_role(page: Page, portal, role):
    folder = ARTIFACTS / "screens" / role
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, portal, role)
    shots = []

    def on_page(p: Page, visit) -> None:
        path = folder / f"{len(shots) + 1:02d}-{_name(visit.title)}.png"
        p.screenshot(path=str(path), full_page=True)
        shots.append((visit.url, visit.title))

    walk(page, role, on_page)
    page.set_viewport_size({"width": 390, "height": 844})
    for url, title in shots:
        if title in PHONE_PAGES:
            page.goto(url)
            settle(page)
            page.screenshot(path=str(folder / f"phone-{_name(title)}.png"), full_page=True)
    assert shots
