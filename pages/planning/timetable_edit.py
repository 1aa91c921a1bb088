"""«Редактор расписания»: one row per weekly slot of a class (day, lesson number, subject,
teacher, room, subgroup) in st.data_editor, beside a read-only week of what the rows make and
the curriculum hours against the scheduled ones. A save takes effect from «Действует с»; a row
that clashes is refused with its reason (services/planning/timetable.py decides everything)."""
from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.policy import AccessDenied
from services.planning import timetable
from services.planning.timetable import SlotRow, TimetableError
from services.rules.timetable import DAY_SHORT
from ui import web
from ui.timetable_ui import STYLE, unique_labels

KEY = "tt_edit"
EDITOR_KEY = f"{KEY}_editor_key"   # session state: the key of the current data_editor (tests read it)
NO_GROUP = "— весь класс"
COLUMNS = ["День", "Урок", "Предмет", "Учитель", "Кабинет", "Подгруппа"]
WIDTHS = {"День": 60, "Урок": 60, "Предмет": 200, "Учитель": 190, "Кабинет": 90, "Подгруппа": 170}  # px
ROW_HEIGHT = 35  # px: the editor's row (and header) height; the browser test counts on it


def editable_classes(actor, school_id: int) -> dict[int, str]:
    """The classes whose timetable the actor may change ({id: name}); says so on screen when none."""
    try:
        classes = dict(timetable.classes_for(actor, school_id, "timetable.edit"))
    except (AccessDenied, ValueError) as e:
        st.error(str(e))
        return {}
    if not classes:
        st.info("Нет классов, расписание которых вы можете менять.")
    return classes


def render(actor, school_id: int) -> None:
    st.title("Редактор расписания")
    classes = editable_classes(actor, school_id)
    if not classes:
        return
    class_id = st.selectbox("Класс", list(classes), format_func=classes.get, key=f"{KEY}_class")
    today = clock.today()
    current = timetable.load_class(actor, class_id, today)
    start = st.date_input("Действует с", value=current.on, min_value=current.year_starts_on,
                          max_value=current.year_ends_on, format="DD.MM.YYYY", key=f"{KEY}_from",
                          help="Уроки до этой даты остаются как были.")
    view = timetable.load_class(actor, class_id, start)
    if view.later_changes:
        st.caption("Позже действуют другие версии расписания класса: с "
                   + ", ".join(f"{d:%d.%m.%Y}" for d in view.later_changes) + ".")

    days = {DAY_SHORT[d]: d for d in timetable.DAYS}
    subjects = unique_labels(view.subjects)
    teachers = unique_labels(view.teachers)
    groups = unique_labels([(g, f"{view.subject_names.get(s, '?')}: {n}") for g, s, n in view.subgroups])
    frame = pd.DataFrame([{
        "День": DAY_SHORT.get(r.weekday, str(r.weekday)), "Урок": r.lesson_number,
        "Предмет": _label(subjects, r.subject_id, view.subject_names), "Учитель": _label(teachers, r.teacher_id,
                                                                                       view.teacher_names),
        "Кабинет": r.room, "Подгруппа": _label(groups, r.subgroup_id, {}) if r.subgroup_id else NO_GROUP,
    } for r in view.rows], columns=COLUMNS)
    frame["Урок"] = frame["Урок"].astype("Int64")
    version = st.session_state.get(f"{KEY}_version", 0)
    editor_key = f"{KEY}_rows_{class_id}_{start:%Y%m%d}_{version}"
    st.session_state[EDITOR_KEY] = editor_key

    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**Строки расписания {web.md(view.class_name)}** (по одной на урок недели)")
        edited = st.data_editor(
            frame, key=editor_key, num_rows="dynamic" if view.editable else "fixed", hide_index=True,
            disabled=not view.editable, row_height=ROW_HEIGHT, placeholder="",
            height=min(ROW_HEIGHT * (len(frame) + 3), 36 * ROW_HEIGHT),  # the whole week in sight
            column_config={
                "День": st.column_config.SelectboxColumn("День", options=list(days), required=True,
                                                         width=WIDTHS["День"]),
                "Урок": st.column_config.SelectboxColumn("Урок", options=view.numbers, required=True,
                                                         width=WIDTHS["Урок"]),
                "Предмет": st.column_config.SelectboxColumn("Предмет", options=list(subjects), required=True,
                                                            width=WIDTHS["Предмет"]),
                "Учитель": st.column_config.SelectboxColumn("Учитель", options=list(teachers), required=True,
                                                            width=WIDTHS["Учитель"]),
                "Кабинет": st.column_config.TextColumn("Кабинет", max_chars=20, width=WIDTHS["Кабинет"]),
                "Подгруппа": st.column_config.SelectboxColumn("Подгруппа", options=[NO_GROUP, *groups],
                                                              width=WIDTHS["Подгруппа"]),
            })
        # the one place where this screen speaks: right under the rows it speaks about
        message = st.container(key=f"{KEY}_message")
    rows, problems, bad = _rows(edited, days, subjects, teachers, groups)
    preview = None
    if not problems:
        try:
            preview = timetable.preview(actor, class_id, rows, start)
            problems, bad = preview.problems, set(preview.bad_rows)
        except (AccessDenied, ValueError) as e:
            problems = [str(e)]
    with right:
        _week(view, preview.grid if preview else view.grid(), start, _bad_cells(edited, days, bad))
        _hours(preview.hours if preview else view.hours)
    saved_error = None
    if view.editable and st.button("Сохранить расписание", type="primary", key=f"{KEY}_save"):
        try:
            result = timetable.save_class(actor, class_id, rows, start)
        except TimetableError as e:
            saved_error = e.problems
        except (AccessDenied, ValueError) as e:
            saved_error = [str(e)]
        else:
            st.session_state[f"{KEY}_version"] = version + 1
            web.notify("success", result.summary())
            st.rerun()
    with message:
        if saved_error:
            st.error("Расписание не сохранено:\n\n" + "\n".join(f"- {web.md(p)}" for p in saved_error))
        elif problems:
            st.warning("Так сохранить нельзя:\n\n" + "\n".join(f"- {web.md(p)}" for p in problems))
        if preview and preview.notices and not saved_error:
            st.info("\n".join(f"- {web.md(n)}" for n in preview.notices))
        if bad:
            st.caption("Строки с ошибкой отмечены «⚠» в неделе справа.")
    if not view.editable:
        st.info("Расписание этого класса вам доступно только для просмотра.")


