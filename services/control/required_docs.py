"""The school's required documents of 4.2 and 4.7 as a checklist: the administrator uploads each, the
director approves it with the date and number of the order; each is shown present or missing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select

from models import Attachment, RequiredDocument, User
from models.db import reading, transaction
from services.core import attachments, audit, clock, policy
from services.core.actor import Actor
from services.core.attachments import AttachmentError, FileData, Upload
from services.core.schools import school_target
from services.rules.required_docs import REQUIRED, STATUS_TITLES, status

NUMBER_MAX = 64


class RequiredDocError(ValueError):
    """str(e) is a Russian message saying what is wrong."""


@dataclass(frozen=True)
class ChecklistRow:
    code: str
    title: str
    clause: str
    status: str
    status_title: str
    file_name: str
    uploaded_at: datetime | None
    approved_on: date | None
    approved_number: str
    approved_by: str


def _title(code: str) -> str:
    if code not in REQUIRED:
        raise RequiredDocError(f"Неизвестный документ «{code}».")
    return REQUIRED[code][0]


def _rows(tx, school_id: int) -> dict[str, RequiredDocument]:
    return {r.code: r for r in tx.exec(select(RequiredDocument).where(RequiredDocument.school_id == school_id)).all()}


def checklist(actor: Actor, school_id: int) -> list[ChecklistRow]:
    with reading() as tx:
        policy.require(actor, "regdoc.view", school_target(tx, school_id, entity="required_document"))
        rows = _rows(tx, school_id)
        files = dict(tx.exec(select(Attachment.id, Attachment.name).where(
            Attachment.id.in_([r.attachment_id for r in rows.values()] or [-1]))).all())
        names = {u.id: " ".join(p for p in (u.last_name, u.first_name) if p) or u.login for u in tx.exec(
            select(User).where(User.id.in_([r.approved_by_user_id for r in rows.values() if r.approved_by_user_id]
                                           or [-1]))).all()}
    out = []
    for code, (title, clause) in REQUIRED.items():
        r = rows.get(code)
        st = status(r is not None, r.approved_on if r else None, r.approved_number if r else "")
        out.append(ChecklistRow(code, title, clause, st, STATUS_TITLES[st], files.get(r.attachment_id, "") if r else "",
                                r.uploaded_at if r else None, r.approved_on if r else None,
                                r.approved_number if r else "", names.get(r.approved_by_user_id, "") if r else ""))
    return out


def missing(school_id: int) -> list[str]:
    """The titles of the required documents not present (not uploaded or not approved)."""
    with reading() as tx:
        rows = _rows(tx, school_id)
    return [title for code, (title, _) in REQUIRED.items()
            if status(code in rows, rows[code].approved_on if code in rows else None,
                      rows[code].approved_number if code in rows else "") != "present"]


def upload(actor: Actor, school_id: int, code: str, file: Upload | None) -> None:
    """Upload (or replace) a required document's file; a replaced one awaits a new approval."""
    title = _title(code)
    if file is None:
        raise RequiredDocError(f"«{title}»: выберите файл документа.")
    try:
        attachments.check(file)
    except AttachmentError as e:
        raise RequiredDocError(f"«{title}»: {e}") from None
    with transaction() as tx:
        policy.require(actor, "regdoc.upload", school_target(tx, school_id, entity="required_document",
                                                              entity_id=code))
        stored = attachments.store(tx, school_id, actor, file)
        row = _rows(tx, school_id).get(code)
        old = None if row is None else {"attachment_id": row.attachment_id, "approved_on": row.approved_on,
                                        "approved_number": row.approved_number}
        if row is None:
            row = RequiredDocument(school_id=school_id, code=code, attachment_id=stored.id, uploaded_at=clock.now())
        row.attachment_id, row.uploaded_at, row.uploaded_by_user_id = stored.id, clock.now(), actor.user_id or None
        row.approved_on, row.approved_number, row.approved_by_user_id, row.approved_at = None, "", None, None
        tx.add(row)
        audit.record(tx, actor, "regdoc.uploaded", school_id=school_id, entity="required_document", entity_id=code,
                     old=old, new={"attachment_id": stored.id, "name": stored.name})


def approve(actor: Actor, school_id: int, code: str, approved_on: date, number: str) -> None:
    """The director approves the uploaded document: the date and number of the order."""
    title = _title(code)
    number = " ".join((number or "").split())
    if not number:
        raise RequiredDocError(f"«{title}»: укажите номер приказа об утверждении.")
    if len(number) > NUMBER_MAX:
        raise RequiredDocError(f"«{title}»: номер слишком длинный, не больше {NUMBER_MAX} знаков.")
    if approved_on > clock.today():
        raise RequiredDocError(f"«{title}»: дата утверждения не может быть в будущем.")
    with transaction() as tx:
        policy.require(actor, "regdoc.approve", school_target(tx, school_id, entity="required_document",
                                                               entity_id=code))
        row = _rows(tx, school_id).get(code)
        if row is None:
            raise RequiredDocError(f"«{title}» ещё не загружен: утверждать нечего.")
        row.approved_on, row.approved_number = approved_on, number
        row.approved_by_user_id, row.approved_at = actor.user_id or None, clock.now()
        tx.add(row)
        audit.record(tx, actor, "regdoc.approved", school_id=school_id, entity="required_document", entity_id=code,
                     new={"approved_on": approved_on, "number": number, "attachment_id": row.attachment_id})


def file_of(actor: Actor, school_id: int, code: str) -> FileData:
    title = _title(code)
    with reading() as tx:
        policy.require(actor, "regdoc.view", school_target(tx, school_id, entity="required_document", entity_id=code))
        row = _rows(tx, school_id).get(code)
        if row is None:
            raise RequiredDocError(f"«{title}» ещё не загружен.")
        return attachments.read(tx, row.attachment_id)
