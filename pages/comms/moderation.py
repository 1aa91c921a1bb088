"""«Модерация сообщений»: the moderator sees the messages reported by members (nothing else;
the read is audited), hides one that breaks the school's rules (hidden, not deleted, with the reason,
in the audit log; the author is told) or keeps it and closes its reports."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.comms import messages
from services.comms.messages import MessageError
from services.core.policy import AccessDenied
from ui import web

KEY = "mod"


def render(actor, school_id: int) -> None:
    st.title("Модерация сообщений")
    try:
        rows = messages.moderation_queue(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    if not rows:
        st.info("Жалоб на сообщения нет.")
        return
    tz = web.school_timezone(school_id)
    st.caption(f"Сообщений с жалобами: {len(rows)}. Просмотр записывается в журнал событий.")
    frame = pd.DataFrame([{
        "№": r.message_id, "Когда": web.local_time(r.created_at, tz), "Автор": r.sender,
        "Где": ("Объявление: " if r.kind == "announcement" else "Переписка: ") + r.thread_title,
        "Текст": r.body, "Жалоб": r.reports, "Причины жалоб": r.reasons,
        "Состояние": f"скрыто: {r.hidden_reason}" if r.hidden else "видно"} for r in rows])
    st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_table")
    web.table_downloads(lambda: frame, stem="moderaciya", sheet="Модерация", key=f"{KEY}_dl")
    visible = {r.message_id: r for r in rows if not r.hidden}
    if not visible:
        return
    st.subheader("Скрыть сообщение")
    with st.form(f"{KEY}_hide", clear_on_submit=True):
        message_id = st.selectbox("Сообщение", list(visible), key=f"{KEY}_pick",
                                  format_func=lambda i: f"№ {i}, {visible[i].sender}: {visible[i].body[:80]}")
        reason = st.text_input("Причина (какое правило школы нарушено) *", key=f"{KEY}_reason")
        hide, keep = st.columns(2)
        if hide.form_submit_button("Скрыть сообщение", type="primary"):
            _do(lambda: messages.hide_message(actor, message_id, reason),
                f"Сообщение № {message_id} скрыто; автор получил уведомление с причиной.")
        if keep.form_submit_button("Оставить (закрыть жалобы)"):
            _do(lambda: messages.keep_message(actor, message_id), f"Жалобы на сообщение № {message_id} закрыты.")


def _do(action, done: str) -> None:
    try:
        action()
    except (MessageError, AccessDenied) as e:
        st.error(str(e))
    else:
        web.notify("success", done)
        st.rerun()
