"""«Ученики и родители» (class teacher for their class; secretary and administrator for any):
the class list with each pupil's data, the guardians and their contacts, both editable in a grid
(every change checked like the import and audited), a guardian added, and a pupil's card with
the history of classes. Closed years are shown read-only."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from services.core import policy
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.people import movement, rosters, students
from services.people.rosters import RosterError
from ui import web

KEY = "pupils"
PUPIL_COLUMNS = {"last_name": "Фамилия", "first_name": "Имя", "middle_name": "Отчество",
                 "birth_date": "Дата рождения", "sex": "Пол", "snils": "СНИЛС"}
REASONS = {"enrolled": "Зачисление", **movement.KIND_TITLES}
GUARDIAN_COLUMNS = {"name": "ФИО", "relation": "Степень родства", "phone": "Телефон", "email": "Email"}


def _d(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def changed_cells(before: pd.DataFrame, after: pd.DataFrame, columns: dict[str, str]) -> dict[int, dict[str, str]]:
    """{row id: {field: new text}} for the cells of `columns` that differ (the index is the id)."""
    out: dict[int, dict[str, str]] = {}
    for row_id in before.index:
        for field, title in columns.items():
            old, new = _text(before.at[row_id, title]), _text(after.at[row_id, title])
            if old != new:
                out.setdefault(int(row_id), {})[field] = new
    return out


def _version(name: str) -> int:
    return st.session_state.get(f"{KEY}_{name}_v", 0)


def _bump(name: str) -> None:
    st.session_state[f"{KEY}_{name}_v"] = _version(name) + 1


def render(actor: Actor, school_id: int) -> None:
    st.title("Ученики и родители")
    classes = rosters.classes_for(actor, school_id, "student.edit")
    if not classes:
        st.info("Нет классов, данные которых вы ведёте.")
        return
    class_id = st.selectbox("Класс", list(classes), format_func=classes.get, key=f"{KEY}_class")
    try:
        roster = rosters.class_roster(actor, class_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    guardians = sum(len(p.guardians) for p in roster.pupils)
    st.caption(f"Класс {web.md(roster.class_name)}: учеников {len(roster.pupils)}, родителей {guardians}."
               + (" Учебный год закрыт: данные только для просмотра." if roster.year_closed else
                  " Исправьте ячейки и нажмите «Сохранить»; каждое изменение записывается в журнал событий."))
    tab_pupils, tab_guardians, tab_card = st.tabs(["Ученики", "Родители и контакты", "Карточка ученика"])
    with tab_pupils:
        _pupils(actor, roster)
    with tab_guardians:
        _guardians(actor, roster)
    with tab_card:
        _card(actor, roster)


def _pupils(actor: Actor, roster: rosters.ClassRoster) -> None:
    if not roster.pupils:
        st.info("В классе пока нет учеников. Их загружает секретарь из Excel («Загрузка из Excel»).")
        return
    frame = pd.DataFrame([{"Фамилия": p.last_name, "Имя": p.first_name, "Отчество": p.middle_name,
                           "Дата рождения": _d(p.birth_date), "Пол": p.sex, "СНИЛС": p.snils,
                           "В классе с": _d(p.starts_on), "Логин": p.login,
                           "Родители": "; ".join(g.name for g in p.guardians)} for p in roster.pupils],
                         index=[p.id for p in roster.pupils])
    readonly = list(frame.columns) if roster.year_closed else ["В классе с", "Логин", "Родители"]
    edited = st.data_editor(frame, placeholder="", hide_index=True, disabled=readonly, num_rows="fixed", width="stretch",
                            key=f"{KEY}_grid_{roster.class_id}_{_version('grid')}",
                            column_config={"Пол": st.column_config.SelectboxColumn("Пол", options=["м", "ж"]),
                                           "Дата рождения": st.column_config.TextColumn(help="ДД.ММ.ГГГГ")})
    web.table_downloads(lambda: frame, stem=f"Ученики {roster.class_name}", sheet="Ученики",
                        key=f"{KEY}_dl_{roster.class_id}",
                        on_take=web.audit_export(actor, _school_of(actor), f"список класса {roster.class_name}"))
    changes = changed_cells(frame, edited, PUPIL_COLUMNS)
    if changes and st.button(f"Сохранить изменения ({len(changes)})", type="primary", key=f"{KEY}_save_pupils"):
        try:
            count = rosters.update_pupils(actor, roster.class_id, changes)
        except (RosterError, AccessDenied) as e:
            st.error(f"Ничего не сохранено. {e}")
            return
        _bump("grid")
        web.notify("success", f"Данные учеников сохранены: изменено {count}.")
        st.rerun()


def _school_of(actor: Actor) -> int | None:
    return web.chosen_school(actor)


def _guardians(actor: Actor, roster: rosters.ClassRoster) -> None:
    rows = [(p, g) for p in roster.pupils for g in p.guardians]
    if rows:
        frame = pd.DataFrame([{"Ученик": rosters.full_name(p), "ФИО": g.name, "Степень родства": g.relation,
                               "Телефон": g.phone, "Email": g.email, "Логин": g.login} for p, g in rows])
        frame.index = [g.id for _, g in rows]
        # a guardian of two pupils of the class appears twice: edits are taken from the first row
        frame = frame[~frame.index.duplicated()]
        readonly = list(frame.columns) if roster.year_closed else ["Ученик", "Логин"]
        edited = st.data_editor(frame, placeholder="", hide_index=True, disabled=readonly, num_rows="fixed", width="stretch",
                                key=f"{KEY}_guardians_{roster.class_id}_{_version('guardians')}")
        changes = changed_cells(frame, edited, GUARDIAN_COLUMNS)
        if changes and st.button(f"Сохранить изменения ({len(changes)})", type="primary",
                                 key=f"{KEY}_save_guardians"):
            try:
                count = rosters.update_guardians(actor, roster.class_id, changes)
            except (RosterError, AccessDenied) as e:
                st.error(f"Ничего не сохранено. {e}")
                return
            _bump("guardians")
            web.notify("success", f"Данные родителей сохранены: изменено {count}.")
            st.rerun()
    else:
        st.info("У учеников класса пока не записано ни одного родителя.")
    if roster.year_closed or not roster.pupils:
        return
    with st.expander("Добавить родителя (законного представителя)"):
        with st.form(f"{KEY}_add_guardian_{roster.class_id}", clear_on_submit=True):
            names = {p.id: rosters.full_name(p) for p in roster.pupils}
            pupil = st.selectbox("Ученик", list(names), format_func=names.get)
            name = st.text_input("ФИО родителя")
            c1, c2, c3 = st.columns(3)
            relation = c1.text_input("Степень родства", placeholder="мать, отец, опекун…")
            phone = c2.text_input("Телефон")
            email = c3.text_input("Email")
            if st.form_submit_button("Добавить"):
                try:
                    rosters.add_guardian(actor, roster.class_id, pupil, {"name": name, "relation": relation,
                                                                          "phone": phone, "email": email})
                except (RosterError, AccessDenied) as e:
                    st.error(f"Родитель не добавлен. {e}")
                else:
                    _bump("guardians")
                    web.notify("success", f"Родитель добавлен: {web.md(name.strip())} ({web.md(names[pupil])}). Учётная запись "
                                          "создана без пароля: реквизиты выдаются на странице «Выдача реквизитов».")
                    st.rerun()


def _card(actor: Actor, roster: rosters.ClassRoster) -> None:
    if not roster.pupils:
        st.info("В классе нет учеников.")
        return
    names = {p.id: rosters.full_name(p) for p in roster.pupils}
    pupil = st.selectbox("Открыть карточку ученика", [None, *names], format_func=lambda i: "— выберите —" if i is None else names[i],
                         key=f"{KEY}_card_{roster.class_id}")
    if pupil is None:
        st.caption("Открытие карточки записывается в журнал событий.")
        return
    try:
        card = students.open_card(actor, pupil)
        enrolments, history = movement.history(actor, pupil)
    except AccessDenied as e:
        st.error(str(e))
        return
    st.subheader(web.md(card.name))
    st.markdown(web.md(f"Класс: {card.class_name or '—'} · дата рождения: {_d(card.birth_date) or '—'} · "
                       f"пол: {card.sex or '—'} · СНИЛС: {card.snils or 'не указан'}"))
    if card.guardians:
        st.dataframe(pd.DataFrame([{"Родитель": g.name, "Степень родства": g.relation, "Телефон": g.phone,
                                    "Email": g.email} for g in card.guardians]), placeholder="", hide_index=True)
    st.markdown("**Классы по датам**")
    st.dataframe(pd.DataFrame([{"Класс": e.class_name, "С": _d(e.starts_on), "По": _d(e.ends_on) or "по н. в.",
                                "Основание": REASONS.get(e.reason, e.reason)} for e in enrolments],
                              columns=["Класс", "С", "По", "Основание"]), placeholder="", hide_index=True)
    if history:
        st.markdown("**Движение**")
        st.dataframe(pd.DataFrame([{"Дата": _d(h.on), "Событие": h.title, "Из класса": h.from_class,
                                    "В класс": h.to_class, "Приказ": h.order_number, "Примечание": h.note}
                                   for h in history]), placeholder="", hide_index=True)
    if policy.can_ever(actor, "student.move"):
        st.caption("Перевод, выбытие и прибытие оформляются на странице «Движение учащихся».")
