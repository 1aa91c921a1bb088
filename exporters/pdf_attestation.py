"""The attestation summary as a PDF: landscape A4, a class per page (or more), subjects as
narrow columns with vertical titles, the counts and shares under each subject, the class's
standing, and — for a parallel or the school — a first page of totals by class. Ends with the
signature block (the document is certified and archived, 1.4)."""
from __future__ import annotations

from exporters.pdf_common import Col, left_lines, muted_note, new_document, signatures, table, title_block
from services.core import clock
from services.reports.attestation import AttestationSummary, ClassSheet
from services.reports.common import long_date, year_title
from services.reports.stats import CATEGORY_TITLES, MarkCounts, Standing, show_percent
from services.rules.averages import show

USABLE = 267.0  # landscape A4 less the margins


def _int(n: int) -> str:
    return str(n)


def totals_rows(summary: AttestationSummary) -> list[list[str]]:
    rows = []
    for c in summary.classes:
        rows.append(_totals_row(c.name, c.standing, c.marks))
    rows.append(_totals_row("Итого", summary.standing, summary.marks))
    return rows


def _totals_row(name: str, s: Standing, m: MarkCounts) -> list[str]:
    return [name, _int(s.pupils), _int(s.attested), _int(s.excellent), _int(s.good), _int(s.one_three),
            _int(s.failing), _int(s.not_attested), _int(m.five), _int(m.four), _int(m.three), _int(m.two),
            _int(m.na), show_percent(s.quality), show_percent(s.success)]


TOTAL_COLS = [Col("Класс", 20), Col("Учеников", 18, "C"), Col("Аттестовано", 22.5, "C"), Col("На «5»", 15, "C"),
              Col("На «4» и «5»", 17, "C"), Col("С одной «3»", 17, "C"), Col("Неуспевающих", 27, "C"),
              Col("Не аттестовано", 22.5, "C"), Col("5", 11, "C"), Col("4", 11, "C"), Col("3", 11, "C"),
              Col("2", 11, "C"), Col("н/а", 11, "C"), Col("Качество знаний", 25, "C"),
              Col("Успеваемость", 25, "C")]


def summary_pdf(summary: AttestationSummary) -> bytes:
    doc = new_document(summary.title, summary.school.name, landscape=True, made_at=summary.made_at)
    lines = [f"{summary.column_title} · {year_title(summary.start_year)} учебный год · {summary.scope_title}",
             f"Период: {summary.start:%d.%m.%Y} – {summary.end:%d.%m.%Y}; состав классов на {summary.as_of:%d.%m.%Y}"]
    if summary.third_party:
        lines.append(f"Для передачи третьим лицам: без учеников, чьи родители отозвали согласие на обработку "
                     f"персональных данных (исключено: {summary.withheld})")
    doc.add_page()
    title_block(doc, summary.school.name, summary.title, lines)
    if len(summary.classes) > 1:
        left_lines(doc, ["Итоги по классам"], size=11, bold_first=True)
        doc.ln(1)
        last = frozenset({len(summary.classes)})
        table(doc, TOTAL_COLS, totals_rows(summary), size=8.5, header_size=8, bold_rows=last, fill_rows=last)
        _explain(doc)
        _sign(doc, summary, None)
    for n, sheet in enumerate(summary.classes):
        if len(summary.classes) > 1 or n:
            doc.add_page()
        _class(doc, summary, sheet)
        if len(summary.classes) == 1:
            _explain(doc)
            _sign(doc, summary, sheet)
    if not summary.classes:
        left_lines(doc, ["Нет классов для ведомости."])
    return doc.to_bytes()


def class_columns(sheet: ClassSheet) -> list[Col]:
    n = max(len(sheet.subjects), 1)
    fixed_counts = 5 * 7.0
    standing_w = 26.0
    name_w = 52.0
    subject_w = min(16.0, (USABLE - 7 - name_w - fixed_counts - standing_w) / n)
    name_w = USABLE - 7 - subject_w * n - fixed_counts - standing_w
    cols = [Col("№", 7, "R"), Col("Ученик", name_w)]
    cols += [Col(title, subject_w, "C", vertical=True) for _, title in subject_titles(sheet)]
    cols += [Col("5", 7, "C"), Col("4", 7, "C"), Col("3", 7, "C"), Col("2", 7, "C"), Col("н/а", 7, "C"),
             Col("Итог", standing_w, "C")]
    return cols


