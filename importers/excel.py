"""The shared machinery of every Excel import (DESIGN.md decision 8).

An import kind is one declarative `ImportSpec`: what it fills (target), its columns (title,
synonyms, parser, required), the key columns that identify a row (duplicates in the file are
reported at their later occurrence), and row rules across columns. This module reads a
workbook through the one bounded reader (importers/sheet_reader.py), matches the header row
tolerantly (case, spaces, punctuation, ё/е, «№», known synonyms and abbreviations such as
«Дата рожд.»), parses every row and reports each problem with the spreadsheet's own row number
(the header is row 1), the column header as written in the file, the value and a Russian
reason. It touches no database: services apply the parsed rows.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from importers import parsers, sheet_reader
from importers.parsers import CellError
from services.rules.attachments import zip_mimetype

ERROR, WARNING = "error", "warning"


class ImportFileError(ValueError):
    """The file cannot be read as a table at all; str(e) is the Russian reason."""


# ------------------------------------------------------------------ problems
@dataclass(frozen=True)
class Problem:
    row: int          # the spreadsheet's row number (header = 1); 0 = the file as a whole
    column: str       # the header as written in the file (or the expected title if missing)
    value: str
    message: str
    severity: str = ERROR

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}

    def text(self) -> str:
        where = f"строка {self.row}" if self.row else "файл"
        if self.column:
            where += f", столбец «{self.column}»"
        value = f" «{self.value}»" if self.value else ""
        return f"{where}:{value} {self.message}"


# ------------------------------------------------------------------ specs
@dataclass(frozen=True)
class Column:
    key: str
    title: str                                   # as in the template
    parse: Callable[[Any], Any] = parsers.text   # raises CellError
    required: bool = False
    synonyms: tuple[str, ...] = ()
    example: Any = ""
    help: str = ""
    missing: str = ""                            # the message when a required cell is empty


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    title: str                                   # «Ученики»
    target: str                                  # which tables it fills, for the docs
    columns: tuple[Column, ...]
    keys: tuple[tuple[str, ...], ...] = ()       # alternative identities of a row, in order
    row_rules: tuple[Callable[["ParsedRow"], Iterable[tuple[str, str, str]]], ...] = ()
    examples: tuple[dict, ...] = ()
    duplicate_message: str = "повтор строки {row}"

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


# ------------------------------------------------------------------ reading
@dataclass
class Table:
    headers: list[str]                           # the header row, as text
    rows: list[tuple[int, Sequence[Any]]]        # (row number, cell values), blank rows left out
    sheet: str = ""


def _kind_of(data: bytes, filename: str) -> str:
    ext = Path(filename or "").suffix.lower().lstrip(".")
    if ext in ("xlsx", "xlsm", "xls", "ods", "csv"):
        return ext
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "opendocument.spreadsheet" in (zip_mimetype(z) or ""):
                    return "ods"
        except Exception:  # damaged: the reader says so in Russian
            pass
        return "xlsx"
    raise ImportFileError("Файл не похож на таблицу: загрузите .xlsx, .xls или .ods.")


def read_table(source: bytes | str | Path, filename: str = "") -> Table:
    """The first sheet of a workbook: its header row (row 1) and every non-blank row after it,
    read by the one bounded reader (importers/sheet_reader.py)."""
    if isinstance(source, (str, Path)):
        filename = filename or str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as e:
            raise ImportFileError(f"Файл «{source}» не открывается: {e.strerror or e}.") from None
    else:
        data = source
    kind = _kind_of(data, filename)
    try:
        sheet = sheet_reader.read_sheet(data, kind)
    except sheet_reader.SheetError as e:
        raise ImportFileError(str(e)) from None
    if not sheet.rows or sheet.rows[0][0] != 1:
        raise ImportFileError("В первой строке файла должны быть заголовки столбцов.")
    headers = [parsers.text(v) for v in sheet.rows[0][1]]
    return Table(headers=headers, rows=list(sheet.rows[1:]), sheet=sheet.title)


# ------------------------------------------------------------------ headers
def normalize_header(text: str) -> str:
    """Case, ё/е, «№», punctuation and spaces do not matter: «Дата рожд.» → «дата рожд»."""
    s = str(text).lower().replace("ё", "е").replace("№", " номер ")
    s = re.sub(r"[^\w]+", " ", s)
    return " ".join(s.split())


def _abbreviates(header: str, name: str) -> bool:
    """Each word of the header starts the matching word of the name: «дата рожд» ~ «дата рождения»."""
    hw, nw = header.split(), name.split()
    return len(hw) == len(nw) and all(n.startswith(h) and (len(h) >= 3 or h == n) for h, n in zip(hw, nw))


@dataclass
class ColumnMatch:
    headers: list[str]
    index: dict[str, int]                       # column key → position in the row
    missing: list[Column]                       # required columns not found
    unknown: list[str]                          # headers that matched no column

    def header(self, key: str) -> str:
        return self.headers[self.index[key]] if key in self.index else ""


def match_columns(spec: ImportSpec, headers: list[str], mapping: dict[str, str] | None = None) -> ColumnMatch:
    """Which file column holds which spec column. `mapping` (column key → header as written)
    is the user's choice from the mapping step and wins over matching."""
    norm = [normalize_header(h) for h in headers]
    index: dict[str, int] = {}
    used: set[int] = set()
    for key, header in (mapping or {}).items():
        if header and header in headers:
            pos = headers.index(header)
            index[key], _ = pos, used.add(pos)
    names = {c.key: [normalize_header(c.title), *(normalize_header(s) for s in c.synonyms)]
             for c in spec.columns if c.key not in index}
    for rule in (lambda h, n: h == n, _abbreviates):
        claims: dict[int, set[str]] = {}
        for key, candidates in names.items():
            if key in index:
                continue
            hits = [i for i, h in enumerate(norm) if i not in used and h and any(rule(h, n) for n in candidates)]
            if len(hits) == 1:
                claims.setdefault(hits[0], set()).add(key)
        for pos, keys in claims.items():
            if len(keys) == 1:  # a header that two columns claim stays for the mapping step
                index[keys.pop()] = pos
                used.add(pos)
    missing = [c for c in spec.columns if c.required and c.key not in index]
    unknown = [h for i, h in enumerate(headers) if i not in used and h]
    return ColumnMatch(headers=headers, index=index, missing=missing, unknown=unknown)


