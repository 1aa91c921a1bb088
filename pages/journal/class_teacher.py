"""«Мой класс» (class teacher): the day's record (who missed lessons or homework, the reason of an
absence for all subjects at once: ui/class_day.py), the day's attendance of the class across all its lessons with
reasons (editable), the journals of every subject read-only in one view, and the class's marks
summary for the study period."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.journal import class_teacher, grid as journal, view as journal_view
from services.rules.averages import round_half_up, show
from ui import class_day, reports_ui, web

NOT_THEIRS = "—"


def _lesson_label(lesson: class_teacher.DayLesson) -> str:
    return f"{lesson.number}. {lesson.subject}"


def _attendance(actor: Actor, cls: class_teacher.ClassInfo) -> None:
    day = st.date_input("День", value=clock.today(), format="DD.MM.YYYY", key=f"class_day_{cls.id}")
    data = class_teacher.day_attendance(actor, cls.id, day)
    if not data.lessons:
        st.info(f"{day:%d.%m.%Y} у {web.md(cls.name)} класса уроков нет.")
        return
    labels = [_lesson_label(l) for l in data.lessons]
    frame = pd.DataFrame([{"Ученик": name, **{label: data.cells[(sid, l.lesson_id)]
                                              for label, l in zip(labels, data.lessons)}}
                          for sid, name in data.pupils])
    absent = sum(1 for v in data.cells.values() if v in ("Н", "Б", "У"))
    late = sum(1 for v in data.cells.values() if v == "О")
    st.caption(f"Н — отсутствовал, Б — болел, У — по уважительной причине, О — опоздал; «—» — урок другой "
               f"подгруппы. За день: пропусков {absent}, опозданий {late}.")
    key = f"class_att_{cls.id}_{day.isoformat()}"
    options = ["", "Н", "Б", "У", "О"]
    st.data_editor(frame, placeholder="", key=key, hide_index=True, width="stretch", disabled=["Ученик"],
                   column_config={"Ученик": st.column_config.TextColumn(pinned=True),
                                  **{label: st.column_config.SelectboxColumn(label, options=options + [NOT_THEIRS])
                                     for label in labels}})
    edited = st.session_state.get(key, {}).get("edited_rows", {})
    if st.button("Сохранить посещаемость", type="primary", disabled=not edited, key=f"{key}_save"):
        changes, problems = {}, []
        for row, values in edited.items():
            sid, name = data.pupils[int(row)]
            for label, value in values.items():
                lesson = data.lessons[labels.index(label)]
                old = data.cells[(sid, lesson.lesson_id)]
                if old == NOT_THEIRS or value == NOT_THEIRS:
                    problems.append(f"{name}, урок {label}: это урок другой подгруппы.")
                    continue
                changes[(sid, lesson.lesson_id)] = (old, value or "")
        if problems:
            st.error("Не сохранено. " + " ".join(problems))
            return
        try:
            count = class_teacher.save_day_attendance(actor, cls.id, day, changes)
        except (class_teacher.ClassError, AccessDenied) as error:
            st.error(f"Не сохранено: {error}")
            return
        web.notify("success", f"Посещаемость сохранена: изменено отметок {count}.")
        st.session_state.pop(key, None)
        st.rerun()
    web.table_downloads(lambda: frame, stem=f"Посещаемость {cls.name} {day:%d.%m.%Y}", sheet="Посещаемость",
                        key=f"{key}_dl")


def _journals(actor: Actor, cls: class_teacher.ClassInfo) -> None:
    subjects = class_teacher.subjects_of_class(actor, cls.id)
    if not subjects:
        st.info("У класса пока нет уроков.")
        return
    names = {s.id: s.name for s in subjects}
    reports_ui.paper_journal(actor, cls.id, stem=cls.name, key=f"class_paper_{cls.id}")
    subject_id = st.selectbox("Предмет", list(names), format_func=names.get, key=f"class_subject_{cls.id}")
    reports_ui.paper_journal(actor, cls.id, subject_id=subject_id, stem=f"{cls.name} {names[subject_id]}",
                             key=f"class_subject_paper_{cls.id}_{subject_id}")
    try:
        grid = journal.load_grid(actor, cls.id, subject_id)
    except journal.JournalError as error:
        st.info(str(error))
        return
    view = journal_view.layout(grid)
    st.caption(f"{grid.period_name}, две недели до и после сегодняшнего дня · только просмотр: отметки ставит "
               "учитель предмета; средние — за весь период.")
    web.link_to("journal", f"Открыть журнал: {cls.name}, {names[subject_id]}", ":material/edit_square:",
                **{"class": str(cls.id), "subject": str(subject_id), "date": clock.today().isoformat()})
    st.dataframe(view.frame, placeholder="", hide_index=True, width="stretch",
                 column_config={"Ученик": st.column_config.TextColumn(pinned=True),
                                **{c: st.column_config.TextColumn(c, help=web.md(view.help.get(c, "")) or None) for c in view.work_columns}})
    web.table_downloads(lambda: view.frame, stem=f"Журнал {cls.name} {names[subject_id]}", sheet="Журнал",
                        key=f"class_journal_dl_{cls.id}_{subject_id}")


def _summary(actor: Actor, cls: class_teacher.ClassInfo) -> None:
    try:
        summary = class_teacher.marks_summary(actor, cls.id)
    except class_teacher.ClassError as error:
        st.info(str(error))
        return
    rows = []
    for sid, name in summary.pupils:
        row = {"Ученик": name}
        for subj_id, subj in summary.subjects:
            mark = summary.period_marks.get((sid, subj_id))
            weighted = summary.weighted.get((sid, subj_id))
            row[subj] = mark or show(weighted)
        values = [summary.weighted.get((sid, s)) for s, _ in summary.subjects]
        values = [v for v in values if v is not None]
        row["Средний по предметам"] = round_half_up(sum(values) / len(values)) if values else None
        rows.append(row)
    frame = pd.DataFrame(rows)
    st.caption(f"{summary.period_name}: отметка за период, а где её ещё нет — средневзвешенный балл.")
    st.dataframe(frame, placeholder="", hide_index=True, width="stretch",
                 column_config={"Ученик": st.column_config.TextColumn(pinned=True)})
    web.table_downloads(lambda: frame, stem=f"Сводка {cls.name} {summary.period_name}", sheet="Сводка",
                        key=f"class_summary_dl_{cls.id}")


def render(actor: Actor, school_id: int) -> None:
    st.title("Мой класс")
    classes = class_teacher.my_classes(actor)
    if not classes:
        st.info("Вы не классный руководитель ни одного класса.")
        return
    by_id = {c.id: c for c in classes}
    class_id = classes[0].id if len(classes) == 1 else st.selectbox(
        "Класс", list(by_id), format_func=lambda i: by_id[i].name, key="class_choice")
    cls = by_id[class_id]
    st.subheader(f"{web.md(cls.name)} класс")
    day_tab, attendance_tab, journals_tab, summary_tab = st.tabs(["День класса", "Посещаемость за день",
                                                                  "Журналы предметов", "Сводка отметок"])
    try:
        with day_tab:
            class_day.render_tab(actor, cls)
        with attendance_tab:
            _attendance(actor, cls)
        with journals_tab:
            _journals(actor, cls)
        with summary_tab:
            _summary(actor, cls)
    except AccessDenied as denied:
        st.error(str(denied))
