"""Issue 13, item 3: the one bounded reader of uploaded spreadsheets. Hostile files (a declared
dimension of the whole sheet, 300 000 rows, a zip bomb, a far column, an .ods that repeats a row,
a damaged or oversized file) are refused quickly, with little memory and a Russian reason; a
good file is read as before. Pure: no database."""
from __future__ import annotations

import io
import time
import tracemalloc
import tomllib
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from importers import excel, sheet_reader
from importers.excel import ImportFileError
from services.rules import attachments
from tests.ods import ods_document, ods_row

ROOT = Path(__file__).resolve().parents[2]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def bare_xlsx(sheet_data: str, dimension: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """The smallest workbook Excel opens: five parts, inline strings, no styles (≈1.5 KB)."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
        '/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} xmlns:r="{REL_NS}"><sheets>'
        '<sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{dimension}'
        f'<sheetData>{sheet_data}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


PUPILS_SHEET = (row(1, cell("A1", "Фамилия"), cell("B1", "Имя"), cell("C1", "Класс"))
                + row(2, cell("A2", "Иванов"), cell("B2", "Иван"), cell("C2", "5А"))
                + row(3000, cell("A3000", "Петров"), cell("B3000", "Пётр"), cell("C3000", "5Б")))


def measured(read):
    """(result or error, seconds, peak MB of Python allocations) of one read."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = read()
    except ImportFileError as e:
        outcome = e
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    return outcome, seconds, peak


def test_a_dimension_bomb_is_read_by_its_cells_not_by_its_declared_size():
    data = bare_xlsx(PUPILS_SHEET, dimension='<dimension ref="A1:XFD1048576"/>')
    assert len(data) < 2000  # the 1.6 KB file of the report
    table, seconds, peak = measured(lambda: excel.read_table(data, "ктп.xlsx"))
    assert table.headers == ["Фамилия", "Имя", "Класс"]
    assert table.rows == [(2, ("Иванов", "Иван", "5А")), (3000, ("Петров", "Пётр", "5Б"))]
    assert seconds < 5 and peak < 20  # before: rows padded to 16 384 columns, 415 MB and 8 s here


def test_300_000_rows_are_refused_by_the_row_cap_without_reading_them_all():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Фамилия", "Имя", "Класс"])
    for n in range(300_000):
        ws.append([n])
    buf = io.BytesIO()
    wb.save(buf)
    error, seconds, peak = measured(lambda: excel.read_table(buf.getvalue(), "big.xlsx"))
    assert isinstance(error, ImportFileError)
    assert str(error).startswith("В файле больше 10 000 строк данных (заполнена строка 10 002)")
    assert seconds < 15 and peak < 60  # generous (a shared box); the message shows it stopped at row 10 002


def test_a_zip_bomb_is_refused_by_its_unpacked_size_before_inflating():
    padding = b"<!--" + b" " * (200 * 1024 * 1024) + b"-->"
    data = bare_xlsx(PUPILS_SHEET, extra={"xl/padding.xml": padding})
    assert len(data) < 400 * 1024
    error, seconds, peak = measured(lambda: excel.read_table(data, "bomb.xlsx"))
    assert isinstance(error, ImportFileError) and "слишком велик в распакованном виде" in str(error)
    assert seconds < 5 and peak < 10


def declare_size(data: bytes, member: str, size: int) -> bytes:
    """The archive with the unpacked size of `member` declared as `size` in its central directory."""
    out, at = bytearray(data), data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = int.from_bytes(out[at + 28:at + 30], "little")
        if out[at + 46:at + 46 + name_len] == member.encode():
            out[at + 24:at + 28] = size.to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 46)
    return bytes(out)


def test_a_file_without_extension_is_sniffed_without_inflating_a_bomb():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet" + b" " * (200 * 1024 * 1024))
    error, seconds, peak = measured(lambda: excel.read_table(bomb.getvalue(), "выгрузка"))
    assert isinstance(error, ImportFileError) and "слишком велик в распакованном виде" in str(error)
    assert seconds < 5 and peak < 10


