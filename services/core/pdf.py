"""A small shared fpdf2 helper for every printable document (DESIGN.md decision 9).

`document(title, school=…)` gives an FPDF with the DejaVu Sans family registered (regular,
bold, italic — Cyrillic), a header with the school's name and the title, and a footer with
«Стр. N из M» and the date and time it was made. The font comes from a pip package installed
with the portal (matplotlib ships DejaVu Sans in mpl-data; rinoh-typeface-dejavusans is
accepted too), never from a path that only one machine has.

    pdf = pdf_helper.document("Журнал выдачи реквизитов", school="Школа № 1", orientation="L")
    pdf.heading("5А")
    with pdf.table(col_widths=(10, 40, 30)) as table: ...
    data = pdf.to_bytes()
"""
from __future__ import annotations

import importlib.util
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.core import clock

FAMILY = "DejaVu"
_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf",
          "BI": "DejaVuSans-BoldOblique.ttf"}


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, without importing it (matplotlib is slow to import)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def font_dir() -> Path:
    candidates = []
    mpl = _package_dir("matplotlib")
    if mpl is not None:
        candidates.append(mpl / "mpl-data" / "fonts" / "ttf")
    rinoh = _package_dir("rinoh_typeface_dejavusans")
    if rinoh is not None:
        candidates.append(rinoh)
    for folder in candidates:
        if (folder / _FILES[""]).is_file() and (folder / _FILES["B"]).is_file():
            return folder
    raise RuntimeError("Не найден шрифт DejaVu Sans: установите пакет matplotlib (pip), он поставляет шрифт.")


class PortalPDF(FPDF):
    """An A4 document with the portal's header and footer."""

    def __init__(self, title: str, school: str = "", orientation: str = "P", made_at: datetime | None = None,
                 header: bool = True):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.doc_title = title
        self.school = school
        self.made_at = clock.to_local(made_at or clock.now())
        self.show_header = header
        folder = font_dir()
        for style, name in _FILES.items():
            if (folder / name).is_file():
                self.add_font(FAMILY, style, str(folder / name))
        self.set_font(FAMILY, size=10)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)
        self.set_creator("Школьный портал")
        self.alias_nb_pages()

    def header(self) -> None:
        if not self.show_header:
            return
        self.set_font(FAMILY, size=8)
        self.set_text_color(90)
        self.cell(0, 4, self.school, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(180)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)
        self.set_text_color(0)
        self.set_font(FAMILY, size=10)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(90)
        self.cell(0, 5, f"{self.doc_title} · сформировано {self.made_at:%d.%m.%Y %H:%M}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Стр. {self.page_no()} из {{nb}}", align="R")
        self.set_text_color(0)

    # -------------------------------------------------------------- small conveniences
    def heading(self, text: str, size: int = 14) -> None:
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)
        self.set_font(FAMILY, size=10)

    def paragraph(self, text: str, size: int = 10) -> None:
        self.set_font(FAMILY, size=size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def dashed_line(self, y: float, label: str = "✂") -> None:
        """A cut line across the page at height y."""
        self.set_draw_color(120)
        self.set_dash_pattern(dash=2, gap=1.5)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_dash_pattern()
        if label:
            self.set_font(FAMILY, size=9)
            self.set_xy(self.l_margin - 4, y - 2.5)
            self.cell(4, 5, label)
        self.set_draw_color(0)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def document(title: str, *, school: str = "", orientation: str = "P", header: bool = True) -> PortalPDF:
    """A new document with one page added."""
    pdf = PortalPDF(title, school=school, orientation=orientation, header=header)
    pdf.add_page()
    return pdf
