"""«Движение учащихся» (secretary, administrator): a pupil is transferred to another class, leaves
the school or comes back, each with its date and order number; the register of the movement
for a span, printable. Marks stay where they were given (services/people/movement.py); new pupils come
in through «Загрузка из Excel» (a file of movement can also be loaded there)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.people import movement, rosters
from services.people.movement import MovementError
from ui import web

KEY = "move"
ACTIONS = {"transfer": "Перевод в другой класс", "departure": "Выбытие из школы",
           "arrival": "Прибытие (возвращение выбывшего)"}


def _d(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def render(actor: Actor, school_id: int) -> None:
    st.title("Движение учащихся")
    classes = rosters.classes_for(actor, school_id, "student.move")
    if not classes:
        st.info("В текущем учебном году школы нет классов.")
        return
    kind = st.segmented_control("Что оформляем", list(ACTIONS), format_func=ACTIONS.get, default="transfer",
                                key=f"{KEY}_kind") or "transfer"
    try:
        if kind == "arrival":
            _arrival(actor, school_id, classes)
        else:
            _transfer_or_departure(actor, kind, classes)
        st.divider()
        _register(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))


def _common_fields(key: str) -> tuple[date, str, str]:
    c1, c2 = st.columns(2)
    on = c1.date_input("Дата (первый день в новом классе или первый день отсутствия)", value=clock.today(),
                       format="DD.MM.YYYY", key=f"{key}_on")
    order = c2.text_input("Номер приказа", key=f"{key}_order")
    note = st.text_input("Примечание (откуда прибыл, куда выбыл)", key=f"{key}_note")
    return on, order, note


def _transfer_or_departure(actor: Actor, kind: str, classes: dict[int, str]) -> None:
    c1, c2 = st.columns(2)
    class_id = c1.selectbox("Класс", list(classes), format_func=classes.get, key=f"{KEY}_from")
    pupils = {p.id: rosters.full_name(p) for p in rosters.class_roster(actor, class_id).pupils}
    if not pupils:
        st.info("В классе нет учеников.")
        return
    student_id = c2.selectbox("Ученик", list(pupils), format_func=pupils.get, key=f"{KEY}_pupil_{class_id}")
    to_class = None
    if kind == "transfer":
        others = {cid: name for cid, name in classes.items() if cid != class_id}
        to_class = st.selectbox("В класс", list(others), format_func=others.get, key=f"{KEY}_to")
    on, order, note = _common_fields(f"{KEY}_{kind}")
    label = "Перевести" if kind == "transfer" else "Оформить выбытие"
    if st.button(label, type="primary", key=f"{KEY}_go_{kind}"):
        try:
            if kind == "transfer":
                done = movement.transfer(actor, student_id, to_class, on, order, note)
                text = f"{pupils[student_id]} переведён(а) из {classes[class_id]} в {classes[to_class]} с {_d(on)}."
            else:
                done = movement.depart(actor, student_id, on, order, note)
                text = f"{pupils[student_id]} выбыл(а) из школы с {_d(on)}."
        except MovementError as e:
            st.error(f"Не оформлено: {e}")
            return
        web.notify("success" if done else "info", text if done else "Это уже оформлено: ничего не изменено.")
        st.rerun()


def _arrival(actor: Actor, school_id: int, classes: dict[int, str]) -> None:
    left = movement.left_pupils(actor, school_id)
    if not left:
        st.info("Выбывших учеников нет. Новых учеников загружают на странице «Загрузка из Excel».")
        return
    names = {sid: f"{name} (выбыл(а) {_d(last + pd.Timedelta(days=1))})" for sid, name, last in left}
    c1, c2 = st.columns(2)
    student_id = c1.selectbox("Ученик", list(names), format_func=names.get, key=f"{KEY}_back")
    class_id = c2.selectbox("В класс", list(classes), format_func=classes.get, key=f"{KEY}_back_to")
    on, order, note = _common_fields(f"{KEY}_arrival")
    if st.button("Оформить прибытие", type="primary", key=f"{KEY}_go_arrival"):
        try:
            done = movement.arrive(actor, student_id, class_id, on, order, note)
        except MovementError as e:
            st.error(f"Не оформлено: {e}")
            return
        web.notify("success" if done else "info",
                   f"{web.md(names[student_id].split(' (')[0])} зачислен(а) в {web.md(classes[class_id])} с {_d(on)}." if done
                   else "Это уже оформлено: ничего не изменено.")
        st.rerun()


def _register(actor: Actor, school_id: int) -> None:
    st.subheader("Книга движения")
    today = clock.today()
    start = date(clock.school_year_of(today), 9, 1)
    picked = st.date_input("Период", value=(start, today), format="DD.MM.YYYY", key=f"{KEY}_span")
    if not isinstance(picked, (list, tuple)) or len(picked) != 2:
        st.info("Выберите дату начала и дату конца.")
        return
    rows = movement.register(actor, school_id, picked[0], picked[1])
    frame = pd.DataFrame([{"Дата": _d(r.on), "Ученик": r.pupil, "Событие": r.title, "Из класса": r.from_class,
                           "В класс": r.to_class, "Приказ": r.order_number, "Примечание": r.note} for r in rows],
                         columns=["Дата", "Ученик", "Событие", "Из класса", "В класс", "Приказ", "Примечание"])
    if frame.empty:
        st.info("За этот период движения не было.")
        return
    st.dataframe(frame, placeholder="", hide_index=True, width="stretch", key=f"{KEY}_table")
    web.table_downloads(lambda: frame, stem=f"Движение учащихся {picked[0]:%d.%m.%Y}-{picked[1]:%d.%m.%Y}",
                        sheet="Движение", key=f"{KEY}_dl",
                        on_take=web.audit_export(actor, school_id, "книга движения учащихся"))
