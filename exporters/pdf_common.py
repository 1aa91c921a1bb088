"""What the report PDFs share, on top of services/core/pdf.py (the portal's A4 document with the
school's name in the header, «Стр. N из M» and the date it was made in the footer, DejaVu
Sans from a pip package): a title block, a fast ruled table that wraps its cells and repeats
its header on every page, and the signature block of a certified document.

The table is drawn with plain cells: fpdf2's own `table()` costs about 50 ms a page, this one
about 10 ms, which is what lets a whole school's weekly sheets print in seconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.core import clock
from services.core.pdf import FAMILY, PortalPDF
from services.rules.averages import show

LINE_WIDTH = 0.2
HEADER_FILL = 228
VERTICAL_MAX = 34.0  # mm: the tallest header of vertical titles
MUTED = 90


@dataclass(frozen=True)
class Col:
    title: str
    width: float          # mm
    align: str = "L"      # L | C | R
    vertical: bool = False  # header written bottom to top (narrow subject columns)


class ReportPDF(PortalPDF):
    """services/core/pdf.PortalPDF with the regular and bold faces only: parsing a TTF costs ~0.08 s a
    face and a document, which adds up over the ~500 journals of a year archive; the reports use
    no italics (notes are set in grey instead)."""

    def add_font(self, family=None, style="", fname=None, *args, **kwargs):
        if family == FAMILY and "I" in (style or "").upper():
            return None
        return super().add_font(family, style, fname, *args, **kwargs)


def new_document(title: str, school: str, *, landscape: bool = False, made_at: datetime | None = None) -> PortalPDF:
    doc = ReportPDF(title, school=school, orientation="L" if landscape else "P", made_at=made_at)
    doc.set_line_width(LINE_WIDTH)
    return doc


def paragraph(doc: PortalPDF, text: str, *, size: float = 10, style: str = "", align: str = "L",
              line: float | None = None) -> None:
    """Text wrapped to the page width (a plain, much cheaper multi_cell)."""
    line = line or size * 0.5
    doc.set_font(FAMILY, style, size)
    width = doc.w - doc.l_margin - doc.r_margin
    for text_line in _wrapper(doc).wrap(text, width - 0.5, style, size):
        if doc.get_y() + line > doc.page_break_trigger:
            doc.add_page()
        doc.set_x(doc.l_margin)
        doc.cell(width, line, text_line, align=align)
        doc.ln(line)


def title_block(doc: PortalPDF, school: str, title: str, lines: list[str], *, size: int = 13) -> None:
    """The school's full name, the document's name, then what it covers (centred)."""
    paragraph(doc, school, size=10, style="B", align="C", line=5)
    doc.ln(1)
    paragraph(doc, title, size=size, style="B", align="C", line=size * 0.5)
    for text in lines:
        if text:
            paragraph(doc, text, size=10, align="C", line=5)
    doc.ln(2)
    doc.set_font(FAMILY, size=10)


def left_lines(doc: PortalPDF, lines: list[str], *, size: float = 9.5, bold_first: bool = False) -> None:
    for i, text in enumerate(lines):
        paragraph(doc, text, size=size, style="B" if bold_first and i == 0 else "")
    doc.set_font(FAMILY, size=10)


class _Wrapper:
    """Word wrap by measured widths, with the widths of words cached per font size."""

    def __init__(self, doc: PortalPDF):
        self.doc = doc
        self.cache: dict[tuple[str, float, str], float] = {}

    def width(self, text: str, style: str, size: float) -> float:
        key = (style, size, text)
        w = self.cache.get(key)
        if w is None:
            w = self.cache[key] = self.doc.get_string_width(text)
        return w

    def wrap(self, text: str, width: float, style: str, size: float) -> list[str]:
        out: list[str] = []
        for para in str(text).split("\n"):
            words = para.split(" ")
            line = ""
            for word in words:
                candidate = f"{line} {word}" if line else word
                if self.width(candidate, style, size) <= width:
                    line = candidate
                    continue
                if line:
                    out.append(line)
                line = ""
                while self.width(word, style, size) > width and len(word) > 1:  # a word longer than the cell
                    cut = len(word)
                    while cut > 1 and self.width(word[:cut], style, size) > width:
                        cut -= 1
                    out.append(word[:cut])
                    word = word[cut:]
                line = word
            out.append(line)
        return out or [""]


def _wrapper(doc: PortalPDF) -> "_Wrapper":
    w = getattr(doc, "_report_wrapper", None)
    if w is None:
        w = doc._report_wrapper = _Wrapper(doc)
    return w


def table(doc: PortalPDF, cols: list[Col], rows: list[list[str]], *, size: float = 8.5, line: float | None = None,
          pad: float = 0.9, bold_rows: frozenset[int] = frozenset(), fill_rows: frozenset[int] = frozenset(),
          header_size: float | None = None) -> None:
    """A ruled table at the current position; rows break across pages with the header repeated."""
    saved_margin, doc.c_margin = doc.c_margin, 0  # the cells are padded by `pad` alone
    try:
        _table(doc, cols, rows, size, line, pad, bold_rows, fill_rows, header_size)
    finally:
        doc.c_margin = saved_margin


def _table(doc, cols, rows, size, line, pad, bold_rows, fill_rows, header_size) -> None:
    line = line or round(size * 0.45, 2)
    header_size = header_size or size
    wrapper = _wrapper(doc)
    x0 = doc.l_margin

    def cells_of(texts, style, sz):
        doc.set_font(FAMILY, style, sz)
        return [wrapper.wrap(t, c.width - 2 * pad, style, sz) for t, c in zip(texts, cols)]

    def draw(wrapped, style, sz, fill: bool, lh: float):
        height = max(len(w) for w in wrapped) * lh + 2 * pad
        y = doc.get_y()
        doc.set_font(FAMILY, style, sz)
        x = x0
        for lines, c in zip(wrapped, cols):
            if fill:
                doc.set_fill_color(HEADER_FILL)
                doc.rect(x, y, c.width, height, style="DF")
            else:
                doc.rect(x, y, c.width, height)
            room = c.width - 2 * pad
            for i, text in enumerate(lines):
                if text:  # doc.text() where cell() would centre the line: a tenth of cell()'s cost
                    left = x + pad
                    if c.align != "L":
                        spare = room - wrapper.width(text, style, sz)
                        left += spare / 2 if c.align == "C" else spare
                    doc.text(left, y + pad + i * lh + 0.5 * lh + 0.3 * doc.font_size, text)
            x += c.width
        doc.set_xy(x0, y + height)

    head = cells_of([c.title for c in cols], "B", header_size)
    head_lh = round(header_size * 0.45, 2)
    head_height = max(len(w) for w in head) * head_lh + 2 * pad

    vertical = [c.vertical for c in cols]
    if any(vertical):
        head = [[""] if vertical[i] else w for i, w in enumerate(head)]
        head_height = max(len(w) for w in head) * head_lh + 2 * pad
        doc.set_font(FAMILY, "B", header_size)
        tallest = max(wrapper.width(c.title, "B", header_size) for c in cols if c.vertical)
        v_height = min(max(tallest + 2 * pad, head_height), VERTICAL_MAX)
        v_lines = {i: wrapper.wrap(c.title, v_height - 2 * pad, "B", header_size)[:2]
                   for i, c in enumerate(cols) if c.vertical}
        head_height = max(head_height, v_height)

    def header():
        y = doc.get_y()
        if any(vertical):
            draw_height = head_height
            x = x0
            doc.set_font(FAMILY, "B", header_size)
            for i, c in enumerate(cols):
                doc.set_fill_color(HEADER_FILL)
                doc.rect(x, y, c.width, draw_height, style="DF")
                if vertical[i]:
                    lines = v_lines[i]
                    step = head_lh
                    first = x + c.width / 2 - step * (len(lines) - 1) / 2 + header_size * 0.12
                    for k, text in enumerate(lines):
                        tx, ty = first + k * step, y + draw_height - pad
                        with doc.rotation(90, tx, ty):
                            doc.text(tx, ty, text)
                else:
                    for k, text in enumerate(head[i]):
                        doc.set_xy(x + pad, y + pad + k * head_lh)
                        doc.cell(c.width - 2 * pad, head_lh, text, align="C" if c.align != "L" else "L")
                x += c.width
            doc.set_xy(x0, y + draw_height)
            return
        draw(head, "B", header_size, True, head_lh)

    if doc.get_y() + head_height + line + 2 * pad > doc.page_break_trigger:
        doc.add_page()
    header()
    for n, texts in enumerate(rows):
        style = "B" if n in bold_rows else ""
        wrapped = cells_of([("" if t is None else str(t)) for t in texts], style, size)
        while wrapped:
            room = int((doc.page_break_trigger - doc.get_y() - 2 * pad) // line)
            tallest = max(len(w) for w in wrapped)
            if tallest <= room:
                draw(wrapped, style, size, n in fill_rows, line)
                break
            if room < 2 or tallest <= 3:  # start the row on the next page
                doc.add_page()
                header()
                continue
            draw([w[:room] for w in wrapped], style, size, n in fill_rows, line)
            wrapped = [w[room:] for w in wrapped]
            doc.add_page()
            header()
    doc.set_font(FAMILY, size=10)


def signatures(doc: PortalPDF, lines: list[tuple[str, str]], *, stamp: bool = False, date_line: bool = True) -> None:
    """«Директор ______________ / Фамилия И. О. /», one line each, kept together on a page."""
    needed = 16 * len(lines) + (12 if stamp else 0) + (8 if date_line else 0) + 6
    if doc.get_y() + needed > doc.page_break_trigger:
        doc.add_page()
    doc.ln(6)
    doc.set_font(FAMILY, size=10)
    for role, name in lines:
        if doc.get_string_width(role) > 68:
            doc.cell(0, 6, role, new_x="LMARGIN", new_y="NEXT")
            doc.cell(70, 8, "")
        else:
            doc.cell(70, 8, role)
        doc.cell(55, 8, "_" * 24)
        doc.cell(0, 8, f"/ {name or ' ' * 28} /", new_x="LMARGIN", new_y="NEXT")
        doc.ln(2)
    if date_line:
        doc.cell(0, 8, "«____» ________________ 20____ г.", new_x="LMARGIN", new_y="NEXT")
    if stamp:
        doc.ln(2)
        doc.cell(0, 8, "М. П.", new_x="LMARGIN", new_y="NEXT")


def muted_note(doc: PortalPDF, text: str, size: float = 8) -> None:
    doc.set_text_color(MUTED)
    paragraph(doc, text, size=size)
    doc.set_text_color(0)
    doc.set_font(FAMILY, size=10)


def num(value: float | None, digits: int = 2) -> str:
    """A Russian decimal: 4,33; empty for none."""
    return show(value, digits)


def local_now(tz: str | None = None) -> datetime:
    return clock.local_now(tz)
