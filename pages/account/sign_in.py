"""«Вход»: login and password; «Войти через ЕСИА» when the provider is configured.

The one page that nobody needs a role for: app.py shows it (under every address) while nobody
is signed in."""
import streamlit as st

from services.core.auth import SignInError
from ui import web

web.ensure_routed()
st.title("Школьный портал")
st.caption("Электронный журнал и дневник")
web.show_notice()

with st.form("sign_in"):
    login = st.text_input("Логин", key="sign_in_login", autocomplete="username")
    password = st.text_input("Пароль", type="password", key="sign_in_password", autocomplete="current-password")
    submitted = st.form_submit_button("Войти", type="primary", width="stretch")

if submitted:
    if not login.strip() or not password:
        st.error("Введите логин и пароль.")
    else:
        try:
            web.sign_in(login, password)
        except SignInError as e:
            st.error(str(e))
        else:
            web.after_sign_in()

if web.oidc_configured():
    st.caption("или")
    if st.button("Войти через ЕСИА", key="sign_in_esia", icon=":material/account_balance:", width="stretch"):
        web.oidc_sign_in()

st.caption("Забыли пароль? Новый выдаст администратор школы, ученикам и родителям — классный руководитель.")
