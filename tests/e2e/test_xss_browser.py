"""A pupil named `<img src=x onerror=alert(1)>` (R-SAFE-1): shown as text, never as markup, on every
screen of the people who see pupils' names.

The roster services refuse such a name (only letters, hyphens, apostrophes and spaces), so it is
written straight into a copy of the demo database, as data carried over from an older system
could be: the demo parent's child (in the class of the demo class teacher and the demo teacher's
journal) gets it as surname, and so do the child's account and a lesson topic of the class. A
portal of its own runs on that copy; the parent, the teacher, the class teacher and the
administrator open every screen of their menus. No dialog may fire, no <img src=x> may reach
the page, and where the name is shown it is the literal text (in the page, or in the
accessible table behind a grid's canvas).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from models import Lesson, Student, User
from models.db import dispose_all, reading, transaction
from services.core import auth, clock, targets
from services.core.actor import SYSTEM
from services.journal import diary
from services.people import rosters
from services.people.rosters import RosterError
from bench import app_state
from tests.e2e.conftest import ROOT, _env, free_port, settle, shot, wait_for

pytestmark = pytest.mark.e2e
PAYLOAD = "<img src=x onerror=alert(1)>"
ROLES = ("parent", "teacher", "class_teacher", "admin")
MUST_SHOW = {"parent": "Дневник", "teacher": "Журнал", "class_teacher": "Ученики и родители"}
VISITED: set[str] = set()  # screens already crawled by an earlier role: the administrator skips them


def _user_id(url: str, login: str) -> int:
    with reading(url) as tx:
        return tx.exec(select(User.id).where(User.login == login)).one()


@pytest.fixture(scope="module")
def hostile(demo, tmp_path_factory, chromium_path):
    """A copy of the demo database with the hostile name in it, and a portal on it."""
    folder = tmp_path_factory.mktemp("xss")
    source = demo.url.split("///", 1)[1]
    dispose_all()
    shutil.copyfile(source, folder / "school.db")
    url = f"sqlite:///{folder / 'school.db'}"
    with reading(url) as tx:
        parent = auth.load_actor(tx, _user_id(url, demo.logins["parent"]["login"]))
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        child = diary.children_of(parent)[0]
        with reading(url) as tx:
            student = tx.get(Student, child.student_id)
            class_id = targets.for_student(tx, student.id).class_id
        with pytest.raises(RosterError) as refused:  # the services never take such a name
            rosters.update_pupils(SYSTEM, class_id, {student.id: {"last_name": PAYLOAD}})
        assert "Фамилия" in str(refused.value)
        with transaction(url) as tx:
            row = tx.get(Student, student.id)
            row.last_name = PAYLOAD
            tx.add(row)
            if row.user_id:
                account = tx.get(User, row.user_id)
                account.last_name = PAYLOAD
                tx.add(account)
            today = clock.today()
            for lesson in tx.exec(select(Lesson).where(Lesson.class_id == class_id,
                                                       Lesson.lesson_date <= today,
                                                       Lesson.lesson_date > today - timedelta(days=7))).all():
                lesson.topic = PAYLOAD
                tx.add(lesson)
    finally:
        dispose_all()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
    port = free_port()
    log = open(folder / "streamlit.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.port", str(port),
                             "--server.address", "localhost", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=_env(DATABASE_URL=url), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://localhost:{port}/_stcore/health", b"ok", 60, proc)
        yield f"http://localhost:{port}"
    finally:
        app_state.stop(proc)


SHOWN = ("p => document.body.innerText.includes(p) || document.documentElement.outerHTML.includes("
         "p.replaceAll('<', '&lt;').replaceAll('>', '&gt;'))")


def _shown(page: Page) -> bool:
    """Is the hostile name in the page as text: in its visible text, or escaped in its HTML (a
    chosen option, a grid's accessible table)? The cells of a grid are painted on a canvas,
    which draws text and nothing else."""
    if page.evaluate("p => document.body.innerText.includes(p)", PAYLOAD):
        return True
    return PAYLOAD.replace("<", "&lt;").replace(">", "&gt;") in page.content()


@pytest.mark.parametrize("role", ROLES)
def test_the_hostile_name_is_text_on_every_screen(browser, hostile, demo, role):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(30_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(hostile)
        page.get_by_label("Логин").fill(demo.logins[role]["login"])
        page.get_by_label("Пароль").fill(demo.logins[role]["password"])
        page.get_by_role("button", name="Войти", exact=True).click()
        expect(page.get_by_role("button", name="Выйти")).to_be_visible()
        nav = page.get_by_test_id("stSidebarNav")
        titles = [t.strip().splitlines()[-1] for t in nav.get_by_role("link").all_inner_texts()]  # no icon names
        assert titles
        shown = []
        for n, title in enumerate(titles):
            if role == "admin" and title in VISITED:
                continue
            VISITED.add(title)
            link = nav.get_by_role("link").nth(n)
            href = link.get_attribute("href") or ""
            link.click()
            slug = href.split("?")[0].rstrip("/").split("/")[-1]
            if slug and ":" not in slug:  # the address of this screen, once the app has switched to it
                page.wait_for_function("s => location.pathname.endsWith('/' + s)", arg=slug)
            settle(page)
            if role in MUST_SHOW and title == MUST_SHOW[role]:
                # the grid's data may arrive after the page's last element
                page.wait_for_function(SHOWN, arg=PAYLOAD)
            assert page.locator('img[src="x"]').count() == 0, f"«{title}»: the name became an <img>"
            assert dialogs == [], f"«{title}»: a script ran: {dialogs}"
            if _shown(page):
                shown.append(title)
                shot(page, f"e2e_xss_{role}_{len(shown)}")
        print(f"{role}: the name shown as text on {shown} of {titles}")
        if role in MUST_SHOW:
            assert MUST_SHOW[role] in shown, f"{role}: the pupil's name was not on «{MUST_SHOW[role]}» ({shown})"
    finally:
        context.close()
