"""«Внутришкольный контроль»: the internal control plan (5.17) and the end-of-period control (5.11)
— each check with its findings, sent to the teachers concerned (5.12) — and the director's
monthly review of the journal (4.7, 5.10), printable, with the months that lack one."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from checks import registry
from checks.base import CHECK_GROUPS
from checks.snapshot import SnapshotError
from services.control import acts as control, indicators
from services.control.indicators import Choice, IndicatorError
from services.core import clock, policy
from services.core.policy import AccessDenied
from ui import control_records as records_ui, indicators_ui as ui, web

KEY = "ctl"


def _findings_frame(found) -> pd.DataFrame:
    return pd.DataFrame({
        "Класс": [f.class_name for f in found],
        "Предмет": [f.subject for f in found],
        "Учитель": [f.teacher for f in found],
        "Дата урока": [f.lesson_date.strftime("%d.%m.%Y") if f.lesson_date else "" for f in found],
        "Замечание": [f.what for f in found],
        "С какого времени": [f.since.strftime("%d.%m.%Y %H:%M") if f.since else "" for f in found],
    })


def _checks(actor, school_id: int, choice: Choice) -> None:
    group_title = st.radio("Контроль", list(CHECK_GROUPS.values()), horizontal=True, key=f"{KEY}_group")
    group = next(g for g, t in CHECK_GROUPS.items() if t == group_title)
    checks = registry.checks_of(group)
    with st.spinner("Провожу проверки…"):
        found_by_check = indicators.findings_of(actor, school_id, choice, [c.id for c in checks])
    counts = [len(found_by_check[c.id]) for c in checks]
    frame = pd.DataFrame({"Проверка": [c.name for c in checks], "Замечаний": counts,
                          "Что проверяется": [c.definition for c in checks]})
    st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_summary")
    names = [c.name for c in checks]
    name = st.selectbox("Замечания проверки", names, key=f"{KEY}_check")
    check = checks[names.index(name)]
    found = found_by_check[check.id]
    if not found:
        st.success("Замечаний нет.")
        return
    event = st.dataframe(_findings_frame(found), placeholder="", hide_index=True, key=f"{KEY}_findings_{check.id}",
                         on_select="rerun", selection_mode="multi-row")
    web.table_downloads(lambda: _findings_frame(found), stem=f"Замечания {check.name[:60]}", sheet="Замечания",
                        key=f"{KEY}_dl_{check.id}")
    chosen = [found[i] for i in (event.selection.rows if event is not None else [])]
    st.caption("Отметьте замечания (или ни одного — тогда все) и отправьте их учителям и классным руководителям: "
               "они придут во входящие и в список дел.")
    note = st.text_input("Сопроводительный текст", key=f"{KEY}_note")
    if st.button(f"Отправить учителям ({len(chosen) or len(found)})", key=f"{KEY}_send"):
        try:
            sent = control.send_findings(actor, school_id, [(check.id, f) for f in (chosen or found)], note)
            st.success(f"Отправлено: {sent.recipients} получателям; записан акт № {sent.act_id}.")
        except (control.ControlError, AccessDenied) as e:
            st.error(str(e))


def _reviews(actor, school_id: int) -> None:
    st.subheader("Ежемесячная проверка журнала директором")
    missing = control.months_without_review(school_id)
    if missing:
        st.warning("Нет проверки за: " + ", ".join(control.month_title(m) for m in missing))
    else:
        st.success("Проверки проведены за все закончившиеся месяцы учебного года.")
    if policy.allowed(actor, "control.review", policy.Target(school_id=school_id)):
        with st.form(f"{KEY}_review"):
            held_on = st.date_input("Дата проверки", value=clock.today(), format="DD.MM.YYYY")
            text = st.text_area("Результаты проверки", placeholder="Проверены журналы… Замечания…")
            if st.form_submit_button("Записать акт проверки"):
                try:
                    act_id = control.record_review(actor, school_id, held_on, text)
                    st.success(f"Акт № {act_id} записан.")
                except (control.ControlError, AccessDenied) as e:
                    st.error(str(e))
    acts = control.acts(actor, school_id)
    if acts:
        frame = pd.DataFrame({"№": [a.id for a in acts], "Дата": [a.held_on.strftime("%d.%m.%Y") for a in acts],
                              "Вид": [control.KINDS.get(a.kind, a.kind) for a in acts],
                              "Проверяющий": [a.author for a in acts],
                              "Результаты": [a.findings[:200] for a in acts]})
        st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_acts")
        numbers = [a.id for a in acts]
        act_id = st.selectbox("Акт для печати", numbers, key=f"{KEY}_act_pick")
        st.download_button("Скачать акт (PDF)", data=lambda: control.act_pdf(actor, act_id),
                           file_name=f"akt_{act_id}.pdf", mime="application/pdf", key=f"{KEY}_pdf", on_click="ignore")


def render(actor, school_id: int) -> None:
    st.title("Внутришкольный контроль")
    date_from, date_to = ui.choose_dates(school_id, KEY)
    choice = Choice(date_from, date_to)
    top = st.columns([3, 1])
    if top[1].button("Обновить данные", key=f"{KEY}_refresh"):
        try:
            with st.spinner("Обновляю снимок данных…"):
                indicators.refresh_snapshot(actor, school_id)
        except (IndicatorError, AccessDenied, SnapshotError) as e:
            st.error(str(e))
    label = top[0].empty()  # filled after the run: the first run of the day takes the snapshot
    try:
        _checks(actor, school_id, choice)
    except (IndicatorError, AccessDenied) as e:
        st.error(str(e))
        return
    finally:
        label.caption(f"{indicators.snapshot_label()} · {date_from:%d.%m.%Y} – {date_to:%d.%m.%Y}")
    _reviews(actor, school_id)
    records_ui.render_section(actor, school_id)
