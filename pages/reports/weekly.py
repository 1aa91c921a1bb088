"""«Ведомость для родителей»: the pupil's summary sheet (1.14) — every lesson of the span by
subject with its marks, averages, lates and missed lessons — for one pupil, a class (a page
per pupil) or the whole school (with a progress bar). Default: the last school week; teachers
and class teachers may choose any days inside one study period."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from exporters.pdf_common import num
from services.core import policy
from services.core.policy import AccessDenied
from services.core.schools import allowed_in_school
from services.reports import export as reports_export, sheets as rs
from services.reports.common import ReportError
from ui.reports_ui import downloads, ready_download

KEY = "rep_week"
ALL = 0


def render(actor, school_id: int, kind: str = "weekly") -> None:
    action = rs.CLASS_ACTION if kind == "class_report" else rs.SHEET_ACTION
    st.title("Отчёт об успеваемости и посещаемости" if kind == "class_report" else "Ведомость для родителей")
    key = f"{KEY}_{kind}"
    classes = rs.classes_for(actor, school_id, action)
    if not classes:
        st.info("Нет классов, по которым вам доступна эта ведомость.")
        return
    names = {c.id: c.name for c in classes}
    c1, c2 = st.columns([1, 2])
    with c1:
        class_id = st.selectbox("Класс", list(names), format_func=names.get, key=f"{key}_class")
    try:
        start, end = rs.default_range(actor, school_id, [class_id], kind=kind)
    except ReportError as e:
        st.error(str(e))
        return
    with c2:
        picked = st.date_input("Период (внутри одного учебного периода)", value=(start, end), format="DD.MM.YYYY",
                               key=f"{key}_dates_{class_id}")
    if not isinstance(picked, (list, tuple)) or len(picked) != 2:
        st.info("Выберите дату начала и дату конца.")
        return
    date_from, date_to = picked
    pupils = dict([(ALL, "Весь класс"), *rs.pupils_of(actor, class_id, date_from, date_to)])
    pupil = st.selectbox("Ученик", list(pupils), format_func=pupils.get, key=f"{key}_pupil_{class_id}")
    try:
        if pupil == ALL:
            report = rs.for_class(actor, class_id, date_from, date_to, kind=kind)
        else:
            report = rs.for_pupil(actor, pupil, date_from, date_to, kind=kind)
    except (ReportError, AccessDenied) as e:
        st.error(str(e))
        return
    st.caption(f"{report.scope_title} · {report.span} ({report.period_name}) · листов: {len(report.sheets)}")
    frame = _frame(report) if kind == "weekly" else _overview(report)
    subjects = sorted({s.name for sh in report.sheets for s in sh.subjects})
    if kind == "weekly" and subjects:
        chosen = st.multiselect("Предметы", subjects, key=f"{key}_subjects", placeholder="Все предметы")
        if chosen:
            frame = frame[frame["Предмет"].isin(chosen)]
    st.dataframe(frame, placeholder="", hide_index=True, key=f"{key}_table")
    stem = reports_export.safe_name(f"{'Отчёт об успеваемости' if kind == 'class_report' else 'Ведомость ученика'} "
                                    f"{report.scope_title} {date_from:%d.%m.%Y}-{date_to:%d.%m.%Y}")
    downloads(lambda fmt: reports_export.sheets_file(actor, report, fmt), key, name_stem=stem)
    if policy.can_ever(actor, action) and allowed_in_school(actor, action, school_id):
        _whole_school(actor, school_id, date_from, date_to, kind, key)


def _whole_school(actor, school_id: int, date_from: date, date_to: date, kind: str, key: str) -> None:
    with st.expander("Вся школа: ведомости всех классов одним файлом"):
        if not st.button("Сформировать по всей школе", key=f"{key}_school"):
            return
        bar = st.progress(0.0, text="Собираю данные классов…")
        try:
            report = rs.for_school(actor, school_id, date_from, date_to, kind=kind,
                                   progress=lambda d, t, name: bar.progress(d / t * 0.2, text=f"Класс {name}"))
            file = reports_export.sheets_file(
                actor, report, "pdf",
                progress=lambda d, t, text: bar.progress(0.2 + 0.8 * d / t, text=f"PDF: {text}") if d % 10 == 0
                or d == t else None)
        except (ReportError, AccessDenied) as e:
            bar.empty()
            st.error(str(e))
            return
        bar.progress(1.0, text=f"Готово: листов {len(report.sheets)}")
        ready_download(file, f"{key}_school_pdf", "Скачать PDF по всей школе")


def _frame(report) -> pd.DataFrame:
    from exporters.pdf_sheets import lessons_text
    rows = []
    for sh in report.sheets:
        for s in sh.subjects:
            rows.append({"Класс": sh.class_name, "Ученик": sh.name, "Предмет": s.name,
                         "Уроки и отметки": lessons_text(s),
                         "Средний балл": num(s.average), "Взвешенный балл": num(s.weighted),
                         "Опозданий": s.lates, "Пропусков": s.missed, "Н": s.absent, "Б": s.ill, "У": s.excused})
    return pd.DataFrame(rows)


def _overview(report) -> pd.DataFrame:
    rows = []
    subjects = report.subjects
    for sh in report.sheets:
        by = {s.subject_id: s for s in sh.subjects}
        row = {"Ученик": sh.name}
        for sid, name in subjects:
            row[name] = num(by[sid].weighted) if sid in by else ""
        row.update({"Опозданий": sh.lates, "Пропусков": sh.missed, "Н": sh.absent, "Б": sh.ill, "У": sh.excused})
        rows.append(row)
    return pd.DataFrame(rows)
