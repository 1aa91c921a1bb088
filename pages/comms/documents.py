"""«Документы» (4.5): regulations and instructions listed for the user's audience; the site
administrator and the editor also write documents, publish them to an audience and take them
back to drafts. The site administrator opens a document for everyone on the school's public page
(served without sign-in, 4.5) and sees that page's address to put on the school's website;
documents of the municipality (4.1) are listed read-only."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.comms.inbox import file_input
from services.comms import documents
from services.comms.documents import AUDIENCES, DocumentError
from services.core import policy
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from ui import web

KEY = "docs"


def render(actor, school_id: int) -> None:
    st.title("Документы")
    try:
        rows = documents.listing(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    publisher = school_id in policy.schools_for(actor, "document.publish")
    opener = school_id in policy.schools_for(actor, "document.public")
    if opener:
        _public_link(school_id, sum(1 for d in rows if d.is_public and d.published))
    if publisher:
        _new(actor, school_id)
    if not rows:
        st.info("Документов для вас пока нет.")
        return
    web.report_error_link("Документы")
    tz = web.school_timezone(school_id)
    if publisher:
        st.dataframe(pd.DataFrame([{
            "Документ": d.title, "Для кого": d.audience_title, "Опубликован": web.local_time(d.published_at, tz)
            if d.published else "черновик", "На сайте": "открыт" if d.is_public else "",
            "Файл": d.file_name, "Автор": "муниципалитет" if d.municipal else d.author} for d in rows]), placeholder="",
            hide_index=True, key=f"{KEY}_table")
    for d in rows:
        state = f"для кого: {d.audience_title.lower()}"
        state += f" · опубликован {web.local_time(d.published_at, tz)}" if d.published else " · черновик"
        state += " · документ муниципалитета" if d.municipal else ""
        state += " · открыт на сайте школы" if d.is_public else ""
        with st.expander(web.md(d.title) + ("" if d.published else " (черновик)"), icon=":material/article:"):
            st.caption(state + (f" · {web.md(d.author)}" if d.author else ""))
            if d.body:
                st.markdown(web.md(d.body).replace("\n", "  \n"))
            if d.file_name:
                st.download_button(f"{web.md(d.file_name)} ({d.file_size // 1024 + 1} КБ)", key=f"{KEY}_file{d.id}",
                                   data=lambda did=d.id: documents.file_of(actor, did).data, file_name=d.file_name,
                                   on_click="ignore", icon=":material/download:")
            if opener and not (d.whole_installation or d.municipal) and (d.audience == "all" or d.is_public):
                _public_toggle(actor, d)
            if publisher and not (d.whole_installation or d.municipal):
                label = "Снять с публикации" if d.published else "Опубликовать"
                if st.button(label, key=f"{KEY}_pub{d.id}", type="secondary" if d.published else "primary"):
                    try:
                        documents.set_published(actor, d.id, not d.published)
                    except (DocumentError, AccessDenied) as e:
                        st.error(str(e))
                    else:
                        web.notify("success", f"«{web.md(d.title)}»: " + ("снят с публикации." if d.published
                                                                  else f"опубликован ({d.audience_title.lower()})."))
                        st.rerun()


def _public_link(school_id: int, count: int) -> None:
    """The address of the school's public page, to put on the school's website."""
    with st.container(border=True, key=f"{KEY}_public"):
        st.markdown("**Открытые документы на сайте школы** (без входа в портал)")
        st.code(documents.public_address(st.context.url, school_id), language=None)
        st.caption(f"Открыто документов: {count}. Открытым может быть только опубликованный документ для всех; "
                   "на этой странице видны его название, дата, текст и файл — без автора и без персональных данных.")


def _public_toggle(actor, d) -> None:
    label = "Закрыть на сайте школы" if d.is_public else "Открыть на сайте школы"
    if st.button(label, key=f"{KEY}_public{d.id}", icon=":material/public:"):
        try:
            documents.set_public(actor, d.id, not d.is_public)
        except (DocumentError, AccessDenied) as e:
            st.error(str(e))
        else:
            web.notify("success", f"«{web.md(d.title)}»: " + ("закрыт на сайте школы." if d.is_public
                                                      else "открыт на сайте школы (без входа в портал)."))
            st.rerun()


def _new(actor, school_id: int) -> None:
    with st.expander("Новый документ", icon=":material/note_add:"):
        with st.form(f"{KEY}_new", clear_on_submit=True):
            title = st.text_input("Название *", key=f"{KEY}_title")
            audience = st.selectbox("Для кого", list(AUDIENCES), format_func=AUDIENCES.get, key=f"{KEY}_audience")
            body = st.text_area("Текст", height=200, key=f"{KEY}_body")
            file = file_input(f"{KEY}_upload")
            publish = st.checkbox("Опубликовать сразу", value=True, key=f"{KEY}_publish")
            if st.form_submit_button("Сохранить", type="primary"):
                try:
                    doc_id = documents.save(actor, school_id, title, body, audience,
                                            Upload(file.name, file.getvalue()) if file is not None else None)
                    if publish:
                        documents.set_published(actor, doc_id, True)
                except (DocumentError, AccessDenied) as e:
                    st.error(str(e))
                else:
                    web.notify("success", f"Документ «{web.md(title.strip())}» " + (
                        f"опубликован ({AUDIENCES[audience].lower()})." if publish else "сохранён как черновик."))
                    st.rerun()
