"""«Показатели школы»: the deputy director's and the director's dashboard — all five categories of
4.6 with colours and definitions, the deputy's control of 3.6, a weekly trend, and the rows behind
a value in a dialog. A deputy sees only their parallels or subject areas (the service narrows)."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from checks import registry
from checks.base import CATEGORIES
from services.control import indicators, indicators_settings
from services.control.indicators import Choice, IndicatorError
from services.core import policy
from services.core.policy import AccessDenied
from ui import indicators_ui as ui, regulation_duties, web

KEY = "ind"


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "Показатель": [r.name for r in rows],
        "Значение": [ui.value_text(r.value, r.unit) for r in rows],
        "Оценка": [ui.status_cell(r.status) for r in rows],
        "Числитель": [ui.number_text(r.numerator) for r in rows],
        "Знаменатель": [ui.number_text(r.denominator) for r in rows],
        "Пороги": [f"{'≥' if r.good == 'up' else '≤'} {ui.number_text(r.green)} / {ui.number_text(r.yellow)}"
                   for r in rows],
        "Определение": [r.definition for r in rows],
    })


def _table(rows, key: str):
    """The coloured table of one category; returns the selected row (or None)."""
    frame = _frame(rows)
    event = st.dataframe(
        ui.colour_rows(frame, [r.status for r in rows]), placeholder="", hide_index=True, key=key, on_select="rerun",
        selection_mode="single-row", column_config={
            "Показатель": st.column_config.TextColumn(width=280),
            "Определение": st.column_config.TextColumn(width="large")})
    picked = event.selection.rows if event is not None else []
    return rows[picked[0]] if picked else None


@st.dialog("Что стоит за числом", width="large")
def _drill(actor, school_id: int, choice: Choice, row) -> None:
    st.markdown(f"**{row.name}** — {ui.value_text(row.value, row.unit)} "
                f"({ui.number_text(row.numerator)} из {ui.number_text(row.denominator)})")
    st.caption(row.definition)
    try:
        columns, rows, extra = indicators.drilldown(actor, school_id, choice, row.id)
    except AccessDenied as e:
        st.warning(str(e))
        parts = indicators.by_class(actor, school_id, choice, row.id)
        st.dataframe(pd.DataFrame({"Класс": [p.title for p in parts],
                                   "Значение": [ui.value_text(p.value, row.unit) for p in parts]}), placeholder="",
                     hide_index=True)
        return
    if extra:
        st.dataframe(pd.DataFrame([extra]), placeholder="", hide_index=True)
    if not rows:
        st.success("Строк за этим значением нет.")
        return
    frame = pd.DataFrame(rows, columns=columns)
    st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_drill_table")
    st.caption(f"Строк: {len(rows)}")
    web.table_downloads(lambda: frame, stem=f"{row.name} {choice.date_from:%d.%m.%Y}-{choice.date_to:%d.%m.%Y}",
                        sheet=row.name, key=f"{KEY}_drill_dl",
                        on_take=web.audit_export(actor, school_id, f"показатель «{row.name}»: строки за значением"))


def _trend(actor, school_id: int, choice: Choice, rows) -> None:
    st.subheader("Динамика по неделям")
    trendable = [r for r in rows if registry.get(r.id).trend]
    names = [r.name for r in trendable]
    default = next((i for i, r in enumerate(trendable) if r.id == "attendance"), 0)
    name = st.selectbox("Показатель", names, index=default, key=f"{KEY}_trend_pick")
    picked = trendable[names.index(name)]
    weeks = indicators.trend(actor, school_id, choice, picked.id, weeks=10)
    frame = pd.DataFrame({"Неделя с": pd.to_datetime([w for w, _ in weeks]),
                          picked.name: [v for _, v in weeks]})
    if frame[picked.name].isna().all():
        st.info("За эти недели значений нет.")
        return
    # one tick per week (Monday), every week of the span on the axis, also those without a value
    frame["Неделя"] = frame["Неделя с"].dt.strftime("%d.%m")
    chart = alt.Chart(frame.dropna()).mark_line(point=True).encode(
        x=alt.X("Неделя:O", title="неделя (с понедельника)", sort=None,
                scale=alt.Scale(domain=frame["Неделя"].tolist()), axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{picked.name}:Q", title=picked.unit),
        tooltip=[alt.Tooltip("Неделя с:T", format="%d.%m.%Y"), alt.Tooltip(f"{picked.name}:Q", format=".2f")])
    st.altair_chart(chart)


def _thresholds(actor, school_id: int) -> None:
    with st.expander("Пороги и параметры показателей школы"):
        entries = [*registry.INDICATORS, *registry.DEPUTY, *registry.CHECKS]
        names = [e.name for e in entries]
        name = st.selectbox("Показатель или проверка", names, key=f"{KEY}_cfg_pick")
        entry = entries[names.index(name)]
        limits = indicators_settings.limits_of(school_id, entry)
        st.caption(("Больше — лучше" if entry.good == "up" else "Меньше — лучше")
                   + f". По умолчанию: зелёный {ui.number_text(limits.default_green)}, "
                     f"жёлтый {ui.number_text(limits.default_yellow)}.")
        with st.form(f"{KEY}_cfg_form"):
            green = st.number_input("Зелёный порог", value=float(limits.green))
            yellow = st.number_input("Жёлтый порог", value=float(limits.yellow))
            params = {p.name: st.number_input(p.title, value=float(p.default), help=p.help) for p in entry.params}
            saved = st.form_submit_button("Сохранить")
        if saved:
            try:
                indicators_settings.save(actor, school_id, entry.id, green=green, yellow=yellow, params=params)
                st.success("Сохранено.")
            except (indicators_settings.SettingsError, AccessDenied) as e:
                st.error(str(e))


def _narrow(actor, school_id: int, date_from, date_to) -> Choice:
    """Parallel, class, subject and teacher (all optional; a deputy chooses within their own)."""
    options = indicators.filter_options(actor, school_id, date_to)
    with st.expander("Параллель, класс, предмет, учитель"):
        cols = st.columns(4)
        grade = cols[0].selectbox("Параллель", [None, *options.grades], key=f"{KEY}_grade",
                                  format_func=lambda g: "все" if g is None else f"{g} классы")
        classes = [c for c in options.classes if grade is None or c[2] == grade]
        class_id = cols[1].selectbox("Класс", [None, *[c[0] for c in classes]], key=f"{KEY}_class",
                                     format_func=lambda c: "все" if c is None else dict((x[0], x[1]) for x in classes)[c])
        subject_id = cols[2].selectbox("Предмет", [None, *[s[0] for s in options.subjects]], key=f"{KEY}_subject",
                                       format_func=lambda s: "все" if s is None else dict(options.subjects)[s])
        teacher_id = cols[3].selectbox("Учитель", [None, *[t[0] for t in options.teachers]], key=f"{KEY}_teacher",
                                       format_func=lambda t: "все" if t is None else dict(options.teachers)[t])
    return Choice(date_from, date_to, grades=(grade,) if grade is not None and class_id is None else (),
                  class_ids=(class_id,) if class_id is not None else (),
                  subject_ids=(subject_id,) if subject_id is not None else (), teacher_id=teacher_id)


def render(actor, school_id: int) -> None:
    st.title("Показатели школы")
    date_from, date_to = ui.choose_dates(school_id, KEY)
    choice = _narrow(actor, school_id, date_from, date_to)
    top = st.columns([3, 1])
    try:
        with st.spinner("Считаю показатели…"):
            board = indicators.dashboard(actor, school_id, choice)
    except (IndicatorError, AccessDenied) as e:
        st.error(str(e))
        return
    top[0].caption(f"{board.label} · {date_from:%d.%m.%Y} – {date_to:%d.%m.%Y}"
                   + (f" · {board.limited_to}" if board.limited_to else ""))
    if top[1].button("Обновить данные", key=f"{KEY}_refresh"):
        with st.spinner("Обновляю снимок данных…"):
            indicators.refresh_snapshot(actor, school_id)
        st.rerun()
    regulation_duties.render(actor, school_id)
    st.caption("Выберите строку, чтобы увидеть учеников, уроки или учителей за значением.")
    groups = board.by_category()
    tabs = st.tabs([CATEGORIES[c] for c in groups] + [CATEGORIES["deputy"]])
    selected = None
    for tab, (category, rows) in zip(tabs, [*groups.items(), ("deputy", list(board.deputy))]):
        with tab:
            row = _table(rows, f"{KEY}_table_{category}")
            selected = selected or row
    opened = st.session_state.get(f"{KEY}_opened")
    if selected is not None and opened != selected.id:
        st.session_state[f"{KEY}_opened"] = selected.id
        _drill(actor, school_id, choice, selected)
    elif selected is None:
        st.session_state.pop(f"{KEY}_opened", None)
    web.table_downloads(lambda: pd.concat([_frame(list(board.rows)), _frame(list(board.deputy))], ignore_index=True),
                        stem=f"Показатели {date_from:%d.%m.%Y}-{date_to:%d.%m.%Y}", sheet="Показатели",
                        key=f"{KEY}_dl")
    _trend(actor, school_id, choice, list(board.rows) + list(board.deputy))
    target = policy.Target(school_id=school_id)
    if policy.can_ever(actor, "indicators.configure") and policy.allowed(actor, "indicators.configure", target):
        _thresholds(actor, school_id)
