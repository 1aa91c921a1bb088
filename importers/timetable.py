"""The timetable from Excel: one row per weekly lesson — Класс, День, Урок, Предмет, Учитель,
Кабинет, Подгруппа. Services/timetable_import.py checks the rows against the school and applies them."""
from __future__ import annotations

import re
from typing import Any

from importers import parsers as p
from importers.excel import Column, ImportSpec
from importers.parsers import CellError

_DAYS = {"пн": 1, "пон": 1, "понедельник": 1, "вт": 2, "вто": 2, "вторник": 2, "ср": 3, "сре": 3, "среда": 3,
         "чт": 4, "чет": 4, "четверг": 4, "пт": 5, "пят": 5, "пятница": 5, "сб": 6, "суб": 6, "суббота": 6}


def weekday(raw: Any) -> int:
    """«Пн», «понедельник», «ПОН.», 1 … «Сб», 6 → 1…6."""
    value = re.sub(r"[^\w]+", "", p.text(raw).lower().replace("ё", "е"))
    if value.isdigit() and 1 <= int(value) <= 6:
        return int(value)
    day = _DAYS.get(value)
    if day is None:
        raise CellError("день недели: Пн, Вт, Ср, Чт, Пт, Сб (или 1–6)")
    return day


def lesson_number(raw: Any) -> int:
    value = p.text(raw).rstrip(".").replace("урок", "").strip()
    if not value.isdigit() or not 1 <= int(value) <= 12:
        raise CellError("номер урока — целое число от 1 до 12")
    return int(value)


def subgroup(raw: Any) -> int:
    """«1», «1 группа», «гр. 2», «2-я подгруппа» → the group number."""
    m = re.search(r"\d+", p.text(raw))
    if not m or not 1 <= int(m.group()) <= 4:
        raise CellError("подгруппа — номер от 1 до 4, например «1 группа»; пусто — весь класс")
    return int(m.group())


def teacher(raw: Any) -> str:
    value = p.limited(200)(raw)
    if not re.search(r"[А-Яа-яЁёA-Za-z]", value):
        raise CellError("учитель указывается фамилией и инициалами")
    return value


TIMETABLE = ImportSpec(
    kind="timetable",
    title="Расписание",
    target="TimetableSlot (расписание классов с даты), Subgroup",
    columns=(
        Column("class_name", "Класс", p.class_name, required=True, missing="не указан класс", example="5А",
               help="Параллель и буква: 5А."),
        Column("weekday", "День", weekday, required=True, missing="не указан день недели",
               synonyms=("День недели",), example="Пн", help="Пн, Вт, Ср, Чт, Пт, Сб или полностью."),
        Column("lesson_number", "Урок", lesson_number, required=True, missing="не указан номер урока",
               synonyms=("№ урока", "Номер урока", "№"), example=1, help="Номер урока по звонкам: 1–12."),
        Column("subject", "Предмет", p.limited(120), required=True, missing="не указан предмет",
               synonyms=("Дисциплина", "Учебный предмет"), example="Математика",
               help="Как в учебном плане (полное или краткое название)."),
        Column("teacher", "Учитель", teacher, required=True, missing="не указан учитель",
               synonyms=("Преподаватель", "ФИО учителя", "Педагог"), example="Иванова А. С.",
               help="Фамилия и инициалы (или полностью)."),
        Column("room", "Кабинет", p.limited(20), synonyms=("Каб", "Аудитория", "Кабинет №", "№ кабинета"),
               example="12", help="Номер или название, до 20 символов."),
        Column("subgroup", "Подгруппа", subgroup, synonyms=("Группа",), example="",
               help="Номер группы (1 группа, 2 группа); пусто — весь класс."),
    ),
    keys=(("class_name", "weekday", "lesson_number", "subgroup", "subject"),),
    examples=({"class_name": "5А", "weekday": "Пн", "lesson_number": 1, "subject": "Математика",
               "teacher": "Иванова А. С.", "room": "12", "subgroup": ""},
              {"class_name": "5А", "weekday": "Пн", "lesson_number": 2, "subject": "Английский язык",
               "teacher": "Смирнова Е. В.", "room": "21", "subgroup": "1 группа"}),
    duplicate_message="повтор: этот урок уже есть в строке {row}",
)
