"""The teacher's to-do: period marks missing after they were due (1.13), kept out of
pages/journal/teacher_todo.py; each item opens the journal of that class, subject and period."""
from __future__ import annotations

import streamlit as st

from services.core.actor import Actor
from services.journal import todo
from ui import web


def period_marks(actor: Actor, journal_page, tz) -> None:
    items = todo.period_marks_overdue(actor)
    if not items:
        return
    with st.container(border=True, key="todo_period_marks"):
        st.markdown("**Не выставлены отметки за период** (срок — до конца каникул после периода, п. 1.13)")
        for i in items:
            left, right = st.columns([3, 2])
            left.page_link(journal_page, label=f"{web.md(i.class_name)}, {web.md(i.subject_name)}: {web.md(i.period_name)}",
                           icon=":material/grading:",
                           query_params={"class": str(i.class_id), "subject": str(i.subject_id),
                                         "date": i.period_ends_on.isoformat(),
                                         **({"subgroup": str(i.subgroup_id)} if i.subgroup_id else {})})
            right.markdown(f"нет у {i.missing} из {i.pupils} уч. — срок {web.local_time(i.due, tz)}")
