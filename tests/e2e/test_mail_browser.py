"""Notifications by e-mail (issue 16, item 4) and the issue's acceptance, in a real Chromium against
the demo portal, with a real local SMTP server (aiosmtpd) that the test starts:

* the administrator sets the school's SMTP server on «Почта и уведомления» and sends a test
  letter, whose result is shown beside the button and which arrives in the local server;
* THE ACCEPTANCE: the parent gives and confirms an address (the link of the letter, opened without
  signing in) and chooses homework «сразу» for the child; the teacher sets homework with a file,
  due by default on the next lesson; `manage.py mail` (what the systemd timer runs) sends the
  letter, found in the local SMTP server; the parent sees the homework in the diary on the day it
  is due and downloads the file; the letter's unsubscribe link, opened without signing in, asks
  once and stops those letters.
Screenshots: test-artifacts/e2e_mail_settings.png, e2e_mail_subscriptions.png, e2e_mail_letter.png,
e2e_mail_unsubscribed.png."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from models import Homework, MailSubscription, Student
from models.db import reading
from services.comms import mail
from services.core import auth, clock
from services.journal import diary
from tests.e2e.conftest import ROOT, _env, settle, shot
from tests.e2e.test_diary_browser import sign_in
from tests.e2e.test_homework_browser import CARD, target_lesson
from tests.e2e.test_sign_in_browser import who
from tests.smtp_server import html_of, smtp_server, text_of

FAMILY = "family.e2e@example.ru"


@pytest.fixture
def inbox():
    with smtp_server() as server:
        yield server


def school_of(portal) -> int:
    return min(auth.actor_for_user(who(portal, "admin")[1]).school_ids())


def open_page(page: Page, title: str) -> None:
    link = page.get_by_role("link", name=title)
    link.scroll_into_view_if_needed()
    link.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=30_000)
    settle(page)


def test_the_administrator_sets_up_smtp_and_a_test_letter_arrives(page: Page, portal, inbox, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    page.set_viewport_size({"width": 1400, "height": 1300})
    sign_in(page, portal, "admin")
    open_page(page, "Почта и уведомления")
    page.get_by_label("Сервер SMTP", exact=True).fill("127.0.0.1")
    page.get_by_label("Порт", exact=True).fill(str(inbox.port))
    page.get_by_text("без шифрования (только внутри сети)").click()
    page.get_by_label("Адрес отправителя", exact=True).fill("noreply@school-demo.ru")
    page.get_by_label("Адрес портала (для ссылок в письмах)", exact=True).fill(portal.base)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Настройки почты сохранены.")).to_be_visible(timeout=30_000)
    settle(page)

    to = page.get_by_label("Кому", exact=True)
    to.fill("не адрес")
    to.press("Tab")
    settle(page)
    page.get_by_role("button", name="Отправить пробное письмо").click()
    expect(page.get_by_text("не похоже на адрес электронной почты")).to_be_visible(timeout=30_000)
    to.fill("admin.e2e@example.ru")
    to.press("Tab")
    settle(page)
    page.get_by_role("button", name="Отправить пробное письмо").click()
    expect(page.get_by_text("Пробное письмо отправлено на admin.e2e").first).to_be_visible(timeout=30_000)
    settle(page)
    letters = inbox.to("admin.e2e@example.ru")
    assert len(letters) == 1 and "пробное письмо" in letters[0]["Subject"]
    assert "noreply@school-demo.ru" in str(letters[0]["From"])
    shot(page, "e2e_mail_settings")


def test_homework_with_a_file_arrives_by_email_and_in_the_diary_on_its_day(page: Page, portal, browser, inbox,
                                                                          monkeypatch):
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    school_id = school_of(portal)
    admin = auth.actor_for_user(who(portal, "admin")[1])
    mail.save_settings(admin, school_id, host="127.0.0.1", port=inbox.port, security="none", login="",
                       password=None, sender="noreply@school-demo.ru", portal_url=portal.base, digest_time="19:00")
    choice, grid, column, child_id = target_lesson(portal)
    parent = auth.actor_for_user(who(portal, "parent")[1])
    children = [c.student_id for c in mail.my_mail(parent, school_id).children]

    # the parent gives an address; the letter's link, opened without signing in, confirms it
    parent_context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="ru-RU",
                                         accept_downloads=True)
    anonymous = browser.new_context(viewport={"width": 1000, "height": 700}, locale="ru-RU")
    try:
        parent_page = parent_context.new_page()
        parent_page.set_default_timeout(30_000)
        sign_in(parent_page, portal, "parent")
        expect(parent_page.get_by_role("heading", name="Дневник")).to_be_visible(timeout=30_000)
        open_page(parent_page, "Уведомления на почту")
        field = parent_page.get_by_label("Адрес электронной почты", exact=True)
        field.fill(FAMILY)
        field.press("Tab")
        settle(parent_page)
        parent_page.get_by_role("button", name="Отправить письмо для подтверждения").click()
        expect(parent_page.get_by_text("Письмо для подтверждения отправлено на family.e2e")).to_be_visible()
        settle(parent_page)
        confirm_letter = inbox.to(FAMILY)[-1]
        link = re.search(r"(http\S+/mail\?confirm=\S+)", text_of(confirm_letter)).group(1)
        assert link.startswith(portal.base)
        outsider = anonymous.new_page()
        outsider.goto(link)
        expect(outsider.get_by_text("подтверждён: письма будут приходить на него")).to_be_visible(timeout=30_000)

        # homework «сразу» for the child, chosen on the screen
        parent_page.reload()
        expect(parent_page.get_by_text(f"подтверждён").first).to_be_visible(timeout=30_000)
        settle(parent_page)
        homework = parent_page.get_by_test_id("stRadio").filter(has_text="Домашние задания")
        homework.nth(children.index(child_id)).get_by_text("сразу").click()
        parent_page.get_by_role("button", name="Сохранить").click()
        expect(parent_page.get_by_text("Сохранено: видов уведомлений")).to_be_visible(timeout=30_000)
        settle(parent_page)
        with reading() as tx:
            assert tx.exec(select(MailSubscription.mode).where(
                MailSubscription.user_id == parent.user_id, MailSubscription.student_id == child_id,
                MailSubscription.kind == "homework")).one() == "now"
        shot(parent_page, "e2e_mail_subscriptions")

        # the teacher sets homework with a file, due (by default) on the next lesson
        page.set_viewport_size({"width": 1600, "height": 1400})
        sign_in(page, portal, "teacher")
        expect(page.get_by_role("heading", name="Журнал")).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
        from tests.e2e.conftest import choose
        choose(page, page.get_by_test_id("stSelectbox").first,
               page.get_by_role("option", name=choice.label, exact=True))
        expect(page.get_by_text(f"{grid.class_name} · {grid.subject_name} · {grid.period_name}")).to_be_visible(
            timeout=30_000)
        settle(page)
        page.get_by_text("Урок: тема, домашнее задание, работы").click()
        settle(page)
        task = page.get_by_label("Задание", exact=True)
        task.scroll_into_view_if_needed()
        task.fill("Решить карточку по почте")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
            files=[{"name": "Карточка.txt", "mimeType": "text/plain", "buffer": CARD}])
        expect(page.get_by_text("Карточка.txt").first).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Сохранить урок").click()
        expect(page.get_by_text(f"Урок {column.lesson_date:%d.%m.%Y} сохранён.")).to_be_visible(timeout=30_000)
        with reading() as tx:
            hw = tx.exec(select(Homework).where(Homework.lesson_id == column.lesson_id)).one()
        due_on = hw.due_on
        later = [c.lesson_date for c in grid.columns if c.lesson_date > column.lesson_date]
        assert due_on is not None and (not later or due_on == min(later))

        # what the systemd timer runs: the letter goes to the local SMTP server
        done = subprocess.run([sys.executable, "manage.py", "mail", "--json"], cwd=ROOT, capture_output=True,
                              text=True, env=_env(DATABASE_URL=portal.demo.url), check=True)
        assert json.loads(done.stdout.strip().splitlines()[-1])["sent"] >= 1
        with reading() as tx:
            child_first = tx.get(Student, child_id).first_name
        letters = [m for m in inbox.to(FAMILY) if m["Subject"].startswith("Домашнее задание")]
        assert [m["Subject"] for m in letters] == [f"Домашнее задание: {child_first}, {grid.subject_name}"]
        body = text_of(letters[0])
        assert f"выполнить к {due_on:%d.%m.%Y}" in body and "Решить карточку по почте" in body
        assert "Карточка.txt" in body and f"{portal.base}/mail?unsubscribe=" in body
        shown = anonymous.new_page()
        shown.set_content(html_of(letters[0]))
        shot(shown, "e2e_mail_letter")

        # the parent sees it in the diary on the day it is due and downloads the file
        open_page(parent_page, "Дневник")
        kids = diary.children_of(parent)
        if len(kids) > 1:
            parent_page.get_by_role("button", name=next(c for c in kids if c.student_id == child_id).name
                                    ).first.click()
            settle(parent_page)
        monday = clock.today() - timedelta(days=clock.today().weekday())
        while due_on >= monday + timedelta(days=7):
            parent_page.get_by_role("button", name="Вперёд →").click()
            monday += timedelta(days=7)
        while due_on < monday:
            parent_page.get_by_role("button", name="← Назад").click()
            monday -= timedelta(days=7)
        expect(parent_page.get_by_text(f"(задано {column.lesson_date:%d.%m})").first).to_be_visible()
        button = parent_page.get_by_role("button", name=f"{grid.subject_name}: Карточка.txt")
        button.scroll_into_view_if_needed()
        with parent_page.expect_download() as got:
            button.click()
        with open(got.value.path(), "rb") as f:
            assert f.read() == CARD

        # the unsubscribe link: no sign-in, one question, then those letters stop
        unsubscribe = re.search(r"(http\S+/mail\?unsubscribe=\S+)", body).group(1)
        outsider.goto(unsubscribe)
        expect(outsider.get_by_text("Отписать адрес")).to_be_visible(timeout=30_000)
        outsider.get_by_role("button", name="Отписаться").click()
        expect(outsider.get_by_text("больше не будут приходить на family.e2e")).to_be_visible(timeout=30_000)
        shot(outsider, "e2e_mail_unsubscribed")
        with reading() as tx:
            assert tx.exec(select(MailSubscription).where(
                MailSubscription.user_id == parent.user_id, MailSubscription.student_id == child_id,
                MailSubscription.kind == "homework")).first() is None
    finally:
        anonymous.close()
        parent_context.close()
