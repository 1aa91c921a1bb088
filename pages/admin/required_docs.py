"""«Документы о журнале» (4.2, 4.7): the checklist of the school's required documents — present or
missing — with the administrator's upload and the director's approval (date and number)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.control import required_docs
from services.core import clock, policy
from services.core.actor import Actor
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from services.rules.attachments import ALLOWED_TEXT
from services.rules.required_docs import REQUIRED
from ui import web

KEY = "regdoc"


def _table(rows) -> None:
    frame = pd.DataFrame([{"Документ": r.title, "Пункт": r.clause, "Наличие": r.status_title, "Файл": r.file_name,
                           "Утверждён": f"№ {r.approved_number} от {r.approved_on:%d.%m.%Y}" if r.approved_on else "",
                           "Кем": r.approved_by} for r in rows])
    st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_table")


def _upload(actor: Actor, school_id: int) -> None:
    with st.form(f"{KEY}_upload", clear_on_submit=True):
        st.markdown("**Загрузить документ**")
        code = st.selectbox("Документ", list(REQUIRED), format_func=lambda c: REQUIRED[c][0])
        file = st.file_uploader(f"Файл ({ALLOWED_TEXT}, до 5 МБ)")
        if st.form_submit_button("Загрузить"):
            try:
                required_docs.upload(actor, school_id, code, Upload(file.name, file.getvalue()) if file else None)
                web.notify("success", f"«{REQUIRED[code][0]}» загружен: его утверждает директор.")
                st.rerun()
            except (required_docs.RequiredDocError, AccessDenied) as e:
                st.error(f"Не загружено: {e}")


def _approve(actor: Actor, school_id: int, rows) -> None:
    waiting = [r for r in rows if r.status == "unapproved"]
    if not waiting:
        return
    titles = {r.code: r.title for r in waiting}
    with st.form(f"{KEY}_approve"):
        st.markdown("**Утвердить документ**")
        code = st.selectbox("Документ", list(titles), format_func=titles.get)
        cols = st.columns(2)
        approved_on = cols[0].date_input("Дата приказа", value=clock.today(), format="DD.MM.YYYY")
        number = cols[1].text_input("Номер приказа", max_chars=required_docs.NUMBER_MAX)
        if st.form_submit_button("Утвердить"):
            try:
                required_docs.approve(actor, school_id, code, approved_on, number)
                web.notify("success", f"«{titles[code]}» утверждён.")
                st.rerun()
            except (required_docs.RequiredDocError, AccessDenied) as e:
                st.error(f"Не утверждено: {e}")


def render(actor: Actor, school_id: int) -> None:
    st.title("Документы о журнале")
    try:
        rows = required_docs.checklist(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    missing = [r.title for r in rows if r.status != "present"]
    if missing:
        st.warning("Нет утверждённых документов: " + "; ".join(missing) + ".")
    else:
        st.success("Все обязательные документы загружены и утверждены.")
    _table(rows)
    present = [r for r in rows if r.file_name]
    if present:
        names = {r.code: r.title for r in present}
        code = st.selectbox("Скачать документ", list(names), format_func=names.get, key=f"{KEY}_pick")
        file_name = next(r.file_name for r in present if r.code == code)
        st.download_button("Скачать", data=lambda: required_docs.file_of(actor, school_id, code).data,
                           file_name=file_name, key=f"{KEY}_dl", on_click="ignore")
    target = policy.Target(school_id=school_id)
    if policy.allowed(actor, "regdoc.upload", target):
        _upload(actor, school_id)
    if policy.allowed(actor, "regdoc.approve", target):
        _approve(actor, school_id, rows)
