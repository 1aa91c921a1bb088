"""The pupils roster (контингент): pupils with their class, enrolment and up to two guardians."""
from __future__ import annotations

from datetime import date

from importers import parsers as p
from importers.excel import ERROR, WARNING, Column, ImportSpec, ParsedRow
from services.core import clock

GUARDIANS = (1, 2)
GUARDIAN_FIELDS = ("name", "relation", "phone", "email")


def _guardian_columns(n: int) -> tuple[Column, ...]:
    return (
        Column(f"g{n}_name", f"Родитель {n}: ФИО", p.full_name,
               synonyms=(f"ФИО родителя {n}", f"Родитель {n}", f"Законный представитель {n}: ФИО",
                         f"Представитель {n}: ФИО", f"Родитель {n} Фамилия Имя Отчество"),
               example="Иванова Мария Петровна" if n == 1 else "Иванов Пётр Сергеевич",
               help="Фамилия, имя и отчество законного представителя через пробел."),
        Column(f"g{n}_relation", f"Родитель {n}: Степень родства", p.relation,
               synonyms=(f"Степень родства {n}", f"Родство {n}", f"Родитель {n}: Родство",
                         f"Кем приходится {n}", f"Степень родства родителя {n}"),
               example="мать" if n == 1 else "отец", help="мать, отец, опекун, бабушка…"),
        Column(f"g{n}_phone", f"Родитель {n}: Телефон", p.phone,
               synonyms=(f"Телефон родителя {n}", f"Родитель {n}: Тел", f"Телефон {n}"),
               example="+7 912 345-67-89" if n == 1 else "89123456780",
               help="Российский номер: +7 и 10 цифр, в любом привычном написании."),
        Column(f"g{n}_email", f"Родитель {n}: Email", p.email,
               synonyms=(f"Email родителя {n}", f"Родитель {n}: E-mail", f"E-mail родителя {n}",
                         f"Родитель {n}: Электронная почта", f"Почта родителя {n}", f"Email {n}"),
               example="ivanova@example.ru" if n == 1 else "", help="Адрес электронной почты."),
    )


def _guardians_named(row: ParsedRow):
    for n in GUARDIANS:
        others = [f"g{n}_{f}" for f in GUARDIAN_FIELDS[1:]]
        if any(row.filled(k) for k in others) and not row.filled(f"g{n}_name"):
            yield f"g{n}_name", f"не указано ФИО родителя {n}", ERROR


def school_year_of_row(row: ParsedRow) -> int:
    day = row.get("enrolled_on") or clock.today()
    return clock.school_year_of(day)


def _age_fits_grade(row: ParsedRow):
    birth, cls = row.get("birth_date"), row.get("class")
    if birth and cls:
        grade, _ = p.split_class_name(cls)
        warning = p.age_grade_warning(birth, grade, school_year_of_row(row))
        if warning:
            yield "birth_date", warning, WARNING


def _enrolled_after_birth(row: ParsedRow):
    birth, enrolled = row.get("birth_date"), row.get("enrolled_on")
    if birth and enrolled and enrolled <= birth:
        yield "enrolled_on", "дата зачисления раньше даты рождения", ERROR


PUPILS = ImportSpec(
    kind="pupils",
    title="Ученики",
    target="Student, Enrollment, Movement (прибытие), Guardian, StudentGuardian, User (без пароля), RoleGrant",
    columns=(
        Column("last_name", "Фамилия", p.person_name, required=True, missing="не указана фамилия",
               synonyms=("Фамилия ученика", "Фамилия обучающегося"), example="Иванов"),
        Column("first_name", "Имя", p.person_name, required=True, missing="не указано имя",
               synonyms=("Имя ученика", "Имя обучающегося"), example="Иван"),
        Column("middle_name", "Отчество", p.person_name,
               synonyms=("Отчество ученика", "Отчество (при наличии)"), example="Петрович",
               help="Можно оставить пустым."),
        Column("birth_date", "Дата рождения", p.birth_date, required=True, missing="не указана дата рождения",
               synonyms=("Дата рожд", "ДР", "Д Р", "День рождения", "Дата рождения ученика"),
               example=date(2015, 3, 14), help="ДД.ММ.ГГГГ (ячейка-дата или текст)."),
        Column("sex", "Пол", p.sex, synonyms=("Пол ученика",), example="м", help="«м» или «ж», в любом регистре."),
        Column("class", "Класс", p.class_name, required=True, missing="не указан класс",
               synonyms=("Класс зачисления", "В класс"), example="5А",
               help="Параллель и буква: «5А» (можно «5 а», «5-А»)."),
        Column("snils", "СНИЛС", p.snils, synonyms=("СНИЛС ученика", "Страховой номер"),
               example="112-233-445 95", help="11 цифр; контрольная сумма проверяется."),
        Column("enrolled_on", "Дата зачисления", p.document_date,
               synonyms=("Дата приёма", "Дата прибытия", "Зачислен с", "Дата зачисления в класс"),
               example=date(2026, 9, 1), help="ДД.ММ.ГГГГ; пусто — с сегодняшнего дня (или с начала учебного года)."),
        Column("order_number", "Номер приказа", p.limited(60),
               synonyms=("Приказ", "Номер приказа о зачислении", "Приказ о зачислении"),
               example="12-уч", help="Номер приказа о зачислении."),
        *_guardian_columns(1),
        *_guardian_columns(2),
    ),
    keys=(("snils",), ("last_name", "first_name", "middle_name", "birth_date")),
    row_rules=(_guardians_named, _enrolled_after_birth, _age_fits_grade),
    examples=({"last_name": "Иванов", "first_name": "Иван", "middle_name": "Петрович",
               "birth_date": date(2015, 3, 14), "sex": "м", "class": "5А", "snils": "112-233-445 95",
               "enrolled_on": date(2026, 9, 1), "order_number": "12-уч",
               "g1_name": "Иванова Мария Петровна", "g1_relation": "мать", "g1_phone": "+7 912 345-67-89",
               "g1_email": "ivanova@example.ru", "g2_name": "Иванов Пётр Сергеевич", "g2_relation": "отец",
               "g2_phone": "+7 912 345-67-80"},),
    duplicate_message="повтор: этот ученик уже есть в строке {row}",
)
