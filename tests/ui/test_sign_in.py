"""«Вход» and the role menu (app.py + ui/web.py) through AppTest."""
from __future__ import annotations

from sqlmodel import select

from models import AuditEvent, UserSession
from models.db import reading, transaction
from services.core import auth
from services.core.actor import SYSTEM
from services.people import users
from tests.ui.conftest import PASSWORD, button, menu, sign_in


def test_sign_in_page_renders(app):
    assert [t.value for t in app.title] == ["Школьный портал"]
    assert [t.label for t in app.text_input] == ["Логин", "Пароль"]
    assert [b.label for b in app.button] == ["Войти"]  # no «Войти через ЕСИА» without [auth] secrets
    assert not app.sidebar.button  # nobody signed in: no menu, no «Выйти»


def test_wrong_password_shows_the_error(app):
    sign_in(app, "admin1", "wrong-pass1")
    assert [e.value for e in app.error] == ["Неверный логин или пароль."]
    assert "portal_token" not in app.session_state
    assert [t.value for t in app.title] == ["Школьный портал"]


def test_empty_form_asks_for_login_and_password(app):
    button(app, "Войти").click()
    app.run()
    assert [e.value for e in app.error] == ["Введите логин и пароль."]


def test_admin_gets_the_admin_menu_name_and_roles(app):
    sign_in(app, "admin1")
    titles = menu(app)
    for title in ("Пользователи и роли", "Настройки школы", "Журнал событий", "Мой профиль"):
        assert title in titles
    assert [t.value for t in app.title] == ["Пользователи и роли"]  # the first page of the menu
    assert "**Петрова Анна**" in [m.value for m in app.sidebar.markdown]
    assert "Администратор" in [c.value for c in app.sidebar.caption]
    assert [b.label for b in app.sidebar.button] == ["Выйти"]
    # only the token and ids are kept between runs
    token = app.session_state["portal_token"]
    assert isinstance(token, str) and auth.resume(token).login == "admin1"


def test_a_parent_sees_only_the_profile_and_a_teacher_no_admin_pages(app):
    sign_in(app, "parent1")
    # issue 8: a parent also has messages, announcements, documents and correction requests
    assert menu(app) == ["Дневник", "Расписание", "Сообщения", "Объявления", "Документы", "Сообщить о неточности", "Мой профиль",
                         "Уведомления на почту"]  # issue 16
    assert [t.value for t in app.title] == ["Дневник"]  # a parent starts on the diary
    button(app, "Выйти", app.sidebar).click()
    app.run()
    sign_in(app, "teacher1")
    assert "Пользователи и роли" not in menu(app) and "Журнал событий" not in menu(app)
    assert "Мой профиль" in menu(app)


def test_the_session_cookie_is_written_after_sign_in(app):
    sign_in(app, "admin1")
    scripts = [e.proto.body for e in app.get("html")]
    token = app.session_state["portal_token"]
    assert any(f"portal_session={token}; Path=/; Max-Age=43200; SameSite=Strict" in s for s in scripts)


def test_sign_out_ends_the_server_session(app):
    sign_in(app, "admin1")
    token = app.session_state["portal_token"]
    button(app, "Выйти", app.sidebar).click()
    app.run()
    assert [t.value for t in app.title] == ["Школьный портал"]
    assert auth.resume(token) is None
    with reading() as tx:
        assert tx.exec(select(UserSession)).one().end_reason == "sign_out"
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_out")).first() is not None


def test_a_revoked_role_takes_effect_at_the_next_click(app, world):
    sign_in(app, "director1")
    assert "Пользователи и роли" in menu(app)
    with reading() as tx:
        from models import RoleGrant
        grant_id = tx.exec(select(RoleGrant.id).where(RoleGrant.user_id == world.ids["director1"])).one()
    users.grant_role(SYSTEM, world.school_id, world.ids["director1"], "teacher")
    users.revoke_role(SYSTEM, grant_id)
    app.run()
    assert "Пользователи и роли" not in menu(app)
    assert "Мой профиль" in menu(app)


def test_first_sign_in_with_an_issued_password_shows_only_the_password_change(app, world):
    _, one_time = users.create_user(SYSTEM, world.school_id, login="newbie", last_name="Новикова",
                                    first_name="Ольга", role="teacher")
    sign_in(app, "newbie", one_time)
    assert [t.value for t in app.title] == ["Смена пароля"]
    assert set(menu(app)) == {"Смена пароля"}  # under every address, nothing else
    assert [t.label for t in app.text_input] == ["Выданный пароль", "Новый пароль", "Повторите новый пароль"]
    app.text_input(key="profile_old").input(one_time)
    app.text_input(key="profile_new").input("Brand-new-pass7")
    app.text_input(key="profile_repeat").input("Brand-new-pass8")
    button(app, "Сменить пароль").click()
    app.run()
    assert [e.value for e in app.error] == ["Новый пароль и его повтор не совпадают."]
    app.text_input(key="profile_repeat").input("Brand-new-pass7")
    button(app, "Сменить пароль").click()
    app.run()
    assert not app.exception, app.exception
    assert [s.value for s in app.success] == ["Пароль изменён. Войдите с новым паролем."]
    assert [t.value for t in app.title] == ["Школьный портал"]
    sign_in(app, "newbie", "Brand-new-pass7")
    assert "Мой профиль" in menu(app) and "Смена пароля" not in menu(app)


def test_several_schools_get_a_school_selector(app, world):
    users.grant_role(SYSTEM, world.other_school_id, world.ids["admin1"], "admin")
    users.create_user(SYSTEM, world.other_school_id, login="teacher2", last_name="Орлов", first_name="Пётр",
                      role="teacher", password=PASSWORD)
    sign_in(app, "admin1")
    selector = app.sidebar.selectbox(key="portal_school_id")
    assert selector.options == ["СОШ № 1", "СОШ № 2"]
    assert "teacher2" not in list(app.dataframe[0].value["Логин"])
    selector.set_value(world.other_school_id)
    app.run()
    assert app.session_state["portal_school_id"] == world.other_school_id
    assert "teacher2" in list(app.dataframe[0].value["Логин"])
    assert "Администратор (СОШ № 1, СОШ № 2)" in app.sidebar.caption[-1].value
