"""«Архив учебного года»: the administrator makes the year's archive of the journals (5.13) —
every class and subject as PDF and XLSX, the attestation summaries and a SHA-256 manifest in
one zip (the same as `manage.py archive-year`), with a progress bar, then downloads it."""
from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from services.core import clock, config
from services.core.policy import AccessDenied
from services.reports import archive
from services.reports.common import ReportError, year_title
from ui import web

KEY = "archive"


def render(actor, school_id: int) -> None:
    st.title("Архив учебного года")
    st.caption("Журналы всех классов и предметов (PDF и XLSX), сводные ведомости и опись с контрольными суммами "
               "SHA-256 — в одном zip-файле, который читается без портала.")
    try:
        years = dict(archive.years(actor, school_id))
    except AccessDenied as e:
        st.error(str(e))
        return
    if not years:
        st.info("У школы нет учебных лет.")
        return
    _saved(actor, school_id)
    current = clock.school_year_of(clock.today())
    choices = list(years)
    start_year = st.selectbox("Учебный год", choices, index=choices.index(current) if current in choices else 0,
                              format_func=lambda y: year_title(y) + (" (закрыт)" if years[y] else ""),
                              key=f"{KEY}_year")
    if not st.button("Сформировать архив", key=f"{KEY}_run", type="primary"):
        return
    bar = st.progress(0.0, text="Начинаю…")
    try:
        result = archive.build(actor, school_id, start_year, config.get("PORTAL_ARCHIVE_DIR"),
                               progress=lambda d, t, text: bar.progress(d / t, text=f"{d} из {t}: {text}"))
    except (ReportError, AccessDenied) as e:
        bar.empty()
        st.error(str(e))
        return
    bar.progress(1.0, text="Готово")
    st.success(f"Архив сформирован: журналов {result.journals}, файлов {result.files}, "
               f"{result.bytes / 1024 / 1024:.1f} МБ. SHA-256: {result.sha256}")
    if result.path.name.endswith(".enc"):
        st.caption("Архив зашифрован ключом из настроек сервера (п. 5.15): откройте его командой "
                   "`manage.py decrypt ФАЙЛ` с этим ключом.")
    st.download_button("Скачать архив", data=result.path.read_bytes(), file_name=result.path.name,
                       mime="application/octet-stream" if result.path.name.endswith(".enc") else "application/zip", key=f"{KEY}_download", on_click="ignore")


def _saved(actor, school_id: int) -> None:
    """The archives made before (here, by `manage.py archive-year`, or when a year was closed)."""
    files = archive.saved(actor, school_id)
    if not files:
        return
    st.subheader("Сформированные архивы")
    for path in files:
        left, right = st.columns([3, 1], vertical_alignment="center")
        made = clock.to_local(datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc))
        left.markdown(f"{web.md(path.name)} — {path.stat().st_size / 1024 / 1024:.1f} МБ, {made:%d.%m.%Y %H:%M}"
                      + (" (зашифрован)" if path.name.endswith(".enc") else ""))
        right.download_button("Скачать", data=path.read_bytes, file_name=path.name,
                              mime="application/octet-stream" if path.name.endswith(".enc") else "application/zip",
                              key=f"{KEY}_saved_{path.name}", on_click="ignore")
    st.divider()
