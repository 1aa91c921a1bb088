"""«Почта и уведомления» (the administrator): the school's SMTP server (host, port, encryption,
login, password — kept sealed and never shown back, the sender's address), the address letters
link to, the time of the evening digest; a test letter with its result beside the button; the
outbox: how many letters in each state, the newest ones and the last errors."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.comms import mail
from services.core.policy import AccessDenied
from services.rules import mail as rules
from ui import web

KEY = "mailcfg"


def render(actor, school_id: int) -> None:
    st.title("Почта и уведомления")
    try:
        cfg = mail.settings(actor, school_id)
    except AccessDenied as e:
        st.error(web.md(e))
        return
    st.caption("Через этот сервер портал отправляет письма: подтверждение адреса, новые отметки, домашние "
               "задания, пропуски, объявления и сообщения — тем, кто подтвердил адрес и выбрал их на странице "
               "«Уведомления на почту». Письма уходят раз в минуту (manage.py mail), вечерние — в указанное время.")
    tz = web.school_timezone(school_id)
    with st.form(f"{KEY}_form"):
        left, right = st.columns([3, 1])
        host = left.text_input("Сервер SMTP", value=cfg.host, placeholder="smtp.yandex.ru")
        port = right.text_input("Порт", value=str(cfg.port))
        security = st.radio("Шифрование", list(rules.SECURITY), format_func=rules.SECURITY.get,
                            index=list(rules.SECURITY).index(cfg.security), horizontal=True)
        left, right = st.columns(2)
        login = left.text_input("Логин", value=cfg.login, placeholder="noreply@school.ru")
        password = right.text_input(
            "Пароль", type="password", value="",
            placeholder="задан — оставьте пустым, чтобы не менять" if cfg.password_set else "не задан")
        clear = st.checkbox("Удалить сохранённый пароль", value=False) if cfg.password_set else False
        left, right = st.columns(2)
        sender = left.text_input("Адрес отправителя", value=cfg.sender, placeholder="noreply@school.ru")
        digest_time = right.text_input("Время вечернего письма", value=cfg.digest_time,
                                       help="Одно письмо за день тем, кто выбрал «вечером»; по времени школы.")
        portal_url = st.text_input("Адрес портала (для ссылок в письмах)", value=cfg.portal_url,
                                   placeholder="https://school.example.ru")
        saved = st.form_submit_button("Сохранить", type="primary")
    if saved:
        try:
            mail.save_settings(actor, school_id, host=host, port=port, security=security, login=login,
                               password=password or None, clear_password=clear, sender=sender,
                               portal_url=portal_url, digest_time=digest_time)
        except (AccessDenied, mail.MailError) as e:
            st.error(web.md(e))
        else:
            web.notify("success", "Настройки почты сохранены.")
            st.rerun()
    status = "пароль задан" if cfg.password_set else "пароль не задан"
    st.caption(f"Пароль хранится зашифрованным и на экран не выводится ({status}). "
               f"Изменено: {web.local_time(cfg.updated_at, tz)}.")

    st.subheader("Пробное письмо")
    left, middle, right = st.columns([2, 1.6, 3], vertical_alignment="bottom")
    to = left.text_input("Кому", value=web.profile(actor).email, key=f"{KEY}_to",
                         placeholder="адрес@school.ru")
    if middle.button("Отправить пробное письмо", key=f"{KEY}_test", disabled=not cfg.configured):
        try:
            st.session_state[f"{KEY}_result"] = ("ok", mail.send_test(actor, school_id, to))
        except (AccessDenied, mail.MailError) as e:
            st.session_state[f"{KEY}_result"] = ("error", str(e))
    result = st.session_state.get(f"{KEY}_result")
    with right:
        if not cfg.configured:
            st.info("Сначала сохраните сервер и адрес отправителя.")
        elif result and result[0] == "ok":
            st.success(web.md(result[1]), icon=":material/mark_email_read:")
        elif result:
            st.error(web.md(result[1]), icon=":material/error:")

    summary = mail.outbox_summary(actor, school_id)
    st.subheader("Очередь писем")
    if not summary.counts:
        st.caption("Писем ещё не было.")
        return
    st.caption(" · ".join(f"{state}: {count}" for state, count in sorted(summary.counts.items())))
    if summary.errors:
        st.markdown("**Последние ошибки отправки** (письмо повторяется через 1, 5, 15, 30 минут, затем реже; "
                    f"после {rules.MAX_ATTEMPTS} попыток — «не отправлено»)")
        st.dataframe(_frame(summary.errors, tz), hide_index=True, width="stretch", placeholder="")
    st.markdown("**Последние письма**")
    st.dataframe(_frame(summary.recent, tz), hide_index=True, width="stretch", placeholder="")


def _frame(rows, tz) -> pd.DataFrame:
    return pd.DataFrame([{"Создано": web.local_time(r.created_at, tz, ""), "Кому": r.to, "Вид": r.kind,
                          "Состояние": r.state, "Попыток": r.attempts, "Отправлено": web.local_time(r.sent_at, tz, ""),
                          "Ошибка": r.last_error} for r in rows],
                        columns=["Создано", "Кому", "Вид", "Состояние", "Попыток", "Отправлено", "Ошибка"])
