"""«Состояние системы» (administrator; regulation 4.2): the database and its size, the last backup
and its age (flagged past 26 hours), the schema version, the errors of the last day; a button
makes a backup now and offers it for download where the installation is this one school."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from services.core import backup, health, policy
from services.core.actor import Actor
from services.core.backup import BackupError
from services.core.policy import AccessDenied
from ui import web

KEY = "health"


def render(actor: Actor, school_id: int) -> None:
    st.title("Состояние системы")
    try:
        h = health.status(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    c = st.columns(4)
    c[0].metric("База данных", health.human_size(h.size_bytes), h.database, delta_color="off", delta_arrow="off")
    c[1].metric("Последняя резервная копия", health.human_age(h.backup_age) if h.last_backup_at else "нет",
                web.local_time(h.last_backup_at, web.school_timezone(school_id), empty="копий нет"),
                delta_color="inverse" if h.backup_stale else "normal", delta_arrow="off")
    c[2].metric("Ошибок за сутки", h.errors_last_day)
    c[3].metric("Схема базы", "актуальна" if h.schema_current else "устарела", delta_arrow="off",
                delta=None if h.schema_current else "нужен init-db", delta_color="inverse")
    st.caption(f"Версия схемы: {h.schema_version or '—'}" + ("" if h.schema_current else f" (последняя: {h.schema_head})"))
    if h.backup_stale:
        st.error("Резервной копии нет больше 26 часов. Сделайте копию кнопкой ниже и проверьте ночное "
                 "расписание (`manage.py backup`, см. README)." if h.last_backup_at else
                 "Резервных копий ещё нет. Сделайте копию кнопкой ниже и настройте ночное расписание "
                 "(`manage.py backup`, см. README).")
    else:
        st.success(f"Резервная копия свежая: {Path(h.last_backup_path).name}.")
    if not h.schema_current:
        st.warning("Схема базы данных не последней версии: выполните `manage.py init-db`.")
    st.subheader("Ошибки за последние сутки")
    if h.recent_errors:
        frame = pd.DataFrame([{"Время": f"{e.at:%d.%m.%Y %H:%M}", "Где": e.where, "Что": e.detail}
                              for e in h.recent_errors])
        st.dataframe(frame, placeholder="", hide_index=True, width="stretch", key=f"{KEY}_errors")
        web.table_downloads(lambda: frame, stem="Ошибки за сутки", sheet="Ошибки", key=f"{KEY}_errors_dl")
    else:
        st.caption("Ошибок не было.")
    st.caption(f"Проверено {web.local_time(h.checked_at, web.school_timezone(school_id))}.")
    if policy.can_ever(actor, "backup.run"):
        _backup(actor, school_id)


def _backup(actor: Actor, school_id: int) -> None:
    st.subheader("Резервная копия")
    st.caption("Копия всей базы: SQLite — онлайн-копированием, PostgreSQL — pg_dump; хранятся последние "
               f"{backup.DEFAULT_KEEP} копий в папке {backup.default_dir()}.")
    if backup.encrypted_at_rest():
        st.caption("Копии и архивы учебных лет шифруются (AES-256-GCM) ключом из настроек сервера "
                   "(PORTAL_BACKUP_KEY); восстановление спросит этот ключ.")
    else:
        st.warning("Шифрование копий выключено: ключ PORTAL_BACKUP_KEY не задан (п. 5.15, см. README).")
    if not st.button("Сделать резервную копию", type="primary", key=f"{KEY}_backup"):
        return
    with st.spinner("Копирование базы…"):
        try:
            info, downloadable = backup.backup_now(actor, school_id)
        except (BackupError, AccessDenied, OSError) as e:
            health.record_error("backup", e, actor=actor, school_id=school_id)
            st.error(f"Копия не сделана: {e}")
            return
    st.success(f"Копия сделана: {info.path.name}, {health.human_size(info.size)}, строк "
               f"{sum(info.tables.values())}" + (", зашифрована." if info.encrypted else "."))
    if downloadable:
        st.download_button("Скачать копию", info.path.read_bytes(), file_name=info.path.name,
                           mime="application/octet-stream", on_click="ignore", icon=":material/download:",
                           key=f"{KEY}_backup_dl")
    else:
        st.info("В этой установке несколько школ: копия содержит данные всех и остаётся на сервере.")
