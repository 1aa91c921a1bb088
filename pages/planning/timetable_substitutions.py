"""«Замены и изменения» (administrator; a deputy director for their parallels): replace the
teacher of one lesson — or of an absent teacher's lessons over a date range (illness) — cancel a
lesson, move it to another day, lesson number or room, or put it back as the timetable has it.
A lesson left without a teacher counts as missed. services/planning/substitutions.py decides and audits;
the teachers and the class see the change in their timetable."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.policy import AccessDenied
from services.planning import substitutions, timetable, timetable_views
from services.planning.timetable_lessons import teacher_choices
from ui import web

KEY = "subst"
NOBODY = "— замены нет (урок не проведён)"


def render(actor, school_id: int) -> None:
    st.title("Замены и изменения")
    mode = st.radio("Что делаем", ["Один урок", "Отсутствие учителя"], horizontal=True, key=f"{KEY}_mode")
    try:
        if mode == "Один урок":
            _one_lesson(actor, school_id)
        else:
            _absence(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))


def _candidate_label(c) -> str:
    what = "ведёт этот предмет" if c.same_subject else "другой предмет"
    busy = f", занят: {c.busy}" if c.busy else ""
    return f"{c.name} ({what}, уроков в этот день: {c.lessons_that_day}{busy})"


def _done(text: str) -> None:
    web.notify("success", text)
    st.session_state[f"{KEY}_version"] = st.session_state.get(f"{KEY}_version", 0) + 1
    st.rerun()


def _one_lesson(actor, school_id: int) -> None:
    classes = dict(timetable.classes_for(actor, school_id, "substitution.manage"))
    if not classes:
        st.info("Нет классов, уроки которых вы можете менять.")
        return
    left, right = st.columns(2)
    class_id = left.selectbox("Класс", list(classes), format_func=classes.get, key=f"{KEY}_class")
    day = right.date_input("День", value=clock.today(), format="DD.MM.YYYY", key=f"{KEY}_day")
    week = timetable_views.class_week(actor, class_id, day)
    cells = sorted(((n, c) for (d, n), cs in week.cells.items() if d == day for c in cs), key=lambda x: x[0])
    if not cells:
        st.info(f"У класса {classes[class_id]} {day:%d.%m.%Y} уроков нет.")
        return
    labels = {c.lesson_id: f"{n} урок — {c.subject_name}" + (f" ({c.subgroup_name})" if c.subgroup_name else "")
              for n, c in cells}  # stable labels: what changes is in the table above
    st.dataframe(pd.DataFrame({"Урок": [n for n, _ in cells], "Что": [c.text(show_class=False) for _, c in cells]}), placeholder="",
                 hide_index=True, key=f"{KEY}_day_lessons")
    lesson_id = st.selectbox("Урок", list(labels), format_func=labels.get, key=f"{KEY}_lesson")
    cell = next(c for _, c in cells if c.lesson_id == lesson_id)
    version = st.session_state.get(f"{KEY}_version", 0)
    replace, cancel, move, back = st.tabs(["Замена учителя", "Отмена", "Перенос", "Вернуть по расписанию"])
    with replace:
        if cell.status == "cancelled":
            st.info("Урок отменён: чтобы назначить замену, сначала верните его по расписанию.")
        else:
            found = substitutions.candidates(actor, lesson_id)
            options = {c.staff_id: _candidate_label(c) for c in found}
            options[0] = NOBODY
            chosen = st.selectbox("Кто ведёт урок", list(options), format_func=options.get,
                                  key=f"{KEY}_who_{lesson_id}_{version}",
                                  help="Сначала свободные учителя этого предмета, затем другие свободные, "
                                       "затем занятые.")
            reason = st.text_input("Причина", max_chars=200, key=f"{KEY}_reason_{lesson_id}_{version}",
                                   placeholder="например, болезнь")
            if st.button("Назначить замену", type="primary", key=f"{KEY}_sub_go"):
                try:
                    change = substitutions.substitute(actor, lesson_id, chosen or None, reason)
                except (AccessDenied, ValueError) as e:
                    st.error(f"Замена не назначена: {e}")
                else:
                    _done(change.text)
    with cancel:
        reason = st.text_input("Причина отмены", max_chars=200, key=f"{KEY}_cancel_reason_{lesson_id}_{version}")
        if st.button("Отменить урок", key=f"{KEY}_cancel_go"):
            try:
                change = substitutions.cancel(actor, lesson_id, reason)
            except (AccessDenied, ValueError) as e:
                st.error(f"Урок не отменён: {e}")
            else:
                _done(change.text)
    with move:
        a, b, c = st.columns(3)
        new_day = a.date_input("Новый день", value=day, format="DD.MM.YYYY", key=f"{KEY}_move_day_{lesson_id}")
        number = b.number_input("Урок №", min_value=0, max_value=12, step=1,
                                value=next(n for n, x in cells if x.lesson_id == lesson_id),
                                key=f"{KEY}_move_number_{lesson_id}")
        room = c.text_input("Кабинет", value=cell.room, max_chars=20, key=f"{KEY}_move_room_{lesson_id}")
        why = st.text_input("Причина переноса", max_chars=200, key=f"{KEY}_move_reason_{lesson_id}_{version}")
        if st.button("Перенести урок", key=f"{KEY}_move_go"):
            try:
                change = substitutions.move(actor, lesson_id, new_day, int(number), room, why)
            except (AccessDenied, ValueError) as e:
                st.error(f"Урок не перенесён: {e}")
            else:
                _done(change.text)
    with back:
        st.caption("Снимает отмену и замену: урок снова ведёт учитель по расписанию.")
        if st.button("Вернуть урок по расписанию", key=f"{KEY}_restore_go"):
            try:
                change = substitutions.restore(actor, lesson_id)
            except (AccessDenied, ValueError) as e:
                st.error(str(e))
            else:
                _done(change.text)


def _absence(actor, school_id: int) -> None:
    teachers = teacher_choices(school_id)
    if not teachers:
        st.info("В школе нет учителей.")
        return
    teacher_id = st.selectbox("Отсутствующий учитель", list(teachers), format_func=teachers.get, key=f"{KEY}_absent")
    today = clock.today()
    span = st.date_input("Дни отсутствия", value=(today, today + timedelta(days=4)), format="DD.MM.YYYY",
                         key=f"{KEY}_span")
    if not isinstance(span, (list, tuple)) or len(span) != 2:
        st.info("Выберите первый и последний день отсутствия.")
        return
    try:
        lessons = substitutions.absence_plan(actor, teacher_id, span[0], span[1])
    except (AccessDenied, ValueError) as e:
        st.error(str(e))
        return
    _changes_of(actor, school_id, teacher_id, teachers[teacher_id], span)
    if not lessons:
        st.info(f"У учителя {teachers[teacher_id]} в эти дни нет уроков без замены, которые вы можете заменить.")
        return
    st.markdown(f"**Уроки {web.md(teachers[teacher_id])}: {len(lessons)}** — выберите замену для каждого "
                "(предложен первый свободный учитель того же предмета).")
    labels = {}
    rows = []
    for lesson in lessons:
        free = [c for c in lesson.candidates if c.free]
        options = [_candidate_label(c) for c in free] + [NOBODY]
        labels[lesson.lesson_id] = {label: c.staff_id for c, label in zip(free, options)}
        rows.append({"Дата": f"{lesson.lesson_date:%d.%m.%Y}", "Урок": lesson.lesson_number,
                     "Класс": lesson.class_name, "Предмет": lesson.subject_name, "Замена": options[0]})
    all_options = sorted({o for m in labels.values() for o in m} | {NOBODY})
    version = st.session_state.get(f"{KEY}_version", 0)
    edited = st.data_editor(pd.DataFrame(rows), placeholder="", key=f"{KEY}_plan_{teacher_id}_{version}", hide_index=True,
                            height=min(35 * (len(rows) + 1) + 3, 600),
                            disabled=["Дата", "Урок", "Класс", "Предмет"],
                            column_config={"Замена": st.column_config.SelectboxColumn(
                                "Замена", options=all_options, required=True, width=420)})
    reason = st.text_input("Причина", value="болезнь учителя", max_chars=200, key=f"{KEY}_absence_reason")
    if st.button("Назначить замены", type="primary", key=f"{KEY}_absence_go"):
        choices, problems = {}, []
        for lesson, label in zip(lessons, edited["Замена"]):
            if label == NOBODY:
                choices[lesson.lesson_id] = None
            elif label in labels[lesson.lesson_id]:
                choices[lesson.lesson_id] = labels[lesson.lesson_id][label]
            else:
                problems.append(f"{lesson.lesson_date:%d.%m.%Y}, {lesson.lesson_number} урок ({lesson.class_name}): "
                                "этот учитель в это время не свободен.")
        if problems:
            st.error("Замены не назначены:\n\n" + "\n".join(f"- {web.md(p)}" for p in problems))
            return
        try:
            changes = substitutions.substitute_many(actor, choices, reason)
        except (AccessDenied, ValueError) as e:
            st.error("Замены не назначены:\n\n" + "\n".join(f"- {web.md(p)}" for p in str(e).splitlines()))
        else:
            missed = sum(1 for c in changes if c.kind == "missed")
            _done(f"Замены назначены: {len(changes) - missed}" + (f", без замены (не проведены): {missed}" if missed
                                                                  else "") + ".")


def _changes_of(actor, school_id: int, teacher_id: int, name: str, span) -> None:
    """What is already changed about the teacher's lessons of those days (substituted, missed...)."""
    rows = timetable_views.changes(actor, school_id, span[0], span[1], teacher_id=teacher_id)
    if not rows:
        return
    frame = pd.DataFrame({"Дата": [f"{r.lesson_date:%d.%m.%Y}" for r in rows], "Урок": [r.lesson_number for r in rows],
                          "Класс": [r.class_name for r in rows], "Предмет": [r.subject_name for r in rows],
                          "Изменение": [r.kind for r in rows], "Подробно": [r.text for r in rows]})
    with st.expander(f"Уже изменённые уроки {web.md(name)} в эти дни: {len(rows)}", expanded=True):
        st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_done_changes")
        web.table_downloads(lambda: frame, stem=f"Замены {name} {span[0]:%d.%m.%Y}-{span[1]:%d.%m.%Y}",
                            sheet="Замены", key=f"{KEY}_done_dl")
