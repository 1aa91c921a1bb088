"""Averages of marks: plain and weighted by the work type's weight.

Only the five-point marks are numbers: «осв», «н/а», «зач», «незач» never enter an average;
a double mark «5/4» is two marks and counts twice.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
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


def round_mark(avg: float | None) -> int | None:
    """The suggested period mark: half up (3.5 → 4, 4.49 → 4)."""
    if avg is None:
        return None
    return int(Decimal(str(avg)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


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
