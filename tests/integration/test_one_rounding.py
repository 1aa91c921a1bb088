"""Issue 18, bug 6: one average, one rounding. Алексеев's Russian in 5А gets «5/4» and «4/4» in class
work (weight 1) and «3/3» in a test (weight 2): weighted (5+4+4+4 + 2·3+2·3) / 8 = 29/8 = 3,625,
plain 23/6 = 3,8333. The same weighted average must print «3,63» in the grid, the diary, the weekly
sheet (PDF and XLSX) and the DuckDB drill-down; Python's «{:.2f}» printed «3,62» (half to even on
an exact binary tie) while DuckDB's round() printed «3,63»."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from checks import snapshot
from models import Mark, Work
from models.db import transaction
from services.control import indicators
from services.control.indicators import Choice
from services.journal import diary, grid as journal, view as journal_view
from services.reports import export as reports_export, sheets as rs
from services.rules.averages import show
from tests.integration import readback, reports_world
from tests.integration.reports_world import actor
from tests.integration.reports_world import NOV, T

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def rw(db_url, frozen_clock, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ANALYTICS_PATH", str(tmp_path / "analytics.duckdb"))
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    w = reports_world.build()
    pupil = w.pupils["Алексеев"]
    with transaction() as tx:
        def work(day, wt):
            x = Work(school_id=w.school_id, lesson_id=w.lessons[("5А", "rus", day)], work_type_id=w.work_types[wt],
                     created_at=T)
            tx.add(x)
            tx.flush()
            return x.id
        for work_id, values in ((work(10, "default"), ("5", "4")), (work(11, "test"), ("3", "3"))):
            for pos, v in enumerate(values):
                tx.add(Mark(school_id=w.school_id, work_id=work_id, student_id=pupil, position=pos, value=v,
                            numeric=int(v), entered_at=T))
        # the «4» of 17 November becomes «4/4»
        work17 = tx.exec(select(Mark.work_id).join(Work, Work.id == Mark.work_id)
                         .where(Mark.student_id == pupil, Work.lesson_id == w.lessons[("5А", "rus", 17)])).one()
        tx.add(Mark(school_id=w.school_id, work_id=work17, student_id=pupil, position=1, value="4", numeric=4,
                    entered_at=T))
    return w


def test_the_same_average_prints_the_same_everywhere(rw):
    pupil = rw.pupils["Алексеев"]
    expected_w, expected_avg = "3,63", "3,83"

    # the journal grid
    grid = journal.load_grid(actor(rw, "rus_t"), rw.classes["5А"], rw.subjects["rus"], period_id=rw.q2)
    frame = journal_view.layout(grid).frame
    row = frame[frame[journal_view.PUPIL] == next(p.name for p in grid.pupils if p.student_id == pupil)].iloc[0]
    assert (row[journal_view.WAVG], row[journal_view.AVG]) == (expected_w, expected_avg)
    assert grid.summaries[pupil].weighted == pytest.approx(3.625)

    # the diary (a parent's view)
    _, subjects = diary.marks_by_subject(actor(rw, "parent"), pupil)
    rus = next(s for s in subjects if s.subject == "Русский язык")
    assert (show(rus.weighted), show(rus.average)) == (expected_w, expected_avg)

    # the weekly sheet: PDF read back by pdftotext, XLSX read back by openpyxl
    ct = actor(rw, "ct5a")
    report = rs.for_class(ct, rw.classes["5А"], NOV(9), NOV(20))
    pages = readback.pdf_pages(reports_export.sheets_file(ct, report, "pdf").data)
    page = next(p for p in pages if "Алексеев" in p)
    line = readback.line_with(page, "Русский язык")
    assert expected_w in line and expected_avg in line and "3,62" not in line
    wb = readback.workbook(reports_export.sheets_file(ct, report, "xlsx").data)
    _, rows = readback.table(wb["По предметам"], "Класс")
    xrow = next(r for r in rows if r["Ученик"].startswith("Алексеев") and r["Предмет"] == "Русский язык")
    assert show(xrow["Средневзвешенный балл"]) == expected_w and show(xrow["Средний балл"]) == expected_avg
    # what Excel shows: the stored number in the «0.00» format (Excel rounds half away from zero)
    assert xrow["Средневзвешенный балл"] == 3.63

    # the DuckDB drill-down of the weighted average
    snapshot.refresh()
    columns, drows, _ = indicators.drilldown(actor(rw, "director"), rw.school_id,
                                             Choice(NOV(5), NOV(20)), "weighted_average")
    d = dict(zip(columns, next(r for r in drows if r[0].startswith("Алексеев") and r[2] == "Русский язык")))
    assert show(d["Средневзвешенный"]) == expected_w
    columns, drows, _ = indicators.drilldown(actor(rw, "director"), rw.school_id,
                                             Choice(date(2026, 11, 10), date(2026, 11, 11)), "average_mark")
    d = dict(zip(columns, next(r for r in drows if r[0].startswith("Алексеев"))))
    # 10–11 Nov: «5/4» and «3/3» in Russian, «5» in maths and «4» in project work → 24/6 = 4,00
    assert show(d["Средний балл"]) == "4,00"
