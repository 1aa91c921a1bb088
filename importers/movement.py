"""Movement during the year: arrivals, departures and transfers between classes, with the date
and the order number (книга движения учащихся)."""
from __future__ import annotations

from datetime import date

from importers import parsers as p
from importers.excel import ERROR, Column, ImportSpec, ParsedRow


def _needs_class(row: ParsedRow):
    kind = row.get("kind")
    if kind in ("arrival", "transfer") and not row.filled("to_class"):
        yield "to_class", ("не указан класс, в который прибыл ученик" if kind == "arrival"
                           else "не указан класс, в который переведён ученик"), ERROR


def _identified(row: ParsedRow):
    if not row.filled("snils") and not row.filled("birth_date"):
        yield "birth_date", "укажите дату рождения или СНИЛС, чтобы узнать ученика", ERROR


MOVEMENT = ImportSpec(
    kind="movement",
    title="Движение",
    target="Enrollment (даты в классе), Movement, Student (для прибывших)",
    columns=(
        Column("last_name", "Фамилия", p.person_name, required=True, missing="не указана фамилия",
               example="Сидоров"),
        Column("first_name", "Имя", p.person_name, required=True, missing="не указано имя", example="Олег"),
        Column("middle_name", "Отчество", p.person_name, example="Ильич"),
        Column("birth_date", "Дата рождения", p.birth_date, synonyms=("Дата рожд", "ДР", "Д Р"),
               example=date(2014, 5, 2)),
        Column("snils", "СНИЛС", p.snils, synonyms=("Страховой номер",)),
        Column("sex", "Пол", p.sex, help="Для прибывших: «м» или «ж»."),
        Column("kind", "Движение", p.movement_kind, required=True, missing="не указан вид движения",
               synonyms=("Вид движения", "Тип движения", "Операция", "Событие"),
               example="перевод", help="прибытие, выбытие или перевод."),
        Column("on_date", "Дата", p.document_date, required=True, missing="не указана дата",
               synonyms=("Дата движения", "С даты", "Дата перевода", "Дата прибытия", "Дата выбытия"),
               example=date(2026, 11, 16),
               help="Первый день в новом классе (прибытие, перевод) или первый день после выбытия."),
        Column("from_class", "Из класса", p.class_name, synonyms=("Прежний класс", "Класс до"),
               example="5А", help="Можно не указывать; если указан, сверяется."),
        Column("to_class", "В класс", p.class_name, synonyms=("Новый класс", "Класс после", "Класс"),
               example="5Б", help="Для прибытия и перевода."),
        Column("order_number", "Номер приказа", p.limited(60), synonyms=("Приказ",), example="45-уч"),
        Column("note", "Примечание", p.limited(300),
               synonyms=("Куда выбыл", "Откуда прибыл", "Причина", "Комментарий"),
               help="Откуда прибыл или куда выбыл ученик."),
    ),
    keys=(("snils", "kind", "on_date"), ("last_name", "first_name", "middle_name", "birth_date", "kind", "on_date")),
    row_rules=(_needs_class, _identified),
    examples=({"last_name": "Сидоров", "first_name": "Олег", "middle_name": "Ильич",
               "birth_date": date(2014, 5, 2), "kind": "перевод", "on_date": date(2026, 11, 16),
               "from_class": "5А", "to_class": "5Б", "order_number": "45-уч"},),
    duplicate_message="повтор строки {row}",
)
