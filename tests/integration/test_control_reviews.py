"""The director's monthly review (4.7, 5.10; R-CTL-5) as a dated control act: recorded, printable, and a
calendar month without one flagged."""
from __future__ import annotations

import subprocess
from datetime import date

import pytest
from sqlmodel import select

from models import AuditEvent, ControlAct
from models.db import reading
from services.control import acts as control
from services.core import auth, clock
from services.core.policy import AccessDenied
from tests.integration import indicators_world as iwm


@pytest.fixture
def world(db_url):
    clock.set_now(iwm.NOW)
    try:
        yield iwm.build()
    finally:
        clock.set_now(None)


def actor(w, login):
    return auth.actor_for_user(w.users[login])


def test_months_without_a_review_are_flagged(world):
    w = world
    # the fixture has September's review; October has ended without one; November is not over
    assert control.months_without_review(w.a) == [date(2025, 10, 1)]
    act_id = control.record_review(actor(w, "director"), w.a, date(2025, 10, 31),
                                   "Проверены журналы 5А и 9А. Замечания: темы не записаны в 9А.")
    assert control.months_without_review(w.a) == []
    # December, once it is over, is flagged again
    clock.set_now(iwm.NOW.replace(year=2026, month=1, day=12))
    assert control.months_without_review(w.a) == [date(2025, 11, 1), date(2025, 12, 1)]
    clock.set_now(iwm.NOW)
    with reading() as tx:
        act = tx.get(ControlAct, act_id)
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "control.review_recorded")).one()
    assert (act.kind, act.held_on, act.author_user_id) == ("director_review", date(2025, 10, 31), w.users["director"])
    assert event.entity_id == str(act_id)
    listed = control.acts(actor(w, "deputy5"), w.a, "director_review")
    assert [(a.held_on, a.author) for a in listed] == [(date(2025, 10, 31), "Director Т"), (date(2025, 9, 29), "Director Т")]


def test_only_the_director_records_it_and_bad_input_is_refused(world):
    w = world
    with pytest.raises(AccessDenied):
        control.record_review(actor(w, "deputy5"), w.a, date(2025, 11, 1), "Текст")
    with pytest.raises(control.ControlError, match="Запишите"):
        control.record_review(actor(w, "director"), w.a, date(2025, 11, 1), "   ")
    with pytest.raises(control.ControlError, match="будущем"):
        control.record_review(actor(w, "director"), w.a, date(2025, 11, 21), "Текст")
    with reading() as tx:
        assert len(tx.exec(select(ControlAct)).all()) == 1


def test_the_act_prints(world, tmp_path):
    w = world
    act_id = control.record_review(actor(w, "director"), w.a, date(2025, 11, 20), "Замечаний нет.")
    data = control.act_pdf(actor(w, "director"), act_id)
    pdf = tmp_path / "act.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert f"Акт № {act_id} от 20.11.2025" in text
    assert "Ежемесячная проверка журнала директором" in text and "Замечаний нет." in text
    # a school document: the school's name, page numbers, the signature block
    assert "Школа А" in text and "Стр. 1 из 1" in text and "С актом ознакомлены" in text and "____" in text
    with pytest.raises(AccessDenied):
        control.act_pdf(actor(w, "t_math"), act_id)
