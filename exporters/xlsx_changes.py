"""The report of mark changes (1.13) as a workbook: one row per change, filterable."""
from __future__ import annotations

from exporters.xlsx_common import autofilter, header, mark_value, put_row, title_rows, to_bytes, workbook
from services.core import clock
from services.reports.changes import ChangesReport

TITLES = ["Изменено", "Дата урока", "Период", "Вид отметки", "Класс", "Предмет", "Ученик", "Было", "Стало",
          "Кто изменил", "В сроке редактирования", "Срок редактирования до"]


def changes_xlsx(report: ChangesReport) -> bytes:
    wb = workbook()
    ws = wb.create_sheet("Изменения отметок")
    made = clock.to_local(report.made_at, report.school.timezone)
    row = title_rows(ws, [report.school.name, report.title, report.filters,
                          f"Срок редактирования: «{report.edit_window_title}»; сформировано {made:%d.%m.%Y %H:%M}"])
    header(ws, row, TITLES, [17, 12, 14, 16, 8, 24, 28, 8, 8, 36, 12, 17], freeze_col=1)
    first = row
    for r in report.rows:
        row += 1
        inside = "" if r.inside_window is None else ("да" if r.inside_window else "нет")
        put_row(ws, row, [r.changed_at, r.lesson_date, r.period_title, r.kind_title, r.class_name, r.subject, r.pupil,
                          mark_value(r.old) if r.old else None,
                          mark_value(r.new) if r.new else None, r.who, inside, r.window_end])
    autofilter(ws, first, row, len(TITLES))
    return to_bytes(wb)
