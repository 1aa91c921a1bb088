"""AppTest of the screens of issue 19 on the hand-built fixture: the monthly check recorded by a
deputy, the class teacher's day, the required documents, and the director's list of what the
regulation still asks for."""
from __future__ import annotations

from datetime import date

import pytest

from services import clock, control_records
from tests.integration import indicators_world as iwm
from tests.ui.conftest import render_page


@pytest.fixture
def world(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ANALYTICS_PATH", str(tmp_path / "a.duckdb"))
    clock.set_now(iwm.NOW)
    try:
        yield iwm.build(), monkeypatch
    finally:
        clock.set_now(None)


def page(world, name, login):
    w, monkeypatch = world
    return render_page(monkeypatch, f"pages.{name}", w.users[login], w.a, timeout=120)


def test_a_deputy_records_the_monthly_check_on_the_control_screen(world):
    w, _ = world
    at = page(world, "control_records:render_section", "deputy5")
    assert not at.exception and not at.error
    warnings = " ".join(x.value for x in at.warning)
    assert "Нет ежемесячной проверки журналов за: сентябрь 2025, октябрь 2025" in warnings
    assert "1 четверть (закончилась 24.10.2025)" in warnings
    # the deputy of the 5th parallel is offered 5А only
    assert at.multiselect[0].options == ["5А"]
    at.date_input[0].set_value(date(2025, 10, 29))
    at.multiselect[0].set_value([w.classes["5А"]])
    at.text_input[0].input("Математика")
    at.text_area[0].input("Замечаний нет.")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert control_records.months_without_check(w.a) == [date(2025, 9, 1)]
    assert "октябрь 2025" not in " ".join(x.value for x in at.warning)
    assert at.dataframe[0].value["Классы"].tolist() == ["5А"]
