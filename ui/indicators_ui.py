"""Shared pieces of the indicator screens: choosing the dates, the coloured table of values."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from checks.base import STATUS_COLOURS, STATUS_TITLES, fmt
from services.control import indicators
from services.control.indicators import PeriodOption

OTHER = "Другие даты…"


def choose_dates(school_id: int | None, key: str) -> tuple[date, date]:
    """A study period, the week, the last 4 weeks, the year — or any dates."""
    if school_id is not None:
        options = indicators.period_options(school_id)
        current = indicators.current_period(school_id)
    else:
        d1, d2 = indicators.default_range([])
        options, current = [PeriodOption("Учебный год", d1, d2)], PeriodOption("Учебный год", d1, d2)
    labels = [o.label for o in options] + [OTHER]
    index = next((i for i, o in enumerate(options) if (o.date_from, o.date_to) == (current.date_from,
                                                                                   current.date_to)), 0)
    label = st.selectbox("Период", labels, index=index, key=f"{key}_period")
    if label != OTHER:
        chosen = options[labels.index(label)]
        return chosen.date_from, chosen.date_to
    today = date.today()
    picked = st.date_input("Даты", value=(today - timedelta(days=27), today), format="DD.MM.YYYY",
                           key=f"{key}_dates")
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        return picked[0], picked[1]
    st.info("Выберите начало и конец периода.")
    st.stop()


def status_cell(status: str) -> str:
    return STATUS_TITLES[status]


def colour_rows(frame: pd.DataFrame, statuses: list[str], column: str = "Значение"):
    """A Styler painting the value cell by its status (green / yellow / red / grey)."""
    def paint(col):
        if col.name != column:
            return [""] * len(col)
        return [f"background-color: {STATUS_COLOURS[s]}" for s in statuses]
    return frame.style.apply(paint, axis=0)


def value_text(value, unit: str) -> str:
    return fmt(value, unit)


def number_text(number) -> str:
    if number is None:
        return ""
    number = float(number)
    return f"{number:g}".replace(".", ",")


def control_findings(actor) -> None:
    """The findings of internal control sent to this teacher or class teacher (5.12), as items of
    their to-do until they mark them done (the notice is then read)."""
    from services.comms import notices
    from services.control import acts as control
    from ui import web

    found = control.my_findings(actor)
    if not found:
        return
    st.subheader(f"Замечания внутришкольного контроля ({len(found)})")
    for notice in found:
        with st.container(border=True):
            st.caption(f"Получено {web.local_time(notice.created_at)}")
            st.text(notice.text)
            if st.button("Исправлено, убрать из задач", key=f"ctl_finding_done_{notice.id}"):
                notices.mark_read(actor, [notice.id])
                st.rerun()
