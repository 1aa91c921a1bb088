"""«Учебный год» (administrator): open a school year, its study periods (quarters, trimesters or
halves), vacations and holidays (the Russian public holidays from the `holidays` package plus
the school's own vacations) and the bell schedule of each shift. Everything is decided by
services/planning/calendar.py; a save that changes the calendar regenerates the year's lessons from today
on and reports what happened (lessons holding data are kept)."""
from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.policy import AccessDenied
from services.planning import calendar
from services.planning.calendar import CalendarError
from services.rules import timetable_calendar as R
from ui import web

KEY = "year"
HOLIDAY_KIND = {title: kind for kind, title in R.HOLIDAY_KINDS.items()}
KINDS_PLURAL = {"quarter": "четверти", "trimester": "триместры", "half": "полугодия"}


def render(actor, school_id: int) -> None:
    st.title("Учебный год")
    try:
        years = calendar.years(actor, school_id)
    except (AccessDenied, ValueError) as e:
        st.error(str(e))
        return
    _open_year(actor, school_id, years)
    if not years:
        st.info("В школе ещё не открыт ни один учебный год.")
        return
    try:
        current = calendar.load(actor, school_id).year.id
    except CalendarError:
        current = years[-1].id
    ids = [y.id for y in years]
    labels = {y.id: y.label for y in years}
    year_id = st.selectbox("Учебный год", ids, index=ids.index(current), format_func=labels.get, key=f"{KEY}_id")
    cal = calendar.load(actor, school_id, year_id)
    st.caption(f"{cal.year.starts_on:%d.%m.%Y} – {cal.year.ends_on:%d.%m.%Y}; учебных дней (пн–сб, без каникул "
               f"и праздников): {len(cal.school_days())}.")
    if not cal.editable:
        st.info("Календарь этого года доступен только для просмотра.")
    periods, holidays, bells = st.tabs(["Учебные периоды", "Каникулы и праздники", "Расписание звонков"])
    with periods:
        _periods(actor, cal)
    with holidays:
        _holidays(actor, cal)
    with bells:
        _bells(actor, school_id, cal)


def _version(name: str) -> int:
    return st.session_state.get(f"{KEY}_{name}_version", 0)


def _saved(name: str, text: str) -> None:
    st.session_state[f"{KEY}_{name}_version"] = _version(name) + 1
    web.notify("success", text)
    st.rerun()


def _open_year(actor, school_id: int, years) -> None:
    today = clock.today()
    next_year = max([y.start_year for y in years], default=(today.year if today.month >= 6 else today.year - 1) - 1) + 1
    with st.expander("Открыть учебный год", expanded=not years, icon=":material/add:"):
        start = st.number_input("Год начала (1 сентября)", min_value=2000, max_value=2100, value=next_year, step=1,
                                key=f"{KEY}_new_start")
        kind = st.selectbox("Учебные периоды", list(KINDS_PLURAL), format_func=KINDS_PLURAL.get, key=f"{KEY}_new_kind")
        public = st.checkbox("Добавить государственные праздники России", value=True, key=f"{KEY}_new_public")
        if st.button("Открыть учебный год", key=f"{KEY}_new_go"):
            try:
                calendar.create_year(actor, school_id, int(start), kind=kind, public_holidays=public)
            except (AccessDenied, ValueError) as e:
                st.error(str(e))
            else:
                web.notify("success", f"{int(start)}/{int(start) + 1} учебный год открыт: периоды, каникулы"
                           + (" и праздники" if public else "") + " заполнены по умолчанию, проверьте даты.")
                st.rerun()


