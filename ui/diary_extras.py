"""The diary's homework for a day and the closing marks, kept out of pages/journal/pupil_diary.py: what is due
pages, exercises, minutes and the teacher's file) and, greyed, what was set that day."""
from __future__ import annotations

from html import escape

import streamlit as st

from services.core.actor import Actor
from services.journal import diary
from ui import web


def homework_html(day: diary.DiaryDay) -> str:
    """The day's homework as light HTML: due that day first, then (greyed) what was set that day."""
    items = []
    for hw in day.homework_due:
        extra = f" <span>({escape(hw.detail)})</span>" if hw.detail else ""
        file = f" · файл «{escape(hw.file_name)}»" if hw.file_name else ""
        missed = " <b>[не выполнено]</b>" if hw.not_done else ""
        items.append(f'<li class="hw-due"><b>{escape(hw.subject)}</b>: {escape(hw.text) or "—"}{extra}{file}{missed}'
                     f' <small>(задано {hw.set_on:%d.%m})</small></li>')
    for lesson in day.lessons:
        if lesson.homework_due_on and (lesson.homework or lesson.homework_detail or lesson.homework_file):
            items.append(f'<li class="hw-set" style="color:#888"><b>{escape(lesson.subject)}</b>: '
                         f'{escape(lesson.homework) or "—"} — задано на {lesson.homework_due_on:%d.%m}</li>')
    if not items:
        return ""
    return ('<div class="diary-homework"><b>Домашнее задание</b><ul style="margin:0.2em 0 0.6em 1.2em">'
            + "".join(items) + "</ul></div>")


def day_files(actor: Actor, student_id: int, day: diary.DiaryDay) -> None:
    """A download button for each teacher's file of the homework due that day."""
    for hw in day.homework_due:
        if hw.file_name:
            st.download_button(f"{web.md(hw.subject)}: {web.md(hw.file_name)}", icon=":material/attach_file:",
                               data=lambda lesson_id=hw.lesson_id: diary.homework_file(actor, student_id, lesson_id).data,
                               file_name=hw.file_name, on_click="ignore",
                               key=f"diary_hw_file_{day.day:%Y%m%d}_{hw.lesson_id}")


def period_choice(actor: Actor, student_id: int) -> int | None:
    """«Отметки по предметам»: the study period to show (the current one first)."""
    periods, current = diary.periods_of(actor, student_id)
    if not periods:
        return None
    names = dict(periods)
    return st.selectbox("Учебный период", list(names), index=list(names).index(current) if current in names else 0,
                        format_func=names.get, key=f"diary_period_{student_id}")


def results_html(results: diary.Results) -> str:
    """Period, annual, exam and final marks per subject as a light HTML table ("" when there are none)."""
    if not results.rows:
        return ""
    head = "".join(f"<th>{escape(name)}</th>" for _, name in results.year_periods)
    body = "".join(
        f"<tr><td>{escape(r.subject)}</td>"
        + "".join(f"<td>{escape(r.by_period.get(pid, ''))}</td>" for pid, _ in results.year_periods)
        + f"<td>{escape(r.annual)}</td><td>{escape(r.exam)}</td><td><b>{escape(r.final)}</b></td></tr>"
        for r in results.rows)
    return ('<table class="diary-results" style="border-collapse:collapse;text-align:center">'
            f"<tr><th>Предмет</th>{head}<th>Годовая</th><th>Экзамен</th><th>Итоговая</th></tr>{body}</table>")


def results(actor: Actor, student_id: int) -> None:
    st.markdown("**Отметки за периоды, годовые, экзаменационные и итоговые**")
    html = results_html(diary.results(actor, student_id))
    if html:
        st.html(html)
    else:
        st.caption("Отметок за периоды в этом учебном году пока нет.")
    exams = exams_html(diary.exam_results(actor, student_id))
    if exams:
        st.markdown("**Результаты ВПР, ОГЭ и ЕГЭ**")
        st.html(exams)


def exams_html(results) -> str:
    """The pupil's results of ВПР, ОГЭ and ЕГЭ (2.2), newest first, as a light HTML table ("" when none)."""
    if not results:
        return ""
    body = "".join(
        f"<tr><td>{r.held_on:%d.%m.%Y}</td><td>{escape(r.kind)}</td><td>{escape(r.subject)}</td>"
        f"<td>{r.primary_score}</td><td>{'' if r.test_score is None else r.test_score}</td>"
        f"<td><b>{'' if r.mark is None else r.mark}</b></td><td>{'' if r.year_mark is None else r.year_mark}</td></tr>"
        for r in results)
    return ('<table class="diary-exams" style="border-collapse:collapse;text-align:center">'
            "<tr><th>Дата</th><th>Работа</th><th>Предмет</th><th>Первичный балл</th><th>Тестовый балл</th>"
            f"<th>Отметка</th><th>Годовая</th></tr>{body}</table>")


def views_html(views: list) -> str:
    """Who opened the child's data outside their own lessons and class (services/core/data_views.py)."""
    body = "".join(f"<tr><td>{v.at:%d.%m.%Y %H:%M}</td><td>{escape(v.roles)}</td><td>{escape(v.name)}</td>"
                   f"<td>{escape(v.screen)}</td></tr>" for v in views)
    return ('<table class="diary-views" style="border-collapse:collapse">'
            f"<tr><th>Когда</th><th>Кто</th><th>ФИО</th><th>Что открыто</th></tr>{body}</table>")


def views(actor: Actor, student_id: int) -> None:
    from services.core import data_views
    from services.rules.data_views import SHOWN_FOR
    st.caption("Кто из сотрудников школы открывал дневник, отметки или личную карточку вне своих уроков и "
               f"своего класса (администрация, другие учителя) за последние {SHOWN_FOR.days // 30} месяца. "
               "Классный руководитель и учителя класса здесь не показываются: это их работа.")
    found = data_views.views(actor, student_id)
    if found:
        st.html(views_html(found))
    else:
        st.info("За это время никто не открывал.")
