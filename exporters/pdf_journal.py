"""One journal (class × subject, or a subgroup) for the year as a PDF for the archive (5.13):
landscape A4; for every study period the marks and attendance grid, at most COLS_PER_PAGE
works a page, with the averages and the period mark; then the lessons with their topics and
homework; then the period, annual, exam and final marks. Readable without the portal."""
from __future__ import annotations

from exporters.pdf_common import Col, left_lines, muted_note, new_document, num, table, title_block
from services.reports.common import year_title
from services.reports.journal import JournalDoc, JournalPeriod

COLS_PER_PAGE = 23      # lesson columns of 9 mm on a page
COLS_WITH_SUMMARY = 18  # on the last page, beside the averages and the period mark
USABLE = 267.0
NAME_W = 46.0
SUMMARY_COLS = [Col("Ср.", 10, "C"), Col("Взв.", 10, "C"), Col("Проп.", 10, "C"), Col("Опоз.", 10, "C"),
                Col("За пер.", 12, "C")]
LEGEND = ("Н — отсутствовал(а) без уважительной причины, Б — болел(а), У — уважительная причина, О — опоздание; "
          "«5/4» — две отметки за одну работу; «—» — ученик в эти дни не числился в классе (группе). Столбец — "
          "работа: дата урока и вид работы (К — контрольная и т. п.). Ср. и Взв. — средний и средневзвешенный балл "
          "за период.")


def journal_pdf(doc_data: JournalDoc) -> bytes:
    """The archive's copy: every period's grid, then the year's lessons, then the period and year marks."""
    d = doc_data
    doc = new_document(f"Журнал {d.title}", d.school.name, landscape=True)
    draw_journal(doc, d, note="Архивная копия: уроки, темы, домашние задания, отметки, посещаемость, "
                              "отметки за периоды и год")
    return doc.to_bytes()


def paper_pdf(docs: list[JournalDoc], title: str) -> bytes:
    """The paper journal on demand (issue 16): one or more journals (a class's subjects) in one
    document, each laid out as the paper journal is: for every period the marks page (pupils ×
    lesson dates) and then the topics page (date, topic, homework), then the period and year marks."""
    school = docs[0].school.name if docs else ""
    doc = new_document(title, school, landscape=True)
    for d in docs:
        draw_journal(doc, d, paper=True, note="Копия электронного журнала в виде бумажного: "
                                              "страница отметок и страница тем за каждый период")
    if not docs:
        doc.add_page()
        left_lines(doc, ["Уроков в этом учебном году не было."])
    return doc.to_bytes()


def draw_journal(doc, d: JournalDoc, *, note: str, paper: bool = False) -> None:
    """One journal from a new page. `paper`: each period's topics follow its marks (as in the paper
    journal); otherwise the lessons of the whole year come after all the grids (the archive)."""
    doc.add_page()
    teachers = ", ".join(d.teachers)
    spans = (f"{d.periods[0].name} – {d.periods[-1].name}" if len(d.periods) > 1 else d.periods[0].name) \
        if d.periods and paper else ""
    title_block(doc, d.school.name, f"Электронный журнал: {d.title}",
                [f"{year_title(d.start_year)} учебный год" + (f" · {spans}" if spans else "")
                 + (f" · учитель: {teachers}" if teachers else ""),
                 "Без аттестации" if d.no_attestation else "", note])
    muted_note(doc, LEGEND)
    first = True
    for period in d.periods:
        if not period.columns:
            continue
        if not first:
            doc.add_page()
        first = False
        _grid(doc, d, period)
        if paper:
            doc.add_page()
            _topics(doc, [l for l in d.lessons if l.period == period.name],
                    f"{period.name} ({period.starts_on:%d.%m.%Y} – {period.ends_on:%d.%m.%Y}) · {d.title} · "
                    "темы уроков и домашние задания", paper=True)
    if first:
        left_lines(doc, ["Уроков в этом учебном году не было." if not paper else "Уроков за этот период не было."])
    if d.lessons and not paper:
        doc.add_page()
        _topics(doc, d.lessons, "Уроки, темы и домашние задания")
    if d.final_keys and d.pupils:
        doc.add_page()
        left_lines(doc, [f"Отметки за периоды и год · {d.title}" if paper else "Отметки за периоды и год"],
                   size=11, bold_first=True)
        doc.ln(1)
        w = min(26.0, (USABLE - 8 - 70) / len(d.final_keys))
        cols = [Col("№", 8, "R"), Col("Ученик", 70)] + [Col(t, w, "C") for _, t in d.final_keys]
        rows = [[str(i), name, *[d.final.get((sid, k), "") for k, _ in d.final_keys]]
                for i, (sid, name) in enumerate(d.pupils, start=1)]
        table(doc, cols, rows, size=8.5, header_size=8)


