"""Averages of marks: plain and weighted by the work type's weight.

Only the five-point marks are numbers: «осв», «н/а», «зач», «незач» never enter an average;
a double mark «5/4» is two marks and counts twice.
"""
from __future__ import annotations

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


def show(avg: float | None) -> str:
    return "" if avg is None else f"{avg:.2f}".replace(".", ",")
