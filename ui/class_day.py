"""A tab of «Мой класс»: the class teacher's daily record (1.7, 4.3) — who missed lessons and who did
not do the homework on the day, and the reason of an absence recorded for all subjects at once."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.journal import class_day
from services.journal.class_teacher import ClassError, ClassInfo
from ui import web


def _reason_form(actor: Actor, cls: ClassInfo, day, record: class_day.DayRecord) -> None:
    pupils = class_day.pupils_of(actor, cls.id, day)
    if not pupils:
        return
    names = dict(pupils)
    waiting = [p.student_id for p in record.pupils if p.unexplained]
    order = waiting + [sid for sid in names if sid not in waiting]
    with st.form(f"class_reason_{cls.id}_{day.isoformat()}"):
        st.markdown("**Причина пропуска** — для всех предметов сразу: «Н» за эти дни станет «Б» или «У».")
        cols = st.columns([2, 1, 1, 2])
        student_id = cols[0].selectbox("Ученик", order, format_func=names.get)
        starts_on = cols[1].date_input("С", value=day, format="DD.MM.YYYY")
        ends_on = cols[2].date_input("По", value=day, format="DD.MM.YYYY")
        reason = cols[3].radio("Причина", list(class_day.REASONS), format_func=class_day.REASONS.get, horizontal=True)
        document = st.text_input("Документ", placeholder="справка № 15 от 12.11.2025 / заявление родителя",
                                 max_chars=class_day.DOCUMENT_MAX)
        if st.form_submit_button("Отметить причину"):
            try:
                changed = class_day.record_reason(actor, cls.id, student_id, starts_on, ends_on, reason, document)
            except (ClassError, AccessDenied) as e:
                st.error(f"Не сохранено: {e}")
                return
            web.notify("success", f"{names[student_id]}: причина отмечена, изменено уроков: {changed}.")
            st.rerun()


def render_tab(actor: Actor, cls: ClassInfo) -> None:
    day = st.date_input("День", value=clock.today(), format="DD.MM.YYYY", key=f"class_record_day_{cls.id}")
    record = class_day.day_record(actor, cls.id, day)
    if not record.lessons:
        st.info(f"{day:%d.%m.%Y} у {web.md(cls.name)} класса уроков нет.")
    elif not record.pupils:
        st.success(f"{day:%d.%m.%Y}: пропусков нет, домашние задания выполнены всеми.")
    else:
        frame = pd.DataFrame([{"Ученик": p.name, "Пропуски": "; ".join(p.absences),
                               "Без причины («Н»)": p.unexplained or "",
                               "Не выполнил ДЗ": ", ".join(p.homework_missed)} for p in record.pupils])
        st.caption(f"{day:%d.%m.%Y}: пропустили уроки {sum(p.missed for p in record.pupils)}, "
                   f"не выполнили домашнее задание {sum(bool(p.homework_missed) for p in record.pupils)}.")
        st.dataframe(frame, placeholder="", hide_index=True, width="stretch", key=f"class_record_{cls.id}")
        web.table_downloads(lambda: frame, stem=f"День класса {cls.name} {day:%d.%m.%Y}", sheet="День",
                            key=f"class_record_dl_{cls.id}")
    if record.notes:
        st.markdown("**Отмеченные причины, действующие в этот день**")
        st.dataframe(pd.DataFrame([{"Ученик": n.student, "С": n.starts_on.strftime("%d.%m.%Y"),
                                    "По": n.ends_on.strftime("%d.%m.%Y"), "Причина": class_day.REASONS[n.reason],
                                    "Документ": n.document, "Уроков": n.lessons} for n in record.notes]), placeholder="",
                     hide_index=True, key=f"class_notes_{cls.id}")
    _reason_form(actor, cls, day, record)
