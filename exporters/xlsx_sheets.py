"""Pupils' summary sheets (1.14) and the class teacher's report (5.3) as a workbook.

Sheets: «По предметам» — a row per pupil and subject with the averages, lates and missed
lessons (numbers); «Уроки» — a row per lesson of each pupil with its marks and attendance; for
the class teacher's report also «Сводка» — pupils by subjects, the weighted averages."""
from __future__ import annotations

from exporters.xlsx_common import autofilter, header, mark_value, put_row, title_rows, to_bytes, workbook
from services.core import clock
from services.reports.sheets import SheetsReport
from services.rules.cells import ATTENDANCE_LETTERS

AVG = "0.00"
SUBJECT_TITLES = ["Класс", "Ученик", "Предмет", "Без аттестации", "Уроков", "Отметки", "Отметок", "Средний балл",
                  "Средневзвешенный балл", "Отметка за период", "Опозданий", "Пропусков", "Н (без уважит.)",
                  "Б (болезнь)", "У (уважит.)"]
LESSON_TITLES = ["Класс", "Ученик", "Предмет", "Дата", "№ урока", "Тема", "Отметки", "Отметка", "Посещаемость"]


def _lines(report: SheetsReport) -> list[str]:
    made = clock.to_local(report.made_at, report.school.timezone)
    return [report.school.name, report.title,
            f"{report.scope_title} · за период {report.span} ({report.period_name}) · "
            f"сформировано {made:%d.%m.%Y %H:%M}"]


def sheets_xlsx(report: SheetsReport) -> bytes:
    wb = workbook()
    if report.kind == "class_report":
        _overview(wb.create_sheet("Сводка"), report)
    ws = wb.create_sheet("По предметам")
    row = title_rows(ws, _lines(report))
    header(ws, row, SUBJECT_TITLES, [8, 28, 26, 10, 8, 26, 8, 10, 14, 10, 10, 10, 10, 10, 10], freeze_col=2)
    first = row
    for sheet in report.sheets:
        for s in sheet.subjects:
            row += 1
            marks = s.marks
            put_row(ws, row, [sheet.class_name, sheet.name, s.name, "да" if s.no_attestation else "", len(s.lessons),
                              ", ".join(marks), len(marks), s.average, s.weighted, mark_value(s.period_mark) or None,
                              s.lates, s.missed, s.absent, s.ill, s.excused], formats={8: AVG, 9: AVG})
    autofilter(ws, first, row, len(SUBJECT_TITLES))
    ws = wb.create_sheet("Уроки")
    row = title_rows(ws, _lines(report))
    header(ws, row, LESSON_TITLES, [8, 28, 26, 11, 8, 40, 14, 9, 14], freeze_col=2)
    first = row
    for sheet in report.sheets:
        for s in sheet.subjects:
            for lesson in s.lessons:
                row += 1
                marks = [m for w in lesson.works for m in w.marks]
                single = mark_value(marks[0]) if len(marks) == 1 and isinstance(mark_value(marks[0]), int) else None
                put_row(ws, row, [sheet.class_name, sheet.name, s.name, lesson.lesson_date, lesson.number,
                                  lesson.topic, lesson.marks_text, single,
                                  ATTENDANCE_LETTERS.get(lesson.attendance, "")])
    autofilter(ws, first, row, len(LESSON_TITLES))
    return to_bytes(wb)


def _overview(ws, report: SheetsReport) -> None:
    subjects = report.subjects
    row = title_rows(ws, _lines(report) + ["Средневзвешенный балл по предметам; пропуски и опоздания за период"])
    titles = ["Класс", "Ученик"] + [name for _, name in subjects] + ["Опозданий", "Пропусков", "Н", "Б", "У"]
    header(ws, row, titles, [8, 28] + [12] * len(subjects) + [10, 10, 6, 6, 6], freeze_col=2)
    first = row
    formats = {3 + i: AVG for i in range(len(subjects))}
    for sheet in report.sheets:
        row += 1
        by = {s.subject_id: s for s in sheet.subjects}
        put_row(ws, row, [sheet.class_name, sheet.name,
                          *[by[sid].weighted if sid in by else None for sid, _ in subjects],
                          sheet.lates, sheet.missed, sheet.absent, sheet.ill, sheet.excused], formats=formats)
    autofilter(ws, first, row, len(titles))
