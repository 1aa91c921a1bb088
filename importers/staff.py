"""The staff list: teachers and other employees, with their position and subjects."""
from __future__ import annotations

from importers import parsers as p
from importers.excel import Column, ImportSpec

STAFF = ImportSpec(
    kind="staff",
    title="Сотрудники",
    target="Staff, User (без пароля), RoleGrant (по должности)",
    columns=(
        Column("full_name", "ФИО", p.full_name, required=True, missing="не указаны фамилия и имя",
               synonyms=("Фамилия Имя Отчество", "Сотрудник", "ФИО сотрудника", "Работник"),
               example="Петрова Анна Сергеевна", help="Фамилия, имя и отчество через пробел."),
        Column("position", "Должность", p.limited(120), synonyms=("Должность сотрудника",),
               example="Учитель", help="Учитель, Заместитель директора, Секретарь…; пусто — «Учитель»."),
        Column("subjects", "Предметы", p.subjects_list,
               synonyms=("Предмет", "Преподаваемые предметы", "Дисциплины"),
               example="Математика, Информатика", help="Через запятую."),
        Column("phone", "Телефон", p.phone, synonyms=("Тел", "Мобильный телефон", "Контактный телефон"),
               example="+7 912 000-00-01"),
        Column("email", "Email", p.email, synonyms=("E-mail", "Электронная почта", "Почта", "Эл почта"),
               example="petrova@example.ru"),
    ),
    keys=(("email",), ("full_name",)),
    examples=({"full_name": "Петрова Анна Сергеевна", "position": "Учитель",
               "subjects": "Математика, Информатика", "phone": "+7 912 000-00-01", "email": "petrova@example.ru"},),
    duplicate_message="повтор: этот сотрудник уже есть в строке {row}",
)
