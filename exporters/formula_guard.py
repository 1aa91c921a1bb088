"""The one rule that keeps text typed by people from turning into a formula in an exported
table (issue 13, item 5; issue 6, item 6), used by the XLSX writers and the CSV download alike.

A text that starts with «=», «+», «-» or «@», with a tab, a carriage return or a line feed (as
OWASP advises for spreadsheet exports), or with the full-width forms of those signs (some
spreadsheet programs read «＝» as «=»), is formula-like:
* in XLSX it is written as a string cell with the quote prefix (`xlsx_common.put`,
  `xlsx_common.neutralise`): it shows exactly as typed and stays text;
* in CSV, which has no cell types, it gets a leading apostrophe (`csv_text`), the mark
  Excel and LibreOffice use for «text typed as is».
Numbers stay numbers: only strings are touched.
"""
from __future__ import annotations

from typing import Any

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def formula_like(value: Any) -> bool:
    """True for a string a spreadsheet program could take for a formula."""
    return isinstance(value, str) and value.startswith(DANGEROUS)


def csv_text(value: Any) -> Any:
    """A value for a CSV cell: formula-like text gets the apostrophe; anything else as it is."""
    return "'" + value if formula_like(value) else value
