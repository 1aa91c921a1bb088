"""Browser tests: a real Chromium (Playwright) against a running portal.

Session fixtures: a temporary SQLite database filled by `manage.py init-db` and `manage.py demo
--json --seed 1` (`pg_portal`: the same in a PostgreSQL database of its own); a local OpenID Connect provider (oidc-provider-mock) in a thread on a free
loopback port; `streamlit run app.py` on a free port with DATABASE_URL pointing at the database
and `--secrets.files` pointing at a temporary secrets.toml for that provider (a developer's own
.streamlit/secrets.toml is never read or touched); Chromium. Without Chromium the tests are
skipped, or fail when REQUIRE_BROWSER=1.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench import app_state
from bench.app_state import CHROMIUM, CHROMIUM_ARGS, free_port, wait_for  # noqa: F401 (tests import them from here)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Demo:
    url: str                      # DATABASE_URL
    logins: dict[str, dict]       # role → {"login", "password"}


@dataclass(frozen=True)
class Provider:
    base: str                     # http://localhost:PORT

    def set_user(self, sub: str, claims: dict) -> None:
        """Store the claims the provider will put in the ID token for `sub`."""
        request = urllib.request.Request(f"{self.base}/users/{sub}", data=json.dumps(claims).encode(),
                                         method="PUT", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as r:
            assert r.status == 204


@dataclass(frozen=True)
class Portal:
    base: str                     # http://localhost:PORT
    demo: Demo
    provider: Provider
    log: Path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env.update(extra)
    return env


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path, *extra_args: str, port: int | None = None):
    """`streamlit run app.py` on `port` (default a free one) with `env`; yields its base address,
    stops it after."""
    port = port or free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                 "--browser.gatherUsageStats", "false", "--server.port", str(port),
                                 "--server.address", "localhost", "--server.fileWatcherType", "none", *extra_args],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://localhost:{port}/_stcore/health", b"ok", 60, proc)
        yield f"http://localhost:{port}"
    finally:
        app_state.stop(proc)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required (REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    return CHROMIUM


def make_demo(url: str) -> Demo:
    """`manage.py init-db` and `manage.py demo --json --seed 1` on the database at `url`."""
    env = _env(DATABASE_URL=url, DEMO="1")  # the demo goes only where it is asked for (issue 15)
    python = sys.executable
    subprocess.run([python, "manage.py", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    done = subprocess.run([python, "manage.py", "demo", "--json", "--seed", "1"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return Demo(url=url, logins=json.loads(done.stdout.strip().splitlines()[-1])["logins"])


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    folder = tmp_path_factory.mktemp("e2e_db")
    return make_demo(f"sqlite:///{folder / 'school.db'}")


@pytest.fixture(scope="session")
def provider() -> Provider:
    """oidc-provider-mock on a free loopback port, in a thread of this process."""
    from oidc_provider_mock import run_server_in_thread
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the mock speaks plain http on loopback
    try:
        with run_server_in_thread(port=free_port()) as server:
            yield Provider(f"http://localhost:{server.server_port}")
    finally:
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


@contextmanager
def running_portal(demo: Demo, provider: Provider, folder: Path):
    """`streamlit run app.py` on a free port over the demo's database, until the block ends."""
    port = free_port()
    base = f"http://localhost:{port}"
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{base}/oauth2callback"\n'
        'cookie_secret = "e2e-cookie-secret-0123456789abcdef0123456789"\n'
        "[auth.esia]\n"
        'client_id = "portal-e2e"\n'
        'client_secret = "e2e-secret"\n'
        f'server_metadata_url = "{provider.base}/.well-known/openid-configuration"\n', encoding="utf-8")
    log = folder / "streamlit.log"
    env = _env(DATABASE_URL=demo.url, AUTHLIB_INSECURE_TRANSPORT="1")
    with serving(env, log, "--secrets.files", str(secrets), "--client.showErrorDetails", "full", port=port):
        yield Portal(base, demo, provider, log)


@pytest.fixture(scope="session")
def portal(demo, provider, tmp_path_factory) -> Portal:
    with running_portal(demo, provider, tmp_path_factory.mktemp("e2e_app")) as running:
        yield running


@pytest.fixture(scope="session")
def pg_portal(provider, tmp_path_factory) -> Portal:
    """The same portal over the demo in a PostgreSQL database of its own (dropped afterwards);
    skipped without PostgreSQL, or failing when REQUIRE_POSTGRES=1."""
    from tests.conftest import _pg_exec, _pg_url, require_postgres
    require_postgres()
    name = f"portal_e2e_{uuid.uuid4().hex[:12]}"
    _pg_exec(f"CREATE DATABASE {name}")
    try:
        demo = make_demo(_pg_url(name))
        with running_portal(demo, provider, tmp_path_factory.mktemp("e2e_pg_app")) as running:
            yield running
    finally:
        from models.db import dispose_all
        dispose_all()
        _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Chromium; every context it opens (the `page` fixture's and a test's own) carries the run
    tracker of bench/app_state.py, so that `settle()` can wait on the app's state."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        opened = browser.new_context

        def new_context(*args, **kwargs):
            context = opened(*args, **kwargs)
            app_state.track(context)
            return context

        browser.new_context = new_context
        yield browser
        browser.close()


@pytest.fixture
def page(browser, portal):
    """A fresh browser profile (no cookies) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settle(page, timeout: float = 30_000) -> None:
    """THE wait of the browser tests: until the app has finished every script run the browser
    asked for (a click, a typed value, a page change) and the page is still (bench/app_state.py).
    Wait on this (or on a visible result), never on time."""
    app_state.settle(page, timeout)


def give_file(page, path, scope=None) -> None:
    """Give a file to THE uploader of the page (or of `scope`) once the page has settled: right
    after a choice that swaps the uploader (a tab, a radio), the old one is still in the page
    until the script run ends, and a file set then goes to the wrong one (or to none)."""
    from playwright.sync_api import expect

    settle(page)
    box = (scope or page).locator("input[type=file]")
    expect(box).to_have_count(1, timeout=30_000)
    box.set_input_files(str(path))


def choose(page, box, option) -> None:
    """Open a Streamlit select box and click one of its options, each click on a settled page:
    a rerun that lands between the two (a text field committed on blur) would otherwise detach
    the open list's option while it is being clicked."""
    from playwright.sync_api import expect

    from playwright.sync_api import Error as PlaywrightError

    # A field filled just before still holds the focus: clicking the box blurs it, its value is
    # committed and the rerun may close the list that the click has just opened. So the field is
    # blurred first, and the list is opened again (up to three times) if it closed under us.
    page.evaluate("() => { const a = document.activeElement; if (a && a !== document.body) a.blur(); }")
    for attempt in range(3):
        settle(page)
        box.click()
        try:
            expect(option).to_be_visible(timeout=5_000)
            option.click(timeout=5_000)
            break
        except (AssertionError, PlaywrightError):
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    settle(page)
