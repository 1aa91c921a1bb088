"""Printable credentials: slips to cut and hand over (one per pupil, guardian or employee) and
the ledger of issued credentials with a signature column (regulation 3.2, 5.17)."""
from __future__ import annotations

from datetime import datetime

from fpdf.enums import XPos, YPos

from services.core import clock, pdf as pdf_helper
from services.core.pdf import FAMILY
from services.people.credentials import LedgerRow, Slip

SLIP_HEIGHT = 62.0  # mm: four slips on an A4 page


def slips_pdf(slips: list[Slip], *, school: str, title: str = "Реквизиты для входа", portal_url: str = "",
              issued_at: datetime | None = None) -> bytes:
    """One slip per account, four to a page, with dashed cut lines between them."""
    doc = pdf_helper.PortalPDF(title, school=school, header=False)
    issued = clock.to_local(issued_at or clock.now())
    top = doc.t_margin
    per_page = int((doc.h - doc.t_margin - doc.b_margin) // SLIP_HEIGHT)
    for n, slip in enumerate(slips):
        if n % per_page == 0:
            doc.add_page()
        y = top + (n % per_page) * SLIP_HEIGHT
        if n % per_page:
            doc.dashed_line(y - 2)
        _slip(doc, slip, y, school, portal_url, issued)
    if not slips:
        doc.add_page()
        doc.paragraph("Нет выданных реквизитов.")
    return doc.to_bytes()


def _slip(doc, slip: Slip, y: float, school: str, portal_url: str, issued: datetime) -> None:
    left = doc.l_margin + 4
    width = doc.w - doc.l_margin - doc.r_margin - 8
    doc.set_xy(left, y + 2)
    doc.set_font(FAMILY, size=8)
    doc.set_text_color(90)
    doc.cell(width, 4, f"{school} · Электронный журнал и дневник", new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.set_text_color(0)
    doc.set_font(FAMILY, "B", 13)
    doc.cell(width, 7, slip.name, new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.set_font(FAMILY, size=10)
    if slip.kind == "guardian":
        who = f"Родитель (законный представитель) ученика: {slip.for_pupil}, {slip.class_name}"
    elif slip.kind == "pupil":
        who = f"Ученик, {slip.class_name}"
    else:
        who = f"Сотрудник{', ' + slip.class_name if slip.class_name else ''}"
    doc.cell(width, 5, who, new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.ln(1)
    rows = (("Адрес портала:", portal_url or "_" * 40), ("Логин:", slip.login), ("Одноразовый пароль:", slip.password))
    for label, value in rows:
        doc.set_x(left)
        doc.set_font(FAMILY, size=10)
        doc.cell(45, 7, label)
        doc.set_font(FAMILY, "B", 13 if label != "Адрес портала:" else 10)
        doc.cell(width - 45, 7, value, new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.set_x(left)
    doc.set_font(FAMILY, size=8)
    doc.multi_cell(width, 4, "При первом входе портал попросит придумать новый пароль. Никому не сообщайте пароль; "
                             f"если он утерян, обратитесь к классному руководителю. Выдано {issued:%d.%m.%Y}.",
                   new_x=XPos.LEFT, new_y=YPos.NEXT)


def ledger_pdf(rows: list[LedgerRow], *, school: str, scope: str, period: str = "") -> bytes:
    """The ledger of issued credentials, landscape, with an empty signature column."""
    title = "Журнал выдачи реквизитов доступа"
    doc = pdf_helper.document(title, school=school, orientation="L")
    doc.heading(title)
    doc.paragraph(scope + (f" · {period}" if period else "") + f" · записей: {len(rows)}")
    headings = ("№", "Дата и время", "Кому выдано", "Логин", "Роль", "Класс", "Вид", "Кто выдал",
                "Подпись получившего")
    widths = (10, 30, 49, 33, 20, 16, 24, 40, 45)
    doc.set_font(FAMILY, size=8)
    with doc.table(col_widths=widths, text_align="LEFT", line_height=7, first_row_as_headings=True,
                   repeat_headings=1) as table:
        head = table.row()
        for h in headings:
            head.cell(h)
        for r in rows:
            row = table.row()
            for value in (str(r.number), f"{r.issued_at:%d.%m.%Y %H:%M}", r.recipient, r.login, r.role_title,
                          r.class_name, r.kind_title, r.issued_by, ""):
                row.cell(value)
    doc.ln(6)
    doc.set_font(FAMILY, size=9)
    doc.cell(0, 6, "Ответственный за выдачу: ______________________ / ______________________ /")
    return doc.to_bytes()
