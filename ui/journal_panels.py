"""The journal's panels below the grid, each opened on request and rerun on its own (a
fragment): the year marks, and one lesson's page (topic, «урок проведён», homework with an
optional file, who did not do the previous homework) with its works. A save is one run: the
form's button saves in its callback, and the result is shown beside the button.

The panels only show and hand edits to services/journal/lessons.py and period_marks.py."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from ui import lesson_ui
from ui import web
from services.journal import grid as journal, view as journal_view, lessons, period_marks
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from services.rules.attachments import ALLOWED_TEXT, KINDS
from services.rules.work_types import show_weight

REV_KEY = "journal_rev"            # bumped after a save that changes the grid: a fresh editor
LESSON_KEY = "journal_lesson"
LESSON_OPEN_KEY = "journal_lesson_open"
YEAR_OPEN_KEY = "journal_year_open"
YEAR_EDITOR_KEY = "journal_year_editor"  # the key of the year marks' editor of the last run (for tests)
RESULT_KEY = "journal_panel_result"     # (form key, kind, text): a save's result, shown beside its button
YEAR_KINDS = {"annual": "Годовая", "exam": "Экзаменационная", "final": "Итоговая"}


def _result(where, form_key: str) -> None:
    found = st.session_state.get(RESULT_KEY)
    if found and found[0] == form_key:
        st.session_state.pop(RESULT_KEY, None)
        getattr(where, found[1])(found[2])


def _actor():
    """The actor, checked again at every run of a panel (a fragment's run skips app.py)."""
    actor = web.current_actor()
    if actor is None:
        st.info("Сеанс завершён. Войдите снова.")
        st.stop()
    return actor


# ------------------------------------------------------------------ the year marks
@st.fragment
def year_marks(grid: journal.Grid) -> None:
    """Annual, exam and final marks of the class in the subject (the end of the year)."""
    if grid.no_attestation or not st.toggle("Годовые, экзаменационные и итоговые отметки", key=YEAR_OPEN_KEY):
        return
    actor = _actor()
    try:
        marks = period_marks.year_marks(actor, grid.class_id, grid.subject_id)
    except AccessDenied as denied:
        st.error(str(denied))
        return
    frame = pd.DataFrame([{journal_view.PUPIL: p.name,
                           **{title: marks[kind].get(p.student_id, "") for kind, title in YEAR_KINDS.items()}}
                          for p in grid.pupils], dtype=object)
    key = f"journal_year_{grid.class_id}_{grid.subject_id}_{grid.subgroup_id or 0}_{st.session_state.get(REV_KEY, 0)}"
    st.session_state[YEAR_EDITOR_KEY] = key
    config = {journal_view.PUPIL: st.column_config.TextColumn(journal_view.PUPIL, pinned=True)}
    if not grid.editable_lessons:
        st.dataframe(frame, placeholder="", hide_index=True, width="stretch", column_config=config)
        return
    form_key = f"journal_year_{grid.class_id}_{grid.subject_id}_{grid.subgroup_id or 0}"
    with st.form(f"{key}_form", border=False, enter_to_submit=False):
        left, right = st.columns([1, 3], vertical_alignment="center")
        left.form_submit_button("Сохранить итоговые отметки", key=f"{key}_save", on_click=_save_year,
                                args=(grid, marks, key, form_key))
        _result(right, form_key)
        st.data_editor(frame, placeholder="", key=key, hide_index=True, width="stretch", disabled=[journal_view.PUPIL],
                       column_config={**config, **{t: st.column_config.TextColumn(t, max_chars=6)
                                                   for t in YEAR_KINDS.values()}})


def _save_year(grid: journal.Grid, marks: dict, key: str, form_key: str) -> None:
    actor = web.current_actor()
    if actor is None:
        return
    edited = st.session_state.get(key, {}).get("edited_rows", {})
    changes: dict[str, list] = {kind: [] for kind in YEAR_KINDS}
    for row, values in edited.items():
        pupil = grid.pupils[int(row)]
        for kind, title in YEAR_KINDS.items():
            if title in values:
                new = "" if values[title] is None else str(values[title]).strip()
                old = marks[kind].get(pupil.student_id, "")
                if new != old:
                    changes[kind].append(period_marks.PeriodMarkChange(pupil.student_id, old, new))
    if not any(changes.values()):
        st.session_state[RESULT_KEY] = (form_key, "info", "Изменений нет.")
        return
    try:
        count = period_marks.save_year(actor, grid.class_id, grid.subject_id, changes)
    except (period_marks.PeriodMarkError, AccessDenied) as error:
        st.session_state[RESULT_KEY] = (form_key, "error", f"Ничего не сохранено: {error}")
        return
    st.session_state[RESULT_KEY] = (form_key, "success", f"Сохранено итоговых отметок: {count}.")
    st.session_state[REV_KEY] = st.session_state.get(REV_KEY, 0) + 1


# ------------------------------------------------------------------ the lesson
@st.fragment
def lesson_panel(grid: journal.Grid, focus: date) -> None:
    seen, options = set(), {}
    for c in grid.columns:
        if c.lesson_id not in seen:
            seen.add(c.lesson_id)
            options[c.lesson_id] = f"{c.lesson_date:%d.%m.%Y}, урок №{c.lesson_number}"
    if not options or not st.toggle("Урок: тема, домашнее задание, работы", key=LESSON_OPEN_KEY):
        return
    actor = _actor()
    ids = list(options)
    past = [c.lesson_id for c in grid.columns if c.lesson_date <= focus]
    default = past[-1] if past else ids[0]
    key = f"{LESSON_KEY}_{grid.class_id}_{grid.subject_id}_{grid.subgroup_id}_{grid.period_id}"
    if st.session_state.get(key) not in options:
        st.session_state[key] = default
    lesson_id = st.selectbox("Урок", ids, format_func=options.get, key=key, label_visibility="collapsed")
    try:
        d = lessons.detail(actor, lesson_id)
    except AccessDenied as denied:
        st.error(str(denied))
        return
    editable = d.editable and not grid.year_closed
    _lesson_form(grid, d, editable)
    lesson_ui.attendance_taken(actor, d, editable)
    if d.homework_file:
        st.download_button(f"Файл к заданию: {d.homework_file}", icon=":material/attach_file:",
                           data=lambda: lessons.homework_file(actor, d.id).data, file_name=d.homework_file,
                           on_click="ignore", key=f"hw_file_dl_{d.id}")
    _works(actor, grid, d, editable)


def _lesson_form(grid: journal.Grid, d: lessons.LessonDetail, editable: bool) -> None:
    k = f"lesson_{d.id}_{d.version}"  # a saved lesson has a new version: fresh fields with what was saved
    with st.form(k, enter_to_submit=False):
        st.text_input("Тема урока", value=d.topic or d.suggested_topic, max_chars=500, disabled=not editable,
                      key=f"{k}_topic")
        if d.suggested_topic and not d.topic:
            st.caption("Тема предложена по КТП; сохраните урок, чтобы записать её.")
        st.checkbox("Урок проведён", value=d.held, disabled=not editable, key=f"{k}_held")
        st.markdown("**Домашнее задание**")
        st.text_area("Задание", value=d.homework_text, max_chars=2000, disabled=not editable, key=f"{k}_text")
        a, b, c = st.columns(3)
        a.text_input("Страницы", value=d.homework_pages, max_chars=200, disabled=not editable, key=f"{k}_pages")
        b.text_input("Задачи, упражнения", value=d.homework_tasks, max_chars=200, disabled=not editable,
                     key=f"{k}_tasks")
        c.number_input("Минут на выполнение", min_value=0, max_value=240, step=5, value=d.homework_minutes,
                       disabled=not editable, key=f"{k}_minutes")
        lesson_ui.homework_due(d, editable)  # «Выполнить к» and «Не задано» (keys hw_due_…, hw_none_…)
        st.file_uploader(f"Файл к заданию (необязательно; {ALLOWED_TEXT}, до 5 МБ)", type=list(KINDS),
                         key=f"{k}_file", disabled=not editable)
        if d.homework_file:
            st.checkbox(f"Убрать приложенный файл «{d.homework_file}»", disabled=not editable, key=f"{k}_remove")
        entered = (f"записано {d.homework_entered_at:%d.%m.%Y %H:%M}" if d.homework_entered_at else "ещё не записано")
        st.caption(f"Срок записи задания — {d.homework_due:%d.%m.%Y %H:%M} (конец урока + 3 ч); {entered}.")
        if d.previous_homework_id:
            names = {p.student_id: p.name for p in grid.pupils}
            st.multiselect(f"Не выполнили прошлое задание («{d.previous_homework_text[:60]}»)",
                           list(names), default=[s for s in d.previous_misses if s in names],
                           format_func=names.get, disabled=not editable, placeholder="Выберите учеников",
                           key=f"{k}_misses")
        left, right = st.columns([1, 3], vertical_alignment="center")
        left.form_submit_button("Сохранить урок", type="primary", disabled=not editable, on_click=_save_lesson,
                                args=(d, k))
        _result(right, f"lesson_{d.id}")


def _save_lesson(d: lessons.LessonDetail, k: str) -> None:
    actor = web.current_actor()
    if actor is None:
        return
    s = st.session_state
    minutes, upload = s.get(f"{k}_minutes"), s.get(f"{k}_file")
    misses = s.get(f"{k}_misses")
    try:
        lessons.save(actor, d.id, version=d.version, topic=s.get(f"{k}_topic", ""), held=bool(s.get(f"{k}_held")),
                     homework_text=s.get(f"{k}_text", ""), homework_pages=s.get(f"{k}_pages", ""),
                     homework_tasks=s.get(f"{k}_tasks", ""),
                     homework_minutes=None if minutes is None else int(minutes),
                     previous_misses=frozenset(misses) if misses is not None else None,
                     homework_file=Upload(upload.name, upload.getvalue()) if upload is not None else None,
                     remove_file=bool(s.get(f"{k}_remove")),
                     homework_due_on=s.get(f"hw_due_{d.id}_{d.version}"),
                     no_homework=bool(s.get(f"hw_none_{d.id}_{d.version}")))
    except (lessons.LessonError, AccessDenied) as error:
        s[RESULT_KEY] = (f"lesson_{d.id}", "error", f"Урок не сохранён: {error}")
    else:
        s[RESULT_KEY] = (f"lesson_{d.id}", "success", f"Урок {d.lesson_date:%d.%m.%Y} сохранён.")


def _works(actor, grid: journal.Grid, d: lessons.LessonDetail, editable: bool) -> None:
    st.markdown("**Работы урока** (столбцы журнала)")
    if d.works:
        st.dataframe(pd.DataFrame([{"Вид работы": w.work_type, "Вес": w.weight, "Название": w.title,
                                    "Отметок": w.marks} for w in d.works]), placeholder="", hide_index=True, width="stretch")
    else:
        st.caption("Пока одна работа — «работа на уроке»; она появится с первой отметкой.")
    if not editable:
        return
    types = lessons.work_types(grid.school_id)
    names = {t.id: f"{t.name} (вес {show_weight(t.weight)}" + (f", проверка {t.checking_days} дн.)" if t.checking_days else ")")
             for t in types}
    a, b, c = st.columns([2, 2, 1])
    type_id = a.selectbox("Вид работы", list(names), format_func=names.get, key=f"work_type_{d.id}")
    title = b.text_input("Название (необязательно)", key=f"work_title_{d.id}", max_chars=200)
    if c.button("Добавить работу", key=f"work_add_{d.id}"):
        try:
            lessons.add_work(actor, d.id, type_id, title)
        except (lessons.LessonError, AccessDenied) as error:
            st.error(str(error))
        else:  # a new column of the grid: the whole page runs again
            web.notify("success", "Работа добавлена: в журнале появился её столбец.")
            st.session_state[REV_KEY] = st.session_state.get(REV_KEY, 0) + 1
            st.rerun()
    empty = {w.id: f"{w.work_type}{' — ' + w.title if w.title else ''}" for w in d.works if w.marks == 0}
    if len(d.works) > 1 and empty:
        a, c = st.columns([4, 1])
        work_id = a.selectbox("Удалить работу без отметок", list(empty), format_func=empty.get,
                              key=f"work_rm_{d.id}")
        if c.button("Удалить", key=f"work_rm_btn_{d.id}"):
            try:
                lessons.remove_work(actor, work_id)
            except (lessons.LessonError, AccessDenied) as error:
                st.error(str(error))
            else:
                web.notify("success", "Работа удалена.")
                st.session_state[REV_KEY] = st.session_state.get(REV_KEY, 0) + 1
                st.rerun()
