"""«Виды работ» (the administrator edits; the director and deputies see them): the name, the weight
in averages (0.5–5), whether the type counts in averages, the checking days of written works, the
test flag, the default type, and retiring a type. Everything is decided by services/planning/work_types.py;
one «Сохранить» saves every edited row or none."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core import policy
from services.core.policy import AccessDenied, Target
from services.planning import work_types
from services.rules.work_types import STANDARD_SET, WEIGHT_CHANGE_NOTE, show_weight
from ui import web

KEY = "worktypes"
COLUMNS = {"name": "Название", "weight": "Вес", "in_average": "В среднем", "checking_days": "Проверка, дней",
           "is_test": "Контрольная", "is_default": "По умолчанию", "is_active": "Используется"}
MARKS = "Отметок"


def render(actor, school_id: int) -> None:
    st.title("Виды работ")
    try:
        types = work_types.list_types(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    can_edit = policy.allowed(actor, "worktype.edit", Target(school_id=school_id))
    st.caption("Вид работы задаёт вес отметки в средневзвешенном балле (от 0,5 до 5), учитывается ли она в "
               "среднем и сколько дней даётся на проверку письменной работы (0 — отметки в день урока). "
               "Вид «по умолчанию» — это колонка урока в журнале.")
    st.warning(WEIGHT_CHANGE_NOTE, icon=":material/info:")
    if not can_edit:
        st.caption("Виды работ меняет администратор школы.")
    if not types:
        st.info("В школе нет ни одного вида работы: журнал не сможет принять отметки.")
    frame = pd.DataFrame([{COLUMNS["name"]: t.name, COLUMNS["weight"]: t.weight if t.in_average else None,
                           COLUMNS["in_average"]: t.in_average, COLUMNS["checking_days"]: t.checking_days,
                           COLUMNS["is_test"]: t.is_test, COLUMNS["is_default"]: t.is_default,
                           COLUMNS["is_active"]: t.is_active, MARKS: t.marks} for t in types],
                         columns=[*COLUMNS.values(), MARKS])
    edited = st.data_editor(
        frame, placeholder="", key=f"{KEY}_{school_id}_{st.session_state.get(f'{KEY}_version', 0)}", hide_index=True,
        num_rows="dynamic" if can_edit else "fixed", disabled=[MARKS] if can_edit else True,
        width="stretch", height=(len(types) + 2) * 35 + 3,  # every row in sight, no inner scroll
        column_config={
            COLUMNS["name"]: st.column_config.TextColumn(COLUMNS["name"], required=True, max_chars=120, width=190),
            COLUMNS["weight"]: st.column_config.NumberColumn(COLUMNS["weight"], min_value=0.5, max_value=5.0, step=0.1,
                                                             format="localized", help="От 0,5 до 5"),
            COLUMNS["in_average"]: st.column_config.CheckboxColumn(COLUMNS["in_average"]),
            COLUMNS["checking_days"]: st.column_config.NumberColumn(COLUMNS["checking_days"], min_value=0,
                                                                    max_value=14, step=1),
            COLUMNS["is_test"]: st.column_config.CheckboxColumn(COLUMNS["is_test"],
                                                                help="Учитывается как контрольная работа"),
            COLUMNS["is_default"]: st.column_config.CheckboxColumn(COLUMNS["is_default"]),
            COLUMNS["is_active"]: st.column_config.CheckboxColumn(
                COLUMNS["is_active"], help="Снятый флажок выводит вид из употребления: он не предлагается для "
                                           "новых работ, выставленные отметки остаются"),
            MARKS: st.column_config.NumberColumn(MARKS, help="Сколько отметок выставлено за работы этого вида")})
    if not can_edit:
        return
    left, right = st.columns([1, 3])
    if left.button("Сохранить", type="primary", key=f"{KEY}_save"):
        changes, added = _diff(types, frame, edited)
        try:
            result = work_types.save(actor, school_id, changes, added)
        except (AccessDenied, work_types.WorkTypeError) as e:
            st.error(str(e))
        else:
            st.session_state[f"{KEY}_version"] = st.session_state.get(f"{KEY}_version", 0) + 1
            web.notify("success", result.summary())
            st.rerun()
    missing = [t.name for t in STANDARD_SET if t.name.casefold() not in {x.name.casefold() for x in types}]
    if missing and right.button(f"Добавить недостающие из стандартного набора ({len(missing)})",
                                key=f"{KEY}_standard"):
        try:
            result = work_types.save(actor, school_id, added=[
                {"name": t.name, "weight": t.weight, "checking_days": t.checking_days, "is_test": t.is_test}
                for t in STANDARD_SET if t.name in missing])
        except (AccessDenied, work_types.WorkTypeError) as e:
            st.error(str(e))
        else:
            web.notify("success", result.summary())
            st.rerun()
    with st.expander("Стандартный набор"):
        st.caption(" · ".join(f"{web.md(t.name)} — вес {show_weight(t.weight)}, проверка {t.checking_days} дн."
                              for t in STANDARD_SET))


def _value(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _diff(types, frame: pd.DataFrame, edited: pd.DataFrame) -> tuple[dict[int, dict], list[dict]]:
    """The rows the user changed (by type id) and the rows added, as field → value."""
    changes: dict[int, dict] = {}
    for i, t in enumerate(types):
        before, after = frame.iloc[i], edited.iloc[i]
        fields = {field: _value(after[title]) for field, title in COLUMNS.items()
                  if _value(after[title]) != _value(before[title])}
        if fields:
            changes[t.id] = fields
    added = []
    for _, row in edited.iloc[len(types):].iterrows():
        fields = {field: _value(row[title]) for field, title in COLUMNS.items() if _value(row[title]) is not None}
        if any(fields.values()):
            fields.setdefault("in_average", True)
            fields.setdefault("is_active", True)
            added.append(fields)
    return changes, added