def subject_titles(sheet: ClassSheet) -> list[tuple[int, str]]:
    return list(sheet.subjects)


def class_rows(sheet: ClassSheet) -> list[list[str]]:
    rows = []
    for i, r in enumerate(sheet.rows, start=1):
        name = r.name + (f" ({r.note})" if r.note else "")
        c = r.counts
        rows.append([str(i), name, *[r.marks.get(sid, "") for sid, _ in sheet.subjects],
                     _z(c.five), _z(c.four), _z(c.three), _z(c.two), _z(c.na),
                     CATEGORY_TITLES[r.category] if r.counted else "не учитывается"])
    extra = 6  # the count columns and the standing stay empty in these rows
    for label, pick in (("«5»", lambda m: _int(m.five)), ("«4»", lambda m: _int(m.four)),
                        ("«3»", lambda m: _int(m.three)), ("«2»", lambda m: _int(m.two)),
                        ("н/а", lambda m: _int(m.na)), ("осв.", lambda m: _int(m.exempt)),
                        ("Качество, %", lambda m: _pct(m.quality)), ("Успеваемость, %", lambda m: _pct(m.success))):
        rows.append(["", label, *[pick(sheet.by_subject[sid]) for sid, _ in sheet.subjects], *([""] * extra)])
    return rows


def _z(n: int) -> str:
    return str(n) if n else ""


def _pct(value: float | None) -> str:
    return "—" if value is None else show(value, 1)


def _class(doc, summary: AttestationSummary, sheet: ClassSheet) -> None:
    head = f"{sheet.name} класс"
    if sheet.class_teacher:
        head += f" · классный руководитель: {sheet.class_teacher}"
    if len(summary.classes) > 1:
        head = f"{head} · {summary.column_title}"
    left_lines(doc, [head], size=11, bold_first=True)
    doc.ln(1)
    rows = class_rows(sheet)
    pupils = len(sheet.rows)
    table(doc, class_columns(sheet), rows, size=7.5, header_size=7.5,
          bold_rows=frozenset(range(pupils, len(rows))), fill_rows=frozenset(range(pupils, len(rows))))
    s, m = sheet.standing, sheet.marks
    doc.ln(1)
    left_lines(doc, [
        f"Учеников на {summary.as_of:%d.%m.%Y}: {s.pupils}; аттестовано: {s.attested}; на «5»: {s.excellent}; "
        f"на «4» и «5»: {s.good}; с одной «3»: {s.one_three}; неуспевающих: {s.failing}; "
        f"не аттестовано: {s.not_attested}.",
        f"Качество знаний: {show_percent(s.quality)}; успеваемость: {show_percent(s.success)}. "
        f"Отметок: «5» — {m.five}, «4» — {m.four}, «3» — {m.three}, «2» — {m.two}, н/а — {m.na}.",
    ], size=8.5)
    if sheet.no_attestation:
        names = ", ".join(sheet.no_attestation)
        left_lines(doc, [f"Без аттестации (отметки за период не выставляются): {names}."], size=8.5)


def _explain(doc) -> None:
    doc.ln(1)
    muted_note(doc, "Качество знаний предмета — доля «5» и «4» среди отметок «5», «4», «3», «2», н/а; успеваемость — "
                    "доля отметок без «2», «1», н/а и «незач» среди всех, кроме «осв.». По классу: качество — доля "
                    "учеников на «5» и на «4» и «5», успеваемость — доля учеников без неудовлетворительных отметок "
                    "и н/а, среди аттестованных. В столбце «2» учтены и «1». Ученики, выбывшие до даты состава, "
                    "показаны, но не учитываются.")


def _sign(doc, summary: AttestationSummary, sheet: ClassSheet | None) -> None:
    lines = [("Директор", ""), ("Заместитель директора", "")]
    if sheet is not None:
        lines.append(("Классный руководитель", sheet.class_teacher))
    signatures(doc, lines, stamp=True)
    left_lines(doc, [f"Сформировано {long_date(clock.to_local(summary.made_at, summary.school.timezone).date())}"],
               size=8)