# ------------------------------------------------------------------ parsing
@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    raw: dict[str, Any]
    match: ColumnMatch = field(repr=False)
    spec: ImportSpec = field(repr=False)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    def add(self, key: str, message: str, severity: str = ERROR, value: Any = None) -> Problem:
        column = self.match.header(key) or self.spec.column(key).title
        shown = parsers.shown(self.raw.get(key)) if value is None else str(value)
        problem = Problem(self.number, column, shown, message, severity)
        self.problems.append(problem)
        return problem

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    def filled(self, key: str) -> bool:
        return not parsers.is_blank(self.raw.get(key))


@dataclass
class Parsed:
    spec: ImportSpec
    match: ColumnMatch
    rows: list[ParsedRow]
    file_problems: list[Problem]

    @property
    def problems(self) -> list[Problem]:
        out = list(self.file_problems)
        for r in self.rows:
            out.extend(r.problems)
        return out

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def valid_rows(self) -> list[ParsedRow]:
        return [r for r in self.rows if r.ok]


def read_parsed(spec: ImportSpec, source: bytes | str | Path, filename: str, result) -> Parsed | None:
    """Read and check a workbook into `result` (its errors, warnings and row count); None when the
    file itself is refused (unreadable, a column missing): the caller then returns `result` as it is."""
    try:
        table = read_table(source, filename)
    except ImportFileError as e:
        result.errors.append(Problem(0, "", "", str(e)))
        return None
    parsed = parse(spec, table)
    result.errors.extend(p for p in parsed.problems if p.severity == ERROR)
    result.warnings.extend(p for p in parsed.problems if p.severity != ERROR)
    result.rows = len(parsed.rows)
    return None if parsed.file_problems else parsed


