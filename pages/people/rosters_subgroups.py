"""«Подгруппы» (class teacher; administrator; deputy of the parallel): the class divided per subject
(languages, technology, informatics…) in a grid of pupils × subjects, the group number in each
cell. Before the year starts the grid is simply set; later a change takes effect from a date and
is logged (marks given in the old group stay there)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.people import rosters, subgroups
from services.people.subgroups import SubgroupError
from ui import web

KEY = "subgroups"
NONE = "—"


def _label(number: int | None) -> str:
    return subgroups.group_name(number) if number else NONE


def _number(label) -> int | None:
    if label is None or (isinstance(label, float) and pd.isna(label)) or str(label).strip() in ("", NONE):
        return None
    return subgroups.group_number(str(label))


def render(actor: Actor, school_id: int) -> None:
    st.title("Подгруппы")
    classes = rosters.classes_for(actor, school_id, "subgroup.edit")
    if not classes:
        st.info("Нет классов, которые вы делите на подгруппы.")
        return
    c1, c2 = st.columns([1, 2])
    class_id = c1.selectbox("Класс", list(classes), format_func=classes.get, key=f"{KEY}_class")
    every = c2.toggle("Все предметы учебного плана (не только делящиеся на группы)", key=f"{KEY}_all")
    try:
        grid = subgroups.load_grid(actor, class_id, all_subjects=every)
    except AccessDenied as e:
        st.error(str(e))
        return
    if not grid.subjects:
        st.info("В учебном плане класса нет предметов с делением на группы. Включите «Все предметы», чтобы "
                "разделить класс по любому предмету.")
        return
    if not grid.pupils:
        st.info("В классе пока нет учеников.")
        return
    on = None
    if grid.readonly:
        st.caption(f"Состав групп на {grid.on:%d.%m.%Y}. Только просмотр.")
    elif grid.before_start:
        st.caption(f"Учебный год начинается {grid.year_starts_on:%d.%m.%Y}: состав групп задаётся с первого дня.")
    else:
        on = st.date_input("Изменения действуют с", value=clock.today(), format="DD.MM.YYYY", key=f"{KEY}_on")
        st.caption("Отметки, выставленные в прежней группе, остаются в ней; изменение записывается в журнал событий.")
    subjects = dict(grid.subjects)
    frame = pd.DataFrame([{"Ученик": name, **{subjects[s]: _label(grid.cells[(p, s)]) for s in subjects}}
                          for p, name in grid.pupils], index=[p for p, _ in grid.pupils])
    options = [NONE] + [subgroups.group_name(n) for n in range(1, subgroups.MAX_GROUPS + 1)]
    version = st.session_state.get(f"{KEY}_v", 0)
    edited = st.data_editor(
        frame, placeholder="", hide_index=True, num_rows="fixed", width="stretch",
        disabled=list(frame.columns) if grid.readonly else ["Ученик"],
        column_config={name: st.column_config.SelectboxColumn(name, options=options, required=False)
                       for name in subjects.values()},
        key=f"{KEY}_grid_{class_id}_{int(every)}_{version}")
    summary = []
    for name in subjects.values():
        parts = sorted(f"{g} — {n}" for g, n in edited[name].value_counts().items() if g and g != NONE)
        if parts:
            summary.append(f"{name}: " + ", ".join(parts))
    st.caption("Сколько учеников в группах: " + "; ".join(summary) if summary else "Группы ещё не заданы.")
    web.table_downloads(lambda: edited, stem=f"Подгруппы {grid.class_name}", sheet="Подгруппы",
                        key=f"{KEY}_dl_{class_id}")
    by_name = {name: sid for sid, name in grid.subjects}
    changes = {}
    for pupil_id in frame.index:
        for name in subjects.values():
            old, new = _number(frame.at[pupil_id, name]), _number(edited.at[pupil_id, name])
            if old != new:
                changes[(int(pupil_id), by_name[name])] = new
    if grid.readonly or not changes:
        return
    if st.button(f"Сохранить изменения ({len(changes)})", type="primary", key=f"{KEY}_save"):
        try:
            made = subgroups.save_grid(actor, class_id, changes, on=on)
        except (SubgroupError, AccessDenied) as e:
            st.error(f"Ничего не сохранено. {e}")
            return
        st.session_state[f"{KEY}_v"] = version + 1
        web.notify("success", f"Подгруппы сохранены: изменений {made}"
                              + (f", действуют с {on:%d.%m.%Y}." if on else "."))
        st.rerun()
