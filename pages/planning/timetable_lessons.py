"""«Уроки и загрузка расписания» (deputy director for their parallels, administrator for all):
generate the lessons of the year from the timetable over the study periods, skipping holidays;
the lessons kept because they hold a topic, marks, attendance or homework (or a person changed
them) although the timetable no longer has them are listed for a person to resolve. Also the
timetable import from Excel, every row checked first. The work is services/planning/timetable_lessons.py's
and services/planning/timetable_import.py's."""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from pages.planning import timetable_edit
from services.core import clock
from services.core.policy import AccessDenied
from services.planning import calendar, timetable_import, timetable_lessons
from services.planning.calendar import CalendarError
from services.planning.timetable_lessons import RESOLUTIONS
from ui import web

KEY = "tt_lessons"
UNDECIDED = "— решить позже"
DECISION = {title: action for action, title in RESOLUTIONS.items()}


def first_day(actor, school_id: int):
    """Today, or the first day of the school year when it has not begun yet (a school sets up its
    timetable in the last week of August, and a date before 1 September is outside the year)."""
    today = clock.today()
    try:
        year = calendar.load(actor, school_id).year
    except (CalendarError, AccessDenied, ValueError):
        return today
    return min(max(today, year.starts_on), year.ends_on)


def render(actor, school_id: int) -> None:
    st.title("Уроки из расписания")
    classes = timetable_edit.editable_classes(actor, school_id)
    if not classes:
        return
    generate, kept, upload = st.tabs(["Создание уроков", "Уроки для решения", "Загрузка расписания из Excel"])
    with generate:
        _generate(actor, school_id, classes)
    with kept:
        _kept(actor, school_id, classes)
    with upload:
        _import(actor, school_id)


def _generate(actor, school_id: int, classes: dict[int, str]) -> None:
    st.markdown("Уроки создаются по расписанию на каждый учебный день периодов, кроме каникул и праздников. "
                "Урок, в котором уже есть тема, отметки, посещаемость или домашнее задание, не удаляется.")
    chosen = st.multiselect("Классы", list(classes), default=list(classes), format_func=classes.get,
                            key=f"{KEY}_classes")
    since = st.date_input("С даты", value=first_day(actor, school_id), format="DD.MM.YYYY", key=f"{KEY}_from",
                          help="Уроки до этой даты не меняются.")
    if st.button("Создать уроки по расписанию", type="primary", key=f"{KEY}_go", disabled=not chosen):
        try:
            result = timetable_lessons.generate(actor, school_id, class_ids=chosen, date_from=since)
        except (AccessDenied, ValueError) as e:
            st.error(f"Уроки не созданы: {e}")
            return
        st.success(result.summary())
        if result.kept:
            st.warning(f"Оставлены для решения вручную: {len(result.kept)} — см. вкладку «Уроки для решения».")
            st.dataframe(_kept_frame(result.kept), placeholder="", hide_index=True, key=f"{KEY}_result_kept")


def _kept_frame(kept) -> pd.DataFrame:
    return pd.DataFrame([{"Дата": f"{k.lesson_date:%d.%m.%Y}", "Урок": k.lesson_number, "Класс": k.class_name,
                          "Предмет": k.subject_name, "Почему оставлен": k.reason} for k in kept],
                        columns=["Дата", "Урок", "Класс", "Предмет", "Почему оставлен"])


def _kept(actor, school_id: int, classes: dict[int, str]) -> None:
    try:
        kept = timetable_lessons.pending(actor, school_id, class_ids=list(classes))
    except (AccessDenied, ValueError) as e:
        st.error(str(e))
        return
    if not kept:
        st.success("Все уроки совпадают с расписанием: решать нечего.")
        return
    st.warning(f"Уроков, которых больше нет в расписании, но в которых есть данные или изменения: {len(kept)}. "
               "Оставьте урок отдельным (вне расписания) или удалите его — удалить можно только пустой урок.")
    frame = _kept_frame(kept)
    frame["Решение"] = UNDECIDED
    version = st.session_state.get(f"{KEY}_kept_version", 0)
    edited = st.data_editor(frame, placeholder="", key=f"{KEY}_kept_{version}", hide_index=True, disabled=list(frame.columns[:-1]),
                            column_config={"Решение": st.column_config.SelectboxColumn(
                                "Решение", options=[UNDECIDED, *DECISION], required=True, width=280)})
    web.table_downloads(lambda: _kept_frame(kept), stem="Уроки для решения", sheet="Уроки", key=f"{KEY}_kept_dl")
    if st.button("Применить решения", type="primary", key=f"{KEY}_resolve"):
        done, problems = 0, []
        for k, choice in zip(kept, edited["Решение"]):
            if choice not in DECISION:
                continue
            try:
                timetable_lessons.resolve(actor, k.lesson_id, DECISION[choice])
                done += 1
            except (AccessDenied, ValueError) as e:
                problems.append(f"{k.class_name}, {k.subject_name}, {k.lesson_date:%d.%m.%Y}: {e}")
        if problems:
            st.error("Не выполнено:\n\n" + "\n".join(f"- {web.md(p)}" for p in problems))
        if done:
            st.session_state[f"{KEY}_kept_version"] = version + 1
            web.notify("success", f"Решения применены: {done}.")
            if not problems:
                st.rerun()


def _import(actor, school_id: int) -> None:
    st.download_button("Скачать шаблон", timetable_import.template(), file_name="Шаблон — расписание.xlsx",
                       icon=":material/download:", key=f"{KEY}_template")
    st.caption("Столбцы: Класс, День, Урок, Предмет, Учитель, Кабинет, Подгруппа. Каждый класс из файла получает "
               "ровно свои строки как расписание с выбранной даты; классы, которых нет в файле, не меняются.")
    since = st.date_input("Расписание действует с", value=first_day(actor, school_id), format="DD.MM.YYYY",
                          key=f"{KEY}_imp_from")
    upload = web.sheet_uploader(f"{KEY}_file")
    if upload is None:
        return
    data, name = upload.getvalue(), upload.name
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        check = timetable_import.run_import(actor, school_id, data, name, effective_from=since, dry_run=True)
    except (AccessDenied, ValueError) as e:
        st.error(str(e))
        return
    only_valid = web.import_review(check, name, KEY, digest,
                                   f"Файл «{web.md(name)}» проверен: строк {check.rows}, ошибок нет; классы: "
                                   f"{', '.join(check.classes)}.")
    if only_valid is None:
        return
    if st.button("Загрузить расписание", type="primary", key=f"{KEY}_import_{digest}"):
        result = timetable_import.run_import(actor, school_id, data, name, effective_from=since, only_valid=only_valid)
        if not result.committed:
            st.error("Расписание не загружено: " + "; ".join(web.md(p.text()) for p in result.errors[:5]))
            return
        st.success(f"Расписание загружено с {result.effective_from:%d.%m.%Y}: классы {', '.join(result.classes)}; "
                   f"новых строк {result.created}, закрыто {result.closed}, без изменений {result.unchanged}."
                   + (f" {result.lessons.summary()}" if result.lessons else ""))
