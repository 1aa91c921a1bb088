"""«Пользователи и роли»: the accounts of the school with their roles and activation (who has
signed in at least once, the last sign-in, ЕСИА); for the administrator also a new account, roles
granted and revoked, a password reset (the one-time password shown once), disabling and
enabling; the table as CSV or XLSX. The director sees the list only."""
import pandas as pd
import streamlit as st

from services.core import policy
from services.core.policy import AccessDenied, Target
from services.core.roles import ROLE_TITLES
from services.people import users
from services.people.users import UserError
from ui import web

actor, school_id = web.page_start("user.view")
KEY = "users"
SCHOOL_ROLES = [r for r in ROLE_TITLES if r != "coordinator"]
tz = web.school_timezone(school_id)


def roles_cell(row) -> str:
    return ", ".join(f"{g.title} ({g.scope})" if g.scope else g.title for g in row.grants)


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "ФИО": [r.name for r in rows],
        "Логин": [r.login for r in rows],
        "E-mail": [r.email for r in rows],
        "Роли": [roles_cell(r) for r in rows],
        "Учётная запись": ["включена" if r.is_active else "отключена" for r in rows],
        "Входил(а)": ["да" if r.activated_at else "нет" for r in rows],
        "Первый вход": [web.local_time(r.activated_at, tz, "") for r in rows],
        "Последний вход": [web.local_time(r.last_login_at, tz, "") for r in rows],
        "ЕСИА": ["привязан" if r.oidc_linked else "" for r in rows],
        "Пароль": ["выданный, не сменён" if r.must_change_password else "" for r in rows],
    }, columns=["ФИО", "Логин", "E-mail", "Роли", "Учётная запись", "Входил(а)", "Первый вход",
                "Последний вход", "ЕСИА", "Пароль"])


def show_one_time_password(login: str, password: str) -> None:
    st.success(f"Одноразовый пароль для «{web.md(login)}»:")
    st.code(password, language=None)
    st.caption("Пароль показан один раз: передайте его пользователю сейчас. При первом входе он сменит "
               "пароль. Выдача записана в журнал выдачи реквизитов.")


def scope_inputs(role: str, key: str, classes: dict[int, str]) -> tuple[int | None, str]:
    """The class of a class teacher, the parallels of a deputy."""
    class_id, grades = None, ""
    if role == "class_teacher":
        if not classes:
            st.warning("В школе нет классов текущего учебного года.")
        class_id = st.selectbox("Класс", list(classes), format_func=classes.get, key=f"{key}_class")
    elif role == "deputy":
        grades = st.text_input("Параллели", key=f"{key}_grades", placeholder="например: 5, 6, 7",
                               help="Пусто — вся школа.")
    return class_id, grades


def new_user(classes: dict[int, str]) -> bool:
    """The form of a new account; True when one was created."""
    gen = st.session_state.get(f"{KEY}_new_gen", 0)
    k = f"{KEY}_new_{gen}"
    role = st.selectbox("Роль", SCHOOL_ROLES, format_func=ROLE_TITLES.get, key=f"{k}_role",
                        index=SCHOOL_ROLES.index("teacher"))
    with st.form(f"{k}_form"):
        c1, c2, c3 = st.columns(3)
        last = c1.text_input("Фамилия", key=f"{k}_last")
        first = c2.text_input("Имя", key=f"{k}_first")
        middle = c3.text_input("Отчество", key=f"{k}_middle")
        c4, c5 = st.columns(2)
        login = c4.text_input("Логин", key=f"{k}_login",
                              help="Латинские буквы, цифры, точка, дефис, подчёркивание; от 3 символов.")
        email = c5.text_input("E-mail", key=f"{k}_email", help="По нему учётная запись находится при первом входе через ЕСИА.")
        class_id, grades = scope_inputs(role, k, classes)
        submitted = st.form_submit_button("Создать пользователя", type="primary")
    if not submitted:
        return False
    try:
        _, one_time = users.create_user(actor, school_id, login=login, last_name=last, first_name=first,
                                        middle_name=middle, email=email or None, role=role,
                                        class_id=class_id, grades=grades)
    except (UserError, AccessDenied) as e:
        st.error(str(e))
        return False
    st.session_state[f"{KEY}_new_gen"] = gen + 1  # an empty form at the next click
    st.success(f"Пользователь «{web.md(login.strip().lower())}» создан с ролью «{ROLE_TITLES[role]}».")
    show_one_time_password(login.strip().lower(), one_time)
    return True


