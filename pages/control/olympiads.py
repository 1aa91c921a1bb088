"""«Олимпиады»: results per pupil entered by hand or imported from Excel, and the school's venues;
they feed the «Олимпиады» category of the indicators."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from checks.ind_olympiads import OLYMPIADS, STAGES, STATUSES
from services.control import olympiads
from services.control.olympiads import OlympiadError
from services.core import clock, policy
from services.core.policy import AccessDenied
from ui import web

KEY = "olymp"


def render(actor, school_id: int) -> None:
    st.title("Олимпиады")
    year = clock.school_year_of(clock.today())
    try:
        rows = olympiads.results(actor, school_id, year)
    except AccessDenied as e:
        st.error(str(e))
        return
    st.caption(f"Учебный год {year}/{year + 1}")
    st.dataframe(pd.DataFrame({
        "Ученик": [r.pupil for r in rows], "Класс": [r.class_name for r in rows],
        "Олимпиада": [OLYMPIADS.get(r.olympiad, r.olympiad) for r in rows],
        "Этап": [STAGES.get(r.stage, r.stage) for r in rows], "Предмет": [r.subject for r in rows],
        "Статус": [STATUSES.get(r.status, r.status) for r in rows],
        "Дата": [r.held_on.strftime("%d.%m.%Y") if r.held_on else "" for r in rows]}), placeholder="",
        hide_index=True, key=f"{KEY}_results")
    if not policy.can_ever(actor, "olympiad.edit"):
        return
    enter, load, venue = st.tabs(["Ввести результат", "Загрузить из Excel", "Площадки"])
    with enter:
        pupils = olympiads.pupil_choices(actor, school_id)
        with st.form(f"{KEY}_form"):
            pupil = st.selectbox("Ученик", list(pupils))
            olympiad = st.selectbox("Олимпиада", list(OLYMPIADS), format_func=OLYMPIADS.get)
            stage = st.selectbox("Этап", ["", *STAGES], format_func=lambda s: STAGES.get(s, "—"))
            subject = st.text_input("Предмет")
            status = st.selectbox("Статус", list(STATUSES), format_func=STATUSES.get)
            held_on = st.date_input("Дата", value=clock.today(), format="DD.MM.YYYY")
            if st.form_submit_button("Сохранить результат"):
                try:
                    olympiads.save_result(actor, school_id, pupils[pupil], olympiad, stage, subject, status, held_on)
                    st.success("Результат сохранён.")
                except (OlympiadError, AccessDenied) as e:
                    st.error(str(e))
    with load:
        st.download_button("Шаблон для заполнения", data=olympiads.template(), file_name="olimpiady_shablon.xlsx",
                           key=f"{KEY}_template")
        upload = web.sheet_uploader(f"{KEY}_upload", "Файл с результатами (.xlsx, .xls, .ods)")
        only_valid = st.checkbox("Загрузить только верные строки", key=f"{KEY}_only_valid")
        if upload is not None and st.button("Проверить и загрузить", key=f"{KEY}_import"):
            try:
                result = olympiads.import_results(actor, school_id, upload.getvalue(), upload.name,
                                                  only_valid=only_valid)
            except AccessDenied as e:
                st.error(str(e))
            else:
                if result.errors:
                    st.dataframe(pd.DataFrame({"Строка": [p.row for p in result.errors],
                                               "Столбец": [p.column for p in result.errors],
                                               "Значение": [p.value for p in result.errors],
                                               "Ошибка": [p.message for p in result.errors]}), placeholder="", hide_index=True)
                if result.committed:
                    st.success(f"Загружено: новых {result.created}, изменено {result.updated}, "
                               f"без изменений {result.unchanged}.")
                else:
                    st.warning("Ничего не записано: исправьте ошибки или отметьте «только верные строки».")
    with venue:
        with st.form(f"{KEY}_venue"):
            olympiad = st.selectbox("Олимпиада", list(OLYMPIADS)[:2], format_func=OLYMPIADS.get, key=f"{KEY}_v_o")
            stage = st.selectbox("Этап", ["", *STAGES], format_func=lambda s: STAGES.get(s, "—"), key=f"{KEY}_v_s")
            held_on = st.date_input("Дата", value=date.today(), format="DD.MM.YYYY", key=f"{KEY}_v_d")
            if st.form_submit_button("Добавить площадку"):
                try:
                    olympiads.save_venue(actor, school_id, olympiad, stage, held_on)
                    st.success("Площадка добавлена.")
                except (OlympiadError, AccessDenied) as e:
                    st.error(str(e))
        venues = olympiads.venues(actor, school_id, year)
        st.dataframe(pd.DataFrame({"Олимпиада": [OLYMPIADS.get(v.olympiad, v.olympiad) for v in venues],
                                   "Этап": [STAGES.get(v.stage, v.stage) for v in venues],
                                   "Дата": [v.held_on.strftime("%d.%m.%Y") if v.held_on else "" for v in venues]}), placeholder="",
                     hide_index=True, key=f"{KEY}_venues")
