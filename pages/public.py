"""«Документы школы» (regulation 4.5; issue 19): the school's public documents, WITHOUT sign-in.

The address the school links from its website: /public?school=ID (and &doc=ID for one
document). It shows each published document that the site administrator made public — the
title, the date, the text and the file — and nothing else: no author, no names, no other
school's documents. A wrong or forged id gets a Russian message, never a trace of what exists."""
import streamlit as st

from services.comms import documents
from services.comms.documents import DocumentError
from ui import web

web.ensure_routed()
school_id, document_id = web.query_id("school"), web.query_id("doc")
try:
    view = documents.public_page(school_id, document_id)
except DocumentError as e:
    st.title("Документы школы")
    st.error(str(e))
    st.stop()

st.title("Документы школы")
st.caption(web.md(view.school_name))
if not view.documents:
    st.info("Открытых документов у школы пока нет.")
tz = web.school_timezone(school_id)
for d in view.documents:
    with st.container(border=True):
        st.subheader(web.md(d.title), anchor=False)
        if d.published_at is not None:
            st.caption(f"Опубликован {web.local_time(d.published_at, tz)}")
        if d.body:
            st.markdown(web.md(d.body).replace("\n", "  \n"))
        if d.file_name:
            st.download_button(f"{web.md(d.file_name)} ({d.file_size // 1024 + 1} КБ)", key=f"public_file{d.id}",
                               data=lambda did=d.id: documents.public_file(school_id, did).data,
                               file_name=d.file_name, on_click="ignore", icon=":material/download:")
if document_id is not None and (everything := web.public_page_ref()) is not None:
    st.page_link(everything, label="Все документы школы", query_params={"school": str(school_id)})
