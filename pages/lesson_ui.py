"""Parts of the journal's lesson panel kept out of pages/teacher_journal.py: «Все присутствуют»."""
from __future__ import annotations

import streamlit as st

from services import lessons, web
from services.actor import Actor
from services.policy import AccessDenied


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
