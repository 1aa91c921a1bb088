"""«ВПР, ОГЭ, ЕГЭ»: results of final works and exams (2.2) on a grid per class and subject (the
administrator, a deputy for their parallels; the director and class teacher read), or imported from
Excel with the roster's row-by-row checking."""
from __future__ import annotations

import hashlib
import math

import pandas as pd
import streamlit as st

from services.core import clock, policy
from services.core.policy import AccessDenied
from services.reports import exams
from services.reports.common import year_title
from services.reports.exams import ExamError, GridRow
from ui import web

KEY = "exam"


def render(actor, school_id: int) -> None:
    st.title("Результаты ВПР, ОГЭ, ЕГЭ")
    current = clock.school_year_of(clock.today())
    start_year = st.selectbox("Учебный год", [current, current - 1], format_func=year_title, key=f"{KEY}_year")
    try:
        classes = exams.classes(actor, school_id, start_year)
        subjects = exams.subjects(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    may_edit = policy.can_ever(actor, "exam.edit")
    if may_edit:
        grid_tab, load_tab = st.tabs(["По классу и предмету", "Загрузить из Excel"])
        with load_tab:
            _import(actor, school_id)
    else:
        grid_tab = st.container()
    with grid_tab:
        _grid(actor, school_id, classes, subjects)


def _grid(actor, school_id: int, classes, subjects: dict[int, str]) -> None:
    if not classes or not subjects:
        st.info("Нет классов или предметов, по которым вам доступны результаты.")
        return
    names = {c.class_id: c.name for c in classes}
    c1, c2, c3 = st.columns([1, 1, 2])
    class_id = c1.selectbox("Класс", list(names), format_func=names.get, key=f"{KEY}_class")
    kind = c2.segmented_control("Работа", list(exams.KINDS), format_func=exams.KINDS.get, default="vpr",
                                key=f"{KEY}_kind") or "vpr"
    subject_id = c3.selectbox("Предмет", list(subjects), format_func=subjects.get, key=f"{KEY}_subject")
    try:
        grid = exams.grid(actor, school_id, class_id, kind, subject_id)
    except (ExamError, AccessDenied) as e:
        st.error(str(e))
        return
    if not grid.rows:
        st.info("В классе нет учеников.")
        return
    ege = kind == "ege"
    frame = pd.DataFrame({
        "Ученик": [r.pupil for r in grid.rows],
        "Первичный балл": pd.array([r.primary_score for r in grid.rows], dtype="Int64"),
        ("Тестовый балл" if ege else "Отметка"): pd.array(
            [(r.test_score if ege else r.mark) for r in grid.rows], dtype="Int64"),
    })
    if not grid.editable:
        st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_view")
        if grid.held_on:
            st.caption(f"Дата работы: {grid.held_on:%d.%m.%Y}")
        return
    st.caption("ЕГЭ: первичный и тестовый балл (0–100); ОГЭ и ВПР: первичный балл и отметка 2–5. "
               "Очистите строку, чтобы удалить результат ученика.")
    with st.form(f"{KEY}_form_{class_id}_{kind}_{subject_id}"):
        held_on = st.date_input("Дата работы", value=grid.held_on or clock.today(), format="DD.MM.YYYY",
                                key=f"{KEY}_date_{class_id}_{kind}_{subject_id}")
        edited = st.data_editor(frame, hide_index=True, disabled=["Ученик"], num_rows="fixed", placeholder="",
                                key=f"{KEY}_editor_{class_id}_{kind}_{subject_id}",
                                column_config={c: st.column_config.NumberColumn(c, step=1, min_value=0, max_value=100)
                                               for c in frame.columns if c != "Ученик"})
        saved = st.form_submit_button("Сохранить", type="primary")
    if not saved:
        return
    rows = [GridRow(r.student_id, r.pupil, _int(edited.iloc[i]["Первичный балл"]),
                    _int(edited.iloc[i]["Тестовый балл"]) if ege else None,
                    None if ege else _int(edited.iloc[i]["Отметка"]))
            for i, r in enumerate(grid.rows)]
    try:
        result = exams.save_grid(actor, school_id, class_id, kind, subject_id, held_on, rows)
    except (ExamError, AccessDenied) as e:
        st.error(str(e))
        return
    st.success(f"Сохранено: новых {result.created}, изменено {result.updated}, удалено {result.deleted}, "
               f"без изменений {result.unchanged}.")


def _int(value) -> int | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() else -1   # a fraction is refused by the rules


def _import(actor, school_id: int) -> None:
    st.download_button("Скачать шаблон", data=exams.template(), file_name="Шаблон — ВПР ОГЭ ЕГЭ.xlsx",
                       icon=":material/download:", key=f"{KEY}_template")
    upload = web.sheet_uploader(f"{KEY}_upload", "Файл с результатами (.xlsx, .xls, .ods)")
    if upload is None:
        st.caption("Столбцы: ФИО, Класс, Вид работы (ВПР, ОГЭ, ЕГЭ), Предмет, Дата, Первичный балл, "
                   "Тестовый балл (ЕГЭ), Отметка (ОГЭ, ВПР). Заголовки узнаются без учёта регистра и «ё».")
        return
    data, name = upload.getvalue(), upload.name
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        check = exams.import_results(actor, school_id, data, name, dry_run=True)
    except AccessDenied as e:
        st.error(str(e))
        return
    bad_rows = len({p.row for p in check.errors})
    if check.errors:
        st.error(f"В файле «{web.md(name)}» найдены ошибки: {len(check.errors)} (строк с ошибками: {bad_rows} из "
                 f"{check.rows}). Ничего не загружено.")
        frame = web.problems_frame(check.errors, "Ошибка")
        st.dataframe(frame, placeholder="", hide_index=True, width="stretch", key=f"{KEY}_errors")
        web.table_downloads(lambda: frame, stem=f"Ошибки загрузки {name}", sheet="Ошибки", key=f"{KEY}_err_{digest}")
    else:
        st.success(f"Файл «{web.md(name)}» проверен: строк {check.rows}, ошибок нет. Будет добавлено "
                   f"{check.created}, обновлено {check.updated}, без изменений {check.unchanged}.")
    only_valid = False
    if check.errors:
        if bad_rows >= check.rows:
            st.info("Исправьте файл и загрузите его снова.")
            return
        only_valid = st.toggle(f"Загрузить только верные строки ({check.rows - bad_rows}), остальные пропустить",
                               key=f"{KEY}_only_{digest}")
        if not only_valid:
            return
    if st.button("Загрузить", type="primary", key=f"{KEY}_go_{digest}"):
        result = exams.import_results(actor, school_id, data, name, only_valid=only_valid)
        if not result.committed:
            st.error("Загрузка не выполнена: " + "; ".join(web.md(p.text()) for p in result.errors[:5]))
            return
        st.success(f"Загружено. Добавлено: {result.created}, обновлено: {result.updated}, без изменений: "
                   f"{result.unchanged}" + (f", пропущено строк: {result.skipped_rows}" if result.skipped_rows else "")
                   + ".")
