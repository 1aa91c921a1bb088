"""«Мониторинг ФСН»: the contingent as form ОО-1 asks for it, read-only, on screen and as XLSX."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.control import indicators_fsn
from services.control.indicators_fsn import AGES
from services.core import clock
from services.core.policy import AccessDenied
from ui import web

KEY = "fsn"


def render(actor, school_id: int) -> None:
    st.title("Мониторинг ФСН: контингент (ОО-1)")
    on = st.date_input("На дату", value=clock.today(), format="DD.MM.YYYY", key=f"{KEY}_on")
    try:
        report = indicators_fsn.contingent(actor, school_id, on)
    except AccessDenied as e:
        st.error(str(e))
        return
    st.caption(f"{web.md(report.school)}: учащихся {report.total}; возраст — полных лет на {report.age_on:%d.%m.%Y}.")
    grades, ages, classes, staff = st.tabs(["По параллелям", "По возрасту", "Классы", "Работники"])
    with grades:
        rows = [*report.grades, {"grade": "Всего", **{k: sum(g[k] for g in report.grades)
                                                     for k in ("classes", "pupils", "boys", "girls")}}]
        st.dataframe(pd.DataFrame({"Параллель": [str(g["grade"]) for g in rows],
                                   "Классов": [g["classes"] for g in rows],
                                   "Учащихся": [g["pupils"] for g in rows],
                                   "Мальчиков": [g["boys"] for g in rows],
                                   "Девочек": [g["girls"] for g in rows]}), placeholder="", hide_index=True,
                     height=36 * (len(rows) + 1) + 2)  # every parallel and the total, no scrolling
        st.dataframe(pd.DataFrame({"Уровень": [lv["level"] for lv in report.levels],
                                   "Классов": [lv["classes"] for lv in report.levels],
                                   "Учащихся": [lv["pupils"] for lv in report.levels],
                                   "Средняя наполняемость": ["—" if lv["average"] is None else
                                                             f"{lv['average']:g}".replace(".", ",")
                                                             for lv in report.levels]}), placeholder="",
                     hide_index=True)
        if report.unknown_sex or report.unknown_birth:
            st.warning(f"Не указан пол: {report.unknown_sex}; не указана дата рождения: {report.unknown_birth}.")
    with ages:
        st.dataframe(pd.DataFrame({"Возраст": [str(a) for a in AGES],
                                   **{f"{g} кл.": [report.ages.get((a, g), 0) for a in AGES] for g in range(1, 12)}}), placeholder="",
                     hide_index=True)
    with classes:
        st.dataframe(pd.DataFrame(report.classes).rename(columns={
            "class": "Класс", "grade": "Параллель", "pupils": "Учащихся", "boys": "Мальчиков", "girls": "Девочек"}), placeholder="",
            hide_index=True)
    with staff:
        st.dataframe(pd.DataFrame(report.staff).rename(columns={"position": "Должность", "people": "Человек"}), placeholder="",
                     hide_index=True)
    # made (and its export audited) only when the button is pressed
    st.download_button("Скачать XLSX", data=lambda: indicators_fsn.to_xlsx(actor, report, school_id),
                       file_name=f"oo1_{on:%Y%m%d}.xlsx", on_click="ignore", icon=":material/table_view:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{KEY}_xlsx")
