"""Communicating the results of control (5.12, R-CTL-5): each teacher and class teacher gets the findings
that concern them in their inbox; the control is recorded as a dated act; a deputy sends only
findings of their parallels."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import AuditEvent, ControlAct, Notice
from models.db import reading
from services.comms import notices
from services.control import acts as control, indicators
from services.control.indicators import Choice
from services.core import auth, clock
from services.core.policy import AccessDenied
from tests.integration import indicators_world as iwm

YEAR = Choice(iwm.YEAR_FROM, iwm.YEAR_TO)


@pytest.fixture
def world(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ANALYTICS_PATH", str(tmp_path / "a.duckdb"))
    clock.set_now(iwm.NOW)
    try:
        yield iwm.build()
    finally:
        clock.set_now(None)


def actor(w, login):
    return auth.actor_for_user(w.users[login])


def test_findings_reach_the_teachers_concerned(world):
    w = world
    director = actor(w, "director")
    found = indicators.findings_of(director, w.a, YEAR, ["ctl_homework_volume", "ctl_substitutions"])
    pairs = [(check, f) for check, items in found.items() for f in items]
    sent = control.send_findings(director, w.a, pairs, note="Прошу устранить до пятницы.")
    # homework volume: 5А → its class teacher (rus); 1А has none; substitutions: the absent math
    # teacher (1А missed, 9А other subject)
    assert (sent.recipients, sent.notices, sent.findings) == (2, 2, 4)
    math_inbox = notices.inbox(actor(w, "t_math"))
    assert len(math_inbox) == 1 and math_inbox[0].kind == "control_finding"
    text = math_inbox[0].text
    assert text.startswith("Прошу устранить до пятницы.\nЗамечания внутришкольного контроля:")
    assert "Замещённые и пропущенные уроки: 1А, Математика, 17.11.2025 — Урок не проведён: замена не найдена" in text
    assert "9А, Математика, 18.11.2025 — Замена учителем другого предмета" in text
    rus_inbox = notices.inbox(actor(w, "t_rus"))
    assert len(rus_inbox) == 1 and "ДЗ на день 130 мин при норме 120 мин" in rus_inbox[0].text
    assert [n.kind for n in control.my_findings(actor(w, "t_rus"))] == ["control_finding"]
    with reading() as tx:
        act = tx.get(ControlAct, sent.act_id)
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "control.findings_sent")).one()
    assert (act.kind, act.held_on, act.author_user_id) == ("control_check", date(2025, 11, 20), w.users["director"])
    assert act.findings.count("\n") == 4 and event.entity_id == str(sent.act_id)
    assert math_inbox[0].link == f"control_act:{sent.act_id}"


def test_a_deputy_sends_only_their_parallel_and_nothing_half_way(world):
    w = world
    director, deputy = actor(w, "director"), actor(w, "deputy5")
    all_found = indicators.findings(director, w.a, YEAR, "ctl_marks_timely")
    with pytest.raises(AccessDenied):
        control.send_findings(deputy, w.a, [("ctl_marks_timely", f) for f in all_found])
    with reading() as tx:
        assert tx.exec(select(Notice)).all() == [] and tx.exec(
            select(ControlAct).where(ControlAct.kind == "control_check")).all() == []
    own = indicators.findings(deputy, w.a, YEAR, "ctl_marks_timely")
    assert {f.class_name for f in own} == {"5А"}
    assert control.send_findings(deputy, w.a, [("ctl_marks_timely", f) for f in own]).findings == len(own)
    with pytest.raises(control.ControlError, match="Не выбрано"):
        control.send_findings(deputy, w.a, [])
