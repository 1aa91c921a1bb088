"""Storing a checked file (of a message or a document) in the caller's transaction, and reading
it back. Who may read a file is decided by the service that owns the message or document."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from models import Attachment
from services.core import clock
from services.core.actor import Actor
from services.rules import attachments as rules
from services.rules.attachments import AttachmentError  # noqa: F401  (re-exported for the services)


@dataclass(frozen=True)
class Upload:
    """A file as the user gave it: its name and bytes (checked when stored)."""
    name: str
    data: bytes


@dataclass(frozen=True)
class FileData:
    name: str
    mime: str
    data: bytes


def check(upload: Upload | None) -> rules.Checked | None:
    """Raise AttachmentError before anything is written (size, type, content)."""
    return None if upload is None else rules.check(upload.name, upload.data)


def store(tx: Session, school_id: int | None, actor: Actor, upload: Upload | None) -> Attachment | None:
    checked = check(upload)
    if checked is None:
        return None
    row = Attachment(school_id=school_id, name=checked.name, mime=checked.mime, size=checked.size,
                     data=upload.data, uploaded_by_user_id=actor.user_id or None, created_at=clock.now())
    tx.add(row)
    tx.flush()
    return row


def read(tx: Session, attachment_id: int) -> FileData | None:
    row = tx.get(Attachment, attachment_id)
    return None if row is None else FileData(row.name, row.mime, bytes(row.data))
