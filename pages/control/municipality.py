"""«Школы муниципалитета»: the municipal coordinator's view (4.1) — every indicator for every school
side by side, the ranking, deadline compliance and fill levels, a school's classes, the XLSX
summary. Aggregates only: no pupil's name is ever shown here."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from checks import registry
from checks.base import CATEGORIES
from services.control import indicators, indicators_xlsx
from services.control.indicators import IndicatorError
from services.control.indicators_xlsx import DEADLINES
from services.core.policy import AccessDenied
from ui import indicators_ui as ui, web

KEY = "muni"


@st.cache_data(show_spinner=False, max_entries=8)
def _view(user_id: int, municipality_id: int, date_from, date_to, taken: str, _actor):
    """Cached per user, municipality, dates and snapshot moment (the snapshot only changes on refresh)."""
    return indicators.municipality(_actor, municipality_id, date_from, date_to)


def render(actor, municipality_id: int) -> None:
    st.title("Школы муниципалитета")
    date_from, date_to = ui.choose_dates(None, KEY)
    try:
        info = indicators.ensure_snapshot()
        with st.spinner("Считаю показатели школ…"):
            view = _view(actor.user_id, municipality_id, date_from, date_to, info.taken_at.isoformat(), actor)
    except (IndicatorError, AccessDenied) as e:
        st.error(str(e))
        return
    st.caption(f"{web.md(view.name)} · {web.md(view.label)} · {date_from:%d.%m.%Y} – {date_to:%d.%m.%Y} · школ: {len(view.schools)}")
    schools = list(view.schools)
    total = {r.id: r for r in view.total}

    category = st.selectbox("Категория", [CATEGORIES[c] for c in CATEGORIES if c != "deputy"], key=f"{KEY}_cat")
    cat = next(c for c, t in CATEGORIES.items() if t == category)
    ids = [i.id for i in registry.by_category(cat)]
    frame = pd.DataFrame({"Показатель": [registry.get(i).name for i in ids],
                          "Муниципалитет": [ui.value_text(total[i].value, total[i].unit) for i in ids],
                          **{name: [ui.value_text(view.cells[(i, s)].value, registry.get(i).unit) for i in ids]
                             for s, name in schools}})
    st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_table")

    st.subheader("Рейтинг школ")
    names = [registry.get(i).name for i in registry.INDICATOR_IDS]
    name = st.selectbox("По показателю", names, index=names.index("Посещаемость"), key=f"{KEY}_rank_by")
    rank_id = registry.INDICATOR_IDS[names.index(name)]
    ranked = indicators.ranking(view, rank_id)
    rank_frame = pd.DataFrame({"Место": [p or "—" for p, _, _ in ranked], "Школа": [n for _, n, _ in ranked],
                               "Значение": [ui.value_text(part.value, registry.get(rank_id).unit) for _, _, part in ranked],
                               "Оценка": [ui.status_cell(part.status) for _, _, part in ranked]})
    event = st.dataframe(ui.colour_rows(rank_frame, [part.status for _, _, part in ranked]), placeholder="", hide_index=True,
                         key=f"{KEY}_rank", on_select="rerun", selection_mode="single-row")
    picked = event.selection.rows if event is not None else []
    if picked:
        part = ranked[picked[0]][2]
        st.markdown(f"**{web.md(ranked[picked[0]][1])}** — «{web.md(name)}» по классам")
        parts = indicators.municipality_classes(actor, municipality_id, part.school_id, date_from, date_to, rank_id)
        st.dataframe(pd.DataFrame({"Класс": [p.title for p in parts],
                                   "Значение": [ui.value_text(p.value, registry.get(rank_id).unit) for p in parts],
                                   "Числитель": [ui.number_text(p.numerator) for p in parts],
                                   "Знаменатель": [ui.number_text(p.denominator) for p in parts]}), placeholder="",
                     hide_index=True, key=f"{KEY}_classes")

    st.subheader("Соблюдение сроков и заполнение журнала")
    st.dataframe(pd.DataFrame({"Школа": [n for _, n in schools],
                               **{registry.get(i).name: [ui.value_text(view.cells[(i, s)].value, "%")
                                                         for s, _ in schools] for i in DEADLINES}}), placeholder="",
                 hide_index=True, key=f"{KEY}_deadlines")
    # made (and its export audited) only when the button is pressed, not on every visit
    st.download_button("Сводка в Excel (XLSX)", on_click="ignore", icon=":material/table_view:",
                       data=lambda: indicators_xlsx.municipal_xlsx(actor, view, date_from, date_to),
                       file_name=f"svodka_{date_from:%Y%m%d}_{date_to:%Y%m%d}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{KEY}_xlsx")
