"""Issue 19, items 3 and 4, on SQLite and PostgreSQL.

* Public documents (4.5): the site administrator opens a published document for everyone on the
  school's public page; the page (no sign-in) lists only that school's public documents — title,
  date, text, file — never a draft, a document for staff or parents, another school's, nor the
  author; a forged id gets the same Russian message as a missing one.
* The municipality's rules (4.1): the coordinator publishes documents and announcements that every
  school of the municipality reads (staff, and parents when addressed to them), read-only; the
  other municipality never sees them."""
from __future__ import annotations

import dataclasses

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


def published(who, school_id, title, audience="all", body=None, upload=None) -> int:
    doc_id = documents.save(who, school_id, title, body if body is not None else f"Текст: {title}", audience,
                            upload=upload)
    documents.set_published(who, doc_id, True)
    return doc_id


def test_the_public_page_shows_only_public_documents_of_the_school(w):
    a, b = w.schools["A"], w.schools["B"]
    site_admin, editor = actor(uid(w, "site_admin")), actor(uid(w, "editor"))
    rules = published(editor, a.id, "Положение об электронном журнале", upload=Upload("положение.pdf", PDF))
    staff_only = published(editor, a.id, "Инструкция для учителя", "staff")
    draft = documents.save(editor, a.id, "Проект приказа", "Текст", "all")
    hidden = published(editor, a.id, "Правила для всех, не открытые")
    documents.set_public(site_admin, rules, True)
    documents.set_public(site_admin, draft, True)  # open, but a draft: not served until published
    page = documents.public_page(a.id)
    assert page.school_name == "Школа A"
    assert [d.title for d in page.documents] == ["Положение об электронном журнале"]
    shown = page.documents[0]
    assert shown.body == "Текст: Положение об электронном журнале" and shown.file_name == "положение.pdf"
    # nothing personal: the public record carries no author nor audience
    assert {f.name for f in dataclasses.fields(shown)} == {"id", "title", "body", "published_at", "file_name",
                                                          "file_size"}
    assert documents.public_file(a.id, rules).data == PDF
    # one document by its id; everything else answers with the same message, whatever exists
    assert [d.id for d in documents.public_page(a.id, rules).documents] == [rules]
    for doc_id in (staff_only, draft, hidden, 999_999):
        with pytest.raises(DocumentError, match="Такого открытого документа нет"):
            documents.public_page(a.id, doc_id)
        with pytest.raises(DocumentError, match="Такого открытого документа нет"):
            documents.public_file(a.id, doc_id)
    # another school's page never shows A's documents, even with A's document id
    assert documents.public_page(b.id).documents == ()
    with pytest.raises(DocumentError, match="Такого открытого документа нет"):
        documents.public_page(b.id, rules)
    with pytest.raises(DocumentError, match="Такого открытого документа нет"):
        documents.public_file(b.id, rules)
    for school_id in (None, 999_999):
        with pytest.raises(DocumentError, match="школа не найдена"):
            documents.public_page(school_id)
    # taken back to drafts: off the public page at once
    documents.set_published(editor, rules, False)
    assert documents.public_page(a.id).documents == ()


def test_only_the_site_administrator_opens_a_document_and_only_one_for_everyone(w):
    a = w.schools["A"]
    site_admin, editor = actor(uid(w, "site_admin")), actor(uid(w, "editor"))
    doc_id = published(editor, a.id, "Положение")
    staff_only = published(editor, a.id, "Инструкция", "staff")
    for label in ("editor", "admin", "director", "teacher5", "parent_of_pupil5_1"):
        with pytest.raises(AccessDenied, match="открытые документы на сайте школы"):
            documents.set_public(actor(uid(w, label)), doc_id, True)
    with pytest.raises(AccessDenied):
        documents.set_public(actor(uid(w, "admin", "B")), doc_id, True)
    with pytest.raises(DocumentError, match="только документ для всех.*сотрудники"):
        documents.set_public(site_admin, staff_only, True)
    documents.set_public(site_admin, doc_id, True)
    with pytest.raises(DocumentError, match="уже открыт"):
        documents.set_public(site_admin, doc_id, True)
    # a public document cannot be narrowed to an audience behind the sign-in
    with pytest.raises(DocumentError, match="только для всех"):
        documents.save(editor, a.id, "Положение", "Текст", "staff", document_id=doc_id)
    rows = {d.title: d for d in documents.listing(editor, a.id)}
    assert rows["Положение"].is_public and not rows["Инструкция"].is_public
    documents.set_public(site_admin, doc_id, False)
    assert documents.public_page(a.id).documents == ()
    with reading() as tx:
        actions = [e.action for e in tx.exec(select(AuditEvent).where(AuditEvent.entity == "document",
                                                                      AuditEvent.entity_id == str(doc_id))
                                             .order_by(AuditEvent.id)).all()]
    assert actions[-2:] == ["document.made_public", "document.made_private"]


def test_public_address_keeps_the_portals_origin_and_folder():
    assert documents.public_address("https://school.example/journal", 3) == "https://school.example/public?school=3"
    assert documents.public_address("https://x.ru/portal/documents", 12) == "https://x.ru/portal/public?school=12"
    assert documents.public_address("", 5) == "/public?school=5"


