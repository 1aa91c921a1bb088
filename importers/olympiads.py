"""Olympiad results per pupil (olympiad, stage, subject, status, date): the «Олимпиады» category.

Parsed by the shared machinery of importers/excel.py; services/control/olympiads.py checks each row
against the pupils of the school and writes them (re-importing the same file changes nothing).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from importers import parsers as p
from importers.excel import ERROR, Column, ImportSpec, ParsedRow
from importers.parsers import CellError

OLYMPIAD_WORDS = {
    "vsosh": ("всош", "всероссийская олимпиада школьников", "всероссийская олимпиада", "всероссийская"),
    "podmoskovnaya": ("подмосковная олимпиада школьников", "подмосковная олимпиада", "подмосковная", "пош"),
    "vzlet_programme": ("взлет", "программа взлет", "программа центра взлет", "центр взлет", "взлет программа",
                        "программы центра взлет", "взлет очная программа"),
    "vzlet_online": ("взлет онлайн", "онлайн курс взлет", "онлайн курсы взлет", "взлет онлайн курс",
                     "онлайн курс центра взлет", "онлайн курсы центра взлет"),
}
STAGE_WORDS = {
    "school": ("школьный", "школьный этап", "шэ"),
    "municipal": ("муниципальный", "муниципальный этап", "мэ"),
    "regional": ("региональный", "региональный этап", "рэ"),
    "final": ("заключительный", "заключительный этап", "зэ", "всероссийский", "финал", "федеральный"),
}
STATUS_WORDS = {
    "participant": ("участник", "участница", "уч"),
    "prize": ("призер", "призерка", "призeр", "приз"),
    "winner": ("победитель", "победительница", "побед"),
}


def _norm(raw: Any) -> str:
    value = p.text(raw).lower().replace("ё", "е").replace("«", " ").replace("»", " ").replace('"', " ")
    value = value.replace("-", " ").replace("–", " ").replace(".", " ")
    return " ".join(value.split())


def _choice(words: dict[str, tuple[str, ...]], what: str, allowed: str):
    lookup = {w: code for code, ws in words.items() for w in ws}

    def parse(raw: Any) -> str:
        value = _norm(raw)
        if value in lookup:
            return lookup[value]
        raise CellError(f"{what} не распознан(а): допустимо {allowed}")
    return parse


olympiad = _choice(OLYMPIAD_WORDS, "вид олимпиады", "ВсОШ, Подмосковная, Взлёт, Взлёт онлайн")
stage = _choice(STAGE_WORDS, "этап", "школьный, муниципальный, региональный, заключительный")
status = _choice(STATUS_WORDS, "статус", "участник, призёр, победитель")


def held_on(raw: Any) -> date:
    value = p.a_date(raw)
    if value.year < 2000:
        raise CellError("слишком давняя дата")
    return value


def _stage_needed(row: ParsedRow):
    if row.get("olympiad") == "vsosh" and not row.filled("stage"):
        yield "stage", "для ВсОШ укажите этап: школьный, муниципальный, региональный или заключительный", ERROR


OLYMPIADS = ImportSpec(
    kind="olympiads",
    title="Олимпиады",
    target="OlympiadResult (по ученикам школы)",
    columns=(
        Column("full_name", "ФИО", p.full_name, required=True, missing="не указаны фамилия и имя ученика",
               synonyms=("Ученик", "ФИО ученика", "Фамилия Имя Отчество", "Участник", "ФИО участника"),
               example="Иванова Мария Петровна"),
        Column("class_name", "Класс", p.class_name, synonyms=("Класс обучения",), example="7А",
               help="Класс ученика в этом учебном году; можно не указывать, если ФИО в школе одно."),
        Column("olympiad", "Олимпиада", olympiad, required=True, missing="не указана олимпиада",
               synonyms=("Вид олимпиады", "Мероприятие", "Название олимпиады"), example="ВсОШ",
               help="ВсОШ, Подмосковная, Взлёт (программа центра), Взлёт онлайн (онлайн-курс)."),
        Column("stage", "Этап", stage, synonyms=("Уровень", "Этап олимпиады"), example="школьный",
               help="Для ВсОШ обязателен: школьный, муниципальный, региональный, заключительный."),
        Column("subject", "Предмет", p.limited(120), synonyms=("Предмет олимпиады", "Дисциплина", "Профиль"),
               example="Математика"),
        Column("status", "Статус", status, required=True, missing="не указан статус",
               synonyms=("Результат", "Статус участника", "Итог"), example="призёр",
               help="участник, призёр или победитель."),
        Column("held_on", "Дата", held_on, synonyms=("Дата проведения", "Дата олимпиады"),
               example=date(2026, 10, 5), help="По дате определяется учебный год; пусто — текущий год."),
    ),
    keys=(("full_name", "class_name", "olympiad", "stage", "subject"),),
    row_rules=(_stage_needed,),
    examples=({"full_name": "Иванова Мария Петровна", "class_name": "7А", "olympiad": "ВсОШ",
               "stage": "школьный", "subject": "Математика", "status": "призёр", "held_on": date(2026, 10, 5)},),
    duplicate_message="повтор: этот результат уже есть в строке {row}",
)
