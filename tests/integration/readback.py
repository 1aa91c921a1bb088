"""Reading exported files back as a person's tools would: PDF through pdftotext (poppler),
XLSX through openpyxl."""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import load_workbook


def pdf_pages(data: bytes, layout: bool = True) -> list[str]:
    """The text of each page, laid out as on paper (pdftotext -layout), or in the order it was
    written (-raw: a wrapped cell reads as one run of text)."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read the PDFs back"
    assert data.startswith(b"%PDF"), "not a PDF"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        args = ["pdftotext", "-layout" if layout else "-raw", "-enc", "UTF-8", str(path), "-"]
        text = subprocess.run(args, capture_output=True, check=True, timeout=60).stdout.decode("utf-8")
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def line_with(page: str, *words: str) -> str:
    """The first line of the page holding every one of the words."""
    for line in page.splitlines():
        if all(w in line for w in words):
            return line
    raise AssertionError(f"no line with {words!r} in:\n{page}")


def line_starting(page: str, start: str) -> str:
    """The first line of the page that begins (after spaces) with `start`."""
    for line in page.splitlines():
        if line.strip().startswith(start):
            return line
    raise AssertionError(f"no line starting with {start!r} in:\n{page}")


def tokens_after(line: str, marker: str) -> list[str]:
    return line.split(marker, 1)[1].split()


def workbook(data: bytes):
    assert data[:2] == b"PK", "not an XLSX"
    return load_workbook(io.BytesIO(data))


def table(ws, first_title: str) -> tuple[list[str], list[dict]]:
    """The table of a sheet whose header row starts with first_title: (titles, rows as dicts),
    up to the first empty row."""
    header_row = None
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        if row[0].value == first_title:
            header_row = row[0].row
            break
    assert header_row is not None, f"no header «{first_title}» in sheet {ws.title}"
    titles = [c.value for c in ws[header_row]]
    rows = []
    for row in ws.iter_rows(min_row=header_row + 1, max_row=ws.max_row):
        values = [c.value for c in row]
        if all(v is None for v in values):
            break
        rows.append(dict(zip(titles, values)))
    return titles, rows


def no_formulas(data: bytes) -> None:
    """No cell of any sheet is a formula, in openpyxl's view and in the raw XML."""
    import zipfile
    wb = workbook(data)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name
