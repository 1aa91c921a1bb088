"""Documents (R-COM-3; regulation 4.5): regulations and instructions — a text and/or a file —
that the site administrator or the editor («document.publish») writes, then publishes to an
audience: everyone, staff, guardians or pupils. A published document is listed for its
audience («document.view»); the publishers see drafts too. A document of no school
(school_id None, put there by the installation) is listed in every school.

Issue 19:
* Public documents (4.5): the site administrator («document.public») marks a document for
  everyone as public; a published public document is served WITHOUT sign-in on the school's
  public page (`public_page`, `public_file`: title, date, text and file; never the author or
  anything personal), which the school links from its website.
* The municipality's rules (4.1): the coordinator («municipal.publish») writes documents and
  announcements of the municipality (school_id None, municipality_id set, kind document or
  announcement). Every school of that municipality reads the published ones for its audiences
  (staff, guardians…) and cannot change them; other municipalities never see them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from models import Attachment, Document, Municipality, School, User
from models.db import reading, transaction
from services.core import attachments, audit, clock, policy
from services.core.actor import Actor
from services.core.attachments import AttachmentError, FileData, Upload
from services.core.roles import STAFF_ROLES
from services.core.schools import school_target

AUDIENCES: dict[str, str] = {"all": "Все", "staff": "Сотрудники", "guardians": "Родители", "pupils": "Ученики"}
KINDS: dict[str, str] = {"document": "Документ", "announcement": "Объявление"}
PUBLIC_PATH = "public"  # the page served without sign-in: PUBLIC_PATH?school=ID (app.py)
TITLE_MAX, BODY_MAX = 300, 20000


class DocumentError(ValueError):
    """str(e) is a Russian message saying what is wrong."""


def audiences_of(roles: Iterable[str]) -> set[str]:
    """The audiences a holder of these roles (in one school) belongs to."""
    roles = set(roles)
    out = {"all"}
    if roles & STAFF_ROLES:
        out.add("staff")
    if "parent" in roles:
        out.add("guardians")
    if "student" in roles:
        out.add("pupils")
    return out


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    body: str
    audience: str
    audience_title: str
    published: bool
    published_at: datetime | None
    author: str
    file_name: str
    file_size: int
    whole_installation: bool
    is_public: bool = False
    municipal: bool = False     # written by the municipality: read-only for the school
    kind: str = "document"


def _roles_in(actor: Actor, school_id: int) -> set[str]:
    return {g.role for g in actor.grants if g.school_id == school_id}


def _may_publish(tx: Session, actor: Actor, school_id: int) -> bool:
    return policy.allowed(actor, "document.publish", school_target(tx, school_id))


def listing(actor: Actor, school_id: int) -> list[DocumentRow]:
    """Published documents for the actor's audiences, the latest first; publishers also see
    every draft and every audience of the school."""
    return _school_rows(actor, school_id, "document")


def municipal_announcements(actor: Actor, school_id: int) -> list[DocumentRow]:
    """The published announcements of the school's municipality for the actor's audiences (4.1)."""
    return _school_rows(actor, school_id, "announcement")


def _row(d: Document, last, first, fname, fsize) -> DocumentRow:
    return DocumentRow(d.id, d.title, d.body, d.audience, AUDIENCES.get(d.audience, d.audience), d.is_published,
                       d.published_at, " ".join(p for p in (last, first) if p), fname or "", fsize or 0,
                       d.school_id is None and d.municipality_id is None, d.is_public,
                       d.municipality_id is not None, d.kind)


def _with_author_and_file():
    return (select(Document, User.last_name, User.first_name, Attachment.name, Attachment.size)
            .join(User, User.id == Document.created_by_user_id, isouter=True)
            .join(Attachment, Attachment.id == Document.attachment_id, isouter=True))


def _school_rows(actor: Actor, school_id: int, kind: str) -> list[DocumentRow]:
    with reading() as tx:
        target = school_target(tx, school_id, entity="document")
        policy.require(actor, "document.view", target)
        publisher = kind == "document" and _may_publish(tx, actor, school_id)
        audiences = sorted(audiences_of(_roles_in(actor, school_id)))
        ours = (Document.school_id == school_id) | (Document.school_id.is_(None) & Document.municipality_id.is_(None))
        municipal = Document.school_id.is_(None) & (Document.municipality_id == (target.municipality_id or -1))
        visible = Document.is_published.is_(True) & Document.audience.in_(audiences)
        if publisher:  # the school's drafts and every audience of its own documents; the municipality's as published
            where = ours | (municipal & visible)
        else:
            where = (ours | municipal) & visible
        stmt = _with_author_and_file().where(where, Document.kind == kind)
        rows = tx.exec(stmt.order_by(Document.is_published, Document.published_at.desc(),
                                     Document.created_at.desc(), Document.id.desc())).all()
    return [_row(*r) for r in rows]


def _editable(tx: Session, actor: Actor, document_id: int) -> Document:
    doc = tx.get(Document, document_id)
    if doc is None:
        raise DocumentError(f"Документ № {document_id} не найден.")
    if doc.municipality_id is not None:
        policy.require(actor, "municipal.publish", policy.Target(
            municipality_id=doc.municipality_id, entity="document", entity_id=document_id))
        return doc
    if doc.school_id is None:
        raise DocumentError("Этот документ общий для всех школ: его меняют только из командной строки.")
    policy.require(actor, "document.publish", school_target(tx, doc.school_id, entity="document",
                                                            entity_id=document_id))
    return doc


def save(actor: Actor, school_id: int, title: str, body: str, audience: str, upload: Upload | None = None,
         document_id: int | None = None, drop_file: bool = False) -> int:
    """Create a draft (document_id None) or change a document; a new file replaces the old one.
    A document needs a text or a file. Returns its id."""
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        raise DocumentError("Укажите название документа.")
    if len(title) > TITLE_MAX:
        raise DocumentError(f"Название слишком длинное: можно не больше {TITLE_MAX} знаков.")
    if len(body) > BODY_MAX:
        raise DocumentError(f"Текст слишком длинный: {len(body)} знаков, можно не больше {BODY_MAX}.")
    if audience not in AUDIENCES:
        raise DocumentError(f"Неизвестная аудитория «{audience}»: все, сотрудники, родители или ученики.")
    try:
        attachments.check(upload)
    except AttachmentError as e:
        raise DocumentError(str(e)) from None
    with transaction() as tx:
        if document_id is None:
            policy.require(actor, "document.publish", school_target(tx, school_id, entity="document"))
            doc = Document(school_id=school_id, title=title, created_by_user_id=actor.user_id or None,
                           created_at=clock.now())
            old = None
        else:
            doc = _editable(tx, actor, document_id)
            if doc.school_id != school_id:
                raise DocumentError(f"Документ № {document_id} относится к другой школе.")
            if doc.is_public and audience != "all":
                raise DocumentError("Документ открыт на сайте школы: он может быть только для всех. "
                                    "Сначала снимите отметку «Открытый документ».")
            old = {"title": doc.title, "audience": doc.audience, "attachment_id": doc.attachment_id,
                   "body_length": len(doc.body)}
        file = attachments.store(tx, school_id, actor, upload)
        if file is not None:
            doc.attachment_id = file.id
        elif drop_file:
            doc.attachment_id = None
        if not body and doc.attachment_id is None:
            raise DocumentError("Документ пуст: напишите текст или приложите файл.")
        doc.title, doc.body, doc.audience = title, body, audience
        tx.add(doc)
        tx.flush()
        audit.record(tx, actor, "document.saved", school_id=school_id, entity="document", entity_id=doc.id, old=old,
                     new={"title": title, "audience": audience, "attachment_id": doc.attachment_id,
                          "body_length": len(body)})
        return doc.id


def set_published(actor: Actor, document_id: int, published: bool) -> None:
    """Publish a draft (listed for its audience from now) or take a document back to drafts."""
    with transaction() as tx:
        doc = _editable(tx, actor, document_id)
        if doc.is_published == published:
            raise DocumentError("Документ уже опубликован." if published else "Документ и так не опубликован.")
        doc.is_published = published
        if published:
            doc.published_at = clock.now()
        tx.add(doc)
        audit.record(tx, actor, "document.published" if published else "document.unpublished",
                     school_id=doc.school_id, entity="document", entity_id=doc.id,
                     old={"is_published": not published}, new={"is_published": published, "audience": doc.audience})


def file_of(actor: Actor, document_id: int) -> FileData:
    """The file of a document the actor may see."""
    with reading() as tx:
        doc = tx.get(Document, document_id)
        if doc is None or doc.attachment_id is None:
            raise DocumentError("У документа нет файла.")
        if doc.municipality_id is not None:
            return _municipal_file(tx, actor, doc)
        school_id = doc.school_id if doc.school_id is not None else actor.home_school_id
        policy.require(actor, "document.view", school_target(tx, school_id, entity="document", entity_id=document_id))
        visible = doc.is_published and doc.audience in audiences_of(_roles_in(actor, school_id))
        if not visible and not (doc.school_id is not None and _may_publish(tx, actor, doc.school_id)):
            raise policy.refusal(actor, "document.view",
                                 school_target(tx, school_id, entity="document", entity_id=document_id),
                                 "Документ вам недоступен.")
        return attachments.read(tx, doc.attachment_id)


# ------------------------------------------------------------------ public documents (4.5)
def set_public(actor: Actor, document_id: int, public: bool) -> None:
    """The site administrator opens a document of the school on its public page (served without
    sign-in) or closes it. Only a document for everyone may be public: it must not carry
    anything meant for staff, parents or pupils alone."""
    with transaction() as tx:
        doc = tx.get(Document, document_id)
        if doc is None or doc.school_id is None:
            raise DocumentError(f"Документ № {document_id} не найден в школе.")
        policy.require(actor, "document.public", school_target(tx, doc.school_id, entity="document",
                                                               entity_id=document_id))
        if doc.is_public == public:
            raise DocumentError("Документ уже открыт на сайте школы." if public
                                else "Документ и так не открыт на сайте школы.")
        if public and doc.audience != "all":
            raise DocumentError(f"Открытым может быть только документ для всех, а этот — для аудитории "
                                f"«{AUDIENCES.get(doc.audience, doc.audience).lower()}».")
        doc.is_public = public
        tx.add(doc)
        audit.record(tx, actor, "document.made_public" if public else "document.made_private",
                     school_id=doc.school_id, entity="document", entity_id=doc.id,
                     old={"is_public": not public}, new={"is_public": public})


@dataclass(frozen=True)
class PublicDocument:
    """What the public page shows of a document: nothing personal (no author, no audience)."""
    id: int
    title: str
    body: str
    published_at: datetime | None
    file_name: str
    file_size: int


@dataclass(frozen=True)
class PublicPage:
    school_name: str
    documents: tuple[PublicDocument, ...]


NO_SCHOOL = ("Такой страницы нет: школа не найдена. Проверьте ссылку на сайте школы "
             "(она выглядит как …/public?school=12).")
NO_DOCUMENT = "Такого открытого документа нет: он не опубликован для всех или ссылка неверна."


def _public(school_id: int):
    return (Document.school_id == school_id, Document.is_public.is_(True), Document.is_published.is_(True),
            Document.audience == "all", Document.kind == "document")


def public_page(school_id: int | None, document_id: int | None = None) -> PublicPage:
    """The school's public documents (published, public, for everyone), the latest first; with
    `document_id` only that one. Served without sign-in: raises DocumentError (a Russian
    message) for an unknown school and for any document that is not public in that school."""
    with reading() as tx:
        school = tx.get(School, school_id) if school_id is not None else None
        if school is None:
            raise DocumentError(NO_SCHOOL)
        stmt = (select(Document, Attachment.name, Attachment.size)
                .join(Attachment, Attachment.id == Document.attachment_id, isouter=True)
                .where(*_public(school_id)))
        if document_id is not None:
            stmt = stmt.where(Document.id == document_id)
        rows = tx.exec(stmt.order_by(Document.published_at.desc(), Document.id.desc())).all()
        if document_id is not None and not rows:
            raise DocumentError(NO_DOCUMENT)
        return PublicPage(school.name, tuple(
            PublicDocument(d.id, d.title, d.body, d.published_at, fname or "", fsize or 0) for d, fname, fsize in rows))


def public_file(school_id: int, document_id: int) -> FileData:
    """The file of a public document of the school (served without sign-in)."""
    with reading() as tx:
        doc = tx.exec(select(Document).where(Document.id == document_id, *_public(school_id))).first()
        if doc is None or doc.attachment_id is None:
            raise DocumentError(NO_DOCUMENT)
        return attachments.read(tx, doc.attachment_id)


def public_address(page_url: str, school_id: int) -> str:
    """The address of the school's public page, from the address of any page of the portal
    (st.context.url): its origin and folder, then PUBLIC_PATH?school=ID."""
    from urllib.parse import urlsplit
    parts = urlsplit(page_url or "")
    folder = parts.path.rsplit("/", 1)[0] if parts.path else ""
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return f"{origin}{folder}/{PUBLIC_PATH}?school={school_id}"


# ------------------------------------------------------------------ the municipality's rules (4.1)
def _municipal_target(tx: Session, municipality_id: int, **extra) -> policy.Target:
    return policy.Target(municipality_id=municipality_id, entity="document", **extra)


def municipal_listing(actor: Actor, municipality_id: int) -> list[DocumentRow]:
    """Every document and announcement of the municipality, drafts too, for the coordinator."""
    with reading() as tx:
        policy.require(actor, "municipal.publish", _municipal_target(tx, municipality_id))
        rows = tx.exec(_with_author_and_file().where(Document.municipality_id == municipality_id,
                                                     Document.school_id.is_(None))
                       .order_by(Document.is_published, Document.published_at.desc(), Document.created_at.desc(),
                                 Document.id.desc())).all()
    return [_row(*r) for r in rows]


def save_municipal(actor: Actor, municipality_id: int, kind: str, title: str, body: str, audience: str,
                   upload: Upload | None = None) -> int:
    """A draft document or announcement of the municipality (published by set_published)."""
    if kind not in KINDS:
        raise DocumentError(f"Неизвестный вид «{kind}»: документ или объявление.")
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        raise DocumentError("Укажите название." if kind == "document" else "Укажите тему объявления.")
    if len(title) > TITLE_MAX:
        raise DocumentError(f"Название слишком длинное: можно не больше {TITLE_MAX} знаков.")
    if len(body) > BODY_MAX:
        raise DocumentError(f"Текст слишком длинный: {len(body)} знаков, можно не больше {BODY_MAX}.")
    if audience not in AUDIENCES:
        raise DocumentError(f"Неизвестная аудитория «{audience}»: все, сотрудники, родители или ученики.")
    if not body and upload is None:
        raise DocumentError("Пусто: напишите текст или приложите файл.")
    try:
        attachments.check(upload)
    except AttachmentError as e:
        raise DocumentError(str(e)) from None
    with transaction() as tx:
        policy.require(actor, "municipal.publish", _municipal_target(tx, municipality_id))
        if tx.get(Municipality, municipality_id) is None:
            raise DocumentError("Муниципалитет не найден.")
        file = attachments.store(tx, None, actor, upload)
        doc = Document(school_id=None, municipality_id=municipality_id, kind=kind, title=title, body=body,
                       audience=audience, attachment_id=file.id if file is not None else None,
                       created_by_user_id=actor.user_id or None, created_at=clock.now())
        tx.add(doc)
        tx.flush()
        audit.record(tx, actor, "document.saved", entity="document", entity_id=doc.id,
                     new={"title": title, "kind": kind, "audience": audience, "municipality_id": municipality_id,
                          "attachment_id": doc.attachment_id, "body_length": len(body)})
        return doc.id


def _municipal_file(tx: Session, actor: Actor, doc: Document) -> FileData:
    """A file of the municipality: the coordinator's own, or a published one for a member of a
    school of that municipality in the document's audience."""
    if policy.allowed(actor, "municipal.publish", _municipal_target(tx, doc.municipality_id)):
        return attachments.read(tx, doc.attachment_id)
    schools = {g.school_id for g in actor.grants if g.school_id is not None}
    ours = set(tx.exec(select(School.id).where(School.id.in_(sorted(schools) or [-1]),
                                               School.municipality_id == doc.municipality_id)).all())
    if doc.is_published and any(doc.audience in audiences_of(_roles_in(actor, s)) for s in ours):
        return attachments.read(tx, doc.attachment_id)
    raise policy.refusal(actor, "document.view", policy.Target(
        school_id=actor.home_school_id, municipality_id=doc.municipality_id, entity="document", entity_id=doc.id),
        "Документ вам недоступен.")
