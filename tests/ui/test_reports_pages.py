"""The report screens in Streamlit's AppTest: each renders for the roles it serves, refuses the
others with the policy's message, and the long runs end with their file."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from tests.integration import reports_world
from tests.ui.conftest import render_page

MSK = ZoneInfo("Europe/Moscow")
@pytest.fixture
def rw(sqlite_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    return reports_world.build()


def page(rw, monkeypatch, name: str, login: str) -> AppTest:
    at = render_page(monkeypatch, name, rw.users[login], rw.school_id)
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_attestation_screen(rw, monkeypatch):
    at = page(rw, monkeypatch, "pages.reports.attestation", "ct5a")
    assert not at.error and at.title[0].value == "Сводная ведомость аттестации"
    assert [r.value for r in at.radio] == ["class"]                   # a class teacher: their class only
    grid = at.dataframe[0].value
    assert list(grid["Ученик"]) == ["Алексеев Антон", "Борисова Бэлла", "Васильев Виктор", "Григорьева Галина",
                                    "Егорова Елена"]
    assert "Проектная деятельность" not in grid.columns
    admin = page(rw, monkeypatch, "pages.reports.attestation", "admin")
    admin.radio(key="rep_att_scope").set_value("school").run()
    totals = admin.dataframe[0].value
    assert list(totals["Класс"]) == ["5А", "5Б", "Итого"]
    admin.text_input(key="rep_att_search").set_value("дмитр").run()
    assert [list(d.value.get("Ученик", [])) for d in admin.dataframe[1:]] == [[], ["Дмитриев Денис"]]
    denied = page(rw, monkeypatch, "pages.reports.attestation", "parent")
    assert denied.error and "Недостаточно прав" in denied.error[0].value


def test_weekly_sheets_screen(rw, monkeypatch):
    at = page(rw, monkeypatch, "pages.reports.weekly", "ct5a")
    assert not at.error
    assert at.date_input[0].value == (datetime(2026, 11, 16).date(), datetime(2026, 11, 20).date())
    grid = at.dataframe[0].value
    assert set(grid["Ученик"]) == {"Алексеев Антон", "Борисова Бэлла", "Григорьева Галина", "Егорова Елена"}
    assert len(at.get("download_button")) == 2 and not at.expander          # no whole-school run for them
    at.multiselect(key="rep_week_weekly_subjects").set_value(["Математика"]).run()
    assert set(at.dataframe[0].value["Предмет"]) == {"Математика"}
    admin = page(rw, monkeypatch, "pages.reports.weekly", "admin")
    admin.button(key="rep_week_weekly_school").click().run()
    assert not admin.exception and admin.get("progress")[0].value == 100
    assert len(admin.get("download_button")) == 3


def test_class_report_changes_and_archive_screens(rw, monkeypatch):
    at = page(rw, monkeypatch, "pages.reports.class_progress", "ct5a")
    assert not at.error and "Математика" in at.dataframe[0].value.columns
    assert page(rw, monkeypatch, "pages.reports.class_progress", "math_t").info            # not a class teacher: no classes
    changes = page(rw, monkeypatch, "pages.reports.mark_changes", "admin")
    assert not changes.error and changes.info[0].value == "Изменений отметок с такими условиями нет."
    assert "Недостаточно прав" in page(rw, monkeypatch, "pages.reports.mark_changes", "director").error[0].value
    arch = page(rw, monkeypatch, "pages.reports.archive_year", "admin")
    assert arch.selectbox(key="archive_year").options == ["2026/2027"]
    assert "Недостаточно прав" in page(rw, monkeypatch, "pages.reports.archive_year", "ct5a").error[0].value
