"""Walk every page of a role's menu in the running portal: click each sidebar link (the way a
person moves through the app), wait until the page has finished its runs (tests/e2e/conftest
`settle`), and hand the page to a callback. Used by the crawl test (CI) and by `make
screenshots` (on demand)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from playwright.sync_api import Page, expect

# Text that must never reach a Russian screen: Python's empty values, and Streamlit's or the
# charts' own English.
BAD_TEXT = re.compile(
    r"\b(None|nan|NaN|NaT|null|undefined)\b"
    r"|Drag and drop|Browse files|per file|\bUpload\b"
    r"|\b(January|February|March|April|June|July|August|September|October|November|December)\b"
    r"|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d")
LOCAL = ("localhost", "127.0.0.1")
MAIN = '[data-testid="stMain"]'


@dataclass
class Visit:
    role: str
    title: str
    url: str
    bad: list[str] = field(default_factory=list)


def outside_requests(page: Page) -> list[str]:
    """Start collecting every request the page makes to an address outside the portal."""
    seen: list[str] = []

    def on_request(request) -> None:
        parts = urlparse(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL:
            seen.append(request.url)
    page.on("request", on_request)
    return seen


def settle(page: Page, before: str | None = None, timeout: float = 30.0) -> str:
    """Wait until the app's runs have finished and the page is still (the one wait of the browser
    tests, bench/app_state.py) and, given `before` (the text of the page we came from), until the
    main text differs from it. Returns the main text."""
    from bench import app_state

    app_state.settle(page, timeout * 1000)
    if before is not None:
        page.wait_for_function("([sel, before]) => { const m = document.querySelector(sel);"
                               " return !!m && m.innerText !== before; }",
                               arg=[MAIN, before], timeout=timeout * 1000, polling="raf")
        app_state.settle(page, timeout * 1000)
    return page.locator(MAIN).inner_text(timeout=30_000)


def bad_text(text: str) -> list[str]:
    return sorted({m.group(0) + " ← «" + text[max(0, m.start() - 40):m.end() + 20].replace("\n", " ") + "»"
                   for m in BAD_TEXT.finditer(text)})


def menu_links(page: Page) -> list[tuple[str, str]]:
    """(address, title) of every item of the sidebar menu, in its order, each address once."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    expect(links.first).to_be_visible(timeout=30_000)
    out: list[tuple[str, str]] = []
    for href, text in links.evaluate_all(
            "els => els.map(a => [a.getAttribute('href'), a.innerText])"):
        if href and href not in [h for h, _ in out]:
            out.append((href, text.strip().splitlines()[-1] if text.strip() else href))
    return out


def walk(page: Page, role: str, on_page=None) -> list[Visit]:
    """Open every menu item of the signed-in role; returns what each page showed."""
    text = settle(page)
    visits = []
    for href, title in menu_links(page):
        if urlparse(href).path.rstrip("/") != urlparse(page.url).path.rstrip("/"):
            page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]').first.click()
            text = settle(page, before=text)
        visit = Visit(role, title, page.url, bad_text(text))
        if on_page:
            on_page(page, visit)
        visits.append(visit)
    return visits
