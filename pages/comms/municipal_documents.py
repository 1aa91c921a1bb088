"""«Документы муниципалитета» (regulation 4.1; issue 19): the municipal coordinator writes the
municipality's documents and announcements, publishes them to an audience (everyone, staff,
parents, pupils) and takes them back. Every school of the municipality reads the published ones
on its «Документы» and «Объявления» screens, read-only; other municipalities never see them."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.comms.inbox import file_input
from services.comms import documents
from services.comms.documents import AUDIENCES, KINDS, DocumentError
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from ui import web

KEY = "muni_docs"


def render(actor, municipality_id: int) -> None:
    st.title("Документы муниципалитета")
    try:
        rows = documents.municipal_listing(actor, municipality_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    st.caption("Опубликованное видят все школы муниципалитета (сотрудники, родители или ученики — кому адресовано); "
               "школы не могут это изменить.")
    _new(actor, municipality_id)
    if not rows:
        st.info("Документов и объявлений муниципалитета пока нет.")
        return
    st.dataframe(pd.DataFrame([{
        "Вид": KINDS.get(d.kind, d.kind), "Название": d.title, "Для кого": d.audience_title,
        "Опубликован": web.local_time(d.published_at) if d.published else "черновик", "Файл": d.file_name}
        for d in rows]), placeholder="", hide_index=True, key=f"{KEY}_table")
    for d in rows:
        head = f"{KINDS.get(d.kind, d.kind)}: {web.md(d.title)}" + ("" if d.published else " (черновик)")
        with st.expander(head, icon=":material/campaign:" if d.kind == "announcement" else ":material/article:"):
            st.caption(f"для кого: {d.audience_title.lower()}"
                       + (f" · опубликован {web.local_time(d.published_at)}" if d.published else " · черновик"))
            if d.body:
                st.markdown(web.md(d.body).replace("\n", "  \n"))
            if d.file_name:
                st.download_button(f"{web.md(d.file_name)} ({d.file_size // 1024 + 1} КБ)", key=f"{KEY}_file{d.id}",
                                   data=lambda did=d.id: documents.file_of(actor, did).data, file_name=d.file_name,
                                   on_click="ignore", icon=":material/download:")
            label = "Снять с публикации" if d.published else "Опубликовать"
            if st.button(label, key=f"{KEY}_pub{d.id}", type="secondary" if d.published else "primary"):
                try:
                    documents.set_published(actor, d.id, not d.published)
                except (DocumentError, AccessDenied) as e:
                    st.error(str(e))
                else:
                    web.notify("success", f"«{web.md(d.title)}»: " + (
                        "снят с публикации." if d.published else f"опубликован ({d.audience_title.lower()})."))
                    st.rerun()


def _new(actor, municipality_id: int) -> None:
    with st.expander("Новый документ или объявление", icon=":material/note_add:"):
        with st.form(f"{KEY}_new", clear_on_submit=True):
            kind = st.radio("Вид", list(KINDS), format_func=KINDS.get, horizontal=True, key=f"{KEY}_kind")
            title = st.text_input("Название или тема *", key=f"{KEY}_title")
            audience = st.selectbox("Для кого", list(AUDIENCES), format_func=AUDIENCES.get, key=f"{KEY}_audience")
            body = st.text_area("Текст", height=200, key=f"{KEY}_body")
            file = file_input(f"{KEY}_upload")
            publish = st.checkbox("Опубликовать сразу", value=True, key=f"{KEY}_publish")
            if st.form_submit_button("Сохранить", type="primary"):
                try:
                    doc_id = documents.save_municipal(actor, municipality_id, kind, title, body, audience,
                                                      Upload(file.name, file.getvalue()) if file is not None else None)
                    if publish:
                        documents.set_published(actor, doc_id, True)
                except (DocumentError, AccessDenied) as e:
                    st.error(str(e))
                else:
                    web.notify("success", f"{KINDS[kind]} «{web.md(title.strip())}» " + (
                        f"опубликован(о) для школ муниципалитета ({AUDIENCES[audience].lower()})." if publish
                        else "сохранён(о) как черновик."))
                    st.rerun()
