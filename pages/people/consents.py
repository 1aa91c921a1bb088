"""«Согласия на обработку данных» (5.17): each pupil's consent status (in force, withdrawn, none),
the list of pupils without a consent, recording a guardian's consent with its date and document,
and recording its withdrawal (from then on the pupil is left out of exports to third parties)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.policy import AccessDenied
from services.people import consents
from services.people.consents import ConsentError
from ui import web

KEY = "cons"


def render(actor, school_id: int) -> None:
    st.title("Согласия на обработку персональных данных")
    classes = consents.classes_for(actor, school_id)
    whole_school = len(classes) > 1
    options = ([None] if whole_school else []) + list(classes)
    if not options:
        st.info("В текущем учебном году нет классов, согласия которых вы ведёте.")
        return
    c1, c2 = st.columns([1, 2])
    class_id = c1.selectbox("Класс", options, key=f"{KEY}_class",
                            format_func=lambda c: "все классы" if c is None else classes[c])
    only_missing = c2.checkbox("Только ученики без действующего согласия", value=True, key=f"{KEY}_missing")
    try:
        rows = consents.overview(actor, school_id, class_id)
    except (ConsentError, AccessDenied) as e:
        st.error(str(e))
        return
    missing = [r for r in rows if r.status != "in_force"]
    m1, m2, m3 = st.columns(3)
    m1.metric("Учеников", len(rows))
    m2.metric("Без согласия", sum(r.status == "missing" for r in rows))
    m3.metric("Согласие отозвано", sum(r.status == "withdrawn" for r in rows))
    shown = missing if only_missing else rows
    frame = pd.DataFrame([{
        "Ученик": r.pupil, "Класс": r.class_name, "Согласие": r.status_title,
        "Дата согласия": f"{r.given_on:%d.%m.%Y}" if r.given_on else "",
        "Дата отзыва": f"{r.withdrawn_on:%d.%m.%Y}" if r.withdrawn_on else "",
        "Кто дал": r.guardian, "Документ": r.document} for r in shown],
        columns=["Ученик", "Класс", "Согласие", "Дата согласия", "Дата отзыва", "Кто дал", "Документ"])
    st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_table")
    stem = "bez_soglasiya" if only_missing else "soglasiya"
    web.table_downloads(lambda: frame, stem=stem, sheet="Согласия", key=f"{KEY}_dl",
                        on_take=web.audit_export(actor, school_id, "consents"))
    record_tab, withdraw_tab = st.tabs(["Записать согласие", "Отметить отзыв"])
    with record_tab:
        _record(actor, [r for r in rows if r.status != "in_force"])
    with withdraw_tab:
        _withdraw(actor, [r for r in rows if r.status == "in_force"])


def _record(actor, rows) -> None:
    if not rows:
        st.info("У всех учеников выбранного класса есть действующее согласие.")
        return
    by_id = {r.student_id: r for r in rows}
    student_id = st.selectbox("Ученик", list(by_id), key=f"{KEY}_pupil",
                              format_func=lambda s: f"{by_id[s].pupil}, {by_id[s].class_name}")
    guardians = dict(by_id[student_id].guardians)
    if not guardians:
        st.warning("У ученика не указан ни один родитель (законный представитель): сначала добавьте его "
                   "в данные ученика.")
        return
    with st.form(f"{KEY}_record", clear_on_submit=True):
        guardian_id = st.selectbox("Кто дал согласие", list(guardians), format_func=guardians.get,
                                   key=f"{KEY}_guardian")
        given_on = st.date_input("Дата согласия", value=clock.today(), format="DD.MM.YYYY", key=f"{KEY}_given")
        document = st.text_input("Документ *", placeholder="заявление № 12 от 01.09.2026", key=f"{KEY}_document")
        if st.form_submit_button("Записать согласие", type="primary"):
            try:
                consents.record(actor, student_id, guardian_id, given_on, document)
            except (ConsentError, AccessDenied) as e:
                st.error(str(e))
            else:
                web.notify("success", f"Согласие записано: {web.md(by_id[student_id].pupil)}.")
                st.rerun()


def _withdraw(actor, rows) -> None:
    if not rows:
        st.info("Действующих согласий в выбранном классе нет.")
        return
    by_id = {r.consent_id: r for r in rows}
    with st.form(f"{KEY}_withdraw", clear_on_submit=True):
        consent_id = st.selectbox("Согласие", list(by_id), key=f"{KEY}_consent",
                                  format_func=lambda c: f"{by_id[c].pupil}, {by_id[c].class_name}: {by_id[c].document}")
        withdrawn_on = st.date_input("Отозвано с", value=clock.today(), format="DD.MM.YYYY", key=f"{KEY}_on")
        note = st.text_input("Документ об отзыве", key=f"{KEY}_note")
        st.caption("С этой даты ученик не попадает в выгрузки для третьих лиц.")
        if st.form_submit_button("Отметить отзыв", type="primary"):
            try:
                consents.withdraw(actor, consent_id, withdrawn_on, note)
            except (ConsentError, AccessDenied) as e:
                st.error(str(e))
            else:
                web.notify("success", f"Отзыв согласия записан: {web.md(by_id[consent_id].pupil)}.")
                st.rerun()