def _topics(doc, lessons, heading: str, *, paper: bool = False) -> None:
    left_lines(doc, [heading], size=11 if not paper else 10, bold_first=True)
    doc.ln(1)
    if paper:   # the right-hand page of the paper journal: date, what was done, homework, teacher
        cols = [Col("Дата", 18, "C"), Col("№", 8, "C"), Col("Что пройдено на уроке", 100),
                Col("Домашнее задание", 86), Col("Работы", 25), Col("Учитель", 30)]
        rows = [[f"{l.lesson_date:%d.%m.%Y}", str(l.number), l.topic, l.homework, l.works, l.teacher]
                for l in lessons]
        table(doc, cols, rows, size=8, header_size=8)
        return
    cols = [Col("Период", 24), Col("Дата", 18, "C"), Col("№", 8, "C"), Col("Тема урока", 80),
            Col("Домашнее задание", 62), Col("Работы", 40), Col("Учитель", 35)]
    rows = [[l.period, f"{l.lesson_date:%d.%m.%Y}", str(l.number), l.topic, l.homework, l.works, l.teacher]
            for l in lessons]
    table(doc, cols, rows, size=7.5, header_size=8)


def _grid(doc, d: JournalDoc, period: JournalPeriod) -> None:
    chunks = [period.columns[i:i + COLS_PER_PAGE] for i in range(0, len(period.columns), COLS_PER_PAGE)]
    if len(chunks[-1]) > COLS_WITH_SUMMARY:
        last = chunks.pop()
        chunks += [last[:-COLS_WITH_SUMMARY], last[-COLS_WITH_SUMMARY:]]
    for n, chunk in enumerate(chunks):
        if n:
            doc.add_page()
        last = n == len(chunks) - 1
        left_lines(doc, [f"{period.name} ({period.starts_on:%d.%m.%Y} – {period.ends_on:%d.%m.%Y}) · {d.title}"
                         + (f" · лист {n + 1} из {len(chunks)}" if len(chunks) > 1 else "")], size=10, bold_first=True)
        doc.ln(1)
        extra = SUMMARY_COLS if last else []
        room = USABLE - 7 - NAME_W - sum(c.width for c in extra)
        width = min(12.0, room / max(len(chunk), 1))
        cols = [Col("№", 7, "R"), Col("Ученик", NAME_W)]
        cols += [Col(_label(c), width, "C") for c in chunk] + extra
        rows = []
        for i, pupil in enumerate(period.pupils, start=1):
            cells = [period.cells.get((pupil.student_id, c.label), "") for c in chunk]
            row = [str(i), pupil.name, *cells]
            if last:
                s = period.summaries.get(pupil.student_id)
                row += ([num(s.average), num(s.weighted), str(s.absences), str(s.lates), s.period_mark]
                        if s else [""] * 5)
            rows.append(row)
        table(doc, cols, rows, size=7, header_size=6.5, pad=0.7)


def _label(column) -> str:
    """«10.11» over the work's abbreviation: «10.11 К»."""
    text = f"{column.lesson_date:%d.%m}"
    parts = column.label.split(" ")
    extra = [p for p in parts[2:] if not p.startswith("(")]
    return f"{text} {' '.join(extra)}".strip()
