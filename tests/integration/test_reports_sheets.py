"""The pupil's summary sheet for parents (1.14, R-REP-2) and the class teacher's report (5.3) against
real databases: the last school week by default, double marks, «осв», a subject «Без
аттестации», a pupil who changed class in the middle of the span; who may print; the PDF and
XLSX read back against what the service computes."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from exporters.pdf_common import num
from exporters.pdf_sheets import missed_text
from models import AuditEvent
from models.db import count_queries, reading
from services.core import auth
from services.core.policy import AccessDenied
from services.reports import export as reports_export, sheets as rs
from services.reports.common import ReportError
from services.rules.averages import round_half_up
from tests.integration import readback, reports_world
from tests.integration.reports_world import NOV

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))  # a Friday
    return reports_world.build()


def actor(rw, login):
    with reading() as tx:
        return auth.load_actor(tx, rw.users[login])


def sheet_of(report, last_name, class_name=None):
    return next(s for s in report.sheets if s.name.startswith(last_name)
                and (class_name is None or s.class_name == class_name))


def subject(sheet, name):
    return next(s for s in sheet.subjects if s.name == name)


def test_default_is_the_last_school_week(rw):
    r = rs.for_class(actor(rw, "ct5a"), rw.classes["5А"])
    assert (r.date_from, r.date_to, r.period_name) == (NOV(16), NOV(20), "2 четверть")
    assert [s.name.split()[0] for s in r.sheets] == ["Алексеев", "Борисова", "Григорьева", "Егорова"]
    bor = sheet_of(r, "Борисова")
    math = subject(bor, "Математика")
    assert [(l.lesson_date.day, l.text) for l in math.lessons] == [(17, "Н"), (19, "О 4")]
    assert (math.lates, math.absent) == (1, 1)
    rus = subject(bor, "Русский язык")                      # «5/5» and a test «4» (weight 2)
    assert rus.lessons[0].text == "5/5, 4"
    assert rus.average == pytest.approx(14 / 3) and rus.weighted == pytest.approx(18 / 4)
    pe = subject(bor, "Физическая культура")
    assert (pe.excused, pe.missed) == (1, 1)
    assert (bor.lates, bor.absent, bor.excused, bor.missed) == (1, 1, 1, 2)
    gri = sheet_of(r, "Григорьева")
    assert subject(gri, "Физическая культура").lessons[0].text == "осв"
    assert subject(gri, "Физическая культура").average is None      # «осв» is not a number
    assert subject(gri, "Русский язык").ill == 1
    ale = sheet_of(r, "Алексеев")
    proj = subject(ale, "Проектная деятельность")
    assert proj.no_attestation and [l.lesson_date.day for l in proj.lessons] == [19]
    # the cancelled lesson of 16 November is not on the sheet
    assert [l.lesson_date.day for l in subject(ale, "Физическая культура").lessons] == [18]
    assert sheet_of(r, "Егорова").note == "в классе с 17.11.2026"


def test_double_marks_and_the_pupil_who_changed_class(rw):
    ct = actor(rw, "ct5a")
    r = rs.for_class(ct, rw.classes["5А"], NOV(9), NOV(20))
    bor = subject(sheet_of(r, "Борисова"), "Математика")    # 5/4 (w1), 3 (w2), Н, О 4 (w1)
    assert bor.marks == ["5", "4", "3", "4"]
    assert bor.average == pytest.approx(4.0) and bor.weighted == pytest.approx(19 / 5)
    vas_a = sheet_of(r, "Васильев")                          # in 5А until 12.11
    assert vas_a.note == "в классе по 12.11.2026"
    math = subject(vas_a, "Математика")
    assert [l.lesson_date.day for l in math.lessons] == [10, 12]
    assert math.average == pytest.approx(2.5) and math.weighted == pytest.approx(7 / 3)
    with pytest.raises(AccessDenied):
        rs.for_class(ct, rw.classes["5Б"], NOV(9), NOV(20))
    r_b = rs.for_class(actor(rw, "ct5b"), rw.classes["5Б"], NOV(9), NOV(20))
    vas_b = subject(sheet_of(r_b, "Васильев"), "Математика")  # from 13.11 in 5Б; the 10.11 «Н» there is not his
    assert [(l.lesson_date.day, l.text) for l in vas_b.lessons] == [(13, "4"), (17, "5")] and vas_b.absent == 0
    one = rs.for_pupil(actor(rw, "admin"), rw.pupils["Васильев"], NOV(9), NOV(20))
    (sheet,) = one.sheets
    assert sheet.class_name == "5А → 5Б"
    math = subject(sheet, "Математика")
    assert [l.lesson_date.day for l in math.lessons] == [10, 12, 13, 17]
    assert math.average == pytest.approx(3.5) and math.weighted == pytest.approx(16 / 5)


def test_who_may_print_and_what_span(rw):
    a = rw.classes["5А"]
    assert rs.for_class(actor(rw, "math_t"), a, NOV(5), NOV(20)).sheets       # a teacher of the class
    for login in ("parent", "deputy6"):
        with pytest.raises(AccessDenied):
            rs.for_class(actor(rw, login), a)
    with pytest.raises(AccessDenied):
        rs.for_school(actor(rw, "ct5a"), rw.school_id)
    with pytest.raises(AccessDenied):
        rs.for_class(actor(rw, "math_t"), a, kind="class_report")            # the class teacher's report
    with pytest.raises(ReportError, match="внутри одного учебного периода"):
        rs.for_class(actor(rw, "ct5a"), a, date(2026, 10, 20), NOV(20))
    steps = []
    school = rs.for_school(actor(rw, "admin"), rw.school_id, NOV(9), NOV(20),
                           progress=lambda done, total, name: steps.append((done, total, name)))
    assert steps == [(1, 2, "5А"), (2, 2, "5Б")]
    assert [(s.class_name, s.name.split()[0]) for s in school.sheets if s.name.startswith("Васильев")] == \
        [("5А", "Васильев"), ("5Б", "Васильев")]


def test_queries_do_not_grow_with_pupils(rw):
    with count_queries() as counted:
        rs.for_school(actor(rw, "admin"), rw.school_id, NOV(9), NOV(20))
    assert counted.count <= 30, counted.statements


def test_weekly_pdf_reads_back_as_computed(rw):
    ct = actor(rw, "ct5a")
    r = rs.for_class(ct, rw.classes["5А"], NOV(9), NOV(20))
    f = reports_export.sheets_file(ct, r, "pdf")
    assert f.name.endswith(".pdf") and f.mime == "application/pdf"
    pages = readback.pdf_pages(f.data)
    raw = [" ".join(p.split()) for p in readback.pdf_pages(f.data, layout=False)]
    assert len(pages) == len(raw) >= len(r.sheets)
    for sheet in r.sheets:
        n = next(i for i, p in enumerate(pages) if f"Ученик: {sheet.name}, 5А класс" in p)
        page = pages[n]
        assert "Сводная ведомость успеваемости и посещаемости ученика" in page
        assert "за период 09.11.2026 – 20.11.2026 (2 четверть)" in page and "Стр." in page
        assert "Классный руководитель" in page and "Классная Тест Тестович" in page
        for s in sheet.subjects:
            line = readback.line_with(page, s.name.split()[0])
            numbers = [t for t in line.split() if "," in t and t.replace(",", "").isdigit()]
            assert numbers == [x for x in (num(s.average), num(s.weighted)) if x], (s.name, line)
            for lesson in s.lessons:
                day = f"{lesson.lesson_date:%d.%m}"
                expected = f"{day} — {lesson.text}" if lesson.text else day
                assert expected in raw[n], (expected, raw[n])
        total = readback.line_with(page, "Всего уроков:")
        assert readback.tokens_after(total, "Всего уроков:")[:2] == [str(sheet.lessons), str(sheet.lates)]
        assert missed_text(sheet).split()[0] == readback.tokens_after(total, "Всего уроков:")[2]
    with reading() as tx:
        ev = tx.exec(select(AuditEvent).where(AuditEvent.action == "personal_data.exported")).one()
    assert ev.actor_user_id == rw.users["ct5a"] and "сводная ведомость ученика; формат pdf" in ev.detail


def test_weekly_xlsx_reads_back_as_computed(rw):
    ct = actor(rw, "ct5a")
    r = rs.for_class(ct, rw.classes["5А"], NOV(9), NOV(20))
    data = reports_export.sheets_file(ct, r, "xlsx").data
    readback.no_formulas(data)
    wb = readback.workbook(data)
    assert wb.sheetnames == ["По предметам", "Уроки"]
    _, rows = readback.table(wb["По предметам"], "Класс")
    expected = [(sh, s) for sh in r.sheets for s in sh.subjects]
    assert len(rows) == len(expected)
    for (sh, s), row in zip(expected, rows):
        assert (row["Ученик"], row["Предмет"]) == (sh.name, s.name)
        # the workbook holds the number the portal prints: rounded by the one rule (issue 18, bug 6)
        assert row["Средний балл"] == round_half_up(s.average)
        assert row["Средневзвешенный балл"] == round_half_up(s.weighted)
        assert (row["Опозданий"], row["Пропусков"], row["Н (без уважит.)"], row["Б (болезнь)"]) == \
            (s.lates, s.missed, s.absent, s.ill)
        assert row["Без аттестации"] == ("да" if s.no_attestation else None)
    _, lessons = readback.table(wb["Уроки"], "Класс")
    assert len(lessons) == sum(len(s.lessons) for _, s in expected)
    double = next(x for x in lessons if x["Ученик"].startswith("Борисова") and x["Отметки"] == "5/4")
    assert double["Отметка"] is None and double["Дата"].date() == NOV(10)
    single = next(x for x in lessons if x["Ученик"].startswith("Алексеев") and x["Предмет"] == "Математика")
    assert single["Отметка"] == 5 and isinstance(single["Отметка"], int)


def test_class_report_for_parents(rw):
    ct = actor(rw, "ct5a")
    r = rs.for_class(ct, rw.classes["5А"], NOV(5), NOV(20), kind="class_report")
    ale = sheet_of(r, "Алексеев")
    assert subject(ale, "Математика").period_mark == "5"
    assert subject(ale, "Проектная деятельность").period_mark == ""      # «Без аттестации»
    pages = readback.pdf_pages(reports_export.sheets_file(ct, r, "pdf").data)
    page = next(p for p in pages if "Ученик: Алексеев Антон" in p)
    assert "Отчёт об успеваемости и посещаемости" in page
    line = readback.line_with(page, "Математика")
    assert readback.tokens_after(line, "Математика") == ["5,", "4,", "5,", "4", "4", "4,50", "4,40", "5", "1", "0"]
    assert "без атт." in readback.line_with(page, "Проектная")
    wb = readback.workbook(reports_export.sheets_file(ct, r, "xlsx").data)
    titles, rows = readback.table(wb["Сводка"], "Класс")
    row = next(x for x in rows if x["Ученик"] == ale.name)
    assert row["Математика"] == round_half_up(subject(ale, "Математика").weighted)
    assert row["Опозданий"] == ale.lates and row["Пропусков"] == ale.missed
