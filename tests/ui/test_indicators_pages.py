"""AppTest of the indicator screens on the hand-built fixture: the dashboard renders every category
and a drill-down lists the rows behind a value; the control plan, the municipality, olympiads and
the ФСН statistics render without errors."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from services.core import clock
from tests.integration import indicators_world as iwm
from tests.ui.conftest import render_page

# a page's render(actor, school or municipality) on its own, as the app's page wrapper calls it
@pytest.fixture
def world(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ANALYTICS_PATH", str(tmp_path / "a.duckdb"))
    clock.set_now(iwm.NOW)
    try:
        yield iwm.build(), monkeypatch
    finally:
        clock.set_now(None)


def page(world, name, login, target=None) -> AppTest:
    w, monkeypatch = world
    return render_page(monkeypatch, name, w.users[login], target if target is not None else w.a,
                       timeout=120)


def test_dashboard_shows_every_category_and_a_drilldown(world):
    at = page(world, "pages.control.indicators_dashboard", "director")
    assert not at.exception and not at.error
    assert [t.label for t in at.tabs] == ["Оперативные показатели", "Качество образования", "Олимпиады",
                                          "Пользователи", "Электронный журнал", "Контроль завуча (п. 3.6)"]
    tables = [df.value for df in at.dataframe]
    assert [len(t) for t in tables[:6]] == [6, 7, 8, 5, 7, 9]
    assert "данные на 12:00" in " ".join(c.value for c in at.caption)
    operational = tables[0]
    # the default dates are the running period, 2 четверть (5–20 Nov): systemic failure 1 of 7 (P2)
    assert operational["Показатель"][1] == "Системная неуспеваемость"
    assert operational["Значение"][1] == "14,3 %" and operational["Оценка"][1] == "плохо"
    at.session_state["ind_table_operational"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.markdown[0].value == "**Системная неуспеваемость** — 14,3 % (1 из 7)"
    drill = at.dataframe[-1].value
    assert list(drill.columns) == ["Ученик", "Класс", "Предмет", "Причина"]
    assert drill["Ученик"].tolist() == ["Борисова Бэлла"] and drill["Предмет"].tolist() == ["Математика"]
    # the indicators table and the rows behind the value can be downloaded (made only on a click)
    assert [b.label for b in at.get("download_button")] == ["Скачать CSV", "Скачать XLSX"] * 2


def test_dashboard_narrowed_to_a_class(world):
    w, _ = world
    at = page(world, "pages.control.indicators_dashboard", "director")
    at.selectbox(key="ind_class").set_value(w.classes["9А"]).run()
    assert not at.exception and not at.error
    operational = at.dataframe[0].value
    # 2 четверть, 9А: L18 and L19, two pupils each, Дмитриев absent from both → 2 of 4
    assert operational["Значение"][3] == "50,0 %" and operational["Числитель"][3] == "2"


def test_deputy_dashboard_is_limited_to_the_parallel(world):
    at = page(world, "pages.control.indicators_dashboard", "deputy5")
    assert not at.exception and not at.error
    assert "параллели 5" in " ".join(c.value for c in at.caption)


def test_control_plan_and_reviews(world):
    at = page(world, "pages.control.plan", "director")
    assert not at.exception and not at.error
    summary = at.dataframe[0].value
    assert summary["Проверка"].tolist()[0] == "Своевременность записи уроков"
    # the snapshot the checks were run on is named (taken on this first visit)
    assert "данные на 12:00" in " ".join(c.value for c in at.caption)
    assert any("октябрь 2025" in w.value for w in at.warning)
    # send the findings of one check to the teachers concerned
    at.selectbox(key="ctl_check").set_value("Объём домашнего задания (СанПиН)").run()
    assert at.dataframe[1].value["Замечание"].tolist()[0].startswith("Домашнее задание в 1 классе")
    at.button(key="ctl_send").click().run()
    assert not at.exception and at.success[-1].value.startswith("Отправлено: 1 получателям; записан акт №")


def test_municipality_has_no_names(world):
    w, _ = world
    at = page(world, "pages.control.municipality", "coord", w.municipality_id)
    assert not at.exception and not at.error
    text = " ".join(str(v) for df in at.dataframe for v in df.value.astype(str).values.ravel())
    assert "Школа Б" in " ".join(df.value.columns.tolist()[-1] for df in at.dataframe[:1])
    for surname in ("Алексеев", "Борисова", "Дмитриев"):
        assert surname not in text
    # the XLSX summary is made (and its export recorded) only when it is downloaded, not on a visit
    from sqlmodel import select

    from models import AuditEvent
    from models.db import reading
    with reading() as tx:
        assert not tx.exec(select(AuditEvent).where(AuditEvent.action == "indicators.exported")).all()


@pytest.mark.parametrize("name,login", [("pages.control.olympiads", "admin_a"), ("pages.reports.fsn_monitoring", "monitor_a")])
def test_other_pages_render(world, name, login):
    at = page(world, name, login)
    assert not at.exception and not at.error
    assert at.dataframe


def test_sent_findings_are_in_the_teachers_todo_until_done(world):
    """5.12: the deputy's findings reach the teacher's «Мои задачи» and leave it when marked done."""
    from services.control import acts as control, indicators
    from services.control.indicators import Choice
    from services.core import auth
    w, _ = world
    director = auth.actor_for_user(w.users["director"])
    found = indicators.findings(director, w.a, Choice(iwm.YEAR_FROM, iwm.YEAR_TO), "ctl_homework_volume")
    control.send_findings(director, w.a, [("ctl_homework_volume", f) for f in found], "Прошу исправить.")
    at = page(world, "pages.journal.teacher_todo", "t_rus")
    assert not at.exception
    assert at.subheader[0].value == "Замечания внутришкольного контроля (1)"
    assert "ДЗ на день 130 мин при норме 120 мин" in at.text[0].value
    at.button[0].click().run()
    assert not at.exception and not at.subheader
    assert control.my_findings(auth.actor_for_user(w.users["t_rus"])) == []
