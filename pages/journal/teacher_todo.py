"""«Мои задачи» (teacher): what is overdue now in the lessons they teach — marks after 21:00,
homework 3 h after the lesson, attendance after 2 days, topics — each a link that opens the
journal with that class, subject and date chosen (SPEC.md §10, services/journal/todo.py)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core.actor import Actor
from services.journal import todo
from ui import todo_ui, web

SHOWN = 40  # lessons shown as links; the download holds them all


def _journal_page():
    return next(spec for spec in web.PAGES if spec.key == "journal").page()


def render(actor: Actor, school_id: int) -> None:
    st.title("Мои задачи")
    from ui.indicators_ui import control_findings
    control_findings(actor)  # findings of internal control sent to this teacher (issue 7, 5.12)
    tz = web.school_timezone(school_id)
    todo_ui.period_marks(actor, _journal_page(), tz)
    items = [i for i in todo.overdue(actor) if i.lesson_id]
    if not items:
        st.success("Просроченных записей в журнале нет: отметки, домашние задания, посещаемость и темы "
                   "уроков за последние 30 дней внесены.")
        return
    counts = {title: sum(1 for i in items if i.kind == kind) for kind, title in todo.KINDS.items()}
    st.caption("Сроки: отметки — до 21:00 дня урока (или через дни проверки работы), домашнее задание — "
               "3 часа после урока, посещаемость — 2 дня. Записи ничего не блокируют, но опоздания видны "
               "в контроле. " + "; ".join(f"{t}: {n}" for t, n in counts.items() if n) + ".")
    page = _journal_page()
    by_lesson: dict[int, list[todo.TodoItem]] = {}
    for item in items:
        by_lesson.setdefault(item.lesson_id, []).append(item)
    ordered = sorted(by_lesson.values(), key=lambda its: (its[0].lesson_date, its[0].lesson_number), reverse=True)
    if len(ordered) > SHOWN:
        st.info(f"Показаны {SHOWN} последних уроков из {len(ordered)}; полный список — в файле ниже.")
    for lesson_items in ordered[:SHOWN]:
        first = lesson_items[0]
        with st.container(border=True):
            left, right = st.columns([3, 2])
            left.page_link(page, label=f"{first.lesson_date:%d.%m.%Y}, урок №{first.lesson_number}: "
                                       f"{web.md(first.class_name)}, {web.md(first.subject_name)}",
                           icon=":material/edit_square:",
                           query_params={"class": str(first.class_id), "subject": str(first.subject_id),
                                         "date": first.lesson_date.isoformat(),
                                         **({"subgroup": str(first.subgroup_id)} if first.subgroup_id else {})})
            right.markdown("  \n".join(f"{web.md(i.title)} — срок {web.local_time(i.due, tz)}" for i in lesson_items))
    frame = pd.DataFrame([{"Дата": i.lesson_date.strftime("%d.%m.%Y"), "Урок": i.lesson_number,
                           "Класс": i.class_name, "Предмет": i.subject_name, "Что не сделано": i.title,
                           "Срок": web.local_time(i.due, tz)} for i in items])
    web.table_downloads(lambda: frame, stem="Мои задачи", sheet="Задачи", key="todo_dl")

