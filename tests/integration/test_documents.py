"""Documents on SQLite and PostgreSQL (R-COM-3; regulation 4.5): the site administrator and the
editor publish regulations and instructions to an audience; each is listed for that audience
only, in its own school; drafts stay with the publishers."""
from __future__ import annotations

import pytest
from sqlmodel import select

from models import AuditEvent
from models.db import reading
from services.comms import documents
from services.comms.documents import DocumentError
from services.core import clock
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from tests.integration import comms_world
from tests.integration.comms_world import actor

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def w(db_url):
    yield comms_world.build()
    clock.set_now(None)


def uid(w, label, school="A"):
    return w.schools[school].users[label]


def titles(w, label, school="A") -> set[str]:
    return {d.title for d in documents.listing(actor(uid(w, label, school)), w.schools[school].id)}


def test_each_document_is_listed_for_its_audience_only(w):
    a = w.schools["A"]
    site_admin, editor = actor(uid(w, "site_admin")), actor(uid(w, "editor"))
    published = {}
    for who, title, audience in ((site_admin, "Положение об электронном журнале", "all"),
                                 (site_admin, "Инструкция для учителя", "staff"),
                                 (editor, "Памятка для родителей", "guardians"),
                                 (editor, "Правила для учеников", "pupils")):
        doc_id = documents.save(who, a.id, title, f"Текст: {title}", audience)
        documents.set_published(who, doc_id, True)
        published[title] = doc_id
    draft = documents.save(editor, a.id, "Черновик приказа", "", "all", upload=Upload("приказ.pdf", PDF))
    assert titles(w, "parent_of_pupil5_1") == {"Положение об электронном журнале", "Памятка для родителей"}
    assert titles(w, "pupil6_1") == {"Положение об электронном журнале", "Правила для учеников"}
    assert titles(w, "teacher5") == titles(w, "moderator") == {"Положение об электронном журнале",
                                                               "Инструкция для учителя"}
    # the publishers see every audience and the draft; school B sees nothing of school A
    assert titles(w, "editor") == set(published) | {"Черновик приказа"}
    assert titles(w, "admin", "B") == set()
    rows = {d.title: d for d in documents.listing(editor, a.id)}
    assert rows["Черновик приказа"].published is False and rows["Черновик приказа"].file_name == "приказ.pdf"
    assert rows["Памятка для родителей"].audience_title == "Родители"
    # files follow the same audience
    with pytest.raises(AccessDenied, match="недоступен"):  # a refusal, audited (issue 13, item 11)
        documents.file_of(actor(uid(w, "parent_of_pupil5_1")), draft)
    with reading() as tx:
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "access.denied",
                                                AuditEvent.entity == "document",
                                                AuditEvent.entity_id == str(draft))).first() is not None
    documents.set_published(editor, draft, True)
    assert documents.file_of(actor(uid(w, "parent_of_pupil5_1")), draft).data == PDF
    documents.set_published(editor, published["Памятка для родителей"], False)
    assert "Памятка для родителей" not in titles(w, "parent_of_pupil5_1")
    with reading() as tx:
        actions = [e.action for e in tx.exec(select(AuditEvent).where(AuditEvent.entity == "document")
                                             .order_by(AuditEvent.id)).all()]
    assert actions.count("document.saved") == 5 and actions.count("document.published") == 5
    assert actions[-1] == "document.unpublished"


def test_only_the_site_administrator_and_the_editor_publish(w):
    a = w.schools["A"]
    for label in ("admin", "director", "teacher5", "moderator", "parent_of_pupil5_1"):
        with pytest.raises(AccessDenied):
            documents.save(actor(uid(w, label)), a.id, "Приказ", "Текст", "all")
    doc_id = documents.save(actor(uid(w, "editor")), a.id, "Приказ", "Текст", "all")
    with pytest.raises(AccessDenied):
        documents.set_published(actor(uid(w, "admin", "B")), doc_id, True)
    with pytest.raises(DocumentError, match="пуст"):
        documents.save(actor(uid(w, "editor")), a.id, "Пустой", "  ", "all")
    with pytest.raises(DocumentError, match="аудитория"):
        documents.save(actor(uid(w, "editor")), a.id, "Приказ", "Текст", "everyone")
    with pytest.raises(DocumentError, match="программа.exe"):
        documents.save(actor(uid(w, "editor")), a.id, "Приказ", "", "all", upload=Upload("программа.exe", b"MZ"))
    assert {d.title for d in documents.listing(actor(uid(w, "editor")), a.id)} == {"Приказ"}
