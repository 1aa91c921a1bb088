"""The report of mark changes (1.13) as a PDF: landscape A4, one row per change, newest first,
with the moment, who made it and whether it was inside the school's edit window; signed by
the administrator."""
from __future__ import annotations

from exporters.pdf_common import Col, left_lines, muted_note, new_document, signatures, table, title_block
from services.core import clock
from services.reports.changes import ChangeRow, ChangesReport
from services.reports.common import long_date, year_title

COLS = [Col("Изменено", 28), Col("Урок / период", 22), Col("Вид", 28), Col("Класс", 12, "C"), Col("Предмет", 34),
        Col("Ученик", 40), Col("Было", 12, "C"), Col("Стало", 14, "C"), Col("Кто изменил", 46),
        Col("В сроке", 31, "C")]


def window_text(row: ChangeRow) -> str:
    if row.inside_window is None:
        return "—"
    return "да" if row.inside_window else f"нет (до {row.window_end:%d.%m.%Y})"


def rows_of(report: ChangesReport) -> list[list[str]]:
    out = []
    for r in report.rows:
        when = f"{r.lesson_date:%d.%m.%Y}" if r.lesson_date else r.period_title or year_title(report.start_year)
        out.append([f"{r.changed_at:%d.%m.%Y %H:%M}", when, r.kind_title, r.class_name, r.subject, r.pupil,
                    r.old or "—", r.new or "удалена", r.who, window_text(r)])
    return out


def changes_pdf(report: ChangesReport) -> bytes:
    doc = new_document(report.title, report.school.name, landscape=True, made_at=report.made_at)
    doc.add_page()
    title_block(doc, report.school.name, report.title,
                [report.filters, f"Срок редактирования отметок в школе: «{report.edit_window_title}»",
                 f"Изменений: {len(report.rows)}"])
    if report.rows:
        table(doc, COLS, rows_of(report), size=8, header_size=8)
    else:
        left_lines(doc, ["Изменений отметок за выбранный период нет."])
    doc.ln(1)
    muted_note(doc, "«В сроке» — изменение сделано до конца срока редактирования, установленного школой, считая от "
                    "даты урока; для отметки за период — от последнего дня периода, для годовой, экзаменационной и "
                    "итоговой — от последнего дня учебного года. «—» в столбце «Было» — первое выставление отметки.")
    signatures(doc, [("Администратор системы", "")])
    left_lines(doc, [f"Сформировано {long_date(clock.to_local(report.made_at, report.school.timezone).date())}"],
               size=8)
    return doc.to_bytes()
