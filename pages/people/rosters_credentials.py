"""«Выдача реквизитов»: the class teacher hands logins and one-time passwords to the class's pupils
and guardians, the administrator to staff (and to any class); slips to cut out (PDF) are made in
the same click and the passwords are never shown again. Overdue hand-overs (10 working days after
arrival) are flagged; the ledger of issued credentials prints with a signature column;
activation (first sign-in) is shown per account and, for the administrator, per group."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from exporters import credentials as credentials_pdf
from services.core import clock, policy
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.people import credentials, rosters
from services.people.credentials import Account, CredentialsError
from ui import web

KEY = "cred"
CLASS, STAFF = "class", "staff"


def _dt(moment: datetime | None) -> str:
    return clock.to_local(moment).strftime("%d.%m.%Y") if moment else ""


def render(actor: Actor, school_id: int) -> None:
    st.title("Выдача реквизитов")
    classes = rosters.classes_for(actor, school_id, "credentials.issue_pupil")
    scopes = {CLASS: "Ученики и родители класса"} if classes else {}
    if policy.can_ever(actor, "credentials.issue_staff"):
        scopes[STAFF] = "Сотрудники"
    if not scopes:
        st.info("Нет классов, которым вы выдаёте реквизиты.")
        return
    scope = st.segmented_control("Кому", list(scopes), format_func=scopes.get, default=next(iter(scopes)),
                                 key=f"{KEY}_scope") or next(iter(scopes))
    try:
        if scope == CLASS:
            _school_overdue(actor, school_id)
            class_id = st.selectbox("Класс", list(classes), format_func=classes.get, key=f"{KEY}_class")
            _overdue(actor, school_id, class_id)
            accounts = credentials.class_accounts(actor, class_id)
            stem = f"класс {classes[class_id]}"
        else:
            class_id = None
            accounts = credentials.staff_accounts(actor, school_id)
            stem = "сотрудники"
        tab_issue, tab_ledger = st.tabs(["Выдать", "Журнал выдачи"])
        with tab_issue:
            _issue(actor, school_id, accounts, stem, scope)
        with tab_ledger:
            _ledger(actor, school_id, class_id, stem)
        if scope == STAFF:
            _activation(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))


def _school_overdue(actor: Actor, school_id: int) -> None:
    by_class = credentials.overdue_by_class(actor, school_id)
    if by_class:
        st.warning(f"По школе просрочена выдача реквизитов: {sum(by_class.values())} уч. — "
                   + ", ".join(f"{web.md(name)}: {n}" for name, n in sorted(by_class.items(), key=lambda x: (len(x[0]), x[0]))))


def _overdue(actor: Actor, school_id: int, class_id: int) -> None:
    waiting = credentials.pending(actor, school_id, class_id)
    late = [p for p in waiting if p.overdue]
    if late:
        st.error(f"Просрочена выдача реквизитов: {len(late)} (срок — 10 рабочих дней после прибытия).")
    elif waiting:
        st.warning(f"Ждут выдачи реквизитов: {len(waiting)}.")
    if waiting:
        st.dataframe(pd.DataFrame([{"Ученик": p.name, "Прибыл(а)": f"{p.arrived_on:%d.%m.%Y}",
                                    "Срок выдачи": clock.to_local(p.due).strftime("%d.%m.%Y"),
                                    "Не выданы": ", ".join(p.missing),
                                    "Просрочено, раб. дней": p.working_days_late if p.overdue else 0}
                                   for p in waiting]), placeholder="", hide_index=True, width="stretch", key=f"{KEY}_pending")


def _issue(actor: Actor, school_id: int, accounts: list[Account], stem: str, scope: str) -> None:
    if not accounts:
        st.info("Учётных записей нет: ученики и родители появляются после загрузки из Excel.")
        return
    frame = pd.DataFrame([{"Выдать": a.issues == 0, "ФИО": a.name,
                           "Кто": credentials.ROLE_TITLES[a.kind] if scope == CLASS else a.class_name,
                           "Ученик": a.for_pupil, "Логин": a.login, "Выдано": _dt(a.last_issued_at),
                           "Выдач": a.issues, "Первый вход": _dt(a.activated_at) or "не входил(а)"}
                          for a in accounts], index=[a.user_id for a in accounts])
    if scope == STAFF:
        frame = frame.drop(columns=["Ученик"]).rename(columns={"Кто": "Должность"})
    never = int((frame["Выдач"] == 0).sum())
    activated = sum(1 for a in accounts if a.activated_at)
    st.caption(f"Учётных записей: {len(accounts)}; реквизиты не выдавались: {never}; вошли хотя бы раз: "
               f"{activated}. Отмечены те, кому реквизиты ещё не выдавались; повторная выдача меняет пароль.")
    version = st.session_state.get(f"{KEY}_v", 0)
    edited = st.data_editor(frame, placeholder="", hide_index=True, num_rows="fixed", width="stretch",
                            disabled=[c for c in frame.columns if c != "Выдать"],
                            column_config={"Выдать": st.column_config.CheckboxColumn("Выдать", width="small")},
                            key=f"{KEY}_grid_{stem}_{version}")
    chosen = [int(uid) for uid in edited.index[edited["Выдать"].fillna(False).astype(bool)]]
    if not st.button(f"Выдать реквизиты ({len(chosen)})", type="primary", disabled=not chosen, key=f"{KEY}_go"):
        return
    bar = st.progress(0.0, text="Создание паролей…")
    try:
        slips = credentials.issue(actor, school_id, chosen,
                                  progress=lambda done, total: bar.progress(done / total,
                                                                            text=f"Пароли: {done} из {total}"))
    except (CredentialsError, AccessDenied) as e:
        bar.empty()
        st.error(f"Реквизиты не выданы. {e}")
        return
    bar.empty()
    st.session_state[f"{KEY}_v"] = version + 1
    pdf = credentials_pdf.slips_pdf(slips, school=credentials.school_name(school_id))
    st.success(f"Реквизиты выданы: {len(slips)}. Пароли показаны только в этом листе — скачайте и распечатайте "
               "его сейчас; при утере пароля выдайте реквизиты повторно.")
    st.download_button("Скачать листы с реквизитами (PDF)", pdf, file_name=f"Реквизиты {stem} {clock.today():%d.%m.%Y}.pdf",
                       mime="application/pdf", on_click="ignore", icon=":material/print:", key=f"{KEY}_slips")
    st.button("Готово", key=f"{KEY}_done")


def _ledger(actor: Actor, school_id: int, class_id: int | None, stem: str) -> None:
    today = clock.today()
    picked = st.date_input("Период", value=(date(clock.school_year_of(today), 9, 1), today), format="DD.MM.YYYY",
                           key=f"{KEY}_span")
    if not isinstance(picked, (list, tuple)) or len(picked) != 2:
        st.info("Выберите дату начала и дату конца.")
        return
    rows = credentials.ledger(actor, school_id, class_id=class_id, date_from=picked[0], date_to=picked[1])
    if class_id is None:
        stem = "вся школа"  # the administrator's ledger: staff, pupils and guardians alike
    frame = pd.DataFrame([{"№": r.number, "Дата и время": f"{r.issued_at:%d.%m.%Y %H:%M}", "Кому выдано": r.recipient,
                           "Логин": r.login, "Роль": r.role_title, "Класс": r.class_name, "Вид": r.kind_title,
                           "Кто выдал": r.issued_by} for r in rows],
                         columns=["№", "Дата и время", "Кому выдано", "Логин", "Роль", "Класс", "Вид", "Кто выдал"])
    if frame.empty:
        st.info("За этот период реквизиты не выдавались.")
        return
    st.dataframe(frame, placeholder="", hide_index=True, width="stretch", key=f"{KEY}_ledger")
    period = f"{picked[0]:%d.%m.%Y}–{picked[1]:%d.%m.%Y}"
    st.download_button("Скачать журнал для подписей (PDF)",
                       lambda: credentials_pdf.ledger_pdf(rows, school=credentials.school_name(school_id),
                                                          scope=stem.capitalize(), period=period),
                       file_name=f"Журнал выдачи реквизитов {stem}.pdf", mime="application/pdf", on_click="ignore",
                       icon=":material/print:", key=f"{KEY}_ledger_pdf")
    web.table_downloads(lambda: frame, stem=f"Журнал выдачи реквизитов {stem}", sheet="Журнал выдачи",
                        key=f"{KEY}_ledger_dl")


def _activation(actor: Actor, school_id: int) -> None:
    st.subheader("Активация учётных записей")
    rows = credentials.activation(actor, school_id)
    st.dataframe(pd.DataFrame([{"Группа": r.group, "Учётных записей": r.accounts, "Реквизиты выданы": r.issued,
                                "Вошли хотя бы раз": r.activated,
                                "Доля вошедших": f"{r.activated / r.accounts:.0%}" if r.accounts else "—"}
                               for r in rows]), placeholder="", hide_index=True, key=f"{KEY}_activation")
