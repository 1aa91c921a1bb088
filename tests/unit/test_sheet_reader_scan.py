"""Issue 13, section 3: every uploaded spreadsheet is read by the one bounded reader
(importers/sheet_reader.py). This scan of the code fails on any other use of a spreadsheet
reader (openpyxl's load_workbook or its parser, python-calamine, pandas.read_excel) outside it.
Tests may read back the workbooks the exporters make; nothing else is allowed."""
from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READER = Path("importers/sheet_reader.py")
ALLOWED: set[Path] = {READER}  # exporters only write workbooks; none reads its own output back
SKIP = {".venv", "tests", ".git", "data", "node_modules"}
READERS = {"load_workbook", "read_excel", "ExcelFile", "python_calamine", "CalamineWorkbook", "ExcelReader",
           "WorkSheetParser", "openpyxl.reader", "openpyxl.reader.excel", "openpyxl.worksheet._reader",
           "_read_only", "ReadOnlyWorksheet", "pyexcel", "xlrd", "odf", "pandas_ods_reader"}


def uses(tree: ast.AST) -> set[str]:
    """The reader names a module uses in code (not in its docstrings or comments)."""
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or "", *(a.name for a in node.names)]
        found |= {n for n in names if n in READERS or n.split(".")[0] in READERS}
    return found


def code_files() -> list[Path]:
    out = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP and not d.startswith(".")]
        out += [(Path(folder) / f).relative_to(ROOT) for f in files if f.endswith(".py")]
    return out


def test_no_spreadsheet_is_read_outside_the_bounded_reader():
    offenders = {str(path): sorted(found) for path in code_files() if path not in ALLOWED
                 and (found := uses(ast.parse((ROOT / path).read_text(encoding="utf-8"))))}
    assert offenders == {}, "Uploaded spreadsheets are read only by importers/sheet_reader.py (issue 13, item 3)"


def test_the_scan_sees_the_reader_itself():
    assert {"ExcelReader", "WorkSheetParser", "CalamineWorkbook"} <= uses(ast.parse((ROOT / READER).read_text()))
    assert READER in code_files()
    assert uses(ast.parse("import pandas as pd\npd.read_excel(data)")) == {"read_excel"}
    assert uses(ast.parse("from openpyxl import load_workbook")) == {"load_workbook"}
