"""The attestation summary (1.4, R-REP-1) against real databases: the numbers by hand, who may see it,
consent for third parties, and the PDF and XLSX read back against what the service computes."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent, Consent
from models.db import reading, transaction
from services.core import auth
from services.core.policy import AccessDenied
from services.reports import attestation as ra, export as reports_export
from services.reports.common import ReportError
from services.reports.stats import CATEGORY_TITLES, show_percent
from tests.integration import readback, reports_world

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    return reports_world.build()


def actor(rw, login):
    with reading() as tx:
        return auth.load_actor(tx, rw.users[login])


def by_name(sheet):
    return {r.name.split()[0]: r for r in sheet.rows}


def test_summary_of_a_class_by_hand(rw):
    s = ra.summary(actor(rw, "ct5a"), rw.school_id, column=f"period:{rw.q2}", class_id=rw.classes["5А"])
    (sheet,) = s.classes
    assert [name for _, name in sheet.subjects] == ["Математика", "Русский язык", "Физическая культура"]
    assert sheet.no_attestation == ["Проектная деятельность"]          # no column for «Без аттестации»
    rows = by_name(sheet)
    assert list(rows) == ["Алексеев", "Борисова", "Васильев", "Григорьева", "Егорова"]
    # Васильев moved to 5Б on 13.11: listed with the date, not counted, his marks are in 5Б
    assert not rows["Васильев"].counted and rows["Васильев"].marks == {}
    assert rows["Васильев"].note == "в классе до 12.11.2026 (в 5Б)"
    assert rows["Егорова"].counted and rows["Егорова"].note == "в классе с 17.11.2026"
    # «осв» is shown, not counted in any share
    assert rows["Григорьева"].marks[rw.subjects["pe"]] == "осв"
    assert rows["Григорьева"].category == "failing"
    pe = sheet.by_subject[rw.subjects["pe"]]
    assert (pe.five, pe.four, pe.exempt) == (2, 1, 1) and pe.quality == pytest.approx(100.0)
    math = sheet.by_subject[rw.subjects["math"]]                        # 5, 4, 2, 5
    assert (math.five, math.four, math.two) == (2, 1, 1) and math.success == pytest.approx(75.0)
    rus = sheet.by_subject[rw.subjects["rus"]]                          # 4, 4, н/а, 5
    assert (rus.five, rus.four, rus.na) == (1, 2, 1) and rus.quality == pytest.approx(75.0)
    st = sheet.standing                                                 # 4 counted: 3 good, 1 failing
    assert (st.pupils, st.attested, st.good, st.failing) == (4, 4, 3, 1)
    assert st.quality == pytest.approx(75.0) and st.success == pytest.approx(75.0)


def test_school_summary_and_the_moved_pupil_in_both_classes(rw):
    s = ra.summary(actor(rw, "admin"), rw.school_id, column=f"period:{rw.q2}")
    assert [c.name for c in s.classes] == ["5А", "5Б"]
    b = by_name(s.classes[1])
    assert b["Васильев"].counted and b["Васильев"].note == "в классе с 13.11.2026 (из 5А)"
    assert b["Васильев"].marks == {rw.subjects["math"]: "4", rw.subjects["rus"]: "3", rw.subjects["pe"]: "5"}
    assert b["Васильев"].category == "one_three" and b["Дмитриев"].category == "excellent"
    assert (s.standing.pupils, s.standing.excellent, s.standing.good) == (6, 1, 3)
    assert s.standing.quality == pytest.approx(4 / 6 * 100)
    annual = ra.summary(actor(rw, "admin"), rw.school_id, column="annual")
    assert by_name(annual.classes[0])["Алексеев"].marks == {rw.subjects["math"]: "5"}
    with pytest.raises(ReportError, match="Неизвестный вид"):
        ra.summary(actor(rw, "admin"), rw.school_id, column="quarter9")
    with pytest.raises(ReportError, match="нет учебного года 2030/2031"):
        ra.summary(actor(rw, "admin"), rw.school_id, column="annual", start_year=2030)


def test_who_may_see_the_summary(rw):
    q2 = f"period:{rw.q2}"
    a, b = rw.classes["5А"], rw.classes["5Б"]
    for login in ("ct5a", "math_t", "deputy5", "director"):
        assert ra.summary(actor(rw, login), rw.school_id, column=q2, class_id=a).classes
    for login, class_id in (("ct5a", b), ("deputy6", a), ("parent", a)):
        with pytest.raises(AccessDenied):
            ra.summary(actor(rw, login), rw.school_id, column=q2, class_id=class_id)
    with pytest.raises(AccessDenied):
        ra.summary(actor(rw, "ct5a"), rw.school_id, column=q2)                      # not the whole school
    assert ra.summary(actor(rw, "deputy6"), rw.school_id, column=q2).classes == []  # no 6th classes here
    assert [c.name for c in ra.summary(actor(rw, "deputy5"), rw.school_id, column=q2, grade=5).classes] == ["5А", "5Б"]


def test_third_parties_do_not_get_pupils_without_consent(rw):
    with transaction() as tx:
        tx.add(Consent(school_id=rw.school_id, student_id=rw.pupils["Борисова"], given_on=date(2026, 9, 1),
                       withdrawn_on=date(2026, 10, 1)))
        tx.add(Consent(school_id=rw.school_id, student_id=rw.pupils["Алексеев"], given_on=date(2026, 9, 1)))
    admin = actor(rw, "admin")
    own = ra.summary(admin, rw.school_id, column=f"period:{rw.q2}", class_id=rw.classes["5А"])
    third = ra.summary(admin, rw.school_id, column=f"period:{rw.q2}", class_id=rw.classes["5А"], third_party=True)
    assert "Борисова" in by_name(own.classes[0]) and "Борисова" not in by_name(third.classes[0])
    assert third.withheld == 1 and third.classes[0].standing.pupils == 3
    pdf = reports_export.attestation_file(admin, third, "pdf")
    text = "\n".join(readback.pdf_pages(pdf.data))
    assert "Борисова" not in text and "исключено: 1" in text
    with reading() as tx:
        ev = tx.exec(select(AuditEvent).where(AuditEvent.action == "personal_data.exported")).all()
    assert len(ev) == 1 and "для третьих лиц" in ev[0].detail and "исключено без согласия: 1" in ev[0].detail


def test_pdf_reads_back_as_computed(rw):
    admin = actor(rw, "admin")
    s = ra.summary(admin, rw.school_id, column=f"period:{rw.q2}")
    pages = readback.pdf_pages(reports_export.attestation_file(admin, s, "pdf").data)
    text = "\n".join(pages)
    assert "Сводная ведомость учёта результатов промежуточной и итоговой аттестации" in pages[0]
    assert "МБОУ «Средняя школа № 7»" in pages[0] and "Стр. 1 из" in pages[0] and "сформировано 20.11.2026" in pages[0]
    assert "Директор" in text and "М. П." in text
    # totals by class: pupils, attested, …, quality and success as computed
    for sheet in s.classes:
        st, m = sheet.standing, sheet.marks
        line = readback.line_with(pages[0], sheet.name + " ")
        assert readback.tokens_after(line, sheet.name) == [
            str(st.pupils), str(st.attested), str(st.excellent), str(st.good), str(st.one_three), str(st.failing),
            str(st.not_attested), str(m.five), str(m.four), str(m.three), str(m.two), str(m.na),
            *show_percent(st.quality).split(), *show_percent(st.success).split()]
    # each pupil's row: marks in subject order, counts, standing
    for sheet in s.classes:
        page = next(p for p in pages if f"{sheet.name} класс · классный руководитель" in p)
        assert "Проектная деятельность" in page and "Без аттестации" in page
        for r in sheet.rows:
            line = readback.line_with(page, r.name)
            marks = [r.marks[sid] for sid, _ in sheet.subjects if r.marks.get(sid)]
            counts = [str(n) for n in (r.counts.five, r.counts.four, r.counts.three, r.counts.two, r.counts.na) if n]
            standing = CATEGORY_TITLES[r.category].split() if r.counted else ["не", "учитывается"]
            if not r.note:
                assert readback.tokens_after(line, r.name) == marks + counts + standing
            else:
                assert readback.tokens_after(line, r.name)[-len(standing):] == standing
        for label, attr in (("«5»", "five"), ("«4»", "four"), ("«2»", "two"), ("н/а", "na")):
            line = readback.line_starting(page, label + " ")
            assert readback.tokens_after(line, label) == [str(getattr(sheet.by_subject[sid], attr))
                                                          for sid, _ in sheet.subjects]
        line = readback.line_starting(page, "Качество, %")
        assert readback.tokens_after(line, "Качество, %") == [
            f"{sheet.by_subject[sid].quality:.1f}".replace(".", ",") for sid, _ in sheet.subjects]
        assert f"Качество знаний: {show_percent(sheet.standing.quality)}" in page


def test_xlsx_reads_back_as_computed(rw):
    admin = actor(rw, "admin")
    s = ra.summary(admin, rw.school_id, column=f"period:{rw.q2}")
    data = reports_export.attestation_file(admin, s, "xlsx").data
    readback.no_formulas(data)
    wb = readback.workbook(data)
    assert wb.sheetnames == ["Итоги", "5А", "5Б"]
    _, totals = readback.table(wb["Итоги"], "Класс")
    for sheet, row in zip(s.classes, totals):
        assert row["Класс"] == sheet.name and row["Учеников"] == sheet.standing.pupils
        assert row["Качество знаний, %"] == round(sheet.standing.quality, 1)
        assert row["Успеваемость, %"] == round(sheet.standing.success, 1)
        assert row["«5»"] == sheet.marks.five and row["н/а"] == sheet.marks.na
    assert totals[-1]["Класс"] == "Итого" and totals[-1]["Учеников"] == s.standing.pupils
    ws = wb["5А"]
    assert ws.freeze_panes == "C7" and ws.column_dimensions["B"].width == 30
    titles, rows = readback.table(ws, "№")
    sheet = s.classes[0]
    assert "Проектная деятельность" not in titles
    for r, row in zip(sheet.rows, rows):
        assert row["Ученик"] == r.name and row["Примечание"] == (r.note or None)
        for sid, name in sheet.subjects:
            expected = r.marks.get(sid)
            assert row[name] == (int(expected) if expected and expected.isdigit() else expected)
        assert row["«5»"] == r.counts.five and row["Учитывается"] == ("да" if r.counted else "нет")
    assert isinstance(rows[0]["Математика"], int)  # real numbers, not text