def access(rows, classes: dict[int, str]) -> None:
    """Roles, password and activation of one chosen user."""
    by_id = {r.id: r for r in rows}
    user_id = st.selectbox("Пользователь", list(by_id), index=None, key=f"{KEY}_pick",
                           placeholder="Выберите пользователя",
                           format_func=lambda i: f"{by_id[i].name or by_id[i].login} ({by_id[i].login})")
    if user_id is None:
        return
    row = by_id[user_id]
    st.markdown("**Роли в школе**")
    for g in row.grants:
        left, right = st.columns([4, 1])
        left.markdown(web.md(f"{g.title} ({g.scope})" if g.scope else g.title))
        if right.button("Отозвать", key=f"{KEY}_revoke_{g.id}"):
            try:
                users.revoke_role(actor, g.id)
            except (UserError, AccessDenied) as e:
                st.error(str(e))
            else:
                web.notify("success", f"Роль «{g.title}» отозвана у {web.md(row.login)}.")
                st.rerun()

    st.markdown("**Выдать роль**")
    k = f"{KEY}_grant_{user_id}"
    role = st.selectbox("Роль", SCHOOL_ROLES, format_func=ROLE_TITLES.get, key=f"{k}_role")
    class_id, grades = scope_inputs(role, k, classes)
    if st.button("Выдать роль", key=f"{k}_go"):
        try:
            users.grant_role(actor, school_id, user_id, role, class_id=class_id, grades=grades)
        except (UserError, AccessDenied) as e:
            st.error(str(e))
        except ValueError:
            st.error("Параллели: укажите номера классов через запятую, например: 5, 6, 7.")
        else:
            web.notify("success", f"Роль «{ROLE_TITLES[role]}» выдана {web.md(row.login)}.")
            st.rerun()

    st.markdown("**Пароль и доступ**")
    left, right = st.columns(2)
    if left.button("Сбросить пароль", key=f"{KEY}_reset_{user_id}", icon=":material/key:"):
        try:
            one_time = users.reset_password(actor, school_id, user_id)
        except (UserError, AccessDenied) as e:
            st.error(str(e))
        else:
            show_one_time_password(row.login, one_time)
    label = "Отключить учётную запись" if row.is_active else "Включить учётную запись"
    if right.button(label, key=f"{KEY}_active_{user_id}"):
        try:
            users.set_active(actor, school_id, user_id, not row.is_active)
        except (UserError, AccessDenied) as e:
            st.error(str(e))
        else:
            web.notify("success", f"Учётная запись {web.md(row.login)} {'отключена' if row.is_active else 'включена'}.")
            st.rerun()


def listing(rows) -> None:
    left, right = st.columns([2, 1])
    query = left.text_input("Поиск", key=f"{KEY}_search", placeholder="Фамилия, имя или логин")
    role = right.selectbox("Роль", [None, *SCHOOL_ROLES], key=f"{KEY}_role_filter",
                           format_func=lambda r: "Все роли" if r is None else ROLE_TITLES[r])
    shown = [r for r in rows
             if (not query or query.strip().lower() in f"{r.name} {r.login}".lower())
             and (role is None or any(g.role == role for g in r.grants))]
    signed = sum(1 for r in rows if r.activated_at)
    share = f" ({100 * signed // len(rows)} %)" if rows else ""
    st.caption(f"Пользователей: {len(rows)}, входили хотя бы раз: {signed}{share}. Показано: {len(shown)}.")
    st.dataframe(frame(shown), placeholder="", hide_index=True, width="stretch")
    web.table_downloads(lambda: frame(users.list_users(actor, school_id)), stem=f"polzovateli_shkola_{school_id}",
                        sheet="Пользователи", key=f"{KEY}_download",
                        on_take=web.audit_export(actor, school_id, "user_list"))


st.title("Пользователи и роли")
try:
    rows = users.list_users(actor, school_id)
except AccessDenied as e:
    st.error(str(e))
    st.stop()

if policy.allowed(actor, "user.manage", Target(school_id=school_id)):
    classes = web.class_choices(actor, school_id)
    tab_list, tab_new, tab_access = st.tabs(["Список", "Новый пользователь", "Роли и доступ"])
    with tab_new:
        created = new_user(classes)
    with tab_access:
        access(rows, classes)
    if created:
        rows = users.list_users(actor, school_id)
    with tab_list:
        listing(rows)
else:
    listing(rows)
