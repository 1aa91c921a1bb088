"""The one bounded reader of uploaded spreadsheets (issue 13, item 3). Every import (pupils,
staff, movement, the timetable, КТП, olympiads; the screens and `manage.py` alike) reads its
file here, through `importers.excel.read_table`; a test fails on any other reader of uploaded
bytes (tests/unit/test_sheet_reader_scan.py).

What it bounds, before anything big is built in memory:
* the file: at most `MAX_FILE_BYTES` (5 МБ, what the upload fields say and Streamlit's
  `server.maxUploadSize` enforces);
* a zip container (.xlsx, .ods): at most `MAX_MEMBERS` parts and `MAX_UNZIPPED_BYTES` once
  unpacked, by the sizes the archive declares (Python's zipfile never inflates a part past its
  declared size), so a zip bomb is refused before a byte is inflated;
* the first sheet: at most `MAX_ROWS` rows under the header, `MAX_COLUMNS` columns and
  `MAX_CELLS` filled cells. The sheet's declared size (`<dimension ref="A1:XFD1048576"/>`) is
  ignored: .xlsx is read cell by cell with openpyxl's streaming parser, rows are never padded,
  blank rows are skipped, and the reading stops at the first cell past a limit;
* .csv (the export of a regional enrolment system, issue 19) is decoded (UTF-8, else
  Windows-1251), its separator found in the first line («;», «,» or a tab), and read row by
  row through the same caps; a cell is text, as in the file;
* .xls and .ods, which python-calamine unpacks into one dense block (a single cell far away
  makes it huge), are read in a child process with a memory and time limit and the same caps.
A file beyond a limit, or damaged, raises `SheetError` with a Russian reason; nothing is read
half-way. A file read once is kept by its SHA-256 (a few of them, within a cell budget), so a
screen's rerun, the check and the load of the same upload read it once.
"""
from __future__ import annotations

import csv
import hashlib
import io
import pickle
import subprocess
import sys
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 30 * 1024 * 1024
MAX_MEMBERS = 500
MAX_ROWS = 10_000
MAX_COLUMNS = 100
MAX_CELLS = 250_000
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024
CHILD_SECONDS = 30
CACHE_CELLS = 2 * MAX_CELLS
ROOT = Path(__file__).resolve().parents[1]


class SheetError(ValueError):
    """The file cannot be read as a table within the limits; str(e) is the Russian reason."""


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (row number, values), blank rows left out, trimmed

    @property
    def cells(self) -> int:
        return sum(len(values) for _, values in self.rows)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} МБ"


def _n(number: int) -> str:
    """10000 → «10 000»."""
    return f"{number:,}".replace(",", " ")


# ------------------------------------------------------------------ limits
def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _letters(column: int) -> str:
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


