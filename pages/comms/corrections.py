"""Correction requests (2.3). «Сообщить о неточности»: any user reports wrong data — what, where,
what it should be, and the link of the screen where they saw it (a screen can link here with
`?link=...&where=...`). «Заявки на исправление»: the administrator's queue with the time left of
each request's calendar day, the overdue ones flagged, and closing a request with a comment
that goes to the reporter's inbox; or (issue 16, item 5) correcting the journal for a request —
a mark, an absence or a topic changed directly with the reason, or the mark cell opened to its
teacher for 24 hours (services/comms/correction_fixes.py)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.comms import correction_fixes, corrections
from services.comms.corrections import CorrectionError
from services.core.policy import AccessDenied
from services.journal import grid as journal
from ui import web

KEY = "corr"


def _late(r) -> str:
    if r.overdue:
        return "⚠ просрочена"
    return {True: "закрыта в срок", False: "закрыта с опозданием"}.get(r.on_time, "")


def _frame(rows, tz, *, queue: bool) -> pd.DataFrame:
    """The queue: the deadline first (time left, overdue flag), then what was reported."""
    out = []
    for r in rows:
        row = {"№": r.id, "Подана": web.local_time(r.created_at, tz), "Срок": web.local_time(r.due, tz)}
        if queue:
            row.update({"Осталось": r.left, "Просрочена": _late(r), "Кто сообщил": r.reporter})
        row.update({"Что неверно": r.what, "Где": r.location, "Как должно быть": r.should_be, "Ссылка": r.link,
                    "Статус": r.status_title, "Комментарий": r.resolution})
        if queue:
            row["Закрыл"] = r.resolver
        out.append(row)
    return pd.DataFrame(out)


def render_form(actor, school_id: int) -> None:
    st.title("Сообщить о неточности в данных")
    st.caption("Администратор школы исправляет данные в течение одних календарных суток и сообщает вам "
               "результат в разделе «Сообщения» → «Уведомления».")
    params = st.query_params
    with st.form(f"{KEY}_new", clear_on_submit=True):
        what = st.text_area("Что неверно *", key=f"{KEY}_what",
                            placeholder="Например: в дневнике за 02.11 стоит «3» по математике")
        where = st.text_input("Где (экран, класс, предмет, дата)", value=params.get("where", ""), key=f"{KEY}_where")
        should = st.text_area("Как должно быть", key=f"{KEY}_should", placeholder="Например: «5»")
        link = st.text_input("Ссылка на экран, где вы это увидели", value=params.get("link", ""), key=f"{KEY}_link")
        if st.form_submit_button("Отправить заявку", type="primary"):
            try:
                request_id = corrections.file_request(actor, school_id, what, where, should, link)
            except (CorrectionError, AccessDenied) as e:
                st.error(str(e))
            else:
                st.success(f"Заявка № {request_id} отправлена администратору.")
    try:
        mine = corrections.my_requests(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    st.subheader("Мои заявки")
    if not mine:
        st.info("Вы ещё не отправляли заявок.")
        return
    st.dataframe(_frame(mine, web.school_timezone(school_id), queue=False), placeholder="", hide_index=True, key=f"{KEY}_mine")


def render_queue(actor, school_id: int) -> None:
    st.title("Заявки на исправление данных")
    include_closed = st.checkbox("Показывать и закрытые заявки", key=f"{KEY}_closed")
    try:
        rows = corrections.queue(actor, school_id, include_closed=include_closed)
    except AccessDenied as e:
        st.error(str(e))
        return
    tz = web.school_timezone(school_id)
    open_rows = [r for r in rows if r.status == "open"]
    overdue = sum(r.overdue for r in open_rows)
    c1, c2 = st.columns(2)
    c1.metric("Открытых заявок", len(open_rows))
    c2.metric("Из них просрочено", overdue)
    if overdue:
        st.warning(f"Просроченных заявок: {overdue}. Срок — одни календарные сутки с момента подачи.")
    if not rows:
        st.info("Заявок нет.")
        return
    frame = _frame(rows, tz, queue=True)
    st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_queue")
    web.table_downloads(lambda: frame, stem="zayavki_na_ispravlenie", sheet="Заявки", key=f"{KEY}_dl")
    if not open_rows:
        return
    by_id = {r.id: r for r in open_rows}
    st.subheader("Закрыть заявку")
    with st.form(f"{KEY}_resolve", clear_on_submit=True):
        request_id = st.selectbox("Заявка", list(by_id), key=f"{KEY}_pick",
                                  format_func=lambda i: f"№ {i}: {by_id[i].what[:80]} ({by_id[i].left})")
        outcome = st.radio("Итог", ["resolved", "rejected"], horizontal=True, key=f"{KEY}_outcome",
                           format_func={"resolved": "Исправлено", "rejected": "Отклонено"}.get)
        comment = st.text_area("Комментарий для сообщившего *", key=f"{KEY}_comment")
        if st.form_submit_button("Закрыть заявку", type="primary"):
            try:
                done = corrections.resolve(actor, request_id, comment, outcome)
            except (CorrectionError, AccessDenied) as e:
                st.error(str(e))
            else:
                web.notify("success", f"Заявка № {done.id} закрыта ({done.status_title}"
                                      f"{'' if done.on_time else ', с опозданием'}); сообщивший получил уведомление.")
                st.rerun()
    _fix(actor, school_id, by_id)


def _fix(actor, school_id: int, by_id: dict) -> None:
    """Correct the journal for an open request: find the lesson, then change or open the cell."""
    st.subheader("Исправить данные журнала по заявке")
    st.caption("Отметку, пропуск или тему урока администратор исправляет сам (с причиной; изменение попадает в "
               "журнал событий, учитель и сообщивший получают уведомление) — или открывает одну клетку отметки "
               "учителю урока на 24 часа, не меняя срок изменения отметок для остальных.")
    request_id = st.selectbox("Заявка для исправления", list(by_id), key=f"{KEY}_fix_pick",
                              format_func=lambda i: f"№ {i}: {by_id[i].what[:80]}")
    choices = journal.choices(actor, school_id)
    if not choices:
        st.info("В текущем учебном году нет журналов.")
        return
    keyed = {f"{c.class_id}:{c.subject_id}:{c.subgroup_id or 0}": c for c in choices}
    left, right = st.columns(2)
    chosen = keyed[left.selectbox("Журнал", list(keyed), format_func=lambda k: keyed[k].label, key=f"{KEY}_fix_j")]
    day = right.date_input("Дата урока", key=f"{KEY}_fix_day", format="DD.MM.YYYY")
    periods, _ = journal.periods(school_id, chosen.year_id)
    period = next((p for p in periods if p.starts_on <= day <= p.ends_on), None)
    if period is None:
        st.info("Эта дата вне учебных периодов года.")
        return
    try:
        grid = journal.load_grid(actor, chosen.class_id, chosen.subject_id, period_id=period.id,
                                 subgroup_id=chosen.subgroup_id, date_from=day, date_to=day)
    except (journal.JournalError, AccessDenied) as e:
        st.error(web.md(str(e)))
        return
    lessons = {c.lesson_id: c for c in grid.columns if c.first_of_lesson}
    if not lessons:
        st.info(f"{day:%d.%m.%Y} уроков этого журнала нет.")
        return
    lesson_id = st.selectbox("Урок", list(lessons), key=f"{KEY}_fix_lesson",
                             format_func=lambda i: f"{lessons[i].lesson_date:%d.%m.%Y}, {lessons[i].lesson_number} урок"
                                                   + (f": {lessons[i].topic}" if lessons[i].topic else ""))
    try:
        cells = correction_fixes.lesson_cells(actor, request_id, lesson_id)
    except (CorrectionError, AccessDenied) as e:
        st.error(web.md(str(e)))
        return
    what = st.radio("Что исправить", ["cell", "topic"], horizontal=True, key=f"{KEY}_fix_what",
                    format_func={"cell": "Отметку или пропуск", "topic": "Тему урока"}.get)
    reason = st.text_input("Причина исправления *", key=f"{KEY}_fix_reason")
    if what == "topic":
        topic = st.text_input("Тема урока", value=cells.topic, key=f"{KEY}_fix_topic_{lesson_id}")
        if st.button("Исправить тему", type="primary", key=f"{KEY}_fix_topic_go"):
            _done(lambda: correction_fixes.change_topic(actor, request_id, lesson_id, topic, reason))
        return
    pupils = {p.student_id: p.name for p in cells.pupils}
    columns = {c.label: c for c in cells.columns}
    a, b = st.columns(2)
    student_id = a.selectbox("Ученик", list(pupils), format_func=pupils.get, key=f"{KEY}_fix_pupil")
    label = b.selectbox("Работа (столбец)", list(columns), key=f"{KEY}_fix_col",
                        format_func=lambda k: f"{columns[k].work_type}" + (" — и посещаемость" if columns[k].first_of_lesson else ""))
    now = cells.cells.get((student_id, label), "")
    st.caption(f"Сейчас в клетке: «{web.md(now) or 'пусто'}». Учитель урока: {web.md(cells.teacher) or 'не указан'}.")
    new = st.text_input("Как должно быть (отметка, Н, Б, У, О 5; пусто — убрать)", key=f"{KEY}_fix_new")
    c1, c2 = st.columns(2)
    if c1.button("Исправить сейчас", type="primary", key=f"{KEY}_fix_go"):
        _done(lambda: correction_fixes.change_cell(actor, request_id, lesson_id, student_id, new, reason,
                                                   work_id=columns[label].work_id if columns[label].work_id else None))
    if c2.button("Открыть клетку учителю на 24 часа", key=f"{KEY}_fix_open"):
        _done(lambda: correction_fixes.open_cell(actor, request_id, lesson_id, student_id, reason))


def _done(action) -> None:
    try:
        row = action()
    except (CorrectionError, AccessDenied) as e:
        st.error(web.md(str(e)))
        return
    web.notify("success", f"Заявка № {row.id} закрыта: {web.md(row.resolution)}")
    st.rerun()
