"""Documents (R-COM-3; regulation 4.5): regulations and instructions — a text and/or a file —
that the site administrator or the editor («document.publish») writes, then publishes to an
audience: everyone, staff, guardians or pupils. A published document is listed for its
audience («document.view»); the publishers see drafts too. A document of no school
(school_id None, put there by the installation) is listed in every school.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from models import Attachment, Document, User
from models.db import reading, transaction
from services import attachments, audit, clock, policy
from services.actor import Actor
from services.attachments import AttachmentError, FileData, Upload
from services.roles import STAFF_ROLES
from services.schools import school_target

AUDIENCES: dict[str, str] = {"all": "Все", "staff": "Сотрудники", "guardians": "Родители", "pupils": "Ученики"}
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


def _roles_in(actor: Actor, school_id: int) -> set[str]:
    return {g.role for g in actor.grants if g.school_id == school_id}


def _may_publish(tx: Session, actor: Actor, school_id: int) -> bool:
    return policy.allowed(actor, "document.publish", school_target(tx, school_id))


def listing(actor: Actor, school_id: int) -> list[DocumentRow]:
    """Published documents for the actor's audiences, the latest first; publishers also see
    every draft and every audience of the school."""
    with reading() as tx:
        policy.require(actor, "document.view", school_target(tx, school_id, entity="document"))
        publisher = _may_publish(tx, actor, school_id)
        stmt = (select(Document, User.last_name, User.first_name, Attachment.name, Attachment.size)
                .join(User, User.id == Document.created_by_user_id, isouter=True)
                .join(Attachment, Attachment.id == Document.attachment_id, isouter=True)
                .where((Document.school_id == school_id) | (Document.school_id.is_(None))))
        if not publisher:
            stmt = stmt.where(Document.is_published.is_(True),
                              Document.audience.in_(sorted(audiences_of(_roles_in(actor, school_id)))))
        rows = tx.exec(stmt.order_by(Document.is_published, Document.published_at.desc(),
                                     Document.created_at.desc(), Document.id.desc())).all()
    return [DocumentRow(d.id, d.title, d.body, d.audience, AUDIENCES.get(d.audience, d.audience), d.is_published,
                        d.published_at, " ".join(p for p in (last, first) if p), fname or "", fsize or 0,
                        d.school_id is None)
            for d, last, first, fname, fsize in rows]


def _editable(tx: Session, actor: Actor, document_id: int) -> Document:
    doc = tx.get(Document, document_id)
    if doc is None:
        raise DocumentError(f"Документ № {document_id} не найден.")
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
        school_id = doc.school_id if doc.school_id is not None else actor.home_school_id
        policy.require(actor, "document.view", school_target(tx, school_id, entity="document", entity_id=document_id))
        visible = doc.is_published and doc.audience in audiences_of(_roles_in(actor, school_id))
        if not visible and not (doc.school_id is not None and _may_publish(tx, actor, doc.school_id)):
            raise policy.refusal(actor, "document.view",
                                 school_target(tx, school_id, entity="document", entity_id=document_id),
                                 "Документ вам недоступен.")
        return attachments.read(tx, doc.attachment_id)
