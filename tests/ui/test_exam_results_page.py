"""«ВПР, ОГЭ, ЕГЭ»: the administrator's grid per class and subject saves through the service; the director
reads it without a form; the attestation summary shows the results beside the year marks."""
from __future__ import annotations

import pyarrow as pa
import pytest

from services.core import clock
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
    return render_page(monkeypatch, name, w.users[login], w.a, timeout=120)


def choose(at, w):
    at.selectbox(key="exam_class").set_value(w.classes["5А"]).run()
    at.selectbox(key="exam_subject").set_value(w.subjects["math"]).run()
    return at


def test_the_administrator_saves_the_grid_of_a_class(world):
    w, _ = world
    at = choose(page(world, "pages.reports.exam_results", "admin_a"), w)
    assert not at.exception and not at.error
    assert [t.label for t in at.tabs] == ["По классу и предмету", "Загрузить из Excel"]
    editor = at.get("data_editor")[0].proto
    grid = pa.ipc.open_stream(editor.arrow_data.data).read_pandas()
    assert list(grid["Ученик"]) == ["Алексеев Антон", "Борисова Бэлла", "Васильев Виктор", "Григорьева Галина"]
    assert list(grid["Отметка"].astype("object").where(grid["Отметка"].notna(), None)) == [4, 4, None, None]
    at.button(key="FormSubmitter:exam_form_%d_vpr_%d-Сохранить" % (w.classes["5А"], w.subjects["math"])).click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "Сохранено: новых 0, изменено 0, удалено 0, без изменений 2."


def test_the_director_reads_the_grid(world):
    w, _ = world
    at = choose(page(world, "pages.reports.exam_results", "director"), w)
    assert not at.exception and not at.error and not at.tabs
    assert not at.get("data_editor") and at.dataframe
    assert "12.11.2025" in at.caption[-1].value


def test_the_attestation_summary_shows_the_results(world):
    at = page(world, "pages.reports.attestation", "director")
    at.radio(key="rep_att_scope").set_value("school").run()
    assert not at.exception and not at.error
    assert "Результаты ВПР, ОГЭ, ЕГЭ" in [s.value for s in at.subheader]
    summary = next(d.value for d in at.dataframe if "Сравнено с годовой" in d.value.columns)
    row = summary[(summary["Класс"] == "9А") & (summary["Работа"] == "ОГЭ")].iloc[0]
    assert (row["Результатов"], row["Сравнено с годовой"], row["Отличаются на 1 и более"]) == (2, 1, 1)
    assert row["Средняя разница (работа − год)"] == "2,00"
