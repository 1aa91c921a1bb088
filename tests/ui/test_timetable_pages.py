"""The timetable screens in AppTest: the editor refuses a clashing row with its reason and
changes nothing, saves a valid one from the chosen date; the views render by class and school."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import TimetableSlot
from models.db import reading
from pages.planning import timetable_edit
from services.planning import timetable
from tests.integration import timetable_world
from tests.integration.timetable_world import rows_5a
from tests.ui.conftest import render_page

@pytest.fixture
def w(sqlite_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    w = timetable_world.build()
    timetable.save_class(w.actor("admin"), w.classes["5А"], rows_5a(w), date(2026, 9, 1))
    return w


def page(w, monkeypatch, name: str, login: str) -> AppTest:
    at = render_page(monkeypatch, name, w.users[login], w.school_id)
    assert not at.exception, [e.message for e in at.exception]
    return at


def add_row(at: AppTest, **cells) -> None:
    key = at.session_state[timetable_edit.EDITOR_KEY]
    at.session_state[key] = {"edited_rows": {}, "added_rows": [cells], "deleted_rows": []}
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def save(at: AppTest) -> None:
    [b for b in at.button if b.label == "Сохранить расписание"][0].click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def plain(markdown: str) -> str:
    return markdown.replace("\\", "")  # web.md escapes markdown characters


def slots_5b(w):
    with reading() as tx:
        return tx.exec(select(TimetableSlot).where(TimetableSlot.class_id == w.classes["5Б"])).all()


def test_the_editor_refuses_a_clash_with_its_reason_and_saves_a_valid_row(w, monkeypatch):
    at = page(w, monkeypatch, "pages.planning.timetable_edit", "deputy5")
    assert at.selectbox(key="tt_edit_class").options == ["5А", "5Б"]      # the deputy's parallel only
    assert at.date_input(key="tt_edit_from").value == date(2026, 11, 16)  # today by default
    week = at.html[0].value                                               # 5А as its rows make it
    assert '<td class="tt-n">1</td><td>Математика — Иванова А. С., каб. 10</td>' in week
    at.selectbox(key="tt_edit_class").set_value(w.classes["5Б"]).run()
    # Иванова teaches 5А on Monday, first lesson
    add_row(at, **{"День": "Пн", "Урок": 1, "Предмет": "Математика", "Учитель": "Иванова А. С.", "Кабинет": "15"})
    assert at.warning and "в двух местах сразу" in at.warning[0].value
    assert '<td class="tt-changed">⚠ Математика — Иванова' in at.html[0].value  # the row is marked in the week
    save(at)
    assert at.error and "Расписание не сохранено" in at.error[0].value
    assert not at.warning                                                   # said once, not twice
    assert "Учитель Иванова А. С. в двух местах сразу: Пн, 1 урок — 5Б Математика и 5А Математика" in plain(at.error[0].value)
    assert slots_5b(w) == []
    # the same lesson second on Monday is free
    add_row(at, **{"День": "Пн", "Урок": 2, "Предмет": "Математика", "Учитель": "Иванова А. С.", "Кабинет": "15"})
    assert not at.warning
    hours = at.dataframe[1].value
    assert list(hours["В расписании"]) == [1, 0] and list(hours["Итог"]) == ["не хватает 4 ч", "не хватает 4 ч"]
    save(at)
    assert not at.error
    saved = slots_5b(w)
    assert [(s.weekday, s.lesson_number, s.room, s.valid_from) for s in saved] == [(1, 2, "15", date(2026, 11, 16))]
    assert at.dataframe[0].value.loc[0, "Урок"] == 2                     # the editor reopened on the saved rows


def test_a_teacher_without_load_in_the_subject_is_flagged(w, monkeypatch):
    at = page(w, monkeypatch, "pages.planning.timetable_edit", "deputy5")
    at.selectbox(key="tt_edit_class").set_value(w.classes["5Б"]).run()
    add_row(at, **{"День": "Пн", "Урок": 3, "Предмет": "Математика", "Учитель": "Петрова А. С.", "Кабинет": "15"})
    assert not at.warning
    assert "у учителя Петрова А. С. нет нагрузки по предмету «Математика»" in plain(at.info[0].value)
    add_row(at, **{"День": "Пн", "Урок": 3, "Предмет": "Математика", "Учитель": "Иванова А. С.", "Кабинет": "15"})
    assert not [i for i in at.info if "нет нагрузки" in i.value]


def test_a_deputy_of_another_parallel_and_a_teacher_do_not_edit(w, monkeypatch):
    at = page(w, monkeypatch, "pages.planning.timetable_edit", "deputy6")
    assert at.selectbox(key="tt_edit_class").options == ["6А"]
    teacher = page(w, monkeypatch, "pages.planning.timetable_edit", "math")
    assert not teacher.selectbox and teacher.info


def test_the_views_by_class_and_the_whole_school(w, monkeypatch):
    at = page(w, monkeypatch, "pages.planning.timetable_view", "deputy5")
    assert at.radio(key="tt_view_mode").value == "Вся школа"     # a deputy teaches nothing: the school
    at.radio(key="tt_view_mode").set_value("Класс").run()
    assert not at.error
    week = at.html[0].value
    assert "<th>Пн 16.11</th>" in week and "<td><div class=\"tt-lesson\">Математика, Иванова А. С., каб. 10</div>" in week
    at.radio(key="tt_view_mode").set_value("Вся школа").run()
    assert not at.error and "5А" in at.dataframe[0].value.columns
