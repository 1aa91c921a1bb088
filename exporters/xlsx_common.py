"""What the report workbooks share: real numbers, a bold frozen header with a filter, column
widths, and text that can never turn into a formula.

A formula-like text cell (`formula_guard.formula_like`: it starts with «=», «+», «-», «@», a tab,
a carriage return…; the same rule the CSV download uses) is written as a string cell with the
quote prefix Excel and LibreOffice use for text typed with a leading apostrophe: it shows exactly
as written and stays text even when someone edits it. Numbers (marks, averages, counts, shares)
stay numbers.
"""
from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from exporters.formula_guard import formula_like
from services.rules.averages import round_half_up

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E4E4E4")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
SHEET_NAME_BAD = set("[]:*?/\\")


def workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def sheet_name(text: str, taken: set[str] | None = None) -> str:
    name = "".join("_" if ch in SHEET_NAME_BAD else ch for ch in text).strip("'")[:31] or "Лист"
    if taken is not None:
        base, n = name, 2
        while name in taken:
            suffix = f" ({n})"
            name, n = base[:31 - len(suffix)] + suffix, n + 1
        taken.add(name)
    return name


def mark_value(value: str) -> Any:
    """A five-point mark as a number, anything else («5/4», «н/а», «Н») as text."""
    return int(value) if value in ("1", "2", "3", "4", "5") else value


def _decimals(number_format: str) -> int:
    return len(number_format.split(".", 1)[1].rstrip("%")) if "." in number_format else 0


def put(ws: Worksheet, row: int, col: int, value: Any, *, bold: bool = False, wrap: bool = False,
        number_format: str | None = None):
    """Write one cell safely."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones: the local time as shown
    cell = ws.cell(row=row, column=col)
    if isinstance(value, float):
        value = round_half_up(value, _decimals(number_format or "0.00"))  # what the cell shows is the rule's
    if isinstance(value, str):
        cell.value = value
        if formula_like(value):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    elif isinstance(value, datetime):
        cell.number_format = "DD.MM.YYYY HH:MM"
    elif isinstance(value, date):
        cell.number_format = "DD.MM.YYYY"
    elif isinstance(value, float):
        cell.number_format = "0.00"
    if bold:
        cell.font = BOLD
    if wrap:
        cell.alignment = WRAP
    return cell


def put_row(ws: Worksheet, row: int, values: Iterable[Any], *, bold: bool = False, wrap_cols: set[int] = frozenset(),
            formats: dict[int, str] | None = None, start_col: int = 1) -> None:
    formats = formats or {}
    for i, value in enumerate(values):
        col = start_col + i
        put(ws, row, col, value, bold=bold, wrap=col in wrap_cols, number_format=formats.get(col))


def header(ws: Worksheet, row: int, titles: list[str], widths: list[float], *, freeze_col: int = 1) -> None:
    """A bold, filled header row; the panes frozen below it (and right of freeze_col columns)."""
    for i, (title, width) in enumerate(zip(titles, widths), start=1):
        cell = put(ws, row, i, title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=freeze_col + 1)


def title_rows(ws: Worksheet, lines: list[str]) -> int:
    """Lines above the table (school, document, what it covers); returns the next free row."""
    for n, line in enumerate(lines, start=1):
        put(ws, n, 1, line, bold=n <= 2)
    return len(lines) + 2


def autofilter(ws: Worksheet, header_row: int, last_row: int, cols: int) -> None:
    if last_row > header_row:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(cols)}{last_row}"


def neutralise(wb: Workbook) -> Workbook:
    """Every text cell of a workbook filled by other code (pandas, plain `append`) that starts
    with a dangerous character becomes quoted text, as `put` writes it; formulas typed as text
    (openpyxl stores a string starting with «=» as a formula) become text again."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if formula_like(value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return wb


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
