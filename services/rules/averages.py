"""Averages of marks (R-JRN-3, R-JRN-7): plain and weighted by the work type's weight.

Only the five-point marks are numbers: «осв», «н/а», «зач», «незач» never enter an average;
a double mark «5/4» is two marks and counts twice.
"""
from __future__ import annotations

import math
from typing import Iterable

from services.rules.cells import numeric


def average(values: Iterable[str]) -> float | None:
    nums = [n for n in (numeric(v) for v in values) if n is not None]
    return sum(nums) / len(nums) if nums else None


def weighted_average(marks: Iterable[tuple[str, float]]) -> float | None:
    """marks: (value, weight of its work type)."""
    total = weight_sum = 0.0
    for value, weight in marks:
        n = numeric(value)
        if n is not None and weight > 0:
            total += n * weight
            weight_sum += weight
    return total / weight_sum if weight_sum else None


def round_mark(avg: float | None, round_from: int = 50) -> int | None:
    """The suggested period mark from the average as shown (two decimals): up when its fractional
    part is at least round_from hundredths, the school's setting (50: 3,50 → 4, 3,49 → 3; 60: 4,59 → 4)."""
    if avg is None:
        return None
    shown = round_half_up(avg, 2)
    return math.floor(shown + (100 - round_from) / 100 + TOLERANCE)


def sql_round_mark(expr: str, round_from: str = "50") -> str:
    """The same rule as a DuckDB expression (an INTEGER); round_from is an SQL expression in hundredths."""
    return f"CAST(floor({sql_round(expr)} + (100 - ({round_from})) / 100.0 + {TOLERANCE}) AS INTEGER)"


def round_from_text(round_from: int) -> str:
    """«с 0,50: 3,50 → 4» — the rule as the journal shows it beside the suggestion."""
    return f"округление вверх с ,{round_from:02d}: 3,{round_from:02d} → 4, 3,{round_from - 1:02d} → 3"


# One rounding rule for every average and share the portal prints: half up (3,625 → 3,63;
# 3,624 → 3,62), to 2 decimals for marks and 1 for percentages. A tiny tolerance absorbs the
# binary error of a sum computed in another order (Python, DuckDB, a spreadsheet), so the same
# average rounds the same way wherever it is computed. The SQL twin below is the same formula.
TOLERANCE = 1e-9


def round_half_up(value: float | None, digits: int = 2) -> float | None:
    """The portal's rounding: half up to `digits` decimals (for non-negative numbers)."""
    if value is None:
        return None
    scale = 10 ** digits
    return math.floor(float(value) * scale + 0.5 + TOLERANCE) / scale


def sql_round(expr: str, digits: int = 2) -> str:
    """The same rule as a DuckDB expression (a DOUBLE)."""
    scale = 10 ** digits
    return f"(floor(CAST(({expr}) AS DOUBLE) * {scale} + 0.5 + {TOLERANCE}) / {scale})"


def sql_show(expr: str, digits: int = 2) -> str:
    """The same rule as DuckDB text with a decimal comma: «3,63»."""
    return f"replace(printf('%.{digits}f', {sql_round(expr, digits)}), '.', ',')"


def show(avg: float | None, digits: int = 2) -> str:
    """An average as text with a decimal comma, rounded by the rule: «3,63»; empty for none."""
    return "" if avg is None else f"{round_half_up(avg, digits):.{digits}f}".replace(".", ",")


def show_percent(value: float | None) -> str:
    return "—" if value is None else show(value, 1) + " %"
