"""«Пользователи и роли», «Настройки школы», «Журнал событий», «Мой профиль» through AppTest."""
from __future__ import annotations

from datetime import date

from sqlmodel import select

from models import CredentialIssue, User
from models.db import reading
from services.core import auth, school_settings
from ui import web
from tests.ui.conftest import PASSWORD, button, sign_in


def test_users_page_lists_the_school_with_roles_and_activation(app):
    sign_in(app, "admin1")
    assert [t.value for t in app.title] == ["Пользователи и роли"]
    assert [t.label for t in app.tabs] == ["Список", "Новый пользователь", "Роли и доступ"]
    frame = app.dataframe[0].value
    assert list(frame["Логин"]) == ["teacher1", "parent1", "admin1", "director1"]  # by surname
    admin = frame[frame["Логин"] == "admin1"].iloc[0]
    assert admin["Роли"] == "Администратор" and admin["Входил(а)"] == "да" and admin["Последний вход"]
    assert frame[frame["Логин"] == "teacher1"].iloc[0]["Входил(а)"] == "нет"
    assert "Пользователей: 4, входили хотя бы раз: 1 (25 %)" in app.caption[0].value
    assert [b.label for b in app.get("download_button")] == ["Скачать CSV", "Скачать XLSX"]


def test_creating_a_user_shows_the_one_time_password_once(app, world):
    sign_in(app, "admin1")
    app.selectbox(key="users_new_0_role").set_value("secretary")
    app.run()
    app.text_input(key="users_new_0_last").input("Смирнова")
    app.text_input(key="users_new_0_first").input("Елена")
    app.text_input(key="users_new_0_login").input("Smirnova.E")
    app.text_input(key="users_new_0_email").input("smirnova@test.local")
    button(app, "Создать пользователя").click()
    app.run()
    assert not app.exception, app.exception
    assert [s.value for s in app.success] == ["Пользователь «smirnova.e» создан с ролью «Секретарь».",
                                              "Одноразовый пароль для «smirnova.e»:"]
    one_time = app.code[0].value
    assert len(one_time) == 10
    assert "smirnova.e" in list(app.dataframe[0].value["Логин"])
    with reading() as tx:
        user = tx.exec(select(User).where(User.login == "smirnova.e")).one()
        assert user.must_change_password and user.email == "smirnova@test.local"
        assert tx.exec(select(CredentialIssue).where(CredentialIssue.user_id == user.id)).one().kind == "initial"
    assert auth.sign_in("smirnova.e", one_time).must_change_password
    app.run()  # any next click: the password is gone, the form is empty again
    assert not app.code
    assert app.text_input(key="users_new_1_login").value == ""


def test_a_bad_login_is_refused_with_its_reason(app):
    sign_in(app, "admin1")
    app.text_input(key="users_new_0_last").input("Смирнова")
    app.text_input(key="users_new_0_first").input("Елена")
    app.text_input(key="users_new_0_login").input("teacher1")
    button(app, "Создать пользователя").click()
    app.run()
    assert [e.value for e in app.error] == ["Логин «teacher1» уже занят."]


def test_roles_password_reset_and_disabling(app, world):
    sign_in(app, "admin1")
    app.selectbox(key="users_pick").set_value(world.ids["teacher1"])
    app.run()
    k = f"users_grant_{world.ids['teacher1']}"
    app.selectbox(key=f"{k}_role").set_value("deputy")
    app.run()
    app.text_input(key=f"{k}_grades").input("5, 6")
    button(app, "Выдать роль").click()
    app.run()
    assert [s.value for s in app.success] == ["Роль «Завуч» выдана teacher1."]
    row = app.dataframe[0].value.set_index("Логин").loc["teacher1"]
    assert row["Роли"] == "Завуч (параллели 5,6), Учитель"

    button(app, "Сбросить пароль").click()
    app.run()
    one_time = app.code[0].value
    assert auth.sign_in("teacher1", one_time).must_change_password

    button(app, "Отключить учётную запись").click()
    app.run()
    assert [s.value for s in app.success] == ["Учётная запись teacher1 отключена."]
    assert app.dataframe[0].value.set_index("Логин").loc["teacher1"]["Учётная запись"] == "отключена"
    revoke = [b for b in app.button if b.key and b.key.startswith("users_revoke_")]
    revoke[0].click()
    app.run()
    assert [s.value for s in app.success] == ["Роль «Завуч» отозвана у teacher1."]


