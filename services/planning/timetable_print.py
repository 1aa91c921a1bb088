"""The whole school's weekly timetable on one printable page (A3 landscape PDF): classes as
columns, days and lesson numbers as rows, «предмет кабинет» in each cell."""
from __future__ import annotations

from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.core import clock
from services.core.actor import Actor
from services.core.pdf import FAMILY, _FILES, font_dir
from services.planning.timetable_views import SchoolGrid, school_grid
from services.rules.timetable import DAY_SHORT

PAGE_W, PAGE_H, MARGIN = 420.0, 297.0, 8.0


def school_pdf(actor: Actor, school_id: int, on: date | None = None, school_name: str = "") -> bytes:
    return render_pdf(school_grid(actor, school_id, on), school_name)


def render_pdf(grid: SchoolGrid, school_name: str = "") -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A3")
    folder = font_dir()
    for style, name in _FILES.items():
        if (folder / name).is_file():
            pdf.add_font(FAMILY, style, str(folder / name))
    pdf.set_title(f"Расписание {school_name}".strip())
    pdf.set_creator("Школьный портал")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 12)
    title = f"Расписание уроков на {grid.on:%d.%m.%Y} ({grid.year_label} учебный год)"
    pdf.cell(0, 6, f"{school_name} — {title}" if school_name else title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=6)
    pdf.cell(0, 3.5, f"Сформировано {clock.to_local(clock.now()):%d.%m.%Y %H:%M}", new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.ln(1)
    classes = grid.classes or [(0, "—")]
    usable_w = PAGE_W - 2 * MARGIN
    day_w, num_w = 9.0, 4.5
    col_w = (usable_w - day_w - num_w) / len(classes)
    rows = len(grid.days) * len(grid.numbers)
    usable_h = PAGE_H - pdf.get_y() - MARGIN - 4
    row_h = min(8.0, usable_h / (rows + 1))
    font = max(3.5, min(7.0, col_w * 0.55, row_h * 1.2))
    line = font * 0.40
    # header
    pdf.set_font(FAMILY, "B", font + 0.5)
    pdf.set_fill_color(221, 235, 247)
    y = pdf.get_y()
    pdf.set_xy(MARGIN, y)
    pdf.cell(day_w, row_h, "День", border=1, align="C", fill=True)
    pdf.cell(num_w, row_h, "№", border=1, align="C", fill=True)
    for _, name in classes:
        pdf.cell(col_w, row_h, name, border=1, align="C", fill=True)
    y += row_h
    pdf.set_font(FAMILY, size=font)
    for d in grid.days:
        top = y
        for n in grid.numbers:
            pdf.set_xy(MARGIN + day_w, y)
            pdf.cell(num_w, row_h, str(n), border=1, align="C")
            for i, (class_id, _) in enumerate(classes):
                x = MARGIN + day_w + num_w + i * col_w
                text = grid.cell(class_id, d, n)
                pdf.rect(x, y, col_w, row_h)
                if text:
                    _fit(pdf, text, x, y, col_w, row_h, line, font)
            y += row_h
        pdf.set_font(FAMILY, "B", font + 0.5)
        pdf.rect(MARGIN, top, day_w, y - top)
        pdf.set_xy(MARGIN, top)
        pdf.multi_cell(day_w, y - top, DAY_SHORT.get(d, str(d)), align="C")
        pdf.set_font(FAMILY, size=font)
        pdf.set_line_width(0.4)
        pdf.line(MARGIN, y, MARGIN + usable_w, y)
        pdf.set_line_width(0.2)
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, x: float, y: float, w: float, h: float, line: float, font: float) -> None:
    """Write the text inside the cell, smaller when it does not fit."""
    size = font
    while size > 2.5:
        pdf.set_font(FAMILY, size=size)
        lines = pdf.multi_cell(w - 0.6, size * 0.40, text, dry_run=True, output="LINES")
        if len(lines) * size * 0.40 <= h - 0.4:
            break
        size -= 0.5
    pdf.set_xy(x + 0.3, y + 0.2)
    pdf.multi_cell(w - 0.6, size * 0.40, text, align="C")
    pdf.set_font(FAMILY, size=font)
