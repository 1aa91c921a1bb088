"""«Учебный план и нагрузка» (deputy director for their parallels, administrator for all): the
curriculum of a class (subjects with weekly hours, «Без аттестации», five-point or зачёт/незачёт,
split into subgroups), copied to the other classes of the parallel in one step, and the teaching
assignments (which teacher teaches which subject to the class or to a subgroup). The rules are
services/planning/curriculum.py's; this page only shows, collects and reports."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core.policy import AccessDenied
from services.planning import curriculum, timetable
from services.planning.curriculum import MARKING, Assignment, Item
from ui import web
from ui.timetable_ui import unique_labels

KEY = "cur"
WHOLE = "— весь класс"
MARK_BY_TITLE = {title: kind for kind, title in MARKING.items()}


def render(actor, school_id: int) -> None:
    st.title("Учебный план и нагрузка")
    try:
        classes = dict(timetable.classes_for(actor, school_id, "curriculum.edit"))
    except (AccessDenied, ValueError) as e:
        st.error(str(e))
        return
    if not classes:
        st.info("Нет классов, учебный план которых вы можете менять.")
        return
    class_id = st.selectbox("Класс", list(classes), format_func=classes.get, key=f"{KEY}_class")
    plan = curriculum.load(actor, class_id)
    st.caption(f"Всего часов в неделю по плану: {plan.total_hours:g}.")
    web.unsaved_guard()  # «Сохранить» waits for a table to hand its last typed cell to the form
    items, load = st.tabs(["Учебный план", "Нагрузка учителей"])
    with items:
        _items(actor, school_id, plan)
    with load:
        _assignments(actor, plan)


def _version() -> int:
    return st.session_state.get(f"{KEY}_version", 0)


def _saved(text: str) -> None:
    st.session_state[f"{KEY}_version"] = _version() + 1
    web.notify("success", text)
    st.rerun()


def _empty(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def _items(actor, school_id: int, plan) -> None:
    subjects = unique_labels([(s.id, s.name) for s in plan.subjects])
    names = {v: k for k, v in subjects.items()}
    if not subjects and plan.editable:  # a new school: nothing to choose in the table yet
        st.info("В школе ещё нет предметов: добавьте их ниже, в «Новый предмет школы», и выберите в таблице.")
    frame = pd.DataFrame([{"Предмет": names.get(i.subject_id, i.subject_name), "Часов в неделю": i.hours_per_week,
                           "Без аттестации": i.no_attestation, "Оценивание": MARKING.get(i.marking, i.marking),
                           "Подгруппы": i.split} for i in plan.items],
                         columns=["Предмет", "Часов в неделю", "Без аттестации", "Оценивание", "Подгруппы"])
    # in a form: the typed rows go to the server once, with the click on «Сохранить» (a table
    # outside a form reruns the page on every cell, and a click landing in such a rerun is lost)
    with st.form(f"{KEY}_items_form", border=False, enter_to_submit=False) if plan.editable else st.container():
        edited = st.data_editor(
            frame, placeholder="", key=f"{KEY}_items_{plan.class_id}_{_version()}", hide_index=True,
            num_rows="dynamic" if plan.editable else "fixed", disabled=not plan.editable,
            column_config={
                "Предмет": st.column_config.SelectboxColumn("Предмет", options=list(subjects), required=True,
                                                            width=220),
                "Часов в неделю": st.column_config.NumberColumn("Часов в неделю", min_value=0.5,
                                                                max_value=curriculum.MAX_HOURS,
                                                                step=0.5, required=True),
                "Без аттестации": st.column_config.CheckboxColumn("Без аттестации", default=False),
                "Оценивание": st.column_config.SelectboxColumn("Оценивание", options=list(MARK_BY_TITLE),
                                                               required=True, default=MARKING["five"], width=160),
                "Подгруппы": st.column_config.CheckboxColumn("Делится на подгруппы", default=False)})
        submitted = plan.editable and st.form_submit_button("Сохранить учебный план", type="primary",
                                                            key=f"{KEY}_items_save")
    web.table_downloads(lambda: frame.assign(**{"Без аттестации": frame["Без аттестации"].map({True: "да", False: ""}),
                                                "Подгруппы": frame["Подгруппы"].map({True: "да", False: ""})}),
                        stem=f"Учебный план {plan.class_name}", sheet="Учебный план", key=f"{KEY}_items_dl")
    if not plan.editable:
        st.info("Учебный план этого класса вам доступен только для просмотра.")
        return
    if submitted:
        rows, problems = [], []
        for i, rec in enumerate(edited.to_dict("records"), start=1):
            if all(_empty(rec.get(c)) or rec.get(c) is False for c in frame.columns):
                continue
            if _empty(rec.get("Предмет")) or _empty(rec.get("Часов в неделю")):
                problems.append(f"Строка {i}: выберите предмет и укажите часы в неделю.")
                continue
            rows.append(Item(subjects[rec["Предмет"]], float(rec["Часов в неделю"]), bool(rec.get("Без аттестации")),
                             MARK_BY_TITLE.get(rec.get("Оценивание"), "five"), bool(rec.get("Подгруппы"))))
        if problems:
            st.error("Учебный план не сохранён:\n\n" + "\n".join(f"- {p}" for p in problems))
        else:
            try:
                counts = curriculum.save(actor, plan.class_id, rows)
            except (AccessDenied, ValueError) as e:
                st.error(f"Учебный план не сохранён: {e}")
            else:
                _saved(f"Учебный план {plan.class_name} сохранён: добавлено {counts['added']}, изменено "
                       f"{counts['changed']}, убрано {counts['removed']}.")
    if plan.parallel:
        others = ", ".join(name for _, name in plan.parallel)
        if st.button(f"Скопировать в параллель ({others})", key=f"{KEY}_copy",
                        help="Классы параллели получат точно такой же учебный план (сохранённый)."):
            try:
                result = curriculum.copy_to_parallel(actor, plan.class_id)
            except (AccessDenied, ValueError) as e:
                st.error(f"Не скопировано: {e}")
            else:
                _saved("Учебный план скопирован: " + "; ".join(
                    f"{name} — добавлено {c['added']}, изменено {c['changed']}, убрано {c['removed']}"
                    for name, c in result.items()) + ".")
    with st.expander("Новый предмет школы", expanded=not subjects):
        name = st.text_input("Название", key=f"{KEY}_subject_name", max_chars=120)
        short = st.text_input("Краткое название", key=f"{KEY}_subject_short", max_chars=40)
        if st.button("Добавить предмет", key=f"{KEY}_subject_add"):
            try:
                curriculum.add_subject(actor, school_id, name, short)
            except (AccessDenied, ValueError) as e:
                st.error(str(e))
            else:
                _saved(f"Предмет «{name.strip()}» добавлен.")


def _assignments(actor, plan) -> None:
    in_plan = {i.subject_id for i in plan.items}
    subjects = unique_labels([(s.id, s.name) for s in plan.subjects if s.id in in_plan])
    teachers = unique_labels(plan.teachers)
    groups = unique_labels([(g, f"{next((k for k, v in subjects.items() if v == s), '?')}: {n}")
                            for g, s, n in plan.subgroups])
    subject_label = {v: k for k, v in subjects.items()}
    teacher_label = {v: k for k, v in teachers.items()}
    group_label = {v: k for k, v in groups.items()}
    frame = pd.DataFrame([{"Предмет": subject_label.get(a.subject_id, a.subject_name),
                           "Подгруппа": group_label.get(a.subgroup_id, WHOLE) if a.subgroup_id else WHOLE,
                           "Учитель": teacher_label.get(a.teacher_id, a.teacher_name)} for a in plan.assignments],
                         columns=["Предмет", "Подгруппа", "Учитель"])
    if not subjects:
        st.info("Сначала заполните учебный план класса.")
        return
    with st.form(f"{KEY}_load_form", border=False, enter_to_submit=False) if plan.editable else st.container():
        edited = st.data_editor(
            frame, placeholder="", key=f"{KEY}_load_{plan.class_id}_{_version()}", hide_index=True,
            num_rows="dynamic" if plan.editable else "fixed", disabled=not plan.editable,
            column_config={"Предмет": st.column_config.SelectboxColumn("Предмет", options=list(subjects),
                                                                       required=True, width=220),
                           "Подгруппа": st.column_config.SelectboxColumn("Подгруппа", options=[WHOLE, *groups],
                                                                         default=WHOLE, width=220),
                           "Учитель": st.column_config.SelectboxColumn("Учитель", options=list(teachers),
                                                                       required=True, width=220)})
        submitted = plan.editable and st.form_submit_button("Сохранить нагрузку", type="primary",
                                                            key=f"{KEY}_load_save")
    web.table_downloads(lambda: frame, stem=f"Нагрузка {plan.class_name}", sheet="Нагрузка", key=f"{KEY}_load_dl")
    if not plan.editable:
        return
    if submitted:
        rows, problems = [], []
        for i, rec in enumerate(edited.to_dict("records"), start=1):
            if all(_empty(rec.get(c)) for c in ("Предмет", "Учитель")):
                continue
            if _empty(rec.get("Предмет")) or _empty(rec.get("Учитель")):
                problems.append(f"Строка {i}: выберите предмет и учителя.")
                continue
            group = rec.get("Подгруппа")
            rows.append(Assignment(subjects[rec["Предмет"]], teachers[rec["Учитель"]],
                                   None if _empty(group) or group == WHOLE else groups[group]))
        if problems:
            st.error("Нагрузка не сохранена:\n\n" + "\n".join(f"- {p}" for p in problems))
            return
        try:
            counts = curriculum.save_assignments(actor, plan.class_id, rows)
        except (AccessDenied, ValueError) as e:
            st.error(f"Нагрузка не сохранена: {e}")
        else:
            _saved(f"Нагрузка {plan.class_name} сохранена: добавлено {counts['added']}, убрано {counts['removed']}.")
