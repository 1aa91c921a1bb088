"""«Отчёт классного руководителя»: progress and attendance of each pupil of the class for a
span (5.3) — the weighted averages by subject on screen, a page per pupil for the parents."""
from __future__ import annotations

from pages.reports import weekly as reports_weekly


def render(actor, school_id: int) -> None:
    reports_weekly.render(actor, school_id, kind="class_report")
