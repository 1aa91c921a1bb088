"""The director's list of what the regulation still asks (items 1, 2 and 7 of issue 19): months and
periods without a recorded check, required documents missing, a year closed without its archive —
each leaves the list once put right."""
from __future__ import annotations

from datetime import date

import pytest

from services.control import records as control_records, duties, required_docs
from services.core.actor import SYSTEM
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from services.reports import archive
from services.rules.required_docs import REQUIRED
from tests.integration import indicators_world as iwm

world = iwm.world_at_now
actor = iwm.actor


def test_the_open_duties_and_how_each_is_put_right(world, tmp_path):
    w = world
    director = actor(w, "director")
    found = duties.open_duties(director, w.a)
    assert [(d.clause, d.page) for d in found] == [("5.10, 5.11", "control"), ("5.10, 5.11", "control"),
                                                   ("4.2, 4.7", "required-docs"), ("5.13", "archive")]
    assert found[0].text == "Нет ежемесячной проверки журналов за: сентябрь 2025, октябрь 2025"
    assert found[1].text == "Нет контроля по итогам периода: 1 четверть (закончилась 24.10.2025)"
    assert found[3].text == "2024/2025 учебный год закрыт без архива журналов."
    for month_end in (date(2025, 9, 30), date(2025, 10, 31)):
        control_records.record_check(director, w.a, "monthly_check", month_end, [w.classes["5А"]], "Все",
                                     "Замечаний нет")
    control_records.record_check(director, w.a, "period_control", date(2025, 10, 27), [w.classes["5А"]], "Все",
                                 "Замечаний нет", period_id=w.periods["q1"])
    for code in REQUIRED:
        required_docs.upload(actor(w, "admin_a"), w.a, code, Upload(f"{code}.pdf", b"%PDF-1.4\n%%EOF\n"))
        required_docs.approve(director, w.a, code, date(2025, 9, 1), "1-о")
    archive.build(SYSTEM, w.a, 2024, tmp_path)
    assert duties.open_duties(director, w.a) == []
    with pytest.raises(AccessDenied):
        duties.open_duties(actor(w, "t_math"), w.a)
