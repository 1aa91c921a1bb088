"""Shared pieces of the report screens: the two download buttons.

A file is made when its button is clicked (Streamlit's deferred download: `data` is a
callable), so the export of personal data is audited exactly when somebody takes the file,
and nothing is kept in the session but ids (DESIGN.md decision 7)."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from services.reports.export import ReportFile


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


def paper_journal(actor, class_id: int, *, subject_id: int | None = None, subgroup_id: int | None = None,
                  period_id: int | None = None, period_name: str = "", stem: str = "", key: str) -> None:
    """The paper journal on demand (services/journal/paper_journal.py): «за период» and «за год» PDF
    buttons for one class and subject, or (subject_id None) the whole class; shown to whoever the
    policy lets print it, the file made when a button is pressed."""
    from services.journal import paper_journal as pj
    if not pj.may_print(actor, class_id, subject_id):
        return

    def make(period: int | None) -> bytes:
        if subject_id is None:
            return pj.class_pdf(actor, class_id, period_id=period).data
        return pj.subject_pdf(actor, class_id, subject_id, subgroup_id=subgroup_id, period_id=period).data

    what = "класса (все предметы)" if subject_id is None else ""
    cols = st.columns([1, 1, 2]) if period_id is not None else st.columns([1, 3])
    n = 0
    if period_id is not None:
        cols[0].download_button(f"Журнал {what} в PDF: {period_name}".replace("  ", " "), data=lambda: make(period_id),
                                file_name=f"Журнал {stem} {period_name}.pdf".replace("  ", " "), mime="application/pdf", key=f"{key}_period",
                                on_click="ignore", icon=":material/picture_as_pdf:",
                                help="Как бумажный журнал: страница отметок и страница тем уроков")
        n = 1
    cols[n].download_button(f"Журнал {what} в PDF за год".replace("  ", " "), data=lambda: make(None),
                            file_name=f"Журнал {stem} за год.pdf".replace("  ", " "), mime="application/pdf", key=f"{key}_year",
                            on_click="ignore", icon=":material/picture_as_pdf:",
                            help="Как бумажный журнал: за каждый период страница отметок и страница тем уроков")