class _Collector:
    """Puts the filled cells of a sheet into rows, refusing the first cell past a limit."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, tuple[Any, ...]]] = []
        self.cells = 0

    def add_row(self, number: int, cells: Iterable[tuple[int, Any]]) -> None:
        filled = [(column, value) for column, value in cells if not _blank(value)]
        if not filled:
            return
        if number > MAX_ROWS + 1:
            raise SheetError(f"В файле больше {_n(MAX_ROWS)} строк данных (заполнена строка {_n(number)}). "
                             "Загрузите не больше этого за один раз или удалите лишние строки.")
        widest = max(column for column, _ in filled)
        if widest > MAX_COLUMNS:
            raise SheetError(f"В файле больше {MAX_COLUMNS} столбцов (заполнена ячейка "
                             f"{_letters(widest)}{number}). Удалите лишние столбцы.")
        self.cells += len(filled)
        if self.cells > MAX_CELLS:
            raise SheetError(f"В файле больше {_n(MAX_CELLS)} заполненных ячеек (до строки {_n(number)}). "
                             "Разделите файл на части.")
        values: list[Any] = [None] * widest
        for column, value in filled:
            values[column - 1] = value
        self.rows.append((number, tuple(values)))


def _check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        size = f"{len(data) / 1024 / 1024:.1f}".replace(".", ",")
        raise SheetError(f"Файл больше {_mb(MAX_FILE_BYTES)} ({size} МБ): загрузите файл поменьше.")


def _check_zip(data: bytes) -> None:
    """Refuse a zip whose parts, unpacked, would be too many or too big (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise SheetError("Файл повреждён: это не архив .xlsx/.ods. Сохраните его в Excel заново.") from None
    if len(infos) > MAX_MEMBERS:
        raise SheetError(f"Файл повреждён или собран не Excel: в архиве {len(infos)} частей.")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise SheetError(f"Файл слишком велик в распакованном виде: {total // (1024 * 1024)} МБ при допустимых "
                         f"{_mb(MAX_UNZIPPED_BYTES)}. Удалите лишнее (картинки, пустые оформленные строки) "
                         "или разделите файл.")


# ------------------------------------------------------------------ formats
def _read_xlsx(data: bytes) -> Sheet:
    """The first worksheet through openpyxl's own parts, cell by cell. Not `load_workbook`: even in
    read-only mode it opens every sheet to learn its declared size, scanning a whole sheet that
    declares none; and the declared size is what pads rows into a memory bomb."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        wb = reader.wb
        apply_stylesheet(reader.archive, wb)  # which number formats are dates
        first = next(((sheet, rel) for sheet, rel in reader.parser.find_sheets()
                      if "chartsheet" not in rel.Type and rel.target in reader.valid_files), None)
        if first is None:
            raise SheetError("В файле нет ни одного листа с таблицей.")
        sheet, rel = first
        collector = _Collector()
        with reader.archive.open(rel.target) as source:
            parser = WorkSheetParser(source, reader.shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for number, cells in parser.parse():
                collector.add_row(number, ((cell["column"], cell["value"]) for cell in cells))
        return Sheet(sheet.name, tuple(collector.rows))
    finally:
        reader.archive.close()


CSV_SEPARATORS = (";", ",", "\t")


def _read_csv(data: bytes) -> Sheet:
    """A CSV file as one sheet of text cells, through the same caps as a workbook."""
    if b"\x00" in data[:4096]:
        raise SheetError("Файл не похож на CSV: в нём двоичные данные. Сохраните таблицу как CSV (UTF-8) или .xlsx.")
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1251 decodes almost anything; kept for clarity
        raise SheetError("Кодировка CSV не распознана: сохраните файл как CSV (UTF-8).")
    first = text.split("\n", 1)[0]
    separator = max(CSV_SEPARATORS, key=first.count)
    if not first.count(separator):
        raise SheetError("В первой строке CSV нет разделителей «;», «,» или табуляции: это не таблица.")
    collector, number = _Collector(), 0
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            number += 1
            collector.add_row(number, ((i + 1, value.strip()) for i, value in enumerate(cells)))
    except csv.Error as e:
        raise SheetError(f"CSV повреждён (строка {number + 1}): {e}.") from None
    return Sheet("CSV", tuple(collector.rows))


def _read_calamine_here(data: bytes) -> Sheet:
    """In the child process: python-calamine, the same caps."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    if not wb.sheet_names:
        raise SheetError("В файле нет ни одного листа.")
    name = wb.sheet_names[0]
    sheet = wb.get_sheet_by_name(name)
    top, left = sheet.start or (0, 0)
    collector = _Collector()
    for offset, values in enumerate(sheet.iter_rows()):
        collector.add_row(top + offset + 1, ((left + i + 1, None if v == "" else v) for i, v in enumerate(values)))
    return Sheet(name, tuple(collector.rows))


def _read_calamine(data: bytes) -> Sheet:
    """.xls and .ods in a child process with a memory and time limit."""
    try:
        done = subprocess.run([sys.executable, "-m", "importers.sheet_reader"], input=data, capture_output=True,
                              timeout=CHILD_SECONDS, cwd=ROOT)
    except subprocess.TimeoutExpired:
        raise SheetError(f"Файл читается дольше {CHILD_SECONDS} с: он слишком велик или повреждён. "
                         "Сохраните его как .xlsx или разделите на части.") from None
    if done.returncode != 0 or not done.stdout:
        raise SheetError("Файл не читается как таблица: он повреждён или слишком велик в распакованном виде. "
                         "Сохраните его как .xlsx.")
    kind, payload = pickle.loads(done.stdout)
    if kind == "error":
        raise SheetError(payload)
    title, rows = payload
    return Sheet(title, rows)


def _child_main() -> None:
    """`python -m importers.sheet_reader`: the file on stdin, a pickled ("ok", (title, rows)) or
    ("error", reason) on stdout, plain values only; the address space capped first."""
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    try:
        sheet = _read_calamine_here(data)
        result: tuple[str, Any] = ("ok", (sheet.title, sheet.rows))
    except SheetError as e:
        result = ("error", str(e))
    except MemoryError:
        result = ("error", "Таблица в файле слишком велика в распакованном виде. Удалите лишнее или "
                           "сохраните файл как .xlsx.")
    except Exception as e:  # a damaged file, or one calamine itself finds too big: say so
        result = ("error", f"Файл не читается как таблица ({type(e).__name__}): он повреждён или слишком велик "
                           "в распакованном виде. Сохраните его как .xlsx.")
    sys.stdout.buffer.write(pickle.dumps(result))


# ------------------------------------------------------------------ the entry
_cache: OrderedDict[str, Sheet | str] = OrderedDict()   # file hash → the sheet, or the reason it was refused
_cache_lock = threading.Lock()


def _cells(entry: Sheet | str) -> int:
    return entry.cells if isinstance(entry, Sheet) else 1


def _read(data: bytes, kind: str) -> Sheet:
    if kind in ("xlsx", "xlsm", "ods"):
        _check_zip(data)
    try:
        if kind == "csv":
            return _read_csv(data)
        return _read_xlsx(data) if kind in ("xlsx", "xlsm") else _read_calamine(data)
    except SheetError:
        raise
    except Exception as e:  # a damaged or mislabelled file: say so, never crash
        raise SheetError(f"Файл не читается как таблица ({kind}): {type(e).__name__}. "
                         "Сохраните его в Excel заново.") from None


def read_sheet(data: bytes, kind: str) -> Sheet:
    """The first sheet of an uploaded workbook of `kind` (xlsx, xlsm, xls, ods, csv), within the limits.
    A file is read once: its sheet, or the reason it was refused, is kept by its SHA-256."""
    _check_size(data)
    key = f"{kind}:{hashlib.sha256(data).hexdigest()}"
    with _cache_lock:
        entry = _cache.get(key)
        if entry is not None:
            _cache.move_to_end(key)
    if entry is None:
        try:
            entry = _read(data, kind)
        except SheetError as e:
            entry = str(e)
        with _cache_lock:
            _cache[key] = entry
            while len(_cache) > 1 and sum(_cells(e) for e in _cache.values()) > CACHE_CELLS:
                _cache.popitem(last=False)
    if isinstance(entry, str):
        raise SheetError(entry)
    return entry


if __name__ == "__main__":
    _child_main()
