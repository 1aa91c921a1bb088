"""Shared pieces of the report screens: the two download buttons.

A file is made when its button is clicked (Streamlit's deferred download: `data` is a
callable), so the export of personal data is audited exactly when somebody takes the file,
and nothing is kept in the session but ids (DESIGN.md decision 7)."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from services.reports_export import ReportFile


def downloads(make: Callable[[str], ReportFile], key: str, *, name_stem: str) -> None:
    """«Скачать PDF» and «Скачать XLSX» side by side; `make(fmt)` builds the file."""
    left, right, _ = st.columns([1, 1, 3])
    with left:
        st.download_button("Скачать PDF", data=lambda: make("pdf").data, file_name=f"{name_stem}.pdf",
                           mime="application/pdf", key=f"{key}_pdf", on_click="ignore",
                           icon=":material/picture_as_pdf:")
    with right:
        st.download_button("Скачать XLSX", data=lambda: make("xlsx").data, file_name=f"{name_stem}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key=f"{key}_xlsx", on_click="ignore", icon=":material/table_view:")


def ready_download(file: ReportFile, key: str, label: str = "Скачать") -> None:
    """A download of a file already made (after a long run with a progress bar)."""
    st.download_button(f"{label} ({len(file.data) // 1024 + 1} КБ)", data=file.data, file_name=file.name,
                       mime=file.mime, key=key, on_click="ignore", type="primary")
