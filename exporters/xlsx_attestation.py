"""The attestation summary as a workbook: a sheet «Итоги» of totals by class (for a parallel
or the school) and a sheet per class — pupils by subjects with the marks as numbers, the
counts of 5/4/3/2/н/а per pupil, then the counts and shares per subject under the table."""
from __future__ import annotations

from exporters.xlsx_common import (
    autofilter, header, mark_value, put, put_row, sheet_name, title_rows, to_bytes, workbook,
)
from services.core import clock
from services.reports.attestation import AttestationSummary, ClassSheet
from services.reports.common import year_title
from services.reports.stats import CATEGORY_TITLES
from services.rules.averages import round_half_up

PCT = "0.0"
TOTAL_TITLES = ["Класс", "Учеников", "Аттестовано", "На «5»", "На «4» и «5»", "С одной «3»", "С «3»",
                "Неуспевающих", "Не аттестовано", "«5»", "«4»", "«3»", "«2»", "н/а", "осв", "Качество знаний, %",
                "Успеваемость, %"]


def _lines(summary: AttestationSummary, extra: str = "") -> list[str]:
    made = clock.to_local(summary.made_at, summary.school.timezone)
    lines = [summary.school.name, summary.title,
             f"{summary.column_title} · {year_title(summary.start_year)} учебный год · {summary.scope_title}"
             + (f" · {extra}" if extra else ""),
             f"Период: {summary.start:%d.%m.%Y} – {summary.end:%d.%m.%Y}; состав классов на {summary.as_of:%d.%m.%Y}; "
             f"сформировано {made:%d.%m.%Y %H:%M}"]
    if summary.third_party:
        lines.append(f"Для передачи третьим лицам: без учеников, отозвавших согласие (исключено: {summary.withheld})")
    return lines


def _pct(value: float | None):
    return round_half_up(value, 1)


def summary_xlsx(summary: AttestationSummary) -> bytes:
    wb = workbook()
    taken: set[str] = set()
    if len(summary.classes) != 1:
        ws = wb.create_sheet(sheet_name("Итоги", taken))
        row = title_rows(ws, _lines(summary))
        header(ws, row, TOTAL_TITLES, [10] + [12] * 14 + [16, 16])
        first = row
        items = [(c.name, c.standing, c.marks) for c in summary.classes] + [("Итого", summary.standing, summary.marks)]
        for name, s, m in items:
            row += 1
            put_row(ws, row, [name, s.pupils, s.attested, s.excellent, s.good, s.one_three, s.three, s.failing,
                              s.not_attested, m.five, m.four, m.three, m.two, m.na, m.exempt, _pct(s.quality),
                              _pct(s.success)], bold=name == "Итого", formats={16: PCT, 17: PCT})
        autofilter(ws, first, row - 1, len(TOTAL_TITLES))
    for sheet in summary.classes:
        _class_sheet(wb.create_sheet(sheet_name(sheet.name, taken)), summary, sheet)
    return to_bytes(wb)


def _class_sheet(ws, summary: AttestationSummary, sheet: ClassSheet) -> None:
    extra = f"классный руководитель: {sheet.class_teacher}" if sheet.class_teacher else ""
    row = title_rows(ws, _lines(summary, f"{sheet.name} класс" + (f", {extra}" if extra else "")))
    titles = ["№", "Ученик", "Примечание"] + [name for _, name in sheet.subjects] + \
             ["«5»", "«4»", "«3»", "«2»", "н/а", "Итог", "Учитывается"]
    header(ws, row, titles, [5, 30, 24] + [11] * len(sheet.subjects) + [6, 6, 6, 6, 6, 16, 12], freeze_col=2)
    first = row
    for i, r in enumerate(sheet.rows, start=1):
        row += 1
        c = r.counts
        put_row(ws, row, [i, r.name, r.note, *[mark_value(r.marks.get(sid, "")) or None for sid, _ in sheet.subjects],
                          c.five, c.four, c.three, c.two, c.na, CATEGORY_TITLES[r.category] if r.counted else "",
                          "да" if r.counted else "нет"])
    autofilter(ws, first, row, len(titles))
    row += 1
    base = 4
    for label, pick, fmt in (("«5»", lambda m: m.five, None), ("«4»", lambda m: m.four, None),
                             ("«3»", lambda m: m.three, None), ("«2»", lambda m: m.two, None),
                             ("н/а", lambda m: m.na, None), ("осв", lambda m: m.exempt, None),
                             ("Качество знаний, %", lambda m: _pct(m.quality), PCT),
                             ("Успеваемость, %", lambda m: _pct(m.success), PCT)):
        row += 1
        put(ws, row, 2, label, bold=True)
        for k, (sid, _) in enumerate(sheet.subjects):
            put(ws, row, base + k, pick(sheet.by_subject[sid]), number_format=fmt)
    s = sheet.standing
    row += 2
    for label, value, fmt in (("Учеников на дату состава", s.pupils, None), ("Аттестовано", s.attested, None),
                              ("На «5»", s.excellent, None), ("На «4» и «5»", s.good, None),
                              ("С одной «3»", s.one_three, None), ("Неуспевающих", s.failing, None),
                              ("Не аттестовано", s.not_attested, None),
                              ("Качество знаний класса, %", _pct(s.quality), PCT),
                              ("Успеваемость класса, %", _pct(s.success), PCT)):
        put(ws, row, 2, label, bold=True)
        put(ws, row, 3, value, number_format=fmt)
        row += 1
    if sheet.no_attestation:
        row += 1
        put(ws, row, 2, "Без аттестации: " + ", ".join(sheet.no_attestation))
