"""Small shared pieces of the timetable screens: a week as a table, labels that map back to ids."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from services import web
from services.rules.timetable import DAY_SHORT
from services.timetable_views import Week

MARK = "⚠ "  # before a changed lesson


def week_frame(week: Week, *, show_class: bool = True, show_teacher: bool = True) -> pd.DataFrame:
    """Lesson numbers × days («Пн 16.11»), each cell the lessons there, a changed one marked."""
    columns = {d: f"{DAY_SHORT[d.isoweekday()]} {d:%d.%m}" for d in week.days}
    data = {"Урок": [str(n) for n in week.numbers]}
    for d, title in columns.items():
        data[title] = ["\n".join((MARK if c.changed else "") + c.text(show_class, show_teacher)
                                 for c in week.cells.get((d, n), [])) for n in week.numbers]
    return pd.DataFrame(data)


def show_week(week: Week, key: str, *, show_class: bool = True, show_teacher: bool = True) -> None:
    st.subheader(web.md(week.title))
    frame = week_frame(week, show_class=show_class, show_teacher=show_teacher)
    if not week.cells:
        st.info("На этой неделе уроков нет.")
        return
    st.dataframe(frame, hide_index=True, key=key, row_height=60,
                 column_config={c: st.column_config.TextColumn(c, width="medium") for c in frame.columns[1:]})
    changes = week.changes()
    if changes:
        st.markdown("**Изменения на неделе**")
        st.dataframe(pd.DataFrame({
            "Дата": [f"{d:%d.%m.%Y}" for d, _, _ in changes], "Урок": [n for _, n, _ in changes],
            "Что изменилось": [c.text(show_class, show_teacher) for _, _, c in changes]}),
            hide_index=True, key=f"{key}_changes")


def unique_labels(pairs: list[tuple[int, str]]) -> dict[str, int]:
    """label → id, with a number added to a label that two ids share («Иванова А. С. (2)»)."""
    out: dict[str, int] = {}
    for i, name in pairs:
        label, n = name, 2
        while label in out:
            label = f"{name} ({n})"
            n += 1
        out[label] = i
    return out


def week_picker(key: str, default: date) -> date:
    return st.date_input("Неделя (любой её день)", value=default, format="DD.MM.YYYY", key=key)
