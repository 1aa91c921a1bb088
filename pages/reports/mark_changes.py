"""«Изменения отметок»: every change of a mark in the school year (1.13) — who, when, old,
new, and whether it was inside the edit window; for the administrator, with filters."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core.policy import AccessDenied
from services.reports import changes as rc, export as reports_export
from services.reports.common import ReportError, year_title
from ui.reports_ui import downloads

KEY = "rep_changes"


def render(actor, school_id: int) -> None:
    st.title("Изменения отметок")
    try:
        everything = rc.changes(actor, school_id, include_first=True)
    except (ReportError, AccessDenied) as e:
        st.error(str(e))
        return
    st.caption(f"{year_title(everything.start_year)} учебный год · "
               f"срок редактирования: «{everything.edit_window_title}»")
    classes = sorted({(r.class_name, r.class_id) for r in everything.rows if r.class_id})
    subjects = sorted({(r.subject, r.subject_id) for r in everything.rows if r.subject_id})
    users = sorted({(r.who, r.user_id) for r in everything.rows if r.user_id})
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        class_id = st.selectbox("Класс", [None] + [c for _, c in classes], key=f"{KEY}_class",
                                format_func=lambda c: "все" if c is None else dict((i, n) for n, i in classes)[c])
    with c2:
        subject_id = st.selectbox("Предмет", [None] + [s for _, s in subjects], key=f"{KEY}_subject",
                                  format_func=lambda s: "все" if s is None else dict((i, n) for n, i in subjects)[s])
    with c3:
        user_id = st.selectbox("Кто изменил", [None] + [u for _, u in users], key=f"{KEY}_user",
                               format_func=lambda u: "все" if u is None else dict((i, n) for n, i in users)[u])
    with c4:
        span = st.date_input("Даты изменений", value=(), format="DD.MM.YYYY", key=f"{KEY}_dates")
    only_outside = st.checkbox("Только вне срока редактирования", key=f"{KEY}_outside")
    include_first = st.checkbox("Показывать и первое выставление отметки", key=f"{KEY}_first")
    date_from = date_to = None
    if isinstance(span, (list, tuple)) and len(span) == 2:
        date_from, date_to = span
    try:
        report = rc.changes(actor, school_id, date_from=date_from, date_to=date_to, class_id=class_id,
                            subject_id=subject_id, user_id=user_id, only_outside=only_outside,
                            include_first=include_first)
    except (ReportError, AccessDenied) as e:
        st.error(str(e))
        return
    st.caption(f"Изменений: {len(report.rows)}")
    if not report.rows:
        st.info("Изменений отметок с такими условиями нет.")
        return
    st.dataframe(pd.DataFrame([{
        "Изменено": f"{r.changed_at:%d.%m.%Y %H:%M}",
        "Урок / период": f"{r.lesson_date:%d.%m.%Y}" if r.lesson_date else r.period_title,
        "Вид": r.kind_title, "Класс": r.class_name, "Предмет": r.subject, "Ученик": r.pupil,
        "Было": r.old, "Стало": r.new or "удалена", "Кто изменил": r.who,
        "В сроке": "—" if r.inside_window is None else ("да" if r.inside_window else "нет")}
        for r in report.rows]), placeholder="", hide_index=True, key=f"{KEY}_table")
    stem = reports_export.safe_name(f"Изменения отметок {year_title(report.start_year).replace('/', '-')}")
    downloads(lambda fmt: reports_export.changes_file(actor, report, fmt), KEY, name_stem=stem)