def test_a_zip_that_lies_about_its_sizes_is_refused_as_damaged():
    data = declare_size(bare_xlsx(PUPILS_SHEET), "xl/worksheets/sheet1.xml", 10)
    with pytest.raises(ImportFileError, match="Файл не читается как таблица"):
        excel.read_table(data, "lie.xlsx")


def test_a_cell_far_to_the_right_is_refused_by_the_column_cap():
    sheet = row(1, cell("A1", "Фамилия")) + row(2, cell("A2", "Иванов"), cell("GR2", "x"))
    with pytest.raises(ImportFileError, match=r"больше 100 столбцов \(заполнена ячейка GR2\)"):
        excel.read_table(bare_xlsx(sheet), "wide.xlsx")


def test_the_cell_cap(monkeypatch):
    monkeypatch.setattr(sheet_reader, "MAX_CELLS", 5)
    with pytest.raises(ImportFileError, match="больше 5 заполненных ячеек"):
        excel.read_table(bare_xlsx(PUPILS_SHEET), "cells.xlsx")


def test_a_file_over_5_mb_is_refused_before_anything_is_read():
    with pytest.raises(ImportFileError, match=r"^Файл больше 5 МБ \(6,0 МБ\)"):
        excel.read_table(b"PK" + b"\0" * (6 * 1024 * 1024 - 2), "big.xlsx")


@pytest.mark.parametrize("data, name", [
    (b"PK\x03\x04broken", "x.xlsx"), (bare_xlsx(PUPILS_SHEET)[:700], "cut.xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls"), (b"PK\x03\x04" + b"\0" * 100, "x.ods"),
])
def test_a_damaged_file_gets_a_russian_reason(data, name):
    with pytest.raises(ImportFileError) as error:
        excel.read_table(data, name)
    assert str(error.value).startswith(("Файл повреждён", "Файл не читается как таблица"))


def test_an_ods_is_read_in_a_bounded_child_with_the_same_caps():
    good = ods_document(ods_row("Фамилия", "Класс") + ods_row("Иванов", "5А") + ods_row("", "") + ods_row("Петров", "5Б"))
    table = excel.read_table(good, "list.ods")
    assert table.headers == ["Фамилия", "Класс"] and table.rows == [(2, ("Иванов", "5А")), (4, ("Петров", "5Б"))]
    repeated = ods_document(ods_row("Фамилия") + ods_row("x", repeat=20_000))
    assert len(repeated) < 1500
    error, seconds, _ = measured(lambda: excel.read_table(repeated, "rows.ods"))
    assert isinstance(error, ImportFileError) and "больше 10 000 строк" in str(error) and seconds < 10
    huge = ods_document(ods_row("Фамилия") + ods_row(*["x"] * 3, repeat=1_048_000))
    with pytest.raises(ImportFileError):
        excel.read_table(huge, "huge.ods")


def test_the_same_upload_is_read_once_even_when_refused():
    data = bare_xlsx(PUPILS_SHEET + row(3001, cell("A3001", "once")))
    first = sheet_reader.read_sheet(data, "xlsx")
    assert sheet_reader.read_sheet(data, "xlsx") is first
    wide = bare_xlsx(row(1, cell("A1", "Фамилия"), cell("ZZ1", "x")))
    with pytest.raises(sheet_reader.SheetError) as refused:
        sheet_reader.read_sheet(wide, "xlsx")
    started = time.perf_counter()
    with pytest.raises(sheet_reader.SheetError) as again:
        sheet_reader.read_sheet(wide, "xlsx")
    assert str(again.value) == str(refused.value) and time.perf_counter() - started < 0.05


def test_the_upload_limit_is_the_same_everywhere():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    megabytes = config["server"]["maxUploadSize"]
    assert megabytes * 1024 * 1024 == sheet_reader.MAX_FILE_BYTES == attachments.MAX_BYTES
    screens = [*(ROOT / "pages").rglob("*.py"), *(ROOT / "ui").glob("*.py")]
    labels = [line for path in screens for line in path.read_text(encoding="utf-8").splitlines()
              if "file_uploader(" in line]
    # ui/web.sheet_uploader writes its limit from sheet_reader.MAX_FILE_BYTES as `до {megabytes} МБ`
    assert all("до 5 МБ" in line or "MAX_BYTES" in line or "до {megabytes} МБ" in line for line in labels), labels
