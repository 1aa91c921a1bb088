"""The export of the region's enrolment system (регламент 4.8; issue 19, item 9): applications for
a school place (заявления о зачислении в 1-й и другие классы, ЕПГУ / региональный портал), one
row each. The portal cannot reach the regional system here, so the school uploads its export
(XLSX or CSV); docs/enrolment-exchange.md says which columns and why.

Only the applications in status «зачислен» enrol a pupil (with the applicant as the first
guardian): every other row is skipped with its status as the reason, never an error. The row
checks are those of the pupils roster (services/people/rosters_import.py reuses its runner), under the
column names of this file."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from importers import parsers as p
from importers.excel import ERROR, WARNING, Column, ImportSpec, ParsedRow
from importers.parsers import CellError
from services.core import clock

ENROLLED = "зачислен"
_ENROLLED_FORMS = {"зачислен", "зачислена", "зачислено", "зачислен в оо", "зачислен в образовательную организацию",
                   "зачисление", "ребенок зачислен", "зачислен в школу"}
_GRADE_RE = re.compile(r"^(\d{1,2})\s*(?:-?\s*(?:й|ый|ой))?\s*(?:класс|кл\.?)?$")
FORMULA_START = ("=", "@", "＝", "＠")  # exporters/formula_guard: «+» and «-» start phone numbers here


def status(raw: Any) -> str:
    """«Зачислен», «Зачислено в ОО» → «зачислен»; any other status as written (lower case)."""
    value = p.text(raw).lower().replace("ё", "е").strip(" .")
    if len(value) > 80:
        raise CellError("слишком длинное значение: не более 80 символов")
    return ENROLLED if value in _ENROLLED_FORMS else value


def class_or_grade(raw: Any) -> str:
    """«1А», «1 а» → «1А»; «1», «1 класс», «1-й класс» → «1» (the parallel only: the school's class
    of that parallel, when there is one)."""
    try:
        return p.class_name(raw)
    except CellError:
        pass
    m = _GRADE_RE.match(p.text(raw).lower())
    if not m or not 1 <= int(m.group(1)) <= 11:
        raise CellError("класс пишется как «1А» или параллель «1» («1 класс»)")
    return m.group(1)


def grade_of(value: str) -> int:
    return int(re.match(r"\d+", value).group(0))


def _no_formulas(row: ParsedRow):
    """A cell that starts like a spreadsheet formula is refused: it would be stored as a name and
    exported to a table later (exporters/formula_guard.py)."""
    for key, raw in row.raw.items():
        if isinstance(raw, str) and raw.strip().startswith(FORMULA_START):
            row.values[key] = None
            yield key, "значение похоже на формулу электронной таблицы: такие ячейки не загружаются", ERROR


def _enrolled_needs_date(row: ParsedRow):
    if row.get("status") == ENROLLED and row.filled("status") and not row.filled("enrolled_on"):
        yield "enrolled_on", "у зачисленного ребёнка не указана дата зачисления", ERROR


def _dates_in_order(row: ParsedRow):
    birth, submitted, enrolled = row.get("birth_date"), row.get("submitted_on"), row.get("enrolled_on")
    if birth and enrolled and enrolled <= birth:
        yield "enrolled_on", "дата зачисления раньше даты рождения", ERROR
    if submitted and enrolled and enrolled < submitted:
        yield "enrolled_on", "дата зачисления раньше даты подачи заявления", ERROR


def _age_fits_grade(row: ParsedRow):
    birth, cls = row.get("birth_date"), row.get("class")
    if birth and cls:
        year = clock.school_year_of(row.get("enrolled_on") or clock.today())
        warning = p.age_grade_warning(birth, grade_of(cls), year)
        if warning:
            yield "birth_date", warning, WARNING


ENROLMENT = ImportSpec(
    kind="enrolment",
    title="Заявления о зачислении",
    target="Student, Enrollment, Movement (прибытие), Guardian (заявитель), StudentGuardian, User (без пароля), "
           "RoleGrant — только для заявлений в статусе «зачислен»",
    columns=(
        Column("application_number", "Номер заявления", p.limited(64), required=True,
               missing="не указан номер заявления",
               synonyms=("№ заявления", "Номер заявки", "Идентификатор заявления", "ID заявления",
                         "Номер заявления ЕПГУ", "Регистрационный номер заявления"),
               example="2026-000123", help="Номер заявления в региональной системе (ЕПГУ)."),
        Column("submitted_on", "Дата подачи заявления", p.document_date,
               synonyms=("Дата подачи", "Дата заявления", "Дата регистрации заявления", "Дата и время подачи"),
               example=date(2026, 4, 1), help="ДД.ММ.ГГГГ (время, если есть, не учитывается)."),
        Column("status", "Статус заявления", status, required=True, missing="не указан статус заявления",
               synonyms=("Статус", "Состояние заявления", "Текущий статус"), example="Зачислен",
               help="Загружаются только «Зачислен»; остальные строки пропускаются с причиной."),
        Column("child_name", "ФИО ребёнка", p.full_name, required=True, missing="не указано ФИО ребёнка",
               synonyms=("ФИО ребенка", "Ребёнок", "ФИО обучающегося", "ФИО поступающего",
                         "Фамилия Имя Отчество ребёнка"),
               example="Смирнов Артём Игоревич", help="Фамилия, имя и отчество через пробел."),
        Column("birth_date", "Дата рождения ребёнка", p.birth_date, required=True,
               missing="не указана дата рождения ребёнка",
               synonyms=("Дата рождения", "Дата рождения ребенка", "ДР ребёнка", "Дата рожд"),
               example=date(2019, 5, 20), help="ДД.ММ.ГГГГ."),
        Column("sex", "Пол ребёнка", p.sex, synonyms=("Пол",), example="м", help="«м» или «ж»."),
        Column("snils", "СНИЛС ребёнка", p.snils, synonyms=("СНИЛС", "СНИЛС ребенка", "СНИЛС обучающегося"),
               example="112-233-445 95", help="11 цифр; контрольная сумма проверяется."),
        Column("class", "Класс", class_or_grade, required=True, missing="не указан класс",
               synonyms=("Класс зачисления", "Параллель", "Класс/параллель", "Желаемый класс", "Класс обучения"),
               example="1А", help="«1А», или только параллель «1» — тогда в единственный класс этой параллели."),
        Column("enrolled_on", "Дата зачисления", p.document_date,
               synonyms=("Зачислен с", "Дата приказа о зачислении"), example=date(2026, 9, 1),
               help="ДД.ММ.ГГГГ; обязательна для зачисленных."),
        Column("order_number", "Номер приказа о зачислении", p.limited(60),
               synonyms=("Номер приказа", "Приказ о зачислении", "Приказ"), example="45-уч"),
        Column("g1_name", "ФИО заявителя", p.full_name,
               synonyms=("Заявитель", "ФИО родителя (законного представителя)", "ФИО законного представителя",
                         "ФИО родителя"),
               example="Смирнова Ольга Викторовна", help="Родитель (законный представитель), подавший заявление."),
        Column("g1_relation", "Кем приходится заявитель", p.relation,
               synonyms=("Степень родства", "Статус заявителя", "Родство"), example="мать"),
        Column("g1_phone", "Телефон заявителя", p.phone, synonyms=("Телефон", "Контактный телефон"),
               example="+7 912 000-11-22"),
        Column("g1_email", "E-mail заявителя", p.email,
               synonyms=("Email заявителя", "Электронная почта заявителя", "E-mail", "Email", "Электронная почта"),
               example="smirnova@example.ru"),
    ),
    keys=(),  # duplicates are found among the enrolled rows only (KEYS, services/people/rosters_import.py)
    row_rules=(_no_formulas, _enrolled_needs_date, _dates_in_order, _age_fits_grade),
    examples=({"application_number": "2026-000123", "submitted_on": date(2026, 4, 1), "status": "Зачислен",
               "child_name": "Смирнов Артём Игоревич", "birth_date": date(2019, 5, 20), "sex": "м",
               "snils": "112-233-445 95", "class": "1А", "enrolled_on": date(2026, 9, 1), "order_number": "45-уч",
               "g1_name": "Смирнова Ольга Викторовна", "g1_relation": "мать", "g1_phone": "+7 912 000-11-22",
               "g1_email": "smirnova@example.ru"},),
    duplicate_message="повтор: это заявление или этот ребёнок уже есть в строке {row}",
)
KEYS = (("application_number",), ("snils",), ("child_name", "birth_date"))
