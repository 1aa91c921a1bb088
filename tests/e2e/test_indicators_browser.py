"""In a real browser (Debian's Chromium through Playwright), against `streamlit run app.py`: the
deputy director of grade 5 signs in, opens «Показатели школы» (the snapshot is taken on the way,
«данные на 12:00»), sees the five categories and their own section, and picks «Системная
неуспеваемость»: the dialog lists the pupil behind the number."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from services.core import clock, config
from bench import app_state
from tests.e2e.conftest import settle
from tests.integration import indicators_world as iwm

NOW = "2025-11-20T12:00:00+03:00"
CHROMIUM = "/usr/bin/chromium"
ROW = 35  # px: the height of a row of st.dataframe's grid (and of its header)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def browser_args():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("no Chromium")
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def served(sqlite_url, tmp_path, browser_args):
    clock.set_now(iwm.NOW)
    try:
        world = iwm.build(password=True)
    finally:
        clock.set_now(None)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": sqlite_url, "PORTAL_FAKE_NOW": NOW,
           "PORTAL_ANALYTICS_PATH": str(tmp_path / "analytics.duckdb")}
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.port", str(port),
                             "--server.address", "127.0.0.1"],
                            cwd=config.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("streamlit did not start: " + (tmp_path / "streamlit.log").read_text()[-3000:])
            time.sleep(0.3)
        yield world, url, browser_args
    finally:
        app_state.stop(proc, timeout=10)
        log.close()


def test_deputy_opens_the_dashboard_and_a_drilldown(served, tmp_path, browser):
    from playwright.sync_api import expect

    world, url, args = served
    shots = Path(os.environ.get("INDICATORS_E2E_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    # the session's browser of tests/e2e/conftest.py: one Playwright per test run
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    try:
        page = context.new_page()
        page.goto(url)
        page.get_by_label("Логин").fill("deputy5")
        page.get_by_label("Пароль").fill(iwm.PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.get_by_role("link", name="Показатели школы").click(timeout=30000)
        expect(page.get_by_role("heading", name="Показатели школы")).to_be_visible(timeout=30000)
        expect(page.get_by_text("данные на 12:00", exact=False)).to_be_visible(timeout=60000)
        expect(page.get_by_text("параллели 5", exact=False)).to_be_visible()
        for tab in ("Оперативные показатели", "Качество образования", "Олимпиады", "Пользователи",
                    "Электронный журнал", "Контроль завуча (п. 3.6)"):
            expect(page.get_by_role("tab", name=tab)).to_be_visible()
        grid = page.locator('[data-testid="stDataFrame"]').first
        expect(grid).to_be_visible(timeout=30000)
        settle(page)
        page.screenshot(path=str(shots / "indicators_dashboard.png"), full_page=True)
        # the weekly trend below the tables: an Altair chart with its points
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.scroll_into_view_if_needed(timeout=30000)
        expect(chart).to_be_visible()
        settle(page)
        page.screenshot(path=str(shots / "indicators_trend.png"))
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        # the second row, «Системная неуспеваемость»: its selection box at the left edge
        page.mouse.click(box["x"] + 16, box["y"] + ROW + ROW + ROW // 2)
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible(timeout=30000)
        expect(dialog.get_by_text("Системная неуспеваемость")).to_be_visible()
        expect(dialog.locator('[data-testid="stDataFrame"]')).to_be_visible(timeout=30000)
        settle(page)
        page.screenshot(path=str(shots / "indicators_drilldown.png"), full_page=True)
        expect(dialog.get_by_text("Строк: 1")).to_be_visible()
    finally:
        context.close()
