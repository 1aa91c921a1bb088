"""«Сводная ведомость»: the summary of interim and final attestation (1.4) of a class, a
parallel or the whole school, live from the journal; on screen as a table, to PDF and XLSX."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core.policy import AccessDenied
from services.core.schools import allowed_in_school
from services.reports import attestation as ra, export as reports_export
from services.reports.common import ReportError, year_title
from services.reports.sheets import classes_for
from services.reports.stats import CATEGORY_TITLES, show_percent
from ui import web
from ui.reports_ui import downloads

KEY = "rep_att"


def render(actor, school_id: int) -> None:
    st.title("Сводная ведомость аттестации")
    try:
        start_year, options = ra.choices(actor, school_id)
        default = ra.default_column(actor, school_id)
    except (ReportError, AccessDenied) as e:
        st.error(str(e))
        return
    st.caption(f"{year_title(start_year)} учебный год · данные журнала на текущий момент")
    keys = [o.key for o in options]
    titles = {o.key: o.title for o in options}
    c1, c2, c3 = st.columns([2, 2, 2])
    with c1:
        column = st.selectbox("Отметки", keys, index=keys.index(default) if default in keys else 0,
                              format_func=titles.get, key=f"{KEY}_column")
    classes = classes_for(actor, school_id, ra.ACTION)
    school_wide = allowed_in_school(actor, ra.ACTION, school_id)
    scopes = ["class"] + (["grade", "school"] if school_wide else [])
    scope_titles = {"class": "Класс", "grade": "Параллель", "school": "Вся школа"}
    with c2:
        scope = st.radio("Охват", scopes, format_func=scope_titles.get, horizontal=True, key=f"{KEY}_scope")
    class_id = grade = None
    with c3:
        if scope == "class":
            if not classes:
                st.info("Нет классов, по которым вам доступна ведомость.")
                return
            names = {c.id: c.name for c in classes}
            class_id = st.selectbox("Класс", list(names), format_func=names.get, key=f"{KEY}_class")
        elif scope == "grade":
            grades = sorted({c.grade for c in classes})
            grade = st.selectbox("Параллель", grades, format_func=lambda g: f"{g} классы", key=f"{KEY}_grade")
    third = st.checkbox("Для передачи третьим лицам (без учеников, чьи родители отозвали согласие)",
                        key=f"{KEY}_third")
    try:
        summary = ra.summary(actor, school_id, column=column, class_id=class_id, grade=grade, third_party=third)
    except (ReportError, AccessDenied) as e:
        st.error(str(e))
        return
    if summary.third_party:
        st.caption(f"Исключено учеников без согласия: {summary.withheld}")
    if len(summary.classes) > 1:
        st.subheader("Итоги по классам")
        st.dataframe(_totals(summary), placeholder="", hide_index=True, key=f"{KEY}_totals")
    shown = summary.classes
    if len(shown) > 1:
        pick = st.multiselect("Показать классы", [c.name for c in shown], default=[c.name for c in shown][:3],
                              key=f"{KEY}_show", placeholder="Выберите классы")
        shown = [c for c in shown if c.name in pick]
    search = st.text_input("Найти ученика", key=f"{KEY}_search").strip().lower()
    for sheet in shown:
        st.subheader(f"{web.md(sheet.name)} класс" + (f" · {web.md(sheet.class_teacher)}" if sheet.class_teacher else ""))
        frame = _class_frame(sheet)
        if search:
            frame = frame[frame["Ученик"].str.lower().str.contains(search, regex=False)]
        st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_grid_{sheet.class_id}")
        s = sheet.standing
        st.caption(f"Учеников: {s.pupils}; аттестовано: {s.attested}; качество знаний {show_percent(s.quality)}; "
                   f"успеваемость {show_percent(s.success)}"
                   + (f" · Без аттестации: {', '.join(sheet.no_attestation)}" if sheet.no_attestation else ""))
    _exams(summary, search)
    stem = reports_export.safe_name(f"Сводная ведомость {summary.scope_title} {summary.column_title} "
                                    f"{year_title(summary.start_year).replace('/', '-')}")
    downloads(lambda fmt: reports_export.attestation_file(actor, summary, fmt), KEY, name_stem=stem)


def _totals(summary) -> pd.DataFrame:
    rows = [(c.name, c.standing, c.marks) for c in summary.classes] + [("Итого", summary.standing, summary.marks)]
    return pd.DataFrame([{
        "Класс": name, "Учеников": s.pupils, "Аттестовано": s.attested, "На «5»": s.excellent,
        "На «4» и «5»": s.good, "С одной «3»": s.one_three, "Неуспевающих": s.failing,
        "Не аттестовано": s.not_attested, "«5»": m.five, "«4»": m.four, "«3»": m.three, "«2»": m.two, "н/а": m.na,
        "Качество": show_percent(s.quality), "Успеваемость": show_percent(s.success)} for name, s, m in rows])


def _class_frame(sheet) -> pd.DataFrame:
    rows = []
    for r in sheet.rows:
        row = {"Ученик": r.name, "Примечание": r.note}
        for sid, name in sheet.subjects:
            row[name] = r.marks.get(sid, "")
        row.update({"«5»": r.counts.five, "«4»": r.counts.four, "«3»": r.counts.three, "«2»": r.counts.two,
                    "н/а": r.counts.na, "Итог": CATEGORY_TITLES[r.category] if r.counted else "не учитывается"})
        rows.append(row)
    return pd.DataFrame(rows)


def _exams(summary, search: str) -> None:
    """Results of ВПР, ОГЭ, ЕГЭ of the year in these classes (2.2) beside the year marks, and per class
    and subject how many differ from the year mark by one or more (objectivity)."""
    from services.rules import exams as exam_rules
    from services.rules.averages import show
    lines = summary.exams
    if not lines:
        return
    st.subheader("Результаты ВПР, ОГЭ, ЕГЭ")
    groups: dict[tuple, list] = {}
    for e in lines:
        groups.setdefault((e.class_name, e.kind, e.subject), []).append(e)
    rows = []
    for (cls, kind, subject), items in groups.items():
        o = exam_rules.objectivity((e.mark, e.year_mark) for e in items)
        rows.append({"Класс": cls, "Работа": kind, "Предмет": subject, "Результатов": o.results,
                     "Сравнено с годовой": o.compared, "Отличаются на 1 и более": o.differing,
                     "Доля отличающихся": show_percent(o.share),
                     "Средняя разница (работа − год)": show(o.mean_difference)})
    st.dataframe(pd.DataFrame(rows), placeholder="", hide_index=True, key=f"{KEY}_exam_sum")
    st.caption("Отметка работы сравнивается с годовой отметкой по предмету, а до её выставления — с отметкой "
               "за последний учебный период, закончившийся до даты работы.")
    frame = pd.DataFrame([{"Класс": e.class_name, "Ученик": e.name, "Работа": e.kind, "Предмет": e.subject,
                           "Дата": e.held_on.strftime("%d.%m.%Y"), "Первичный балл": e.primary_score,
                           "Тестовый балл": "" if e.test_score is None else str(e.test_score),
                           "Отметка": "" if e.mark is None else str(e.mark),
                           "Годовая": "" if e.year_mark is None else str(e.year_mark),
                           "Разница": "" if e.difference is None else f"{e.difference:+d}"} for e in lines])
    if search:
        frame = frame[frame["Ученик"].str.lower().str.contains(search, regex=False)]
    with st.expander(f"Результаты по ученикам ({len(frame)})"):
        st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_exam_rows")