def test_the_director_sees_the_list_only(app):
    sign_in(app, "director1")
    assert [t.value for t in app.title] == ["Показатели школы"]  # the director starts on the indicators
    app.switch_page("pages/people/users_roles.py").run()
    assert [t.value for t in app.title] == ["Пользователи и роли"]
    assert not app.tabs and not [b for b in app.button if b.label == "Создать пользователя"]
    assert len(app.dataframe[0].value) == 4


def test_settings_save_the_edit_window_and_the_audit_log_shows_it(app, world):
    sign_in(app, "admin1")
    app.switch_page("pages/admin/school_settings.py").run()
    assert [t.value for t in app.title] == ["Настройки школы"]
    key = f"settings_{world.school_id}"
    window = app.radio(key=f"{key}_edit_window")
    assert window.options == ["Никогда (до конца учебного года)", "Через неделю", "Через две недели",
                              "Через 3 недели", "Через месяц"]
    window.set_value("week")
    app.date_input(key=f"{key}_example").set_value(date(2026, 11, 10))
    app.run()
    assert "Отметку за урок 10.11.2026 можно изменить до **17.11.2026 23:59**" in app.info[0].value
    app.radio(key=f"{key}_edit_window").set_value("month")
    app.date_input(key=f"{key}_example").set_value(date(2027, 1, 31))
    app.run()
    assert "до **28.02.2027 23:59**" in app.info[0].value
    app.radio(key=f"{key}_edit_window").set_value("week")
    app.run()
    button(app, "Сохранить").click()
    app.run()
    assert not app.exception, app.exception
    assert [s.value for s in app.success] == ["Сохранено: Изменение отметок после урока — Через неделю."]
    assert school_settings.load(world.school_id).edit_window == "week"
    captions = " ".join(c.value for c in app.caption)
    for info in school_settings.SETTINGS:  # every setting is shown with its help text
        assert info.help in captions

    app.switch_page("pages/admin/audit_log.py").run()
    assert [t.value for t in app.title] == ["Журнал событий"]
    frame = app.dataframe[0].value
    change = frame[frame["Действие"] == "Изменены настройки школы"].iloc[0]
    assert change["Было"] == "Изменение отметок после урока: Никогда (до конца учебного года)"
    assert change["Стало"] == "Изменение отметок после урока: Через неделю"
    assert change["Объект"] == f"настройки школы {world.school_id}"
    assert change["Пользователь"] == "Петрова Анна (admin1) — Администратор"
    assert "Вход" in list(frame["Действие"])
    app.multiselect(key="audit_actions").select("settings.changed")
    app.run()
    assert list(app.dataframe[0].value["Действие"]) == ["Изменены настройки школы"]


def test_the_director_sees_settings_but_cannot_change_them(app):
    sign_in(app, "director1")
    app.switch_page("pages/admin/school_settings.py").run()
    assert not [b for b in app.button if b.label == "Сохранить"]
    assert all(r.disabled for r in app.radio)
    assert "Настройки меняет администратор школы." in [c.value for c in app.caption]


def test_profile_shows_roles_and_changes_the_password(app):
    sign_in(app, "teacher1")
    app.switch_page("pages/account/my_profile.py").run()
    assert [t.value for t in app.title] == ["Мой профиль"]
    assert "- **Учитель**, СОШ № 1" in [m.value for m in app.markdown]
    assert not [b for b in app.button if "ЕСИА" in b.label]  # no provider configured
    app.text_input(key="profile_old").input("wrong-pass1")
    app.text_input(key="profile_new").input("Another-pass2")
    app.text_input(key="profile_repeat").input("Another-pass2")
    button(app, "Сменить пароль").click()
    app.run()
    assert [e.value for e in app.error] == ["Текущий пароль введён неверно."]
    app.text_input(key="profile_old").input(PASSWORD)
    button(app, "Сменить пароль").click()
    app.run()
    assert [t.value for t in app.title] == ["Школьный портал"]
    assert [s.value for s in app.success] == ["Пароль изменён. Войдите с новым паролем."]
    assert auth.sign_in("teacher1", "Another-pass2").token


def test_downloads_are_csv_for_excel_and_xlsx():
    import io

    import openpyxl
    import pandas as pd
    frame = pd.DataFrame({"ФИО": ["Иванова Мария"], "Логин": ["teacher1"]})
    assert web.csv_bytes(frame).decode("utf-8-sig").splitlines() == ["ФИО;Логин", "Иванова Мария;teacher1"]
    sheet = openpyxl.load_workbook(io.BytesIO(web.xlsx_bytes(frame, "Пользователи"))).active
    assert sheet.title == "Пользователи" and [c.value for c in sheet[2]] == ["Иванова Мария", "teacher1"]
