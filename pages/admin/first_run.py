"""«Первый запуск»: a real installation with no account yet. Creates the first administrator (the
password is typed here, never printed anywhere), the municipality and the school, then signs the
administrator in. app.py shows this page (under every address) only while the database has no
account at all; services/setup/first_run.py refuses once there is one."""
import streamlit as st

from services.core.auth import SignInError
from services.setup import first_run
from ui import web

web.ensure_routed()
st.title("Первый запуск портала")
st.caption("В базе ещё нет ни одной учётной записи. Создайте администратора и школу — остальное "
           "(учебный год, сотрудники, ученики, расписание) администратор настроит по списку «Первая неделя».")

with st.form("first_run"):
    st.subheader("Школа")
    municipality = st.text_input("Муниципалитет", key="first_run_municipality",
                                 placeholder="Городской округ Энск")
    school_name = st.text_input("Полное название школы", key="first_run_school",
                                placeholder="МБОУ «Средняя общеобразовательная школа № 1»")
    short_name = st.text_input("Краткое название", key="first_run_short", placeholder="СОШ № 1")
    st.subheader("Администратор")
    c1, c2, c3 = st.columns(3)
    last_name = c1.text_input("Фамилия", key="first_run_last")
    first_name = c2.text_input("Имя", key="first_run_first")
    middle_name = c3.text_input("Отчество", key="first_run_middle")
    c4, c5 = st.columns(2)
    login = c4.text_input("Логин", key="first_run_login", autocomplete="username",
                          help="Латинские буквы, цифры, точка, дефис, подчёркивание")
    email = c5.text_input("E-mail", key="first_run_email")
    c6, c7 = st.columns(2)
    password = c6.text_input("Пароль", type="password", key="first_run_password", autocomplete="new-password",
                             help="Не короче 8 символов, буквы и цифры")
    repeat = c7.text_input("Повтор пароля", type="password", key="first_run_repeat", autocomplete="new-password")
    submitted = st.form_submit_button("Создать администратора и школу", type="primary", width="stretch")

if submitted:
    try:
        done = first_run.create(municipality=municipality, school_name=school_name, short_name=short_name,
                                login=login, last_name=last_name, first_name=first_name, middle_name=middle_name,
                                email=email, password=password, repeat=repeat)
    except first_run.FirstRunError as e:
        st.error(str(e))
    else:
        try:
            web.sign_in(done.login, password)
        except SignInError as e:
            st.error(str(e))
        else:
            web.notify("success", "Школа создана, вы вошли как администратор. Дальше — по списку «Первая неделя».")
            st.rerun()
