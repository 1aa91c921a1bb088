"""«Дневник» (ЭД): the pupil's week — lessons, topics, homework, marks with their work type,
attendance — and the marks per subject for the study period with averages and a trend chart;
shown as light HTML (ui/diary_ui.py) that reads at a phone's 390 px, not as data grids.
A parent switches between their own children; a pupil sees only themself; staff who may read
diaries pick a class and a pupil. Marks new since the last visit are highlighted."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from ui import diary_extras, diary_ui
from ui import web
from services.core import clock, data_views
from services.journal import diary
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.rules.averages import show

WEEK_KEY = "diary_week_start"
VIEW_KEY = "diary_view"  # the open tab: «Неделя», «Отметки по предметам» or (the family) «Кто открывал»
SINCE_KEY = "diary_seen_before"  # student id → the visit before this session's: marks after it are new


def _from_link(actor: Actor) -> tuple[int, str] | None:
    """A link may name the pupil (?pupil=<id>); the service decides whether the actor may read it."""
    student_id = web.query_id("pupil")
    if student_id is None:
        return None
    week = diary.week(actor, student_id)  # refuses (and audits) a pupil the actor may not read
    return week.student_id, week.name


def _choose_pupil(actor: Actor, school_id: int) -> tuple[int, str] | None:
    linked = _from_link(actor)
    if linked:
        return linked
    children = diary.children_of(actor)
    if children:
        if len(children) == 1:
            child = children[0]
        else:
            names = {c.student_id: f"{c.name}, {c.class_name}" if c.class_name else c.name for c in children}
            chosen = st.segmented_control("Ребёнок", list(names), format_func=names.get, key="diary_child",
                                          default=children[0].student_id)
            child = next((c for c in children if c.student_id == chosen), children[0])
        label = f"{child.name}, {child.class_name}" if child.class_name else child.name
        return child.student_id, label
    classes = [c for c in diary.readable_classes(actor, school_id) if c.pupils]
    if not classes:
        st.info("Нет учеников, чей дневник вам доступен.")
        return None
    left, right = st.columns(2)
    by_id = {c.class_id: c for c in classes}
    class_id = left.selectbox("Класс", list(by_id), format_func=lambda i: by_id[i].class_name, key="diary_class")
    pupils = dict(by_id[class_id].pupils)
    student_id = right.selectbox("Ученик", list(pupils), format_func=pupils.get, key=f"diary_pupil_{class_id}")
    return student_id, f"{pupils[student_id]}, {by_id[class_id].class_name}"


def _week_start() -> date:
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    return st.session_state.setdefault(WEEK_KEY, monday)


def _shift(days: int) -> None:
    st.session_state[WEEK_KEY] = st.session_state[WEEK_KEY] + timedelta(days=days)


def _week_nav() -> date:
    start = _week_start()
    prev_col, label_col, next_col, today_col = st.columns([1, 3, 1, 1.3])
    prev_col.button("← Назад", on_click=_shift, args=(-7,), key="diary_prev", width="stretch")
    label_col.markdown(f"**Неделя {start:%d.%m} – {start + timedelta(days=5):%d.%m.%Y}**")
    next_col.button("Вперёд →", on_click=_shift, args=(7,), key="diary_next", width="stretch")
    today = clock.today()
    if not start <= today < start + timedelta(days=7):
        today_col.button("Эта неделя", key="diary_today", width="stretch",
                         on_click=lambda: st.session_state.update({WEEK_KEY: today - timedelta(days=today.weekday())}))
    return start


def _week_frame(week: diary.Week, new: set[diary_ui.MarkKey]) -> pd.DataFrame:
    """The week as a table, for the download only (the screen shows diary_ui.week_html)."""
    rows = []
    for day in week.days:
        for lesson in day.lessons:
            homework = lesson.homework or ""
            if lesson.homework_not_done:
                homework = (homework + " " if homework else "") + "[не выполнено]"
            rows.append({"День": day.title, "№": lesson.number,
                         "Время": f"{lesson.starts_at:%H:%M}–{lesson.ends_at:%H:%M}",
                         "Предмет": lesson.subject, "Тема урока": lesson.topic or "",
                         "Домашнее задание": homework,
                         "Отметки": ", ".join(f"{m.value} ({m.work_type.lower()})" for m in lesson.marks),
                         "Посещаемость": lesson.attendance_title or "",
                         "Новое": "новое" if any(diary_ui.is_new(m, lesson, new) for m in lesson.marks) else ""})
    return pd.DataFrame(rows, columns=["День", "№", "Время", "Предмет", "Отметки", "Посещаемость",
                                       "Домашнее задание", "Тема урока", "Новое"])


def _show_week(actor: Actor, student_id: int, label: str) -> None:
    start = _week_nav()
    seen = st.session_state.setdefault(SINCE_KEY, {})
    if student_id not in seen:  # the first look of this session: this visit is stored, the one before kept
        seen[student_id] = diary.mark_seen(actor, student_id)
    week = diary.week(actor, student_id, start, since=seen[student_id])  # new in every week of the session
    new: set[diary_ui.MarkKey] = set()
    fresh = sum(1 for d in week.days for l in d.lessons for m in l.marks if diary_ui.is_new(m, l, new))
    if fresh:
        st.success(f"Новых отметок с прошлого посещения: {fresh}. Они выделены цветом.")
    if not any(d.lessons for d in week.days):
        st.info("На этой неделе уроков нет.")
        return
    st.html(diary_ui.week_html(week, new))
    for day in week.days:
        diary_extras.day_files(actor, student_id, day)
    web.table_downloads(lambda: _week_frame(week, new), stem=f"Дневник {label} {start:%d.%m.%Y}", sheet="Неделя",
                        key="diary_week_dl")


def _numeric(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _show_marks(actor: Actor, student_id: int, label: str) -> None:
    period, subjects = diary.marks_by_subject(actor, student_id, diary_extras.period_choice(actor, student_id))
    if not period:
        st.info("Учебный период не идёт: отметок за период нет.")
        return
    st.caption(f"{period}: все отметки по предметам, средний и средневзвешенный балл.")
    st.html(diary_ui.subjects_html(subjects))
    diary_extras.results(actor, student_id)  # period, annual, exam and final marks
    table = pd.DataFrame([{
        "Предмет": s.subject, "Отметки": " ".join(m.value for _, m in s.marks),
        "Средний": show(s.average), "Средневзвешенный": show(s.weighted), "Пропуски": s.absences,
        "Опоздания": s.lates,
    } for s in subjects], columns=["Предмет", "Отметки", "Средний", "Средневзвешенный", "Пропуски", "Опоздания"])
    web.table_downloads(lambda: table, stem=f"Отметки {label} {period}", sheet="Отметки", key="diary_marks_dl")
    with_marks = [s for s in subjects if any(_numeric(m.value) for _, m in s.marks)]
    if not with_marks:
        return
    names = [s.subject for s in with_marks]
    subject = st.selectbox("Динамика по предмету", names, key="diary_trend_subject")
    chosen = next(s for s in with_marks if s.subject == subject)
    st.altair_chart(diary_ui.trend_chart(chosen), width="stretch")

def render(actor: Actor, school_id: int) -> None:
    st.title("Дневник")
    try:
        chosen = _choose_pupil(actor, school_id)
        if chosen is None:
            return
        student_id, label = chosen
        st.subheader(label)
        # only the open tab runs (and is sent to the browser): the week opens without the chart
        names = ["Неделя", "Отметки по предметам"]
        family = data_views.may_see(actor, student_id)
        tabs = st.tabs(names + (["Кто открывал"] if family else []), key=VIEW_KEY, on_change="rerun")
        week_tab, marks_tab = tabs[:2]
        if week_tab.open:
            with week_tab:
                _show_week(actor, student_id, label)
        if marks_tab.open:
            with marks_tab:
                _show_marks(actor, student_id, label)
        if family and tabs[2].open:
            with tabs[2]:
                diary_extras.views(actor, student_id)
    except AccessDenied as denied:
        st.error(str(denied))
        return
    web.report_error_link("Дневник")
