"""AppTest fixtures: a migrated SQLite file with one school and a few accounts made through the
services, and the app under test (app.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shutil
from datetime import datetime

import pytest
import streamlit.config
from streamlit.testing.v1 import AppTest

from data import demo
from models.db import dispose_all, transaction
from services.core import clock
from services.core.actor import SYSTEM
from services.people import users
from services.setup import new_school

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Secret-pass1"
# The demo school as of mid-November: the first quarter has ended, the second is under way.
NOW = datetime(2026, 11, 16, 15, 0, tzinfo=clock.MOSCOW)
LOGINS = demo.demo_logins(1)


@dataclass
class World:
    school_id: int
    other_school_id: int
    ids: dict[str, int]


@pytest.fixture
def world(sqlite_url) -> World:
    with transaction() as tx:
        school_id = new_school.create_school(tx, "Городской округ Тестовый", "МБОУ СОШ № 1", "СОШ № 1")
        other_id = new_school.create_school(tx, "Городской округ Тестовый", "МБОУ СОШ № 2", "СОШ № 2")
    ids = {}
    for login, last, first, role in [("admin1", "Петрова", "Анна", "admin"), ("director1", "Сидоров", "Олег", "director"),
                                     ("teacher1", "Иванова", "Мария", "teacher"), ("parent1", "Козлов", "Игорь", "parent")]:
        ids[login], _ = users.create_user(SYSTEM, school_id, login=login, last_name=last, first_name=first,
                                          email=f"{login}@test.local", role=role, password=PASSWORD)
    return World(school_id, other_id, ids)


@pytest.fixture
def app(world) -> AppTest:
    streamlit.config.set_option("client.showErrorDetails", "full")  # the test's own traces, not redacted
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, login: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="sign_in_login").input(login)
    at.text_input(key="sign_in_password").input(password)
    button(at, "Войти").click()
    at.run()
    assert not at.exception, at.exception
    return at


PAGE_SCRIPT = """
import importlib, os
from models.db import reading
from services.core import auth
with reading() as tx:
    actor = auth.load_actor(tx, int(os.environ["UI_TEST_USER"]))
module, _, function = os.environ["UI_TEST_PAGE"].partition(":")
getattr(importlib.import_module(module), function or "render")(actor, int(os.environ["UI_TEST_SCOPE"]))
"""


def render_page(monkeypatch, page: str, user_id: int, scope_id: int, timeout: float = 60) -> AppTest:
    """One screen's render(actor, scope_id) in AppTest as that user, without sign-in or menu.
    `page` is "pages.module" (its render) or "pages.module:function"."""
    monkeypatch.setenv("UI_TEST_USER", str(user_id))
    monkeypatch.setenv("UI_TEST_PAGE", page)
    monkeypatch.setenv("UI_TEST_SCOPE", str(scope_id))
    return AppTest.from_string(PAGE_SCRIPT, default_timeout=timeout).run()


def button(at: AppTest, label: str, root=None):
    found = [b for b in (root or at).button if b.label == label]
    assert found, f"no button «{label}» among {[b.label for b in (root or at).button]}"
    return found[0]


def menu(at: AppTest) -> list[str]:
    """The titles of the pages st.navigation registered in the last run (AppTest keeps them),
    once each: the start page's hidden twin at its own address (web.menu) is not a menu item, nor
    the school's public documents, registered (hidden) for everybody (issue 19)."""
    from services.comms.documents import PUBLIC_PATH
    return list(dict.fromkeys(info.get("page_name") for info in at._registered_pages.values()
                              if info.get("url_pathname") != PUBLIC_PATH))


def table(at: AppTest, index: int = 0):
    return at.dataframe[index].value


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory, sqlite_template):
    """One demo school (the current year up to NOW), built once for the test run."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    clock.set_now(NOW)
    try:
        demo.generate(url, seed=1, progress=False)
    finally:
        clock.set_now(None)
        dispose_all()
    return path


@pytest.fixture
def demo_url(demo_file, tmp_path, monkeypatch, frozen_clock):
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("DATABASE_URL", url)
    frozen_clock(NOW)
    yield url
    dispose_all()


