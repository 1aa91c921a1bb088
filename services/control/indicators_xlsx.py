"""The municipal coordinator's statistical summary (R-CTL-6) as an XLSX workbook: every indicator for every
school side by side (with the municipality's total), numerators and denominators, the ranking,
and deadline compliance and fill levels. Aggregates only — no names of pupils."""
from __future__ import annotations

import io

from checks import registry
from checks.base import CATEGORIES, STATUS_COLOURS
from services.control.indicators import MunicipalView, ranking
from services.core import audit
from services.core.actor import Actor

DEADLINES = ("timely_marks", "timely_homework", "lesson_planning", "journal_work", "timetable_fill", "paperless",
             "lessons_held")


def municipal_xlsx(actor: Actor, view: MunicipalView, date_from, date_to) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Показатели"
    schools = list(view.schools)
    ws.append([f"{view.name}: показатели школ за {date_from:%d.%m.%Y} – {date_to:%d.%m.%Y} ({view.label})"])
    ws.append(["Категория", "Показатель", "Ед.", "Муниципалитет", *[name for _, name in schools]])
    total = {r.id: r for r in view.total}
    for id_ in [r.id for r in view.total]:
        entry = registry.get(id_)
        row = [CATEGORIES.get(entry.category, ""), entry.name, entry.unit, total[id_].value]
        row += [view.cells[(id_, s)].value for s, _ in schools]
        ws.append(row)
        for n, (s, _) in enumerate(schools):
            cell = ws.cell(row=ws.max_row, column=5 + n)
            colour = STATUS_COLOURS[view.cells[(id_, s)].status].lstrip("#")
            cell.fill = PatternFill("solid", fgColor=colour)
    nd = wb.create_sheet("Числители и знаменатели")
    nd.append(["Показатель", "Школа", "Значение", "Числитель", "Знаменатель", "Оценка"])
    for id_ in total:
        for s, name in schools:
            part = view.cells[(id_, s)]
            nd.append([registry.get(id_).name, name, part.value, part.numerator, part.denominator, part.status])
    rk = wb.create_sheet("Рейтинг")
    rk.append(["Показатель", "Место", "Школа", "Значение"])
    for id_ in total:
        for place, name, part in ranking(view, id_):
            rk.append([registry.get(id_).name, place or "—", name, part.value])
    dl = wb.create_sheet("Сроки и заполнение")
    dl.append(["Школа", *[registry.get(i).name for i in DEADLINES if i in total]])
    for s, name in schools:
        dl.append([name, *[view.cells[(i, s)].value for i in DEADLINES if i in total]])
    for sheet in wb.worksheets:
        header_row = 2 if sheet.title == "Показатели" else 1
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for col in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(col)].width = 16
        sheet.column_dimensions["B"].width = 40 if sheet.title == "Показатели" else 24
        sheet.column_dimensions["A"].width = 34
    from exporters.xlsx_common import neutralise
    neutralise(wb)  # school names are typed by people: never a formula
    out = io.BytesIO()
    wb.save(out)
    audit.record_now(actor, "indicators.exported", entity="municipality", entity_id=view.municipality_id,
                     detail=f"сводка по {len(schools)} школам")
    return out.getvalue()
