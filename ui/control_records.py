"""A section of «Внутришкольный контроль»: the monthly check of the journals (5.10) and the control at
the end of a study period (5.11) — the record's form (a deputy: their parallels) and the records,
with the months and the periods that lack one."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.control import acts as control, records as control_records, duties
from services.core import clock, policy
from services.core.actor import Actor
from services.core.policy import AccessDenied
from ui import web

KEY = "ctlrec"


def _form(actor: Actor, school_id: int) -> None:
    if not policy.allowed(actor, "control.record", policy.Target(school_id=school_id)):
        return   # the administrator sees the records, the director and deputies record them
    classes, periods = control_records.choices(actor, school_id)
    if not classes:
        return
    names, period_names = dict(classes), dict(periods)
    with st.form(f"{KEY}_form", clear_on_submit=False):
        kind = st.radio("Вид", list(control_records.KINDS), format_func=control_records.KINDS.get, horizontal=True)
        cols = st.columns(3)
        held_on = cols[0].date_input("Дата проверки", value=clock.today(), format="DD.MM.YYYY")
        chosen = cols[1].multiselect("Проверенные классы", list(names), format_func=names.get,
                                     placeholder="Выберите классы")
        period_id = cols[2].selectbox("Учебный период (для контроля по итогам)", [None, *period_names],
                                      format_func=lambda p: "—" if p is None else period_names[p])
        journals = st.text_input("Какие журналы проверены", placeholder="Математика, русский язык…")
        findings = st.text_area("Что обнаружено", placeholder="Замечаний нет / Не записаны темы уроков…")
        orders = st.text_area("Что поручено (кому и к какому сроку)")
        if st.form_submit_button("Записать проверку"):
            try:
                act_id = control_records.record_check(actor, school_id, kind, held_on, chosen, journals, findings,
                                                      orders, period_id)
                web.notify("success", f"Проверка записана: акт № {act_id}.")
                st.rerun()
            except (control.ControlError, AccessDenied) as e:
                st.error(f"Не записано: {e}")


def render_section(actor: Actor, school_id: int) -> None:
    st.subheader("Проверки журналов и контроль по итогам периода")
    lines = duties.control_lines(school_id)
    for line in lines:
        st.warning(line)
    if not lines:
        st.success("Проверки записаны за все закончившиеся месяцы и периоды учебного года.")
    _form(actor, school_id)
    rows = control_records.records(actor, school_id)
    if rows:
        frame = pd.DataFrame({"№": [r.id for r in rows], "Дата": [r.held_on.strftime("%d.%m.%Y") for r in rows],
                              "Вид": [control_records.KINDS[r.kind] for r in rows], "Период": [r.period for r in rows],
                              "Проверяющий": [r.author for r in rows], "Классы": [r.classes for r in rows],
                              "Журналы": [r.journals for r in rows], "Обнаружено": [r.findings for r in rows],
                              "Поручено": [r.orders for r in rows]})
        st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_list")
        web.table_downloads(lambda: frame, stem="Проверки журналов", sheet="Проверки", key=f"{KEY}_dl")