def parse(spec: ImportSpec, table: Table, mapping: dict[str, str] | None = None,
          progress: Callable[[int, int], None] | None = None) -> Parsed:
    """Match the headers, parse every cell, apply the row rules and find duplicate rows."""
    match = match_columns(spec, table.headers, mapping)
    if match.missing:
        problems = [Problem(1, c.title, "", f"нет столбца «{c.title}»") for c in match.missing]
        return Parsed(spec, match, [], problems)
    rows: list[ParsedRow] = []
    total = len(table.rows)
    for n, (number, cells) in enumerate(table.rows, start=1):
        raw = {key: (cells[pos] if pos < len(cells) else None) for key, pos in match.index.items()}
        row = ParsedRow(number, {}, raw, match, spec)
        for column in spec.columns:
            value = raw.get(column.key)
            if parsers.is_blank(value):
                row.values[column.key] = None
                if column.required:
                    row.add(column.key, column.missing or f"не заполнено: {column.title}")
                continue
            try:
                row.values[column.key] = column.parse(value)
            except CellError as e:
                row.values[column.key] = None
                row.add(column.key, str(e))
        for rule in spec.row_rules:
            for key, message, severity in rule(row):
                row.add(key, message, severity)
        rows.append(row)
        if progress and (n % 200 == 0 or n == total):
            progress(n, total)
    _mark_duplicates(spec, rows)
    return Parsed(spec, match, rows, [])


def row_key(spec: ImportSpec, row: ParsedRow) -> list[tuple[int, tuple]]:
    """The identities of a row, one per alternative of spec.keys whose cells are filled (an
    optional column other than the first may be empty): (alternative, normalised values)."""
    out = []
    for n, keys in enumerate(spec.keys):
        values = []
        for k in keys:
            v = row.values.get(k)
            if v is None or v == "":
                if spec.column(k).required or k == keys[0]:
                    break
                v = ""
            values.append(_normal(v))
        else:
            out.append((n, tuple(values)))
    return out


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return parsers.name_key(value)[0]
    if isinstance(value, tuple):
        return tuple(_normal(v) for v in value)
    return value


def mark_duplicates(spec: ImportSpec, rows: list[ParsedRow]) -> None:
    """Report each row whose identity (spec.keys) an earlier one of `rows` has (a service that
    leaves some rows out first, such as applications not enrolled, marks the rest itself)."""
    _mark_duplicates(spec, rows)


def _mark_duplicates(spec: ImportSpec, rows: list[ParsedRow]) -> None:
    if not spec.keys:
        return
    seen: dict[tuple[int, tuple], int] = {}
    for row in rows:
        keys = row_key(spec, row)
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            alt = next(n for n, k in keys if (n, k) in seen)
            row.add(spec.keys[alt][0], spec.duplicate_message.format(row=first))
            continue
        for k in keys:
            seen.setdefault(k, row.number)


# ------------------------------------------------------------------ templates
def template(spec: ImportSpec) -> bytes:
    """A workbook to fill in: the header row alone on the first sheet (the one an upload reads,
    so an unchanged template enrols nobody), a filled-in example on a sheet of its own, and a
    sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = spec.title[:31]
    ws.append([c.title for c in spec.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for i, c in enumerate(spec.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(c.title) + 4))
    ws.freeze_panes = "A2"
    if spec.examples:
        sample = wb.create_sheet("Пример заполнения")
        sample.append([c.title for c in spec.columns])
        for example in spec.examples:
            sample.append([example.get(c.key, "") for c in spec.columns])
        for i, c in enumerate(spec.columns, start=1):
            sample.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(c.title) + 4))
    help_ws = wb.create_sheet("Пояснения")
    help_ws.append(["Столбец", "Обязательный", "Что писать", "Другие названия столбца"])
    for cell in help_ws[1]:
        cell.font = Font(bold=True)
    for c in spec.columns:
        help_ws.append([c.title, "да" if c.required else "", c.help, ", ".join(c.synonyms)])
    for letter, width in zip("ABCD", (28, 14, 60, 50)):
        help_ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
