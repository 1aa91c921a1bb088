"""Benchmark: the printable reports on the demo school with a full school year
(`manage.py demo --full-year`, one school).

Figures (targets in brackets; RosarioSIS, measured on this machine, makes the 27 report cards
of a class as PDF in 1.57 s):
  weekly_sheets_class      — the class teacher's weekly sheets of their class: data and one PDF, a
                             page per pupil (≤ 1.5 s)
  weekly_sheets_school     — the weekly sheets of the whole school: data and one PDF (≤ 45 s)
  attestation_xlsx_school  — the attestation summary of the whole school (annual marks, every class
                             with its totals) as XLSX (≤ 2 s)
  attestation_pdf_school   — the same summary as PDF (no target; for comparison)

The clock is set to Friday 22 May 2026, 15:00 (Moscow): the last school week is 18–22 May,
inside the fourth quarter of 2025/2026. The reports only read; the export audit events they
write as in real use go to a copy of the cached demo file, removed afterwards, so every run
starts from the same state and the cache stays as it was.

    .venv/bin/python -m bench.reports [--db FILE] [--runs 3] [--json]
"""
from __future__ import annotations

from datetime import datetime

from bench import common

TARGETS = {"weekly_sheets_class": 1.5, "weekly_sheets_school": 45.0, "attestation_xlsx_school": 2.0}
NOW = datetime(2026, 5, 22, 15, 0, tzinfo=common.clock.MOSCOW)


def _actor(login: str):
    from sqlmodel import select

    from models import User
    from models.db import reading
    from services.core import auth
    with reading() as tx:
        user_id = tx.exec(select(User.id).where(User.login == login)).one()
        return auth.load_actor(tx, user_id)


def main(argv: list[str] | None = None) -> dict:
    args = common.parse_args("Замер печатных отчётов на демо-школе с полным учебным годом.", runs=3, argv=argv,
                             db=common.default_db(1, True))
    from services.core import clock
    from services.reports import attestation as reports_attestation, export as reports_export, sheets as reports_sheets

    with common.demo_copy(args.db, schools=1, full_year=True, now=NOW, prefix="reports_"):
        ct = _actor("class_teacher")
        admin = _actor("admin")
        class_id = next(g.class_id for g in ct.grants if g.role == "class_teacher")
        school_id = admin.home_school_id
        extras: dict = {}

        def class_sheets() -> None:
            report = reports_sheets.for_class(ct, class_id)
            f = reports_export.sheets_file(ct, report, "pdf")
            extras["class"] = (len(report.sheets), report.span, len(f.data))

        def school_sheets() -> None:
            report = reports_sheets.for_school(admin, school_id)
            f = reports_export.sheets_file(admin, report, "pdf")
            extras["school"] = (len(report.sheets), report.span, len(f.data))

        def attestation(fmt: str):
            def run() -> None:
                summary = reports_attestation.summary(admin, school_id, column="annual", start_year=2025)
                f = reports_export.attestation_file(admin, summary, fmt)
                extras[f"att_{fmt}"] = (len(summary.classes), summary.pupils, len(f.data))
            return run

        common.log("weekly_sheets_class …")
        class_times = common.measure(class_sheets, args.runs)
        common.log("weekly_sheets_school …")
        school_times = common.measure(school_sheets, args.runs)
        common.log("attestation_xlsx_school …")
        xlsx_times = common.measure(attestation("xlsx"), args.runs)
        pdf_times = common.measure(attestation("pdf"), args.runs)
    figures = {
        "weekly_sheets_class": common.figure(class_times, TARGETS["weekly_sheets_class"]),
        "weekly_sheets_school": common.figure(school_times, TARGETS["weekly_sheets_school"]),
        "attestation_xlsx_school": common.figure(xlsx_times, TARGETS["attestation_xlsx_school"]),
        "attestation_pdf_school": common.figure(pdf_times, 5.0),
    }
    n, span, size = extras["class"]
    common.log(f"класс: {n} листов за {span}, PDF {size // 1024} КБ")
    n, span, size = extras["school"]
    common.log(f"школа: {n} листов за {span}, PDF {size // 1024} КБ")
    classes, pupils, size = extras["att_xlsx"]
    common.log(f"сводная ведомость: классов {classes}, учеников {pupils}, XLSX {size // 1024} КБ")
    common.report(figures, as_json=args.json)
    return figures


if __name__ == "__main__":
    main()
