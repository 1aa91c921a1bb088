"""«Объявления»: the announcements the user received or published, the newest first (shown ones
are marked read), and — for the administration, the editor and a class teacher — a form to
announce to a class, a parallel, the whole school or its staff. Above them, the announcements of
the municipality addressed to the user (issue 19, 4.1), read-only."""
from __future__ import annotations

import streamlit as st

from pages.comms.inbox import file_input
from services.comms import documents, messages
from services.comms.messages import MessageError
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from ui import web

KEY = "ann"
SHOWN = 20


def render(actor, school_id: int) -> None:
    st.title("Объявления")
    try:
        rows = [r for r in messages.inbox(actor, school_id) if r.kind == "announcement"]
        audiences = messages.announcement_audiences(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    if audiences:
        _publish(actor, school_id, audiences)
    _municipal(actor, school_id)
    if not rows:
        st.info("Объявлений пока нет.")
        return
    tz = web.school_timezone(school_id)
    changed = False
    for r in rows[:SHOWN]:
        view = messages.open_thread(actor, r.id)
        first = view.messages[0] if view.messages else None
        with st.container(border=True):
            st.markdown(f"**{web.md(view.title)}**" + ("  · новое" if r.unread else ""))
            st.caption(f"{web.md(view.with_whom)} · {web.local_time(r.last_at, tz)}")
            if first is None:
                continue
            if first.hidden:
                st.warning(f"{messages.HIDDEN_TEXT} Причина: {web.md(first.hidden_reason)}")
            else:
                st.markdown(web.md(first.body).replace("\n", "  \n"))
                if first.attachment_name:
                    st.download_button(web.md(first.attachment_name), key=f"{KEY}_file{first.id}", on_click="ignore",
                                       data=lambda mid=first.id: messages.attachment_of_message(actor, mid).data,
                                       file_name=first.attachment_name, icon=":material/attach_file:")
        if r.unread:
            changed |= messages.mark_read(actor, r.id)
    if len(rows) > SHOWN:
        st.caption(f"Показаны последние {SHOWN} из {len(rows)}; остальные — в «Сообщениях».")
    if changed:
        st.rerun()  # the unread count of the sidebar


def _municipal(actor, school_id: int) -> None:
    try:
        found = documents.municipal_announcements(actor, school_id)
    except AccessDenied:
        return
    if not found:
        return
    tz = web.school_timezone(school_id)
    st.subheader("Объявления муниципалитета", anchor=False)
    for d in found[:SHOWN]:
        with st.container(border=True):
            st.markdown(f"**{web.md(d.title)}**")
            st.caption(f"муниципалитет · для кого: {d.audience_title.lower()} · {web.local_time(d.published_at, tz)}")
            if d.body:
                st.markdown(web.md(d.body).replace("\n", "  \n"))
            if d.file_name:
                st.download_button(web.md(d.file_name), key=f"{KEY}_mfile{d.id}", on_click="ignore",
                                   data=lambda did=d.id: documents.file_of(actor, did).data,
                                   file_name=d.file_name, icon=":material/attach_file:")
    st.subheader("Объявления школы", anchor=False)


def _publish(actor, school_id: int, audiences: list[tuple[str, str]]) -> None:
    labels = dict(audiences)
    with st.expander("Новое объявление", icon=":material/campaign:"):
        with st.form(f"{KEY}_new", clear_on_submit=True):
            audience = st.selectbox("Кому", list(labels), format_func=labels.get, key=f"{KEY}_audience")
            title = st.text_input("Тема", key=f"{KEY}_title")
            body = st.text_area("Текст объявления", key=f"{KEY}_body")
            file = file_input(f"{KEY}_file")
            if st.form_submit_button("Опубликовать", type="primary"):
                try:
                    messages.announce(actor, school_id, audience, title, body,
                                      Upload(file.name, file.getvalue()) if file is not None else None)
                except (MessageError, AccessDenied) as e:
                    st.error(str(e))
                else:
                    web.notify("success", f"Объявление опубликовано: {labels[audience].lower()}.")
                    st.rerun()
