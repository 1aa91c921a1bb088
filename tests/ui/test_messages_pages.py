"""The screens of issue 8 in Streamlit's AppTest on the comms world (tests/integration/comms_world):
the inbox with its threads and a new message limited by the rules, the unread count of the
sidebar, announcements, correction requests and the administrator's queue, documents,
moderation and consents."""
from __future__ import annotations

import pytest
import streamlit.config
from streamlit.testing.v1 import AppTest

from services.comms import corrections, messages
from services.core import clock
from tests.integration import comms_world
from tests.integration.comms_world import actor
from tests.integration.world import PASSWORD
from tests.ui.conftest import ROOT, button, render_page, sign_in

@pytest.fixture
def w(sqlite_url):
    yield comms_world.build()
    clock.set_now(None)


def uid(w, label):
    return w.schools["A"].users[label]


def page(w, monkeypatch, render: str, label: str) -> AppTest:
    at = render_page(monkeypatch, render, uid(w, label), w.schools["A"].id)
    assert not at.exception, [e.message for e in at.exception]
    return at


def unread_label(at: AppTest) -> str:
    links = [e for e in at.get("page_link")]
    assert links, "no unread link in the sidebar"
    return links[0].proto.label


def test_the_inbox_offers_only_allowed_recipients_and_the_sidebar_counts_unread(w, monkeypatch):
    at = page(w, monkeypatch, "pages.comms.inbox:render", "parent_of_pupil5_1")
    to = at.selectbox(key="msg_to")
    assert len(to.options) == 2                          # the class teacher and the teacher of 5А only
    assert all(o.startswith(("Class_teacher5_a", "Teacher5_a")) for o in to.options), to.options
    to.set_value(uid(w, "class_teacher5"))
    at.text_input(key="msg_title").input("Пропуск")
    at.text_area(key="msg_body").input("Сын заболел.")
    button(at, "Отправить").click().run()
    assert not at.exception and not at.error
    assert messages.unread_total(actor(uid(w, "class_teacher5")), w.schools["A"].id) == 1

    # the class teacher signs in: the sidebar shows the count; opening the thread reads it
    streamlit.config.set_option("client.showErrorDetails", "full")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    sign_in(app, "class_teacher5_a", PASSWORD)
    assert unread_label(app) == "Непрочитанных сообщений: 1"
    ct = page(w, monkeypatch, "pages.comms.inbox:render", "class_teacher5")
    assert any("Сын заболел." in m.value for m in ct.markdown)
    assert messages.unread_total(actor(uid(w, "class_teacher5")), w.schools["A"].id) == 0
    ct.text_area(key=f"msg_reply_body{messages.inbox(actor(uid(w, 'class_teacher5')), w.schools['A'].id)[0].id}") \
        .input("Выздоравливайте!")
    button(ct, "Отправить ответ").click().run()
    assert not ct.exception and not ct.error
    app.run()
    assert unread_label(app) == "Новых сообщений нет"


def test_the_correction_form_and_the_queue(w, monkeypatch):
    at = page(w, monkeypatch, "pages.comms.corrections:render_form", "pupil5_1")
    button(at, "Отправить заявку").click().run()
    assert at.error and "«Что неверно»" in at.error[0].value
    at.text_area(key="corr_what").input("Фамилия написана с ошибкой")
    at.text_input(key="corr_where").input("Дневник")
    button(at, "Отправить заявку").click().run()
    assert at.success and "отправлена администратору" in at.success[0].value
    assert list(at.dataframe[0].value["Что неверно"]) == ["Фамилия написана с ошибкой"]
    q = page(w, monkeypatch, "pages.comms.corrections:render_queue", "admin")
    grid = q.dataframe[0].value
    assert list(grid["Осталось"]) == ["осталось 24 ч 00 мин"] and list(grid["Просрочена"]) == [""]
    button(q, "Закрыть заявку").click().run()
    assert q.error and "Комментарий" in q.error[0].value
    q.text_area(key="corr_comment").input("Исправлено")
    button(q, "Закрыть заявку").click().run()
    assert not q.exception
    (row,) = corrections.my_requests(actor(uid(w, "pupil5_1")), w.schools["A"].id)
    assert (row.status, row.resolution) == ("resolved", "Исправлено")
    denied = page(w, monkeypatch, "pages.comms.corrections:render_queue", "teacher5")
    assert denied.error and "Недостаточно прав" in denied.error[0].value


def test_documents_moderation_announcements_and_consents_render(w, monkeypatch):
    ed = page(w, monkeypatch, "pages.comms.documents:render", "editor")
    ed.text_input(key="docs_title").input("Памятка для родителей")
    ed.selectbox(key="docs_audience").set_value("guardians")
    ed.text_area(key="docs_body").input("Как пользоваться дневником.")
    button(ed, "Сохранить").click().run()
    assert not ed.exception and not ed.error
    parent = page(w, monkeypatch, "pages.comms.documents:render", "parent_of_pupil5_1")
    assert [e.label for e in parent.expander] == ["Памятка для родителей"]
    teacher = page(w, monkeypatch, "pages.comms.documents:render", "teacher5")
    assert teacher.info and not teacher.expander

    ct = page(w, monkeypatch, "pages.comms.announcements:render", "class_teacher5")
    ct.text_input(key="ann_title").input("Собрание")
    ct.text_area(key="ann_body").input("В четверг в 18:00.")
    button(ct, "Опубликовать").click().run()
    assert not ct.exception and not ct.error
    pupil = page(w, monkeypatch, "pages.comms.announcements:render", "pupil5_2")
    assert any("В четверг в 18" in m.value for m in pupil.markdown)
    assert messages.unread_total(actor(uid(w, "pupil5_2")), w.schools["A"].id) == 0   # shown = read

    mod = page(w, monkeypatch, "pages.comms.moderation:render", "moderator")
    assert not mod.dataframe and "Жалоб на сообщения нет" in mod.info[0].value  # nothing reported, nothing shown
    reader = actor(uid(w, "pupil5_2"))
    (thread,) = messages.inbox(reader, w.schools["A"].id)
    (shown,) = messages.open_thread(reader, thread.id).messages
    messages.report_message(reader, shown.id, "Реклама")
    mod = page(w, monkeypatch, "pages.comms.moderation:render", "moderator")
    assert list(mod.dataframe[0].value["Текст"]) == ["В четверг в 18:00."]
    mod.text_input(key="mod_reason").input("Реклама")
    button(mod, "Скрыть сообщение").click().run()
    assert not mod.exception and not mod.error
    assert "Жалоб на сообщения нет" in mod.info[0].value  # handled: its report is closed

    cons = page(w, monkeypatch, "pages.people.consents:render", "class_teacher5")
    assert len(cons.dataframe[0].value) == 2            # both pupils of 5А are without a consent
    cons.text_input(key="cons_document").input("заявление № 1")
    button(cons, "Записать согласие").click().run()
    assert not cons.exception and not cons.error
    assert len(cons.dataframe[0].value) == 1
