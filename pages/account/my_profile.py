"""«Мой профиль»: who I am and my roles, the password change, linking sign-in through ЕСИА.

With a password that was issued (a first sign-in or a reset) this is the only page, and it
shows only the password change until the password is changed."""
import streamlit as st

from services.core.auth import SignInError
from ui import web

actor, _ = web.page_start("profile.edit", "self")


def password_form(first: bool) -> None:
    with st.form("profile_password"):
        old = st.text_input("Выданный пароль" if first else "Текущий пароль", type="password",
                            key="profile_old", autocomplete="current-password")
        new = st.text_input("Новый пароль", type="password", key="profile_new", autocomplete="new-password")
        repeat = st.text_input("Повторите новый пароль", type="password", key="profile_repeat",
                               autocomplete="new-password")
        st.caption("Не короче 8 символов, буквы и цифры, не совпадает с логином. "
                   "После смены пароля войдите заново.")
        submitted = st.form_submit_button("Сменить пароль", type="primary")
    if submitted:
        try:
            web.change_password(actor, old, new, repeat)
        except SignInError as e:
            st.error(str(e))


if actor.must_change_password:
    st.title("Смена пароля")
    st.info("Вы вошли с выданным паролем. Придумайте свой пароль, чтобы продолжить работу.")
    password_form(first=True)
    st.stop()

me = web.profile(actor)
st.title("Мой профиль")
st.markdown(f"**{web.md(me.name)}**")
st.text(f"Логин: {me.login}" + (f" · E-mail: {me.email}" if me.email else ""))

st.subheader("Роли")
st.markdown("\n".join(f"- **{web.md(role)}**" + "".join(f", {web.md(part)}" for part in (school, scope) if part)
                      for role, school, scope in me.roles) or "Ролей нет.")

if web.oidc_configured():
    st.subheader("Вход через ЕСИА")
    if me.oidc_linked_at:
        st.success(f"Вход через ЕСИА привязан {web.local_time(me.oidc_linked_at)}.")
    else:
        st.caption("Привяжите учётную запись ЕСИА, чтобы входить в портал без пароля.")
        if st.button("Привязать вход через ЕСИА", key="profile_link_esia", icon=":material/link:"):
            web.oidc_link(actor)

st.subheader("Смена пароля")
password_form(first=False)
