"""The monthly check of the journals (5.10) and the end-of-period control (5.11) recorded: a deputy
records them for their parallels only, bad input changes nothing, a month or an ended period
without a record is flagged."""
from __future__ import annotations

import subprocess
from datetime import date

import pytest
from sqlmodel import select

from models import AuditEvent, ControlAct
from models.db import reading
from services.control import records as control_records
from services.control.acts import ControlError
from services.core.policy import AccessDenied
from tests.integration import indicators_world as iwm

world = iwm.world_at_now
actor = iwm.actor


def test_a_deputy_records_a_monthly_check_of_their_parallel_and_the_month_is_no_longer_flagged(world):
    w = world
    # the year's ended months: September and October (November is not over on 20 Nov)
    assert control_records.months_without_check(w.a) == [date(2025, 9, 1), date(2025, 10, 1)]
    deputy = actor(w, "deputy5")
    act_id = control_records.record_check(
        deputy, w.a, "monthly_check", date(2025, 10, 30), [w.classes["5А"]], "Математика, русский язык",
        "В 5А не записаны темы двух уроков.", "Учителю математики заполнить темы до 05.11.2025.")
    assert control_records.months_without_check(w.a) == [date(2025, 9, 1)]
    with reading() as tx:
        act = tx.get(ControlAct, act_id)
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "control.check_recorded")).one()
    assert (act.kind, act.classes, act.author_user_id) == ("monthly_check", "5А", w.users["deputy5"])
    assert act.orders.startswith("Учителю математики") and event.entity_id == str(act_id)
    listed = control_records.records(actor(w, "director"), w.a)
    assert [(r.classes, r.journals, r.author) for r in listed] == [("5А", "Математика, русский язык", "Deputy5 Т")]
    # the deputy is offered only their parallel; the director every class
    assert control_records.choices(deputy, w.a)[0] == [(w.classes["5А"], "5А")]
    assert len(control_records.choices(actor(w, "director"), w.a)[0]) == 3


def test_a_deputy_cannot_record_another_parallel_and_bad_input_changes_nothing(world):
    w = world
    deputy = actor(w, "deputy5")
    with pytest.raises(AccessDenied):   # 9А is not the deputy's parallel (5)
        control_records.record_check(deputy, w.a, "monthly_check", date(2025, 10, 30),
                                     [w.classes["5А"], w.classes["9А"]], "Математика", "Замечаний нет")
    with pytest.raises(AccessDenied):   # a teacher records nothing
        control_records.record_check(actor(w, "t_math"), w.a, "monthly_check", date(2025, 10, 30),
                                     [w.classes["5А"]], "Математика", "Замечаний нет")
    with pytest.raises(ControlError, match="что обнаружено"):
        control_records.record_check(deputy, w.a, "monthly_check", date(2025, 10, 30), [w.classes["5А"]],
                                     "Математика", "  ")
    with pytest.raises(ControlError, match="хотя бы один"):
        control_records.record_check(deputy, w.a, "monthly_check", date(2025, 10, 30), [], "Математика", "Нет")
    with pytest.raises(ControlError, match="будущем"):
        control_records.record_check(deputy, w.a, "monthly_check", date(2025, 11, 25), [w.classes["5А"]],
                                     "Математика", "Нет")
    with pytest.raises(ControlError, match="учебный период"):
        control_records.record_check(deputy, w.a, "period_control", date(2025, 10, 30), [w.classes["5А"]],
                                     "Математика", "Нет")
    with reading() as tx:
        assert tx.exec(select(ControlAct).where(ControlAct.kind.in_(list(control_records.KINDS)))).all() == []
        denials = tx.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert any("control.record" in e.detail for e in denials)


def test_an_ended_period_without_its_control_is_flagged_until_recorded(world):
    w = world
    gaps = control_records.periods_without_control(w.a)
    assert [(g.name, g.ended_on) for g in gaps] == [("1 четверть", date(2025, 10, 24))]
    control_records.record_check(actor(w, "director"), w.a, "period_control", date(2025, 10, 27),
                                 [w.classes["5А"], w.classes["9А"]], "Все предметы",
                                 "Отметки за четверть выставлены объективно.", "", period_id=w.periods["q1"])
    assert control_records.periods_without_control(w.a) == []
    listed = control_records.records(actor(w, "deputy5"), w.a)
    assert [(r.kind, r.period, r.classes) for r in listed] == [("period_control", "1 четверть", "5А, 9А")]


def test_the_check_prints_with_its_classes_journals_and_orders(world, tmp_path):
    from services.control import acts as control

    w = world
    act_id = control_records.record_check(actor(w, "deputy5"), w.a, "monthly_check", date(2025, 10, 30),
                                          [w.classes["5А"]], "Математика", "Темы не записаны.",
                                          "Заполнить темы до 05.11.2025.")
    pdf = tmp_path / "act.pdf"
    pdf.write_bytes(control.act_pdf(actor(w, "director"), act_id))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for line in ("Ежемесячная проверка журналов (5.10)", "Проверенные классы: 5А", "Проверенные журналы: Математика",
                 "Темы не записаны.", "Поручено:", "Заполнить темы до 05.11.2025."):
        assert line in text, line