def _bad_cells(edited: pd.DataFrame, days, bad: set[int]) -> set[tuple[int, int]]:
    """(weekday, number) of the editor rows that a problem names, to mark them in the week."""
    out = set()
    for i, rec in enumerate(edited.to_dict("records")):
        if i in bad and rec.get("День") in days and not _empty(rec.get("Урок")):
            out.add((days[rec["День"]], int(rec["Урок"])))
    return out


def _label(labels: dict[str, int], value, names: dict[int, str]) -> str | None:
    for label, i in labels.items():
        if i == value:
            return label
    return names.get(value)


def _rows(edited: pd.DataFrame, days, subjects, teachers, groups) -> tuple[list[SlotRow], list[str], set[int]]:
    """The editor's rows as SlotRows, with a Russian reason for every incomplete one and the
    indexes of those rows."""
    rows, problems, bad = [], [], set()
    for i, rec in enumerate(edited.to_dict("records")):
        if all(_empty(rec.get(c)) for c in COLUMNS):
            continue
        missing = [c for c in ("День", "Урок", "Предмет", "Учитель") if _empty(rec.get(c))]
        if missing:
            problems.append(f"Строка {i + 1}: не заполнено — {', '.join(missing)}.")
            bad.add(i)
            continue
        if rec["Предмет"] not in subjects:
            problems.append(f"Строка {i + 1}: «{rec['Предмет']}» нет в учебном плане класса.")
            bad.add(i)
            continue
        if rec["Учитель"] not in teachers or rec["День"] not in days:
            problems.append(f"Строка {i + 1}: выберите день и учителя из списка.")
            bad.add(i)
            continue
        group = rec.get("Подгруппа")
        rows.append(SlotRow(days[rec["День"]], int(rec["Урок"]), subjects[rec["Предмет"]], teachers[rec["Учитель"]],
                            "" if _empty(rec.get("Кабинет")) else str(rec["Кабинет"]).strip(),
                            None if _empty(group) or group == NO_GROUP else groups.get(group)))
    return rows, problems, bad


def _empty(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or str(value).strip() == ""


def _week(view, grid, start, bad: set[tuple[int, int]] = frozenset()) -> None:
    """The week the rows make, as light HTML: every day in sight beside the editor, each cell
    wrapping its lessons; a cell that a problem names is marked «⚠»."""
    st.markdown(f"**Неделя {web.md(view.class_name)} с {start:%d.%m.%Y}**")
    head = "".join(f"<th>{DAY_SHORT[d]}</th>" for d in view.days)
    body = []
    for n in view.numbers:
        cells = []
        for d in view.days:
            text = "<br>".join(escape(t) for t in grid.get((d, n), []))
            cells.append(f'<td class="tt-changed">⚠ {text}</td>' if (d, n) in bad else f"<td>{text}</td>")
        body.append(f'<tr><td class="tt-n">{n}</td>{"".join(cells)}</tr>')
    st.html(f'{STYLE}<table class="tt-week tt-small"><thead><tr><th class="tt-n">№</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _hours(hours) -> None:
    st.markdown("**Часы: учебный план и расписание**")
    if not hours:
        st.info("У класса нет учебного плана.")
        return
    st.dataframe(pd.DataFrame({
        "Предмет": [h.subject_name for h in hours], "По плану": [h.planned for h in hours],
        "В расписании": [h.scheduled for h in hours], "Итог": [h.status for h in hours]}), placeholder="",
        hide_index=True, key=f"{KEY}_hours", height=35 * (len(hours) + 1) + 3)
