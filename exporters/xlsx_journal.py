"""One journal for the year as a workbook for the archive: a sheet per study period (pupils
by works; a single five-point mark is a number, «5/4», «Н», «О 5» are text), «Уроки» (dates,
topics, homework, works, teacher) and «Итоговые» (period, annual, exam, final marks)."""
from __future__ import annotations

from exporters.xlsx_common import (
    autofilter, header, mark_value, put, put_row, sheet_name, title_rows, to_bytes, workbook,
)
from services.reports.common import year_title
from services.reports.journal import JournalDoc

AVG = "0.00"


def journal_xlsx(d: JournalDoc) -> bytes:
    wb = workbook()
    taken: set[str] = set()
    head = [d.school.name, f"Электронный журнал: {d.title}",
            f"{year_title(d.start_year)} учебный год" + (f" · учитель: {', '.join(d.teachers)}" if d.teachers else "")
            + (" · без аттестации" if d.no_attestation else "")]
    for period in d.periods:
        ws = wb.create_sheet(sheet_name(period.name, taken))
        row = title_rows(ws, head + [f"{period.name}: {period.starts_on:%d.%m.%Y} – {period.ends_on:%d.%m.%Y}"])
        titles = ["Ученик"] + [c.label for c in period.columns] + ["Средний балл", "Средневзвешенный балл",
                                                                    "Пропусков", "Опозданий", "За период"]
        # a row of topics above the header, to read a column without the lessons sheet
        for k, c in enumerate(period.columns, start=2):
            put(ws, row - 1, k, c.work_type)
        header(ws, row, titles, [30] + [9] * len(period.columns) + [10, 14, 10, 10, 10])
        first = row
        for pupil in period.pupils:
            row += 1
            s = period.summaries.get(pupil.student_id)
            cells = [mark_value(period.cells.get((pupil.student_id, c.label), "")) or None for c in period.columns]
            put_row(ws, row, [pupil.name, *cells, s.average if s else None, s.weighted if s else None,
                              s.absences if s else None, s.lates if s else None,
                              (mark_value(s.period_mark) or None) if s else None],
                    formats={len(period.columns) + 2: AVG, len(period.columns) + 3: AVG})
        autofilter(ws, first, row, len(titles))
    ws = wb.create_sheet(sheet_name("Уроки", taken))
    row = title_rows(ws, head)
    titles = ["Период", "Дата", "№ урока", "Тема", "Домашнее задание", "Работы", "Учитель"]
    header(ws, row, titles, [14, 11, 8, 50, 40, 30, 28])
    first = row
    for line in d.lessons:
        row += 1
        put_row(ws, row, [line.period, line.lesson_date, line.number, line.topic, line.homework, line.works,
                          line.teacher], wrap_cols={4, 5})
    autofilter(ws, first, row, len(titles))
    if d.final_keys:
        ws = wb.create_sheet(sheet_name("Итоговые", taken))
        row = title_rows(ws, head)
        titles = ["Ученик"] + [t for _, t in d.final_keys]
        header(ws, row, titles, [30] + [14] * len(d.final_keys))
        first = row
        for sid, name in d.pupils:
            row += 1
            put_row(ws, row, [name, *[mark_value(d.final.get((sid, k), "")) or None for k, _ in d.final_keys]])
        autofilter(ws, first, row, len(titles))
    return to_bytes(wb)
