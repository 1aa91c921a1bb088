"""Issue 13, item 6, in a real Chromium: text escaped by `web.md` renders as text in every kind
of element that renders markdown (markdown, caption, subheader, info, warning, the labels of
buttons, download buttons, toggles, expanders and tabs). No <img>, no link and no request to
the hostile host; the raw control link on the same page shows that links would be seen."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, _env, free_port, wait_for

pytestmark = pytest.mark.e2e
APP = ROOT / "tests" / "e2e" / "markdown_probe_app.py"


@pytest.fixture(scope="module")
def probe(chromium_path, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("md_probe") / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
                                 "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, env=_env(PYTHONPATH=str(ROOT)), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health", b"ok", 60, proc)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_escaped_text_renders_no_image_and_no_link(browser, probe):
    from playwright.sync_api import expect
    from tests.e2e.markdown_probe_app import HOSTILE

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "evil.example" in r.url else None)
    try:
        page.goto(probe)
        expect(page.get_by_text("готово")).to_be_visible(timeout=60_000)
        for expander in page.get_by_test_id("stExpander").all():
            expander.locator("summary").click()
        page.wait_for_timeout(500)
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        images = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
        text = page.inner_text("body")
    finally:
        context.close()
    assert "http://control.example/" in links                       # links are seen …
    outside = [h for h in links if not h.startswith(probe) and h != "http://control.example/"]
    assert outside == [], outside                                   # … and none came from the escaped texts
    assert [src for src in images if "evil" in src] == [] and requests == []
    for hostile in HOSTILE[:7]:                                     # each shows literally (the word joiner is invisible)
        assert hostile in text.replace("\u2060", ""), hostile
