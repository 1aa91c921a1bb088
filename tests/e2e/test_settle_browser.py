"""The one wait of the browser tests (tests/e2e/conftest.py `settle`, bench/app_state.py): it
returns only once the run a click asked for has finished, so what the run draws is on the page
at once, read without any further wait."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from bench import app_state
from services.core import clock
from tests.e2e.conftest import settle
from tests.e2e.test_diary_browser import sign_in

pytestmark = pytest.mark.e2e


def test_settle_waits_for_the_run_a_click_asked_for(page: Page, portal):
    sign_in(page, portal, "parent")
    expect(page.get_by_role("heading", name="Дневник")).to_be_visible(timeout=30_000)
    settle(page)
    before = app_state.runs(page)
    assert before["asked"] >= 1 and before["finished"] >= 1, before
    monday = clock.today() - timedelta(days=clock.today().weekday())
    for weeks in (1, 2, 3):
        page.get_by_role("button", name="Вперёд →").click()
        settle(page)
        start = monday + timedelta(days=7 * weeks)
        # read at once (no auto-waiting assertion): the run's result is already drawn
        assert page.get_by_text(f"Неделя {start:%d.%m} –").count() == 1, weeks
    after = app_state.runs(page)
    assert after["asked"] >= before["asked"] + 3 and after["finished"] >= before["finished"] + 3, after
