"""«Журнал событий»: who did what and when in the school — sign-ins, denials, changes of users,
roles, settings and marks — filtered by user, action and dates (the last 7 days by default), as
a table and as CSV or XLSX."""
import json
from datetime import timedelta

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.audit import ACTION_TITLES
from services.core.policy import AccessDenied
from services.core.roles import ROLE_TITLES
from services.core.school_settings import SETTINGS
from services.people import users
from ui import web

actor, school_id = web.page_start("audit.view")
KEY = "audit"
LIMIT = 500
tz = web.school_timezone(school_id)


# Russian names for what the events store in English
ENTITIES = {"user": "пользователь", "role_grant": "роль", "school_settings": "настройки школы",
            "page": "экран", "user_list": "список пользователей", "audit_log": "журнал событий",
            "student": "ученик", "mark": "отметка", "lesson": "урок", "guardian": "родитель",
            "attendance": "посещаемость", "period_mark": "отметка за период", "class": "класс",
            "message": "сообщение", "document": "документ", "correction_request": "заявка на исправление",
            "academic_year": "учебный год", "staff": "сотрудник", "work": "работа"}
FIELDS = {**{s.name: s.title for s in SETTINGS}, "role": "роль", "class_id": "класс", "grades": "параллели",
          "subject_ids": "предметы", "is_active": "учётная запись включена", "login": "логин",
          "oidc_subject": "ЕСИА", "municipality_id": "муниципалитет",
          "roles": "роли", "screen": "экран"}
VALUES = {**{s.name: s.choices for s in SETTINGS if s.choices}, "role": ROLE_TITLES, "roles": ROLE_TITLES,
          "screen": {"diary": "дневник", "marks": "отметки", "card": "личная карточка"}}
DETAILS = {"password": "по паролю", "oidc": "через ЕСИА"}


def value_text(field: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, (list, tuple)):  # a list of marks, of roles (one value each)
        return ", ".join(value_text(field, v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(VALUES.get(field, {}).get(value, value))


def changes_text(value: str | None) -> str:
    """A stored JSON value as «поле: значение; …» for the table."""
    if not value:
        return ""
    try:
        data = json.loads(value)
    except ValueError:
        return value
    if isinstance(data, dict):
        return "; ".join(f"{FIELDS.get(k, k)}: {value_text(k, v)}" for k, v in data.items())
    return str(data)


def frame(named) -> pd.DataFrame:
    rows = [n.row for n in named]
    return pd.DataFrame({
        "Время": [r.at.strftime("%d.%m.%Y %H:%M:%S") for r in rows],
        "Пользователь": [n.actor for n in named],
        "Действие": [r.action_title for r in rows],
        "Объект": [n.subject for n in named],
        "Было": [changes_text(r.old) for r in rows],
        "Стало": [changes_text(r.new) for r in rows],
        "Подробности": [DETAILS.get(r.detail, r.detail) or "" for r in rows],
    }, columns=["Время", "Пользователь", "Действие", "Объект", "Было", "Стало", "Подробности"])


st.title("Журнал событий")
try:
    people = {r.id: f"{r.name or r.login} ({r.login})" for r in users.list_users(actor, school_id)}
except AccessDenied:
    people = {}
today = clock.today(tz)
c1, c2, c3, c4 = st.columns([2, 2, 3, 2])
user_id = c1.selectbox("Кто", [None, *people], key=f"{KEY}_user",
                       format_func=lambda i: "Все пользователи" if i is None else people[i])
surname = c2.text_input("Ученик (начало фамилии)", key=f"{KEY}_pupil_text", max_chars=60)
student_id = None
if surname.strip():
    pupils = dict(web.audit_pupils(actor, school_id, surname))
    student_id = c2.selectbox("Ученик", [None, *pupils], key=f"{KEY}_pupil", label_visibility="collapsed",
                              format_func=lambda i: ("Все ученики" if pupils else "Не найдено") if i is None
                              else pupils[i])
actions = c3.multiselect("Действие", list(ACTION_TITLES), key=f"{KEY}_actions", format_func=ACTION_TITLES.get,
                         placeholder="Все действия")
dates = c4.date_input("Даты", value=(today - timedelta(days=6), today), format="DD.MM.YYYY", key=f"{KEY}_dates")
if not isinstance(dates, (tuple, list)) or len(dates) != 2:
    st.info("Выберите начало и конец периода.")
    st.stop()
date_from, date_to = dates

filters = dict(user_id=user_id, actions=actions, date_from=date_from, date_to=date_to, student_id=student_id,
               entities=ENTITIES)
try:
    rows, total = web.audit_events(actor, school_id, limit=LIMIT, **filters)
except AccessDenied as e:
    st.error(str(e))
    st.stop()

if not rows:
    st.info(f"За {date_from:%d.%m.%Y} – {date_to:%d.%m.%Y} событий нет.")
    st.stop()
st.caption(f"Событий: {total}" + (f"; показаны последние {LIMIT}, в файле — все." if total > LIMIT else "."))
st.dataframe(frame(rows), placeholder="", hide_index=True, width="stretch",
             column_config={"Было": st.column_config.TextColumn(width="medium"),
                            "Стало": st.column_config.TextColumn(width="medium")})
web.table_downloads(lambda: frame(web.audit_events(actor, school_id, limit=1_000_000, **filters)[0]),
                    stem=f"zhurnal_sobytiy_{date_from:%Y%m%d}_{date_to:%Y%m%d}", sheet="Журнал событий",
                    key=f"{KEY}_download", on_take=web.audit_export(actor, school_id, "audit_log"))
