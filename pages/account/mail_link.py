"""The links of the portal's letters, opened without signing in (app.py routes here when the
address carries ?confirm=… or ?unsubscribe=…): confirming the address for notifications, and
unsubscribing — the page says what stops and asks once, so that a mail scanner that follows
links does not unsubscribe anybody."""
from __future__ import annotations

import streamlit as st

from services.comms import mail
from ui import web

st.title("Уведомления на почту")
confirm_token = st.query_params.get("confirm")
unsubscribe_token = st.query_params.get("unsubscribe")
if confirm_token:
    try:
        st.success(web.md(mail.confirm(confirm_token)), icon=":material/verified:")
    except mail.MailError as e:
        st.error(web.md(e))
    st.caption("Что именно присылать, выбирается на портале: «Учётная запись» → «Уведомления на почту».")
elif unsubscribe_token:
    done = st.session_state.get("mail_link_done")
    if done:
        st.success(web.md(f"Готово: {done.what} больше не будут приходить на {done.email}."),
                   icon=":material/unsubscribe:")
        st.caption("Снова включить письма можно на портале: «Учётная запись» → «Уведомления на почту».")
    else:
        try:
            plan = mail.unsubscribe(unsubscribe_token, dry_run=True)
        except mail.MailError as e:
            st.error(web.md(e))
        else:
            st.markdown(web.md(f"Отписать адрес {plan.email}: {plan.what} больше не будут приходить."))
            if st.button("Отписаться", type="primary"):
                try:
                    st.session_state["mail_link_done"] = mail.unsubscribe(unsubscribe_token)
                except mail.MailError as e:
                    st.error(web.md(e))
                else:
                    st.rerun()
else:
    st.info("Ссылка неполная: откройте её из письма целиком.")
