"""The pupil's summary sheet for parents (1.14) and the class teacher's report to parents
(5.3) as PDF: portrait A4, one page (or more) per pupil, signed by the class teacher with a line
for the parent's signature. A class or the whole school is one document, class after class,
with a bookmark per class."""
from __future__ import annotations

from exporters.pdf_common import Col, left_lines, muted_note, new_document, num, signatures, table, title_block
from services.core.pdf import FAMILY
from services.reports.sheets import PupilSheet, SheetSubject, SheetsReport

WEEKLY_COLS = [Col("Предмет", 34), Col("Уроки: дата — отметки, посещаемость", 68), Col("Средний балл", 16.5, "C"),
               Col("Взвешенный балл", 23, "C"), Col("Опоздания", 20, "C"), Col("Пропуски", 18.5, "C")]
REPORT_COLS = [Col("Предмет", 34), Col("Отметки", 37), Col("Отметок", 16, "C"), Col("Средний балл", 16.5, "C"),
               Col("Взвешенный балл", 23, "C"), Col("За период", 15, "C"), Col("Опоздания", 20, "C"),
               Col("Пропуски", 18.5, "C")]
LEGEND = ("Н — пропуск без уважительной причины, Б — по болезни, У — по уважительной причине, О — опоздание. "
          "«5/4» — две отметки за одну работу; отметки разных работ одного урока — через запятую. "
          "Средний и средневзвешенный балл считаются по отметкам от 1 до 5 (вес — по виду работы); «осв», «н/а», "
          "«зач», «незач» в баллы не входят. «Без атт.» — предмет без аттестации.")


def missed_text(s) -> str:
    if not s.missed:
        return "0"
    parts = [f"{letter} {n}" for letter, n in (("Н", s.absent), ("Б", s.ill), ("У", s.excused)) if n]
    return f"{s.missed} ({', '.join(parts)})"


def lessons_text(subject: SheetSubject) -> str:
    return ";  ".join(f"{l.lesson_date:%d.%m} — {l.text}" if l.text else f"{l.lesson_date:%d.%m}"
                      for l in subject.lessons)


def weekly_rows(sheet: PupilSheet) -> list[list[str]]:
    rows = []
    for s in sheet.subjects:
        name = s.name + (" (без аттестации)" if s.no_attestation else "")
        rows.append([name, lessons_text(s), num(s.average), num(s.weighted), str(s.lates), missed_text(s)])
    rows.append([f"Всего уроков: {sheet.lessons}", "", "", "", str(sheet.lates), missed_text(sheet)])
    return rows


def report_rows(sheet: PupilSheet) -> list[list[str]]:
    rows = []
    for s in sheet.subjects:
        marks = s.marks
        rows.append([s.name, ", ".join(marks), str(len(marks)), num(s.average), num(s.weighted),
                     "без атт." if s.no_attestation else s.period_mark, str(s.lates), missed_text(s)])
    rows.append([f"Всего уроков: {sheet.lessons}", "", "", "", "", "", str(sheet.lates), missed_text(sheet)])
    return rows


def sheets_pdf(report: SheetsReport, progress=None) -> bytes:
    """progress(done, total, text), if given, is called after each pupil's page."""
    doc = new_document(report.title, report.school.name, made_at=report.made_at)
    detailed = report.kind == "weekly"
    current_class = object()
    for n, sheet in enumerate(report.sheets, start=1):
        doc.add_page()
        if sheet.class_id != current_class and sheet.class_id is not None:
            doc.start_section(f"{sheet.class_name} класс")
            current_class = sheet.class_id
        _page(doc, report, sheet, detailed)
        if progress is not None:
            progress(n, len(report.sheets), f"{sheet.class_name}: {sheet.name}")
    if not report.sheets:
        doc.add_page()
        title_block(doc, report.school.name, report.title, [f"за период {report.span} ({report.period_name})"])
        left_lines(doc, ["Нет учеников за выбранный период."])
    return doc.to_bytes()


def _page(doc, report: SheetsReport, sheet: PupilSheet, detailed: bool) -> None:
    title_block(doc, report.school.name, report.title, [f"за период {report.span} ({report.period_name})"], size=12)
    who = f"Ученик: {sheet.name}, {sheet.class_name}" + (" класс" if sheet.class_id is not None else "")
    left_lines(doc, [who] + ([sheet.note] if sheet.note else []), size=10, bold_first=True)
    doc.ln(2)
    if not sheet.subjects:
        left_lines(doc, ["За выбранный период уроков не было."])
    else:
        cols = WEEKLY_COLS if detailed else REPORT_COLS
        rows = weekly_rows(sheet) if detailed else report_rows(sheet)
        table(doc, cols, rows, size=8.5, header_size=8, bold_rows=frozenset({len(rows) - 1}),
              fill_rows=frozenset({len(rows) - 1}))
    doc.ln(1)
    muted_note(doc, LEGEND, size=7.5)
    teacher = report.class_teachers.get(sheet.class_id, "") if sheet.class_id is not None else ""
    signatures(doc, [("Классный руководитель", teacher),
                     ("С ведомостью ознакомлен(а), родитель (законный представитель)", "")], date_line=True)
    doc.set_font(FAMILY, size=10)
