"""In a real Chromium against the demo portal (issue 19, items 3 and 4): an anonymous visitor opens
the school's public page (the address a school links from its website) and reads the public
document without signing in, but cannot reach a document that is not public — by its id, or
through another school's address; the site administrator sees the address to copy; the
municipal coordinator sees the municipality's documents, and a teacher reads its announcement."""
from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import select

from models import Document, School
from models.db import reading
from tests.e2e.conftest import settle, shot
from tests.e2e.test_diary_browser import sign_in

PUBLIC_TITLE = "Положение об электронном журнале и электронном дневнике"
STAFF_TITLE = "Приказ о назначении ответственных за ведение электронного журнала"


def _ids(portal, monkeypatch) -> tuple[int, int, int]:
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    with reading() as tx:
        school_id = tx.exec(select(School.id).order_by(School.id)).first()
        public = tx.exec(select(Document.id).where(Document.title == PUBLIC_TITLE,
                                                   Document.school_id == school_id)).one()
        staff = tx.exec(select(Document.id).where(Document.title == STAFF_TITLE,
                                                  Document.school_id == school_id)).one()
    return school_id, public, staff


def test_an_anonymous_visitor_reads_the_public_document_and_nothing_else(page: Page, portal, monkeypatch):
    school_id, public, staff = _ids(portal, monkeypatch)
    page.goto(f"{portal.base}/public?school={school_id}")
    expect(page.get_by_role("heading", name="Документы школы")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name=PUBLIC_TITLE)).to_be_visible()
    expect(page.get_by_text(f"{PUBLIC_TITLE}. Утверждено приказом директора.")).to_be_visible()
    settle(page)
    expect(page.get_by_text(STAFF_TITLE)).to_have_count(0)        # a document for staff stays behind the sign-in
    expect(page.get_by_label("Пароль")).to_have_count(0)          # no sign-in was asked for
    expect(page.get_by_text("Page not found")).to_have_count(0)   # the first request after a start, too
    shot(page, "e2e_public_documents_anonymous")
    # one document by its id
    page.goto(f"{portal.base}/public?school={school_id}&doc={public}")
    expect(page.get_by_role("heading", name=PUBLIC_TITLE)).to_be_visible(timeout=30_000)
    # the staff document's id, and a forged one: the same message, nothing of the document
    for doc_id in (staff, 987654):
        page.goto(f"{portal.base}/public?school={school_id}&doc={doc_id}")
        expect(page.get_by_text("Такого открытого документа нет")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(STAFF_TITLE)).to_have_count(0)
    shot(page, "e2e_public_documents_refused")
    page.goto(f"{portal.base}/public?school=987654")
    expect(page.get_by_text("школа не найдена")).to_be_visible(timeout=30_000)
    # an ordinary page still asks to sign in
    page.goto(f"{portal.base}/documents")
    expect(page.get_by_label("Пароль")).to_be_visible(timeout=30_000)


def test_the_site_administrator_sees_the_public_address(page: Page, portal, monkeypatch):
    school_id, _, _ = _ids(portal, monkeypatch)
    sign_in(page, portal, "site_admin")
    expect(page.get_by_role("heading", name="Документы")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Открытые документы на сайте школы")).to_be_visible()
    expect(page.get_by_text(f"/public?school={school_id}")).to_be_visible()
    page.get_by_test_id("stExpander").filter(has_text=PUBLIC_TITLE).first.click()  # the document's own panel
    expect(page.get_by_role("button", name="Закрыть на сайте школы")).to_be_visible()
    settle(page)
    shot(page, "e2e_public_documents_site_admin")


def test_the_coordinator_publishes_and_a_teacher_reads_the_municipal_announcement(page: Page, portal):
    sign_in(page, portal, "coordinator")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Документы муниципалитета").click()
    expect(page.get_by_role("heading", name="Документы муниципалитета")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Порядок ведения электронных журналов", exact=False).first).to_be_visible()
    settle(page)
    shot(page, "e2e_municipal_documents_coordinator")
    page.context.clear_cookies()
    page.goto(portal.base)
    sign_in(page, portal, "teacher")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Объявления").click()
    expect(page.get_by_role("heading", name="Объявления муниципалитета")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Совещание заместителей директоров по электронному журналу")).to_be_visible()
    expect(page.get_by_text("Родительское собрание муниципалитета")).to_have_count(0)  # addressed to parents
    settle(page)
    shot(page, "e2e_municipal_announcement_teacher")