def test_the_municipality_publishes_to_every_school_of_its_own(w):
    a, b, c = w.schools["A"], w.schools["B"], w.schools["C"]
    coordinator = actor(w.coordinator_user_id)
    muni = w.municipalities["Северный"]
    rules = documents.save_municipal(coordinator, muni, "document", "Порядок ведения журналов в муниципалитете",
                                     "Текст порядка", "staff", upload=Upload("порядок.pdf", PDF))
    for_all = documents.save_municipal(coordinator, muni, "document", "Календарь каникул", "Текст", "all")
    ann = documents.save_municipal(coordinator, muni, "announcement", "Собрание родителей района",
                                   "Приглашаем родителей", "guardians")
    staff_ann = documents.save_municipal(coordinator, muni, "announcement", "Совещание директоров", "В среду", "staff")
    draft = documents.save_municipal(coordinator, muni, "document", "Проект", "Черновик", "all")
    for doc_id in (rules, for_all, ann, staff_ann):
        documents.set_published(coordinator, doc_id, True)

    def docs(label, school="A"):
        return {d.title for d in documents.listing(actor(uid(w, label, school)), w.schools[school].id)}

    def anns(label, school="A"):
        return {d.title for d in documents.municipal_announcements(actor(uid(w, label, school)),
                                                                   w.schools[school].id)}

    # every school of the municipality: staff see the staff documents, parents what is for them
    for school in ("A", "B"):
        assert docs("teacher5", school) == {"Порядок ведения журналов в муниципалитете", "Календарь каникул"}
        assert docs("parent_of_pupil5_1", school) == {"Календарь каникул"}
        assert anns("teacher5", school) == {"Совещание директоров"}
        assert anns("parent_of_pupil5_1", school) == {"Собрание родителей района"}
    # the school's own publishers see them (published only, never the municipality's draft)
    listed = {d.title: d for d in documents.listing(actor(uid(w, "editor")), a.id)}
    assert "Проект" not in listed and listed["Календарь каникул"].municipal
    # the other municipality sees nothing
    assert docs("teacher5", "C") == set() and anns("parent_of_pupil5_1", "C") == set()
    assert docs("admin", "C") == set()
    # files: a school's staff member reads the staff document; a parent and school C do not
    assert documents.file_of(actor(uid(w, "teacher5", "B")), rules).data == PDF
    for label, school in (("parent_of_pupil5_1", "A"), ("teacher5", "C"), ("admin", "C")):
        with pytest.raises(AccessDenied, match="недоступен"):
            documents.file_of(actor(uid(w, label, school)), rules)
    # read-only for the schools: nobody of a school changes or withdraws them
    for label in ("editor", "site_admin", "admin", "director"):
        with pytest.raises(AccessDenied, match="документы и объявления муниципалитета"):
            documents.set_published(actor(uid(w, label)), for_all, False)
        with pytest.raises((DocumentError, AccessDenied)):
            documents.save(actor(uid(w, label)), a.id, "Календарь", "Иначе", "all", document_id=for_all)
        with pytest.raises((DocumentError, AccessDenied)):
            documents.set_public(actor(uid(w, label)), for_all, True)
    # the coordinator: every item, drafts too; none of another municipality
    assert {d.title for d in documents.municipal_listing(coordinator, muni)} == {
        "Порядок ведения журналов в муниципалитете", "Календарь каникул", "Собрание родителей района",
        "Совещание директоров", "Проект"}
    south = w.municipalities["Южный"]
    with pytest.raises(AccessDenied):
        documents.municipal_listing(coordinator, south)
    with pytest.raises(AccessDenied):
        documents.save_municipal(coordinator, south, "document", "Чужое", "Текст", "all")
    for label in ("admin", "director", "editor"):
        with pytest.raises(AccessDenied):
            documents.save_municipal(actor(uid(w, label)), muni, "document", "Своё", "Текст", "all")
    documents.set_published(coordinator, staff_ann, False)
    assert anns("teacher5", "B") == set()
    assert draft in {d.id for d in documents.municipal_listing(coordinator, muni)}


def test_bad_municipal_input_says_what_is_wrong(w):
    coordinator = actor(w.coordinator_user_id)
    muni = w.municipalities["Северный"]
    with pytest.raises(DocumentError, match="Неизвестный вид «приказ»"):
        documents.save_municipal(coordinator, muni, "приказ", "Название", "Текст", "all")
    with pytest.raises(DocumentError, match="Укажите тему объявления"):
        documents.save_municipal(coordinator, muni, "announcement", "  ", "Текст", "all")
    with pytest.raises(DocumentError, match="Пусто"):
        documents.save_municipal(coordinator, muni, "document", "Название", "  ", "all")
    with pytest.raises(DocumentError, match="Неизвестная аудитория"):
        documents.save_municipal(coordinator, muni, "document", "Название", "Текст", "everyone")
    assert documents.municipal_listing(coordinator, muni) == []
