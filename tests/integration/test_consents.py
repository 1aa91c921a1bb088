"""Consents to the processing of personal data on SQLite and PostgreSQL (R-SAFE-1; 5.17): a
guardian's consent and its withdrawal are recorded and audited, pupils without a consent are
listed, and a withdrawn consent leaves the pupil out of exports to third parties."""
from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent, Guardian, StudentGuardian
from models.db import reading, transaction
from services.core import auth, clock
from services.core.policy import AccessDenied
from services.people import consents
from services.people.consents import ConsentError
from services.reports import common as reports, attestation as ra
from tests.integration import reports_world

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def rw(db_url):
    clock.set_now(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    world = reports_world.build()
    with transaction() as tx:  # Борисова's mother, next to Алексеев's (the world's «parent»)
        g = Guardian(school_id=world.school_id, last_name="Борисова", first_name="Вера")
        tx.add(g)
        tx.flush()
        tx.add(StudentGuardian(school_id=world.school_id, student_id=world.pupils["Борисова"], guardian_id=g.id))
    yield world
    clock.set_now(None)


def actor(rw, login):
    with reading() as tx:
        return auth.load_actor(tx, rw.users[login])


def guardian_of(rw, last):
    with reading() as tx:
        return tx.exec(select(StudentGuardian.guardian_id).where(
            StudentGuardian.student_id == rw.pupils[last])).one()


def test_a_withdrawn_consent_leaves_the_pupil_out_of_exports_to_third_parties(rw):
    ct = actor(rw, "ct5a")
    class_5a = rw.classes["5А"]
    everyone = {r.pupil.split()[0] for r in consents.overview(ct, rw.school_id, class_5a)}
    assert {r.pupil.split()[0] for r in consents.overview(ct, rw.school_id, class_5a, only_missing=True)} == everyone
    alexeev = consents.record(ct, rw.pupils["Алексеев"], guardian_of(rw, "Алексеев"), date(2026, 9, 1),
                              "заявление № 12 от 01.09.2026")
    borisova = consents.record(ct, rw.pupils["Борисова"], guardian_of(rw, "Борисова"), date(2026, 9, 2),
                               "заявление № 13 от 02.09.2026")
    rows = {r.pupil.split()[0]: r for r in consents.overview(ct, rw.school_id, class_5a)}
    assert (rows["Алексеев"].status_title, rows["Алексеев"].guardian, rows["Алексеев"].document) == (
        "есть", "Алексеева Анна", "заявление № 12 от 01.09.2026")
    missing = {r.pupil.split()[0] for r in consents.overview(ct, rw.school_id, class_5a, only_missing=True)}
    assert missing == everyone - {"Алексеев", "Борисова"}

    admin = actor(rw, "admin")
    q2 = f"period:{rw.q2}"
    before = ra.summary(admin, rw.school_id, column=q2, class_id=class_5a, third_party=True)
    assert before.withheld == 0
    consents.withdraw(ct, borisova, date(2026, 11, 20), note="заявление об отзыве № 3")
    third = ra.summary(admin, rw.school_id, column=q2, class_id=class_5a, third_party=True)
    own = ra.summary(admin, rw.school_id, column=q2, class_id=class_5a)
    names = {r.name.split()[0] for r in third.classes[0].rows}
    assert "Борисова" not in names and "Алексеев" in names and third.withheld == 1
    assert "Борисова" in {r.name.split()[0] for r in own.classes[0].rows}   # the school's own sheet keeps her
    with reading() as tx:
        assert reports.withheld_pupils(tx, rw.school_id, rw.pupils.values()) == {rw.pupils["Борисова"]}
        # the day before the withdrawal took effect she was still in
        assert consents.withdrawn_pupils(tx, rw.school_id, rw.pupils.values(), date(2026, 11, 19)) == set()
        events = tx.exec(select(AuditEvent).where(AuditEvent.action.in_(["consent.recorded", "consent.withdrawn"]))
                         .order_by(AuditEvent.id)).all()
    assert [(e.action, e.entity_id) for e in events] == [
        ("consent.recorded", str(rw.pupils["Алексеев"])), ("consent.recorded", str(rw.pupils["Борисова"])),
        ("consent.withdrawn", str(rw.pupils["Борисова"]))]
    assert json.loads(events[-1].new)["withdrawn_on"] == "2026-11-20" and events[-1].actor_user_id == ct.user_id
    rows = {r.pupil.split()[0]: r for r in consents.overview(ct, rw.school_id, class_5a)}
    assert (rows["Борисова"].status, rows["Борисова"].withdrawn_on) == ("withdrawn", date(2026, 11, 20))
    assert alexeev  # still in force
    # a new consent after the withdrawal brings her back
    consents.record(admin, rw.pupils["Борисова"], guardian_of(rw, "Борисова"), date(2026, 11, 20), "заявление № 14")
    assert ra.summary(admin, rw.school_id, column=q2, class_id=class_5a, third_party=True).withheld == 0


def test_who_records_and_what_is_refused(rw):
    ct5b = actor(rw, "ct5b")
    with pytest.raises(AccessDenied):        # another class's teacher
        consents.record(ct5b, rw.pupils["Алексеев"], guardian_of(rw, "Алексеев"), date(2026, 9, 1), "заявление")
    with pytest.raises(AccessDenied):
        consents.overview(actor(rw, "math_t"), rw.school_id)
    with pytest.raises(AccessDenied):
        consents.overview(ct5b, rw.school_id, rw.classes["5А"])
    ct = actor(rw, "ct5a")
    with pytest.raises(ConsentError, match="Укажите документ"):
        consents.record(ct, rw.pupils["Алексеев"], guardian_of(rw, "Алексеев"), date(2026, 9, 1), " ")
    with pytest.raises(ConsentError, match="законный представитель"):
        consents.record(ct, rw.pupils["Алексеев"], guardian_of(rw, "Борисова"), date(2026, 9, 1), "заявление")
    with pytest.raises(ConsentError, match="ещё не наступила"):
        consents.record(ct, rw.pupils["Алексеев"], guardian_of(rw, "Алексеев"), date(2026, 11, 21), "заявление")
    cid = consents.record(ct, rw.pupils["Алексеев"], guardian_of(rw, "Алексеев"), date(2026, 9, 1), "заявление")
    with pytest.raises(ConsentError, match="уже есть действующее"):
        consents.record(ct, rw.pupils["Алексеев"], guardian_of(rw, "Алексеев"), date(2026, 10, 1), "заявление 2")
    with pytest.raises(ConsentError, match="не может быть раньше"):
        consents.withdraw(ct, cid, date(2026, 8, 31))
    consents.withdraw(ct, cid, date(2026, 11, 1))
    with pytest.raises(ConsentError, match="уже отозвано"):
        consents.withdraw(ct, cid, date(2026, 11, 2))
    assert consents.classes_for(ct, rw.school_id) == {rw.classes["5А"]: "5А"}
    assert {rw.classes["5А"], rw.classes["5Б"]} <= set(consents.classes_for(actor(rw, "admin"), rw.school_id))
