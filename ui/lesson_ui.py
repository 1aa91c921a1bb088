"""Parts of the journal's lesson panel kept out of pages/journal/teacher_journal.py: the homework's due
date and «Не задано» (inside the lesson's form), «Все присутствуют»."""
from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.journal import lessons
from ui import web


def attendance_taken(actor: Actor, d: lessons.LessonDetail, editable: bool) -> None:
    """Whether attendance was taken, and the one action for a lesson where nobody was absent."""
    if d.attendance_taken_at is not None:
        st.caption(f"Посещаемость отмечена {d.attendance_taken_at:%d.%m.%Y %H:%M}"
                   + (f"; отсутствовали или опоздали: {d.attendance_rows}." if d.attendance_rows else
                      "; все присутствовали."))
        return
    st.caption("Посещаемость урока ещё не отмечена.")
    if editable and st.button("Все присутствуют", key=f"all_present_{d.id}", icon=":material/how_to_reg:",
                              help="Отметить, что посещаемость проверена и отсутствующих на уроке не было"):
        try:
            lessons.all_present(actor, d.id)
        except (lessons.LessonError, AccessDenied) as error:
            st.error(f"Посещаемость не отмечена: {error}")
        else:
            web.notify("success", f"Урок {d.lesson_date:%d.%m.%Y}: отмечено «все присутствуют».")
            st.rerun()


def homework_due(d: lessons.LessonDetail, editable: bool) -> tuple[date | None, bool]:
    """The due date (the next lesson of the subject by default) and «Не задано», inside the form."""
    left, right = st.columns([2, 3])
    due_on = left.date_input("Выполнить к", value=d.homework_due_on, format="DD.MM.YYYY",
                             min_value=d.lesson_date + timedelta(days=1), disabled=not editable,
                             key=f"hw_due_{d.id}_{d.version}",
                             help="По умолчанию — следующий урок этого предмета у класса (группы) по расписанию")
    no_homework = right.checkbox("Не задано", value=d.no_homework, disabled=not editable,
                                 key=f"hw_none_{d.id}_{d.version}",
                                 help="Домашнее задание на этом уроке не задаётся: урок не попадёт в замечания")
    if d.homework_due_on is None:
        left.caption("Следующего урока по расписанию нет: укажите день.")
    return due_on, no_homework
