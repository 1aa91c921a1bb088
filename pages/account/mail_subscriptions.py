"""«Уведомления на почту» (every account of a school): the address, confirmed by a letter first;
then, for each child (a pupil: for themself), which news come by e-mail — new marks, homework,
absences — and for the account announcements, messages (staff: correction requests), each at
once or in the evening digest. services/comms/mail.py decides and keeps it."""
from __future__ import annotations

import streamlit as st

from services.comms import mail
from services.core.policy import AccessDenied
from services.rules import mail as rules
from ui import web

KEY = "mailsubs"
OFF = "off"
CHOICES = {OFF: "не присылать", "now": "сразу", "digest": "вечером"}


def render(actor, school_id: int) -> None:
    st.title("Уведомления на почту")
    try:
        mine = mail.my_mail(actor, school_id)
    except AccessDenied as e:
        st.error(web.md(e))
        return
    if not mine.server_ready:
        st.info("Школа ещё не настроила отправку почты: выбор сохранится, письма пойдут, когда администратор "
                "настроит почтовый сервер.")
    st.subheader("Адрес")
    if mine.email and mine.confirmed:
        st.success(web.md(f"Адрес {mine.email} подтверждён."), icon=":material/verified:")
    elif mine.email and mine.waiting:
        st.warning(web.md(f"На {mine.email} отправлено письмо со ссылкой: откройте её, чтобы подтвердить адрес. "
                          "До подтверждения писем о детях не будет."), icon=":material/schedule_send:")
    elif mine.email:
        st.warning(web.md(f"Адрес {mine.email} не подтверждён: отправьте письмо для подтверждения ещё раз."))
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    email = left.text_input("Адрес электронной почты", value=mine.email, key=f"{KEY}_email",
                            placeholder="имя@mail.ru")
    if right.button("Отправить письмо для подтверждения", key=f"{KEY}_confirm", disabled=not mine.server_ready):
        try:
            web.notify("success", mail.request_confirmation(actor, school_id, email))
        except (AccessDenied, mail.MailError) as e:
            st.error(web.md(e))
        else:
            st.rerun()

    st.subheader("Что присылать")
    st.caption(f"«Вечером» — одно письмо за день в {mine.digest_time} со всем, что накопилось. В каждом письме "
               "есть ссылка, чтобы отписаться.")
    chosen: dict[tuple[int | None, str], str | None] = {}
    with st.form(f"{KEY}_form"):
        for child in mine.children:
            st.markdown(f"**{web.md(child.name)}**")
            cols = st.columns(len(rules.CHILD_KINDS))
            for col, kind in zip(cols, rules.CHILD_KINDS):
                now = mine.chosen.get((child.student_id, kind), OFF)
                value = col.radio(rules.KINDS[kind], list(CHOICES), format_func=CHOICES.get,
                                  index=list(CHOICES).index(now), key=f"{KEY}_{child.student_id}_{kind}")
                chosen[(child.student_id, kind)] = None if value == OFF else value
        st.markdown("**Для учётной записи**")
        cols = st.columns(len(mine.account_kinds))
        for col, kind in zip(cols, mine.account_kinds):
            now = mine.chosen.get((None, kind), OFF)
            value = col.radio(rules.KINDS[kind], list(CHOICES), format_func=CHOICES.get,
                              index=list(CHOICES).index(now), key=f"{KEY}_account_{kind}")
            chosen[(None, kind)] = None if value == OFF else value
        saved = st.form_submit_button("Сохранить", type="primary")
    if saved:
        try:
            count = mail.save_subscriptions(actor, school_id, chosen)
        except (AccessDenied, mail.MailError) as e:
            st.error(web.md(e))
        else:
            tail = "" if mine.confirmed else " Письма пойдут после подтверждения адреса."
            web.notify("success", f"Сохранено: видов уведомлений — {count}.{tail}")
            st.rerun()
