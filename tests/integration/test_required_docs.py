"""The school's required documents (4.2, 4.7): the administrator uploads, the director approves with
the date and number; present or missing on the checklist; refusals and bad input change nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import AuditEvent, RequiredDocument
from models.db import reading
from services.control import required_docs
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from tests.integration import indicators_world as iwm

PDF = Upload("prikaz.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")

world = iwm.world_at_now
actor = iwm.actor


def statuses(w):
    return {r.code: r.status for r in required_docs.checklist(actor(w, "director"), w.a)}


def test_uploaded_then_approved_is_present_and_a_new_upload_needs_a_new_approval(world):
    w = world
    assert set(statuses(w).values()) == {"missing"} and len(required_docs.missing(w.a)) == 4
    admin, director = actor(w, "admin_a"), actor(w, "director")
    required_docs.upload(admin, w.a, "order_portal", PDF)
    assert statuses(w)["order_portal"] == "unapproved"
    required_docs.approve(director, w.a, "order_portal", date(2025, 9, 1), " 12-о ")
    rows = {r.code: r for r in required_docs.checklist(admin, w.a)}
    row = rows["order_portal"]
    assert (row.status, row.status_title, row.approved_number, row.approved_on, row.file_name, row.approved_by) == (
        "present", "есть", "12-о", date(2025, 9, 1), "prikaz.pdf", "Director Т")
    assert required_docs.file_of(actor(w, "deputy5"), w.a, "order_portal").data == PDF.data
    assert "Приказ о введении электронного журнала и дневника" not in required_docs.missing(w.a)
    assert len(required_docs.missing(w.a)) == 3
    required_docs.upload(admin, w.a, "order_portal", Upload("prikaz2.pdf", PDF.data))
    assert statuses(w)["order_portal"] == "unapproved"
    with reading() as tx:
        actions = [e.action for e in tx.exec(select(AuditEvent).where(AuditEvent.entity == "required_document")
                                             .order_by(AuditEvent.id)).all()]
    assert actions == ["regdoc.uploaded", "regdoc.approved", "regdoc.uploaded"]


def test_who_may_and_bad_input_change_nothing(world):
    w = world
    admin, director = actor(w, "admin_a"), actor(w, "director")
    with pytest.raises(AccessDenied):
        required_docs.upload(director, w.a, "order_portal", PDF)   # the administrator uploads
    with pytest.raises(required_docs.RequiredDocError, match="ещё не загружен"):
        required_docs.approve(director, w.a, "order_portal", date(2025, 9, 1), "12")
    required_docs.upload(admin, w.a, "order_portal", PDF)
    with pytest.raises(AccessDenied):
        required_docs.approve(admin, w.a, "order_portal", date(2025, 9, 1), "12")  # the director approves
    with pytest.raises(required_docs.RequiredDocError, match="номер"):
        required_docs.approve(director, w.a, "order_portal", date(2025, 9, 1), "  ")
    with pytest.raises(required_docs.RequiredDocError, match="будущем"):
        required_docs.approve(director, w.a, "order_portal", date(2025, 12, 1), "12")
    with pytest.raises(required_docs.RequiredDocError, match="Неизвестный документ"):
        required_docs.upload(admin, w.a, "nonsense", PDF)
    with pytest.raises(required_docs.RequiredDocError, match="Приказ о назначении"):
        required_docs.upload(admin, w.a, "order_responsible", Upload("virus.exe", b"MZ\x90\x00"))
    with pytest.raises(AccessDenied):
        required_docs.checklist(actor(w, "t_math"), w.a)
    assert statuses(w) == {"order_portal": "unapproved", "order_responsible": "missing",
                           "job_descriptions": "missing", "local_regulation": "missing"}
    with reading() as tx:
        assert len(tx.exec(select(RequiredDocument)).all()) == 1
