"""Messages in a real Chromium against the demo portal (tests/e2e/conftest.py): the demo parent
writes to the class teacher of their child's class; the class teacher sees the unread count in
the sidebar, opens the conversation and answers; the parent sees the answer."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from models import User
from models.db import reading
from tests.e2e.conftest import choose, settle, shot

pytestmark = pytest.mark.e2e

TITLE = "Пропуск в среду"
QUESTION = "Здравствуйте! Сын заболел и не придёт в среду, справку принесём."
ANSWER = "Спасибо, что предупредили. Выздоравливайте!"


def sign_in(page: Page, portal, role: str) -> None:
    credentials = portal.demo.logins[role]
    page.goto(portal.base)
    page.get_by_label("Логин").fill(credentials["login"])
    page.get_by_label("Пароль").fill(credentials["password"])
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible(timeout=30_000)


def open_messages(page: Page) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Сообщения").click()
    expect(page.get_by_role("heading", name="Сообщения")).to_be_visible(timeout=30_000)


def test_a_parent_writes_the_class_teacher_answers_and_the_parent_sees_it(browser, portal):
    with reading(portal.demo.url) as tx:
        teacher = tx.exec(select(User).where(User.login == portal.demo.logins["class_teacher"]["login"])).one()
    teacher_name = f"{teacher.last_name} {teacher.first_name}"

    parent_ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    teacher_ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    try:
        parent = parent_ctx.new_page()
        parent.set_default_timeout(30_000)
        sign_in(parent, portal, "parent")
        open_messages(parent)
        parent.get_by_role("tab", name="Новое сообщение").click()
        choose(parent, parent.get_by_label("Кому"),
               parent.get_by_role("option", name=re.compile(r"классный руководитель 5А")))
        parent.get_by_role("textbox", name="Тема").fill(TITLE)
        parent.get_by_role("textbox", name="Сообщение").fill(QUESTION)
        parent.get_by_role("button", name="Отправить", exact=True).click()
        expect(parent.get_by_text(f"Сообщение отправлено: {teacher_name}")).to_be_visible()
        expect(parent.get_by_text(QUESTION)).to_be_visible()
        settle(parent)
        shot(parent, "messages_parent_sent")

        teacher_page = teacher_ctx.new_page()
        teacher_page.set_default_timeout(30_000)
        sign_in(teacher_page, portal, "class_teacher")
        sidebar = teacher_page.get_by_test_id("stSidebar")
        unread = sidebar.get_by_role("link", name=re.compile(r"Непрочитанных сообщений: \d+"))
        expect(unread).to_be_visible()
        count = int(re.search(r"\d+", unread.inner_text()).group())
        assert count >= 1
        settle(teacher_page)
        shot(teacher_page, "messages_teacher_unread")
        unread.click()
        expect(teacher_page.get_by_role("heading", name="Сообщения")).to_be_visible()
        expect(teacher_page.get_by_role("heading", name=TITLE)).to_be_visible()
        expect(teacher_page.get_by_text(QUESTION)).to_be_visible()
        # opening the conversation has read it: the count went down by one
        after = count - 1
        if after:
            expect(sidebar).to_contain_text(f"Непрочитанных сообщений: {after}")
        else:
            expect(sidebar).to_contain_text("Новых сообщений нет")
        teacher_page.get_by_role("textbox", name="Ответ").fill(ANSWER)
        teacher_page.get_by_role("button", name="Отправить ответ").click()
        expect(teacher_page.get_by_text("Ответ отправлен.")).to_be_visible()
        expect(teacher_page.get_by_text(ANSWER)).to_be_visible()
        settle(teacher_page)
        shot(teacher_page, "messages_teacher_answered")

        # the parent moves to another screen: the sidebar counts the answer
        parent.get_by_test_id("stSidebarNav").get_by_role("link", name="Документы").click()
        expect(parent.get_by_role("heading", name="Документы")).to_be_visible()
        expect(parent.get_by_test_id("stSidebar")).to_contain_text("Непрочитанных сообщений: 1")
        open_messages(parent)
        expect(parent.get_by_text(ANSWER)).to_be_visible()
        expect(parent.get_by_text(QUESTION)).to_be_visible()
        expect(parent.get_by_test_id("stSidebar")).to_contain_text("Новых сообщений нет")
        settle(parent)
        shot(parent, "messages_parent_sees_answer")
    finally:
        parent_ctx.close()
        teacher_ctx.close()


def test_a_correction_request_reaches_the_queue_and_the_answer_reaches_the_reporter(browser, portal):
    """The parent reports wrong data; the administrator sees it in the queue with the time left of
    its calendar day and closes it with a comment; the parent finds the comment in «Уведомления».
    The site administrator publishes a document for guardians, which the parent then sees."""
    parent_ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    admin_ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    try:
        parent = parent_ctx.new_page()
        parent.set_default_timeout(30_000)
        sign_in(parent, portal, "parent")
        parent.get_by_test_id("stSidebarNav").get_by_role("link", name="Сообщить о неточности").click()
        parent.get_by_role("textbox", name="Что неверно *").fill("В дневнике неверно указано отчество сына")
        parent.get_by_role("textbox", name="Как должно быть").fill("Андреевич")
        parent.get_by_role("button", name="Отправить заявку").click()
        expect(parent.get_by_text(re.compile(r"Заявка № \d+ отправлена администратору"))).to_be_visible()

        admin = admin_ctx.new_page()
        admin.set_default_timeout(30_000)
        sign_in(admin, portal, "admin")
        admin.get_by_test_id("stSidebarNav").get_by_role("link", name="Заявки на исправление").click()
        expect(admin.get_by_role("heading", name="Заявки на исправление данных")).to_be_visible()
        expect(admin.locator('[data-testid="stDataFrame"]')).to_be_visible()
        expect(admin.get_by_text("Открытых заявок")).to_be_visible()
        settle(admin)
        shot(admin, "corrections_queue")
        # the demo's queue holds other requests too: choose the parent's
        choose(admin, admin.get_by_label("Заявка", exact=True),
               admin.get_by_role("option", name=re.compile("В дневнике неверно указано отчество сына")))
        admin.get_by_role("textbox", name="Комментарий для сообщившего *").fill("Отчество исправлено.")
        admin.get_by_role("button", name="Закрыть заявку").click()
        expect(admin.get_by_text(re.compile(r"Заявка № \d+ закрыта \(исправлено\)"))).to_be_visible()

        parent.get_by_test_id("stSidebarNav").get_by_role("link", name="Сообщения").click()
        expect(parent.get_by_test_id("stSidebar")).to_contain_text("Непрочитанных сообщений: 1")
        parent.get_by_role("tab", name=re.compile("Уведомления")).click()
        expect(parent.get_by_text(re.compile(r"данные исправлены\. Комментарий: Отчество исправлено\."))).to_be_visible()
        settle(parent)
        shot(parent, "corrections_parent_notice")
    finally:
        parent_ctx.close()
        admin_ctx.close()
    with reading(portal.demo.url) as tx:
        from models import CorrectionRequest, Notice
        request = tx.exec(select(CorrectionRequest).order_by(CorrectionRequest.id.desc())).first()
        notice = tx.exec(select(Notice).where(Notice.kind == "correction_done",
                                              Notice.user_id == request.reporter_user_id)
                         .order_by(Notice.id.desc())).first()
    assert (request.status, request.resolution) == ("resolved", "Отчество исправлено.")
    assert notice is not None and "Отчество исправлено." in notice.text


def test_the_site_administrator_publishes_a_document_for_guardians(browser, portal):
    admin_ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    parent_ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    try:
        admin = admin_ctx.new_page()
        admin.set_default_timeout(30_000)
        sign_in(admin, portal, "site_admin")
        admin.get_by_test_id("stSidebarNav").get_by_role("link", name="Документы").click()
        admin.get_by_text("Новый документ").click()
        admin.get_by_role("textbox", name="Название *").fill("Памятка для родителей об электронном дневнике")
        choose(admin, admin.get_by_label("Для кого"), admin.get_by_role("option", name="Родители"))
        admin.get_by_role("textbox", name="Текст").fill("Дневник открывается в разделе «Дневник».")
        admin.get_by_role("button", name="Сохранить").click()
        expect(admin.get_by_text("опубликован (родители)")).to_be_visible()
        settle(admin)
        shot(admin, "documents_site_admin")

        parent = parent_ctx.new_page()
        parent.set_default_timeout(30_000)
        sign_in(parent, portal, "parent")
        parent.get_by_test_id("stSidebarNav").get_by_role("link", name="Документы").click()
        parent.get_by_text("Памятка для родителей об электронном дневнике").click()
        expect(parent.get_by_text("Дневник открывается в разделе «Дневник».")).to_be_visible()
        settle(parent)
        shot(parent, "documents_parent")
        # «Сообщить о неточности» from the screen: the form knows where the user came from
        parent.get_by_role("link", name="Сообщить о неточности в данных").click()
        expect(parent.get_by_role("heading", name="Сообщить о неточности в данных")).to_be_visible()
        expect(parent.get_by_role("textbox", name="Где (экран, класс, предмет, дата)")).to_have_value("Документы")
        expect(parent.get_by_role("textbox", name="Ссылка на экран, где вы это увидели")).to_have_value(
            re.compile(r"^http://localhost:\d+/documents"))
    finally:
        admin_ctx.close()
        parent_ctx.close()
