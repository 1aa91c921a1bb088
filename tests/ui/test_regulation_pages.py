"""AppTest of the screens of issue 19 on the hand-built fixture: the monthly check recorded by a
deputy, the class teacher's day, the required documents, and the director's list of what the
regulation still asks for."""
from __future__ import annotations

from datetime import date

import pytest

from services.control import records as control_records
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


def test_a_deputy_records_the_monthly_check_on_the_control_screen(world):
    w, _ = world
    at = page(world, "ui.control_records:render_section", "deputy5")
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
    at = page(world, "pages.journal.class_teacher", "t_rus")
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


def test_the_checklist_of_required_documents_admin_uploads_director_approves(world):
    from services.control import required_docs
    from services.core.attachments import Upload

    w, _ = world
    at = page(world, "pages.admin.required_docs", "admin_a")
    assert not at.exception and not at.error
    assert at.dataframe[0].value["Наличие"].tolist() == ["нет"] * 4
    assert "Нет утверждённых документов" in at.warning[0].value
    assert [b.label for b in at.button] == ["Загрузить"]   # the administrator uploads, never approves
    # st.file_uploader cannot be driven by AppTest: the upload goes through the same service call
    from services.core import auth
    required_docs.upload(auth.actor_for_user(w.users["admin_a"]), w.a, "local_regulation",
                         Upload("polozhenie.pdf", b"%PDF-1.4\n%%EOF\n"))
    at = page(world, "pages.admin.required_docs", "director")
    assert at.dataframe[0].value["Наличие"].tolist() == ["нет", "нет", "нет", "загружен, не утверждён"]
    next(t for t in at.text_input if t.label == "Номер приказа").input("45-о")
    next(b for b in at.button if b.label == "Утвердить").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.dataframe[0].value["Наличие"].tolist()[-1] == "есть"
    assert at.dataframe[0].value["Утверждён"].tolist()[-1] == "№ 45-о от 20.11.2025"
    assert "Недостаточно прав" in page(world, "pages.admin.required_docs", "t_math").error[0].value


def test_the_directors_dashboard_shows_what_the_regulation_still_asks(world):
    at = page(world, "pages.control.indicators_dashboard", "director")
    assert not at.exception and not at.error
    assert "По положению об электронном журнале не сделано" in [s.value for s in at.subheader]
    warnings = [x.value for x in at.warning]
    assert any(x.startswith("п. 5.10, 5.11: Нет ежемесячной проверки журналов за: сентябрь 2025") for x in warnings)
    assert any(x.startswith("п. 4.2, 4.7: Нет утверждённых документов: Приказ о введении") for x in warnings)
    assert any(x.startswith("п. 5.13: 2024/2025 учебный год закрыт без архива") for x in warnings)
    # a monitoring specialist opens the dashboard too, without the block and without a denial
    at = page(world, "pages.control.indicators_dashboard", "monitor_a")
    assert not at.exception and "По положению об электронном журнале не сделано" not in [s.value for s in at.subheader]


def test_on_the_demo_the_director_lands_on_the_dashboard_with_items_1_2_and_7(demo_url):
    """The demo records September's check and the first quarter's control, approves three of the four
    documents and has last year closed without its archive: the dashboard flags exactly those gaps."""
    from tests.ui.conftest import LOGINS
    from tests.ui.test_demo_menus import open_app

    at = open_app(LOGINS["director"]["login"])
    assert not at.exception
    assert [t.value for t in at.title] == ["Показатели школы"]
    assert "По положению об электронном журнале не сделано" in [s.value for s in at.subheader]
    warnings = [x.value for x in at.warning if x.value.startswith("п. ")]
    assert [w.split(":")[0] for w in warnings] == ["п. 5.10, 5.11", "п. 4.2, 4.7", "п. 5.13"]
    assert "октябрь 2026" in warnings[0] and "сентябрь" not in warnings[0]
    assert "Изменения в должностные инструкции" in warnings[1] and "Приказ" not in warnings[1]
    assert "(утверждено 3 из 4)" in warnings[1]   # present and missing, in one line
    assert "2025/2026 учебный год закрыт без архива" in warnings[2]
