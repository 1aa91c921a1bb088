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


def test_the_class_teacher_sees_the_day_and_explains_an_absence_for_all_subjects(world):
    from sqlmodel import select

    from models import Attendance
    from models.db import reading, transaction

    w, _ = world
    with transaction() as tx:   # Алексеев missed today's Russian (L23, 20 Nov)
        tx.add(Attendance(school_id=w.a, lesson_id=w.lessons["L23"].id, student_id=w.pupils["P1"], status="absent",
                          entered_at=iwm.msk(11, 20, 11)))
    at = page(world, "class_teacher", "t_rus")
    assert not at.exception and not at.error
    assert [t.label for t in at.tabs][:2] == ["День класса", "Посещаемость за день"]
    frame = at.dataframe[0].value
    assert frame["Ученик"].tolist()[0].startswith("Алексеев") and frame["Пропуски"][0] == "5. Русский язык — Н"
    next(t for t in at.text_input if t.label == "Документ").input("заявление родителя от 20.11.2025")
    next(r for r in at.radio if r.label == "Причина").set_value("excused")
    next(b for b in at.button if b.label == "Отметить причину").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with reading() as tx:
        status = tx.exec(select(Attendance.status).where(Attendance.lesson_id == w.lessons["L23"].id,
                                                         Attendance.student_id == w.pupils["P1"])).one()
    assert status == "excused"
    assert at.dataframe[0].value["Пропуски"][0] == "5. Русский язык — У"
    assert "заявление родителя" in " ".join(at.dataframe[1].value["Документ"].tolist())
