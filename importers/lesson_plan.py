"""The КТП (calendar-thematic plan) of a subject for a class or a parallel, from Excel:
№ урока, Тема, Часы, Вид работы (практическая, лабораторная, контрольная, экскурсия or
empty), Дата по плану. Services/lesson_plans.py applies it."""
from __future__ import annotations

import re
from typing import Any

from importers import parsers as p
from importers.excel import Column, ImportSpec
from importers.parsers import CellError

WORK_KINDS = ("практическая", "лабораторная", "контрольная", "экскурсия")
_KIND_WORDS = {
    "практическая": ("практическая", "практическая работа", "практ", "практ работа", "пр", "п р", "пр р", "практикум"),
    "лабораторная": ("лабораторная", "лабораторная работа", "лаб", "лаб работа", "л р", "лр"),
    "контрольная": ("контрольная", "контрольная работа", "контр", "к р", "кр", "контроль", "контрольный урок"),
    "экскурсия": ("экскурсия", "экск", "урок экскурсия"),
}
_KINDS = {word: kind for kind, words in _KIND_WORDS.items() for word in words}


def work_kind(raw: Any) -> str:
    """«Практическая работа», «П/р», «к/р», «Лаб.», «Экскурсия» → the kind; empty is allowed."""
    value = re.sub(r"[^\w]+", " ", p.text(raw).lower().replace("ё", "е")).strip()
    if not value or value in ("нет", "урок"):
        return ""
    kind = _KINDS.get(value)
    if kind is None:
        raise CellError("вид работы: практическая, лабораторная, контрольная, экскурсия или пусто")
    return kind


def lesson_number(raw: Any) -> int:
    value = raw
    if isinstance(raw, str):
        value = raw.strip().rstrip(".")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CellError("номер урока — целое число") from None
    if not number.is_integer() or not 1 <= number <= 1000:
        raise CellError("номер урока — целое число от 1 до 1000")
    return int(number)


def hours(raw: Any) -> float:
    value = raw
    if isinstance(raw, str):
        value = raw.strip().replace(",", ".")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CellError("часы — число, например 1 или 0,5") from None
    if not 0.5 <= number <= 10 or round(number * 2) != number * 2:
        raise CellError("часов — от 0,5 до 10, шагом 0,5")
    return number


def topic(raw: Any) -> str:
    value = p.limited(500)(raw)
    if not re.search(r"[A-Za-zА-Яа-яЁё]", value):
        raise CellError("в теме нет ни одной буквы")
    return value


LESSON_PLAN = ImportSpec(
    kind="lesson_plan",
    title="КТП",
    target="LessonPlan, PlannedTopic",
    columns=(
        Column("number", "№ урока", lesson_number, required=True, missing="не указан номер урока",
               synonyms=("№", "№ п/п", "Номер урока", "Номер", "Урок", "№ п п"), example=1,
               help="Порядковый номер урока в плане: 1, 2, 3…"),
        Column("topic", "Тема", topic, required=True, missing="не указана тема урока",
               synonyms=("Тема урока", "Название темы", "Тема занятия"),
               example="Натуральные числа и шкалы", help="До 500 символов."),
        Column("hours", "Часы", hours, synonyms=("Кол-во часов", "Количество часов", "Часов", "Ч"),
               example=1, help="Сколько уроков на тему; пусто — 1."),
        Column("work_kind", "Вид работы", work_kind,
               synonyms=("Вид", "Тип работы", "Форма контроля", "Вид контроля", "Практическая часть"),
               example="", help="Практическая, лабораторная, контрольная, экскурсия или пусто."),
        Column("planned_on", "Дата по плану", p.a_date,
               synonyms=("Дата", "Плановая дата", "Дата проведения", "Дата план", "Планируемая дата"),
               example="01.09.2026", help="ДД.ММ.ГГГГ, в пределах учебного года; можно не заполнять."),
    ),
    keys=(("number",),),
    examples=({"number": 1, "topic": "Натуральные числа и шкалы", "hours": 1, "work_kind": "",
               "planned_on": "01.09.2026"},
              {"number": 2, "topic": "Контрольная работа № 1", "hours": 1, "work_kind": "контрольная",
               "planned_on": "03.09.2026"}),
    duplicate_message="повтор: урок с этим номером уже есть в строке {row}",
)