# ------------------------------------------------------------------ periods
def _day(value) -> date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        return None


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def _periods(actor, cal) -> None:
    kind = cal.periods[0].kind if cal.periods else "quarter"
    frame = pd.DataFrame([{"№": p.number, "Название": p.name, "Начало": p.starts_on, "Конец": p.ends_on}
                          for p in cal.periods], columns=["№", "Название", "Начало", "Конец"])
    edited = st.data_editor(
        frame, placeholder="", key=f"{KEY}_periods_{cal.year.id}_{_version('periods')}", hide_index=True,
        num_rows="dynamic" if cal.editable else "fixed", disabled=not cal.editable,
        column_config={"№": st.column_config.NumberColumn("№", min_value=1, max_value=6, step=1, required=True,
                                                       width=60),
                       "Название": st.column_config.TextColumn("Название", required=True, max_chars=60, width=200),
                       "Начало": st.column_config.DateColumn("Начало", format="DD.MM.YYYY", required=True),
                       "Конец": st.column_config.DateColumn("Конец", format="DD.MM.YYYY", required=True)})
    web.table_downloads(lambda: _printable(frame), stem=f"Учебные периоды {cal.year.label}", sheet="Периоды",
                        key=f"{KEY}_periods_dl")
    if not cal.editable:
        return
    new_kind = st.selectbox("Вид периодов", list(R.PERIOD_KINDS), index=list(R.PERIOD_KINDS).index(kind),
                            format_func=R.PERIOD_KINDS.get, key=f"{KEY}_kind")
    if st.button("Сохранить периоды", type="primary", key=f"{KEY}_periods_save"):
        specs, problems = [], []
        for i, rec in enumerate(edited.to_dict("records"), start=1):
            number, name = rec.get("№"), _text(rec.get("Название"))
            a, b = _day(rec.get("Начало")), _day(rec.get("Конец"))
            if number is None or pd.isna(number) or not name or a is None or b is None:
                problems.append(f"Строка {i}: заполните номер, название, начало и конец.")
                continue
            specs.append(R.PeriodSpec(int(number), name, a, b))
        if problems:
            st.error("Периоды не сохранены:\n\n" + "\n".join(f"- {p}" for p in problems))
            return
        try:
            result = calendar.save_periods(actor, cal.year.id, specs, kind=new_kind)
        except (AccessDenied, ValueError) as e:
            st.error(f"Периоды не сохранены: {e}")
        else:
            _saved("periods", "Периоды сохранены." + (f" {result.summary()}" if result else ""))


def _printable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("Начало", "Конец"):
        if column in out:
            out[column] = [f"{d:%d.%m.%Y}" if isinstance(d, date) else "" for d in out[column]]
    return out


# ------------------------------------------------------------------ holidays
def _holidays(actor, cal) -> None:
    frame = pd.DataFrame([{"Название": h.name, "Вид": R.HOLIDAY_KINDS.get(h.kind, h.kind), "Начало": h.starts_on,
                           "Конец": h.ends_on} for h in cal.holidays], columns=["Название", "Вид", "Начало", "Конец"])
    edited = st.data_editor(
        frame, placeholder="", key=f"{KEY}_holidays_{cal.year.id}_{_version('holidays')}", hide_index=True, width="stretch",
        height=35 * (len(frame) + 2) + 3,
        num_rows="dynamic" if cal.editable else "fixed", disabled=not cal.editable,
        column_config={"Название": st.column_config.TextColumn("Название", required=True, max_chars=120),
                       "Вид": st.column_config.SelectboxColumn("Вид", options=list(HOLIDAY_KIND), required=True,
                                                               default=R.HOLIDAY_KINDS["vacation"]),
                       "Начало": st.column_config.DateColumn("Начало", format="DD.MM.YYYY", required=True),
                       "Конец": st.column_config.DateColumn("Конец", format="DD.MM.YYYY", required=True)})
    web.table_downloads(lambda: _printable(frame), stem=f"Каникулы и праздники {cal.year.label}", sheet="Каникулы",
                        key=f"{KEY}_holidays_dl")
    if not cal.editable:
        return
    left, right = st.columns(2)
    if left.button("Сохранить каникулы и праздники", type="primary", key=f"{KEY}_holidays_save"):
        specs, problems = [], []
        for i, rec in enumerate(edited.to_dict("records"), start=1):
            name, a, b = _text(rec.get("Название")), _day(rec.get("Начало")), _day(rec.get("Конец"))
            if not name or a is None or b is None:
                problems.append(f"Строка {i}: заполните название, начало и конец.")
                continue
            specs.append(R.HolidaySpec(name, a, b, HOLIDAY_KIND.get(_text(rec.get("Вид")), "vacation")))
        if problems:
            st.error("Каникулы не сохранены:\n\n" + "\n".join(f"- {p}" for p in problems))
            return
        try:
            result = calendar.save_holidays(actor, cal.year.id, specs)
        except (AccessDenied, ValueError) as e:
            st.error(f"Каникулы не сохранены: {e}")
        else:
            _saved("holidays", "Каникулы и праздники сохранены." + (f" {result.summary()}" if result else
                                                                     " Изменений не было."))
    if right.button("Добавить государственные праздники", key=f"{KEY}_public",
                    help="Праздники и перенесённые выходные России за учебный год (пакет holidays)."):
        try:
            added = calendar.add_public_holidays(actor, cal.year.id)
        except (AccessDenied, ValueError) as e:
            st.error(str(e))
        else:
            _saved("holidays", f"Добавлено государственных праздников: {added}." if added else
                   "Все государственные праздники года уже в календаре.")


