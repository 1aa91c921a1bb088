"""«Расписание»: the week of lessons by class, by teacher, by room (with substitutions, missed,
cancelled and moved lessons shown), the changes of a period, and the whole school on one
printable page. A teacher opens on their own week, a pupil or parent on their class's; a role
that teaches nothing opens on the whole school (a deputy on their parallels), and the view chosen
last is kept for the session."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.policy import AccessDenied
from services.planning import timetable, timetable_print, timetable_views
from services.planning.timetable_lessons import teacher_choices
from ui import web
from ui.timetable_ui import show_week, week_frame, week_picker

KEY = "tt_view"
TEACHING_ROLES = frozenset({"teacher", "class_teacher"})


def has_own_week(actor) -> bool:
    """A teacher, a pupil or a parent has a week of their own; an administrator does not."""
    return bool(actor.teaches or actor.roles & TEACHING_ROLES or actor.child_class_ids or actor.student_ids)


def default_mode(actor, modes: list[str]) -> str:
    """The view a role uses: their own week when they teach or learn, the whole school otherwise."""
    if "Моё" in modes:
        return "Моё"
    return "Вся школа" if "Вся школа" in modes else modes[0]


def _deputy_grades(actor, school_id: int) -> frozenset[int]:
    return frozenset(g for grant in actor.grants_of("deputy") if grant.school_id == school_id for g in grant.grades)


def render(actor, school_id: int) -> None:
    st.title("Расписание")
    day = week_picker(f"{KEY}_day", clock.today())
    staff = bool(actor.staff_ids) or any(g.role not in ("parent", "student") for g in actor.grants)
    modes = (["Моё"] if has_own_week(actor) else []) + (
        ["Класс", "Учитель", "Кабинет", "Вся школа", "Изменения"] if staff else [])
    if not modes:
        st.info("Расписание не к кому привязать: в вашей учётной записи нет класса.")
        return
    saved = st.session_state.get(f"{KEY}_mode_saved")
    chosen = saved if saved in modes else default_mode(actor, modes)
    mode = st.radio("Показать", modes, index=modes.index(chosen), horizontal=True, key=f"{KEY}_mode")
    st.session_state[f"{KEY}_mode_saved"] = mode
    try:
        if mode == "Моё":
            for i, week in enumerate(timetable_views.my_week(actor, day)):
                show_week(week, f"{KEY}_my_{i}", show_teacher=not week.title.startswith("Учитель"))
        elif mode == "Класс":
            classes = dict(timetable.classes_for(actor, school_id))
            if not classes:
                st.info("В учебном году школы ещё нет классов.")
                return
            class_id = st.selectbox("Класс", list(classes), format_func=classes.get, key=f"{KEY}_class")
            week = timetable_views.class_week(actor, class_id, day)
            show_week(week, f"{KEY}_class_week", show_class=False)
            if week.cells:
                st.download_button("Скачать неделю класса (CSV)", data=web.csv_bytes(week_frame(week, show_class=False)),
                                   file_name=f"Расписание {classes[class_id]} {week.monday:%d.%m.%Y}.csv",
                                   mime="text/csv", on_click="ignore", key=f"{KEY}_class_csv")
        elif mode == "Учитель":
            teachers = teacher_choices(school_id)
            teacher_id = st.selectbox("Учитель", list(teachers), format_func=teachers.get, key=f"{KEY}_teacher")
            if teacher_id is not None:
                show_week(timetable_views.teacher_week(actor, school_id, teacher_id, day), f"{KEY}_teacher_week",
                          show_teacher=False)
        elif mode == "Кабинет":
            rooms = timetable_views.rooms(actor, school_id)
            if not rooms:
                st.info("В расписании не указано ни одного кабинета.")
                return
            room = st.selectbox("Кабинет", rooms, key=f"{KEY}_room")
            show_week(timetable_views.room_week(actor, school_id, room, day), f"{KEY}_room_week")
        elif mode == "Вся школа":
            _whole_school(actor, school_id, day)
        else:
            _changes(actor, school_id, day)
    except (AccessDenied, ValueError) as e:
        st.error(str(e))


def _whole_school(actor, school_id: int, day) -> None:
    grid = timetable_views.school_grid(actor, school_id, day)
    st.caption(f"Расписание, действующее на {grid.on:%d.%m.%Y} ({grid.year_label} учебный год).")
    classes = grid.classes
    grades = _deputy_grades(actor, school_id)
    if grades and st.toggle("Только мои параллели", value=True, key=f"{KEY}_my_grades"):
        classes = [(i, name) for i, name in classes if int("".join(ch for ch in name if ch.isdigit()) or 0) in grades]
    rows = []
    for d in grid.days:
        for n in grid.numbers:
            row = {"День": timetable_views.day_label(d), "Урок": n}
            for class_id, name in classes:
                row[name] = grid.cell(class_id, d, n)
            rows.append(row)
    st.dataframe(pd.DataFrame(rows), placeholder="", hide_index=True, key=f"{KEY}_school")
    st.download_button("Скачать для печати (PDF, одна страница A3)",
                       data=lambda: timetable_print.school_pdf(actor, school_id, day),
                       file_name=f"Расписание {grid.on:%d.%m.%Y}.pdf", mime="application/pdf", on_click="ignore",
                       key=f"{KEY}_pdf", icon=":material/print:")


def _changes(actor, school_id: int, day) -> None:
    picked = st.date_input("Период", value=(day - timedelta(days=day.weekday()),
                                            day - timedelta(days=day.weekday()) + timedelta(days=6)),
                           format="DD.MM.YYYY", key=f"{KEY}_span")
    if not isinstance(picked, (list, tuple)) or len(picked) != 2:
        st.info("Выберите начало и конец периода.")
        return
    rows = timetable_views.changes(actor, school_id, picked[0], picked[1])
    if not rows:
        st.info("Изменений в расписании за эти дни нет.")
        return
    st.dataframe(pd.DataFrame({
        "Дата": [f"{r.lesson_date:%d.%m.%Y}" for r in rows], "Урок": [r.lesson_number for r in rows],
        "Класс": [r.class_name for r in rows], "Предмет": [r.subject_name for r in rows],
        "Изменение": [r.kind for r in rows], "Подробно": [r.text for r in rows]}), placeholder="", hide_index=True,
        key=f"{KEY}_changes")
