"""«Сообщения»: the user's conversations and announcements with an open thread and a reply, a
new message to one of the people the rules allow (services/rules/messaging.py), and the
system's notices. Opening a thread marks it read; the count in the sidebar follows at once."""
from __future__ import annotations

import streamlit as st

from services.comms import messages, notices
from services.comms.messages import MessageError
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from services.rules.attachments import ALLOWED_TEXT, KINDS, MAX_BYTES
from ui import web

KEY = "msg"
OPEN_KEY = f"{KEY}_open"   # session state: the id of the open thread
NOTICES_SHOWN = 50
FILE_HELP = f"Один файл до {MAX_BYTES // (1024 * 1024)} МБ: {ALLOWED_TEXT}."


def _upload(file) -> Upload | None:
    return Upload(file.name, file.getvalue()) if file is not None else None


def file_input(key: str):
    """One small attachment: the browser already refuses other types and bigger files; the
    service checks again (size, type, content)."""
    return st.file_uploader("Файл", type=sorted(KINDS), max_upload_size=MAX_BYTES // (1024 * 1024),
                            help=FILE_HELP, key=key)


def render(actor, school_id: int) -> None:
    st.title("Сообщения")
    try:
        rows = messages.inbox(actor, school_id)
        unread_notices = notices.unread_count(actor)
    except AccessDenied as e:
        st.error(str(e))
        return
    talk, new, told = st.tabs(["Переписка", "Новое сообщение",
                               f"Уведомления ({unread_notices})" if unread_notices else "Уведомления"])
    with talk:
        _threads(actor, school_id, rows)
    with new:
        _new_message(actor, school_id)
    with told:
        _notices(actor, school_id)


def _threads(actor, school_id: int, rows) -> None:
    if not rows:
        st.info("Переписки пока нет. Напишите первым на вкладке «Новое сообщение».")
        return
    ids = [r.id for r in rows]
    if st.session_state.get(OPEN_KEY) not in ids:
        st.session_state[OPEN_KEY] = ids[0]
    tz = web.school_timezone(school_id)
    left, right = st.columns([2, 3], gap="large")
    with left:
        for r in rows:
            kind = "Объявление" if r.kind == "announcement" else "Переписка"
            label = f"{web.md(r.title)} — {web.md(r.with_whom)}"
            if r.unread:
                label = f"● {label} · новых: {r.unread}"
            if st.button(label, key=f"{KEY}_t{r.id}", width="stretch",
                         type="primary" if r.id == st.session_state[OPEN_KEY] else "secondary",
                         help=f"{kind}, последнее сообщение {web.local_time(r.last_at, tz)}"):
                st.session_state[OPEN_KEY] = r.id
                st.rerun()
    with right:
        _open(actor, st.session_state[OPEN_KEY], next(r for r in rows if r.id == st.session_state[OPEN_KEY]), tz)


def _open(actor, thread_id: int, row, tz) -> None:
    try:
        view = messages.open_thread(actor, thread_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    if row.unread and messages.mark_read(actor, thread_id):
        st.rerun()  # the unread count of the sidebar was drawn before: draw it again
    st.subheader(web.md(view.title))
    st.caption(("Объявление: " if view.kind == "announcement" else "Переписка с: ") + web.md(view.with_whom))
    for m in view.messages:
        with st.chat_message("user" if m.mine else "assistant",
                             avatar=":material/person:" if m.mine else ":material/account_circle:"):
            st.caption(f"{web.md(m.sender)} · {web.local_time(m.created_at, tz)}")
            if m.hidden:
                st.warning(f"{messages.HIDDEN_TEXT} Причина: {web.md(m.hidden_reason)}")
                continue
            st.markdown(web.md(m.body).replace("\n", "  \n"))
            if m.attachment_name:
                st.download_button(f"{web.md(m.attachment_name)} ({m.attachment_size // 1024 + 1} КБ)",
                                   data=lambda mid=m.id: messages.attachment_of_message(actor, mid).data,
                                   file_name=m.attachment_name, key=f"{KEY}_file{m.id}", on_click="ignore",
                                   icon=":material/attach_file:")
            if not m.mine:
                with st.popover("Пожаловаться модератору", icon=":material/flag:"):
                    with st.form(f"{KEY}_report{m.id}", clear_on_submit=True):
                        reason = st.text_input("Чем сообщение нарушает правила школы", key=f"{KEY}_reason{m.id}")
                        if st.form_submit_button("Отправить жалобу"):
                            try:
                                messages.report_message(actor, m.id, reason)
                                st.success("Жалоба отправлена модератору.")
                            except (MessageError, AccessDenied) as e:
                                st.error(str(e))
    if not view.can_reply:
        st.caption("На объявление не отвечают: чтобы спросить автора, напишите ему отдельным сообщением.")
        return
    with st.form(f"{KEY}_reply{thread_id}", clear_on_submit=True):
        body = st.text_area("Ответ", key=f"{KEY}_reply_body{thread_id}")
        file = file_input(f"{KEY}_reply_file{thread_id}")
        if st.form_submit_button("Отправить ответ", type="primary"):
            try:
                messages.reply(actor, thread_id, body, _upload(file))
            except (MessageError, AccessDenied) as e:
                st.error(str(e))
            else:
                web.notify("success", "Ответ отправлен.")
                st.rerun()


def _new_message(actor, school_id: int) -> None:
    try:
        people = messages.contacts(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    if not people:
        st.info("Вам некому написать в этой школе: родители и ученики пишут учителям своего класса, "
                "учителя — родителям и ученикам своих классов и коллегам.")
        return
    by_id = {c.user_id: c for c in people}
    st.caption("В списке только те, кому вы можете написать: родители и ученики — классному руководителю "
               "и учителям своего класса, учителя — родителям и ученикам своих классов и коллегам.")
    with st.form(f"{KEY}_new", clear_on_submit=True):
        to = st.selectbox("Кому", list(by_id), index=None, placeholder="Выберите получателя",
                          format_func=lambda u: f"{by_id[u].name} — {by_id[u].note} ({by_id[u].group.lower()})",
                          key=f"{KEY}_to")
        title = st.text_input("Тема", key=f"{KEY}_title")
        body = st.text_area("Сообщение", key=f"{KEY}_body")
        file = file_input(f"{KEY}_file")
        if st.form_submit_button("Отправить", type="primary"):
            if to is None:
                st.error("Выберите получателя в поле «Кому».")
                return
            try:
                thread_id = messages.start_thread(actor, school_id, to, title, body, _upload(file))
            except (MessageError, AccessDenied) as e:
                st.error(str(e))
            else:
                st.session_state[OPEN_KEY] = thread_id
                web.notify("success", f"Сообщение отправлено: {web.md(by_id[to].name)}.")
                st.rerun()


def _notices(actor, school_id: int) -> None:
    rows = notices.inbox(actor)
    if not rows:
        st.info("Уведомлений нет.")
        return
    tz = web.school_timezone(school_id)
    if any(not r.read for r in rows) and st.button("Отметить все прочитанными", key=f"{KEY}_notices_read",
                                                   icon=":material/done_all:"):
        notices.mark_read(actor)
        st.rerun()
    for r in rows[:NOTICES_SHOWN]:
        with st.container(border=True):
            st.caption(f"{web.local_time(r.created_at, tz)} · {r.kind_title}" + (" · новое" if not r.read else ""))
            st.markdown(("**" + web.md(r.text) + "**") if not r.read else web.md(r.text))
    if len(rows) > NOTICES_SHOWN:
        st.caption(f"Показаны последние {NOTICES_SHOWN} уведомлений из {len(rows)}.")