# ------------------------------------------------------------------ bells
def _bells(actor, school_id: int, cal) -> None:
    shifts = sorted(set(cal.bells) | {1})
    shift = st.radio("Смена", shifts + ([max(shifts) + 1] if cal.editable and len(shifts) < 3 else []),
                     format_func=lambda s: f"{s} смена" + ("" if s in cal.bells else " (новая)"), horizontal=True,
                     key=f"{KEY}_shift")
    frame = pd.DataFrame([{"Урок": b.lesson_number, "Начало": f"{b.starts_at:%H:%M}", "Конец": f"{b.ends_at:%H:%M}"}
                          for b in cal.bells.get(shift, [])], columns=["Урок", "Начало", "Конец"])
    # in a form: the typed rows go to the server once, with the click on «Сохранить звонки» (a
    # table outside a form reruns the page on every cell, and a click landing in such a rerun is lost)
    holder = st.form(f"{KEY}_bells_form_{shift}", border=False, enter_to_submit=False) if cal.editable \
        else st.container()
    if cal.editable:
        web.unsaved_guard()  # «Сохранить» waits for the table to hand its last typed cell to the form
    with holder:
        edited = st.data_editor(
            frame, placeholder="", key=f"{KEY}_bells_{shift}_{_version('bells')}", hide_index=True,
            num_rows="dynamic" if cal.editable else "fixed", disabled=not cal.editable,
            column_config={"Урок": st.column_config.NumberColumn("Урок", min_value=0, max_value=R.MAX_LESSONS,
                                                                step=1, required=True),
                           "Начало": st.column_config.TextColumn("Начало (ЧЧ:ММ)", required=True, max_chars=5),
                           "Конец": st.column_config.TextColumn("Конец (ЧЧ:ММ)", required=True, max_chars=5)})
        if cal.editable:
            since = st.date_input("Новое время уроков — с", value=max(clock.today(), cal.year.starts_on),
                                  min_value=cal.year.starts_on, max_value=cal.year.ends_on, format="DD.MM.YYYY",
                                  key=f"{KEY}_bells_from")
            submitted = st.form_submit_button("Сохранить звонки", type="primary", key=f"{KEY}_bells_save")
    web.table_downloads(lambda: frame, stem=f"Звонки, {shift} смена", sheet="Звонки", key=f"{KEY}_bells_dl")
    if not cal.editable:
        return
    if submitted:
        specs, problems = [], []
        for i, rec in enumerate(edited.to_dict("records"), start=1):
            number = rec.get("Урок")
            if number is None or pd.isna(number):
                problems.append(f"Строка {i}: не указан номер урока.")
                continue
            try:
                a, b = _time(rec.get("Начало")), _time(rec.get("Конец"))
            except CalendarError as e:
                problems.append(f"Строка {i} ({int(number)} урок): {e}")
                continue
            specs.append(R.BellSpec(int(number), a, b, shift))
        if problems:
            st.error("Звонки не сохранены:\n\n" + "\n".join(f"- {web.md(p)}" for p in problems))
            return
        try:
            changed = calendar.save_bells(actor, school_id, shift, specs, effective_from=since)
        except (AccessDenied, ValueError) as e:
            st.error(f"Звонки не сохранены: {e}")
        else:
            _saved("bells", f"Звонки {shift} смены сохранены; уроков с новым временем: {changed}.")


def _time(value) -> time:
    text = _text(value)
    if not text:
        raise CalendarError("не указано время")
    return calendar.parse_bell_time(text)
