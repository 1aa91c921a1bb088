"""Work types (виды работ): the standard set a new school gets, and the checks of a change.

A work type's weight is what its marks count for in the weighted average (1.8): from 0.5 to 5.
A type that does not count in averages is stored with weight 0 — every average of the portal
(services/rules/averages.py, the indicators in checks/) already leaves out marks of weight 0.
Averages are always computed with the current weights, so a weight changed in the middle of the
year changes every average that includes marks of that type from then on.

The standard set (the weights are the portal's choice; a school changes them on its screen):

| Вид работы | Вес | Дней на проверку | Контрольная |
|---|---|---|---|
| Работа на уроке (по умолчанию) | 1 | 0 | |
| Домашняя работа | 1 | 0 | |
| Самостоятельная работа | 1,5 | 2 | |
| Проверочная работа | 1,5 | 2 | |
| Тест | 1,5 | 2 | |
| Диктант | 1,5 | 3 | |
| Лабораторная работа | 1,5 | 3 | |
| Практическая работа | 1,5 | 3 | |
| Изложение | 2 | 7 | |
| Сочинение | 2 | 7 | |
| Контрольная работа | 2 | 3 | да |
| Зачёт | 2 | 0 | да |
| Экзамен | 3 | 3 | да |

Checking days: 0 means the marks are due by the deadline hour of the lesson day; N means the
written work's marks are due N days after the lesson (1.8).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

WEIGHT_MIN, WEIGHT_MAX = 0.5, 5.0
DAYS_MAX = 14
NAME_MAX = 120


@dataclass(frozen=True)
class StandardType:
    name: str
    weight: float
    checking_days: int
    is_test: bool = False
    is_default: bool = False


STANDARD_SET: tuple[StandardType, ...] = (
    StandardType("Работа на уроке", 1.0, 0, is_default=True),
    StandardType("Домашняя работа", 1.0, 0),
    StandardType("Самостоятельная работа", 1.5, 2),
    StandardType("Проверочная работа", 1.5, 2),
    StandardType("Тест", 1.5, 2),
    StandardType("Диктант", 1.5, 3),
    StandardType("Лабораторная работа", 1.5, 3),
    StandardType("Практическая работа", 1.5, 3),
    StandardType("Изложение", 2.0, 7),
    StandardType("Сочинение", 2.0, 7),
    StandardType("Контрольная работа", 2.0, 3, is_test=True),
    StandardType("Зачёт", 2.0, 0, is_test=True),
    StandardType("Экзамен", 3.0, 3, is_test=True),
)

WEIGHT_CHANGE_NOTE = ("Средние считаются по текущим весам: новый вес сразу меняет средний балл всех "
                      "учеников по всем отметкам этого вида, в том числе выставленным раньше.")


class WorkTypeRuleError(ValueError):
    pass


def clean_name(value) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise WorkTypeRuleError("Название вида работы не может быть пустым.")
    if len(name) > NAME_MAX:
        raise WorkTypeRuleError(f"Название «{name[:40]}…» длиннее {NAME_MAX} знаков.")
    return name


def parse_weight(value) -> float:
    """A weight from 0.5 to 5 ("1,5" and "1.5" alike), rounded to hundredths."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    try:
        weight = round(float(text), 2)
    except ValueError:
        raise WorkTypeRuleError(f"Вес «{value}» — не число; укажите от 0,5 до 5.") from None
    if not WEIGHT_MIN <= weight <= WEIGHT_MAX:
        raise WorkTypeRuleError(f"Вес {show_weight(weight)} вне допустимых пределов: от 0,5 до 5.")
    return weight


def parse_days(value) -> int:
    text = str(value if value is not None else "").strip().replace(",", ".")
    try:
        number = float(text) if text else 0.0
    except ValueError:
        raise WorkTypeRuleError(f"Дни на проверку «{value}» — не число.") from None
    if not math.isfinite(number) or number != int(number):
        raise WorkTypeRuleError(f"Дни на проверку «{value}» — нужно целое число.")
    days = int(number)
    if not 0 <= days <= DAYS_MAX:
        raise WorkTypeRuleError(f"Дни на проверку: от 0 до {DAYS_MAX}, а не {days}.")
    return days


def show_weight(weight: float) -> str:
    return f"{weight:g}".replace(".", ",")


@dataclass(frozen=True)
class TypeState:
    """What the checks of a whole set need to know of one type."""
    id: int | None
    name: str
    is_default: bool
    is_active: bool


def check_set(types: list[TypeState]) -> list[str]:
    """Problems of a school's set after a change: names unique (case and spaces ignored), exactly
    one default type, and the default one in use (a retired type cannot be the default)."""
    problems = []
    seen: dict[str, str] = {}
    for t in types:
        key = t.name.casefold().replace("ё", "е")
        if key in seen:
            problems.append(f"Вид работы «{t.name}» уже есть в школе.")
        seen[key] = t.name
    defaults = [t for t in types if t.is_default]
    if len(defaults) != 1:
        problems.append("В школе должен быть ровно один вид работы по умолчанию.")
    elif not defaults[0].is_active:
        problems.append(f"Вид работы по умолчанию «{defaults[0].name}» нельзя вывести из употребления: "
                        "сначала назначьте другой вид по умолчанию.")
    return problems
