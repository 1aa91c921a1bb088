"""In a real browser (Debian's Chromium through Playwright), against `streamlit run app.py`:
a class teacher signs in, opens «Ведомость для родителей» (the last school week of their class by
default) and downloads the sheets as PDF; the file holds a page per pupil of the class and the
export is in the audit log."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent
from models.db import reading
from services.core import config
from bench import app_state
from tests.e2e.conftest import settle
from tests.integration import readback, reports_world

MSK = ZoneInfo("Europe/Moscow")
NOW = "2026-11-20T12:00:00+03:00"
CHROMIUM = "/usr/bin/chromium"


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
def served(sqlite_url, frozen_clock, tmp_path, browser_args):
    frozen_clock(datetime.fromisoformat(NOW))
    world = reports_world.build()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": sqlite_url, "PORTAL_FAKE_NOW": NOW}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.port", str(port),
                             "--server.address", "127.0.0.1"],
                            cwd=config.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
                raise RuntimeError(f"streamlit did not start: {proc.stderr.read().decode() if proc.poll() else ''}")
            time.sleep(0.3)
        yield world, url, browser_args
    finally:
        app_state.stop(proc, timeout=10)


def test_class_teacher_downloads_the_weekly_sheets(served, tmp_path, browser):
    from playwright.sync_api import expect

    world, url, args = served
    # the session's browser of tests/e2e/conftest.py: one Playwright per test run
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url)
        page.get_by_label("Логин").fill("ct5a")
        page.get_by_label("Пароль").fill(reports_world.PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.get_by_role("link", name="Ведомость для родителей").click(timeout=30000)
        expect(page.get_by_role("heading", name="Ведомость для родителей")).to_be_visible(timeout=30000)
        expect(page.get_by_text("5А класс · 16.11.2026 – 20.11.2026 (2 четверть) · листов: 4")).to_be_visible(
            timeout=30000)
        expect(page.get_by_role("button", name="Скачать PDF")).to_be_visible(timeout=30000)
        expect(page.locator('[data-testid="stDataFrame"]')).to_be_visible(timeout=30000)
        settle(page)
        shots = Path(os.environ.get("REPORTS_E2E_SHOTS", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "weekly_sheets.png"), full_page=True)
        with page.expect_download(timeout=60000) as info:
            page.get_by_role("button", name="Скачать PDF").click()
        download = info.value
        assert download.suggested_filename == "Ведомость ученика 5А класс 16.11.2026-20.11.2026.pdf"
        saved = tmp_path / "sheets.pdf"
        download.save_as(saved)
    finally:
        context.close()
    pages = readback.pdf_pages(saved.read_bytes())
    heads = [line.strip() for p in pages for line in p.splitlines() if "Ученик:" in line]
    assert heads == ["Ученик: Алексеев Антон, 5А класс", "Ученик: Борисова Бэлла, 5А класс",
                     "Ученик: Григорьева Галина, 5А класс", "Ученик: Егорова Елена, 5А класс"]
    assert "17.11 — 5/5, 4" in " ".join(" ".join(readback.pdf_pages(saved.read_bytes(), layout=False)).split())
    with reading() as tx:
        events = tx.exec(select(AuditEvent).where(AuditEvent.action == "personal_data.exported")).all()
    assert [(e.actor_user_id, "формат pdf" in e.detail) for e in events] == [(world.users["ct5a"], True)]
    assert shutil.which("pdftotext")
