"""Turning a computed report into a file: PDF or XLSX, its file name, and the audit event of
the export of personal data (DESIGN.md decision 5) written as the file is made.

Consent (R-SAFE-1): these documents are the school's own — printed, signed and archived, or
handed to the pupil's own parents — so a withdrawn consent does not remove anybody from them.
Only an export marked as going to third parties (the attestation summary, when it is sent
outside the school, e.g. to the education authority) leaves out the pupils whose guardians
withdrew consent; the summary was computed that way (`third_party=True`) and the event says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from services.core.actor import Actor
from services.reports.attestation import AttestationSummary
from services.reports.changes import ChangesReport
from services.reports.common import ReportError, record_export, year_title
from services.reports.sheets import SheetsReport

MIME = {"pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class ReportFile:
    name: str
    data: bytes
    mime: str


def safe_name(text: str) -> str:
    """A file name every system accepts: letters (Cyrillic too), digits, spaces, - _ . ( )."""
    cleaned = re.sub(r"[^\w\s().-]", " ", text, flags=re.UNICODE)
    return re.sub(r"\s+", " ", cleaned).strip()[:120] or "отчёт"


def _check(fmt: str) -> None:
    if fmt not in MIME:
        raise ReportError(f"Неизвестный формат «{fmt}»: можно pdf или xlsx.")


def attestation_file(actor: Actor, summary: AttestationSummary, fmt: str) -> ReportFile:
    _check(fmt)
    from exporters import pdf_attestation, xlsx_attestation
    data = pdf_attestation.summary_pdf(summary) if fmt == "pdf" else xlsx_attestation.summary_xlsx(summary)
    record_export(actor, summary.school.id, "сводная ведомость аттестации", fmt,
                  pupils=summary.pupils, scope=f"{summary.scope_title}, {summary.column_title}, "
                                                f"{year_title(summary.start_year)}",
                  third_party=summary.third_party, withheld=summary.withheld)
    name = safe_name(f"Сводная ведомость {summary.scope_title} {summary.column_title} "
                     f"{year_title(summary.start_year).replace('/', '-')}")
    return ReportFile(f"{name}.{fmt}", data, MIME[fmt])


def sheets_file(actor: Actor, report: SheetsReport, fmt: str, progress=None) -> ReportFile:
    """progress(done, total, text): after each pupil's page of a PDF."""
    _check(fmt)
    from exporters import pdf_sheets, xlsx_sheets
    data = pdf_sheets.sheets_pdf(report, progress) if fmt == "pdf" else xlsx_sheets.sheets_xlsx(report)
    what = "отчёт классного руководителя" if report.kind == "class_report" else "сводная ведомость ученика"
    record_export(actor, report.school.id, what, fmt, pupils=len({s.student_id for s in report.sheets}),
                  scope=f"{report.scope_title}, {report.span}")
    prefix = "Отчёт об успеваемости" if report.kind == "class_report" else "Ведомость ученика"
    name = safe_name(f"{prefix} {report.scope_title} {report.date_from:%d.%m.%Y}-{report.date_to:%d.%m.%Y}")
    return ReportFile(f"{name}.{fmt}", data, MIME[fmt])


def changes_file(actor: Actor, report: ChangesReport, fmt: str) -> ReportFile:
    _check(fmt)
    from exporters import pdf_changes, xlsx_changes
    data = pdf_changes.changes_pdf(report) if fmt == "pdf" else xlsx_changes.changes_xlsx(report)
    record_export(actor, report.school.id, "отчёт об изменении отметок", fmt, pupils=report.pupils,
                  scope=report.filters)
    name = safe_name(f"Изменения отметок {year_title(report.start_year).replace('/', '-')}")
    return ReportFile(f"{name}.{fmt}", data, MIME[fmt])
