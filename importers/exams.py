"""Results of ВПР, ОГЭ and ЕГЭ per pupil and subject (regulation 2.2): the import spec.

Parsed by the shared machinery of importers/excel.py (the bounded reader, headers matched
tolerantly, every problem with its row and column); the ranges are services/rules/exams.py;
services/reports/exams.py finds each pupil and subject in the school and writes all rows or none
(or only the good ones, when asked). Re-importing the same file changes nothing.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from importers import parsers as p
from importers.excel import ERROR, Column, ImportSpec, ParsedRow
from importers.parsers import CellError
from services.rules import exams as rules


def kind(raw: Any) -> str:
    code = rules.kind_of(p.text(raw))
    if code is None:
        raise CellError("вид работы не распознан: допустимо ВПР, ОГЭ, ЕГЭ")
    return code


def whole(raw: Any) -> int:
    """A whole number: 18, «18», 18.0; never 18,5 or «восемнадцать»."""
    if isinstance(raw, bool):
        raise CellError("ожидается целое число")
    if isinstance(raw, (int, float)):
        if float(raw).is_integer():
            return int(raw)
        raise CellError("ожидается целое число, без дробной части")
    value = p.text(raw).replace(",", ".")
    if re.fullmatch(r"-?\d+(\.0+)?", value):
        return int(float(value))
    raise CellError("ожидается целое число")


def held_on(raw: Any) -> date:
    value = p.a_date(raw)
    if value.year < 2000:
        raise CellError("слишком давняя дата")
    return value


def _ranges(row: ParsedRow):
    """The rules of services/rules/exams.py on the row's values (the grade is checked with the pupil);
    a cell already refused (not a whole number) keeps its own message only."""
    if row.get("kind") is None:
        return
    refused = {k for k in ("primary_score", "test_score", "mark") if row.filled(k) and row.get(k) is None}
    for problem in rules.check(row.get("kind"), row.get("primary_score"), row.get("test_score"), row.get("mark")):
        if problem.field not in refused:
            yield problem.field, problem.message, ERROR


EXAMS = ImportSpec(
    kind="exams",
    title="Результаты ВПР, ОГЭ, ЕГЭ",
    target="ExamResult (по ученикам и предметам школы)",
    columns=(
        Column("full_name", "ФИО", p.full_name, required=True, missing="не указаны фамилия и имя ученика",
               synonyms=("Ученик", "ФИО ученика", "Фамилия Имя Отчество", "Участник", "ФИО участника"),
               example="Иванова Мария Петровна"),
        Column("class_name", "Класс", p.class_name, synonyms=("Класс обучения",), example="9А",
               help="Класс ученика в день работы; можно не указывать, если ФИО в школе одно."),
        Column("kind", "Вид работы", kind, required=True, missing="не указан вид работы",
               synonyms=("Вид", "Работа", "Экзамен", "Форма", "Форма аттестации"), example="ОГЭ",
               help="ВПР, ОГЭ или ЕГЭ."),
        Column("subject", "Предмет", p.limited(120), required=True, missing="не указан предмет",
               synonyms=("Учебный предмет", "Дисциплина"), example="Математика",
               help="Как в учебном плане школы."),
        Column("held_on", "Дата", held_on, required=True, missing="не указана дата",
               synonyms=("Дата проведения", "Дата экзамена", "Дата работы"), example=date(2026, 5, 27),
               help="По дате определяется учебный год."),
        Column("primary_score", "Первичный балл", whole, required=True, missing="не указан первичный балл",
               synonyms=("Первичные баллы", "Балл", "Баллы", "Первичный"), example=18),
        Column("test_score", "Тестовый балл", whole, synonyms=("Тестовые баллы", "Вторичный балл", "Тестовый"),
               example="", help="Только для ЕГЭ: 0–100."),
        Column("mark", "Отметка", whole, synonyms=("Оценка", "Отметка по пятибалльной шкале"), example=4,
               help="Для ОГЭ и ВПР: 2–5; для ЕГЭ пусто."),
    ),
    keys=(("full_name", "class_name", "kind", "subject"),),
    row_rules=(_ranges,),
    examples=({"full_name": "Иванова Мария Петровна", "class_name": "9А", "kind": "ОГЭ", "subject": "Математика",
               "held_on": date(2026, 5, 27), "primary_score": 18, "test_score": "", "mark": 4},
              {"full_name": "Петров Иван Сергеевич", "class_name": "11А", "kind": "ЕГЭ", "subject": "Русский язык",
               "held_on": date(2026, 6, 3), "primary_score": 38, "test_score": 78, "mark": ""}),
    duplicate_message="повтор: результат этого ученика по этому предмету уже есть в строке {row}",
)
