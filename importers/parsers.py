"""Parsers of single cells of an imported sheet: each takes what the spreadsheet holds (text,
a number, a date) and returns a clean value or raises CellError with a Russian reason.

Pure functions, no database: tested in tests/unit/test_import_parsers.py.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from services.core import clock

EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """str(e) is the Russian reason a cell is refused."""


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text(raw: Any) -> str:
    """The cell as text: spaces collapsed, a whole float without its «.0»."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "да" if raw else "нет"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw.strftime("%d.%m.%Y")
    return " ".join(str(raw).replace("\u00a0", " ").split())


def shown(raw: Any) -> str:
    """The value as the user typed it, for error reports."""
    return text(raw)


def limited(max_len: int):
    def parse(raw: Any) -> str:
        value = text(raw)
        if len(value) > max_len:
            raise CellError(f"слишком длинное значение: не более {max_len} символов")
        return value
    return parse


# ------------------------------------------------------------------ names
_NAME_RE = re.compile(r"^[A-Za-zА-Яа-яЁё]+(?:[-' ][A-Za-zА-Яа-яЁё]+)*$")


def _capitalise(part: str) -> str:
    return "-".join(p[:1].upper() + p[1:].lower() for p in part.split("-"))


def person_name(raw: Any) -> str:
    """A surname, first name or patronymic: letters, hyphens, apostrophes and spaces.
    «иванов» and «ИВАНОВ» become «Иванов»; mixed case is kept as typed."""
    value = text(raw).replace("’", "'")
    if not value:
        return ""
    if any(ch.isdigit() for ch in value):
        raise CellError("в имени не может быть цифр")
    if not _NAME_RE.match(value):
        raise CellError("только буквы, дефис, апостроф и пробел")
    if len(value) > 100:
        raise CellError("слишком длинное значение: не более 100 символов")
    if value.islower() or value.isupper():
        value = " ".join(_capitalise(w) for w in value.split(" "))
    return value


def full_name(raw: Any) -> tuple[str, str, str]:
    """«Иванова Мария Петровна» → (last, first, middle); at least a surname and a name."""
    value = text(raw)
    parts = value.split(" ")
    if len(parts) < 2:
        raise CellError("укажите фамилию и имя (и отчество, если есть) через пробел")
    last = person_name(parts[0])
    first = person_name(parts[1])
    middle = person_name(" ".join(parts[2:])) if len(parts) > 2 else ""
    return last, first, middle


# ------------------------------------------------------------------ dates
_DATE_RES = (
    re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"),  # ДД.ММ.ГГГГ
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),          # ГГГГ-ММ-ДД
)


def a_date(raw: Any) -> date:
    """A date cell, or text «ДД.ММ.ГГГГ» (also «Д.М.ГГГГ», «ДД/ММ/ГГГГ», «ГГГГ-ММ-ДД»), or an
    Excel serial number of a day."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 10000 <= raw <= 80000 and float(raw).is_integer():
            return EXCEL_EPOCH + timedelta(days=int(raw))
        raise CellError("не дата: ожидается ДД.ММ.ГГГГ")
    value = text(raw)
    for n, pattern in enumerate(_DATE_RES):
        m = pattern.match(value)
        if m:
            if n == 0:
                day, month, year = (int(x) for x in m.groups())
            else:
                year, month, day = (int(x) for x in m.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise CellError("такой даты не бывает") from None
    if re.match(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2}$", value):
        raise CellError("год нужно указать четырьмя цифрами: ДД.ММ.ГГГГ")
    raise CellError("не дата: ожидается ДД.ММ.ГГГГ")


def birth_date(raw: Any) -> date:
    """A pupil's birth date: a real date between 1990 and today."""
    value = a_date(raw)
    if value > clock.today():
        raise CellError("дата рождения в будущем")
    if value.year < 1990:
        raise CellError("невозможная дата рождения ученика")
    return value


def document_date(raw: Any) -> date:
    """The date of an enrolment, a transfer or an order: between 2000 and 2100."""
    value = a_date(raw)
    if not 2000 <= value.year <= 2100:
        raise CellError("невозможная дата")
    return value


# ------------------------------------------------------------------ sex
_SEX = {"м": "м", "муж": "м", "мужской": "м", "m": "м", "male": "м",
        "ж": "ж", "жен": "ж", "женский": "ж", "f": "ж", "female": "ж"}


def sex(raw: Any) -> str:
    value = text(raw).lower().rstrip(".")
    if value not in _SEX:
        raise CellError("пол: «м» или «ж»")
    return _SEX[value]


# ------------------------------------------------------------------ СНИЛС
def snils_checksum(digits9: str) -> int:
    """The control number of a СНИЛС from its first nine digits."""
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits9))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def snils(raw: Any) -> str:
    """«123-456-789 64», «12345678964» → «123-456-789 64» (checksum verified)."""
    value = text(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = f"{int(raw):011d}"  # a number cell loses leading zeros
    digits = re.sub(r"[\s-]", "", value)
    if not digits.isdigit() or len(digits) != 11:
        raise CellError("СНИЛС — 11 цифр, например 123-456-789 64")
    if int(digits[:9]) > 1001998 and snils_checksum(digits[:9]) != int(digits[9:]):
        raise CellError("неверная контрольная сумма СНИЛС")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


# ------------------------------------------------------------------ contacts
def phone(raw: Any) -> str:
    """A Russian phone number → «+79123456789»."""
    value = text(raw).strip()
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        if not value.startswith("+7"):
            raise CellError("телефон: ожидается российский номер +7…")
        if len(digits) != 11:
            raise CellError("телефон: 10 цифр после +7, например +7 912 345-67-89")
        digits = digits[1:]
    elif len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "012" or re.search(r"[^\d\s()+\-.]", value):
        raise CellError("телефон: 10 цифр после +7, например +7 912 345-67-89")
    return "+7" + digits


_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")


def email(raw: Any) -> str:
    value = text(raw).lower()
    if not _EMAIL_RE.match(value) or ".." in value or len(value) > 200:
        raise CellError("неверный адрес электронной почты")
    return value


# ------------------------------------------------------------------ classes
_LATIN_LOOKALIKES = str.maketrans("ABEKMHOPCTXYaeopcxyk", "АВЕКМНОРСТХУаеорсхук")
_CLASS_RE = re.compile(r"^(\d{1,2})\s*[-–. ]?\s*([А-ЯЁа-яё])$")


def class_name(raw: Any) -> str:
    """«5 а», «5-А», «5A» (a Latin look-alike) → «5А» (DESIGN.md decision 11)."""
    value = text(raw).replace('"', "").replace("«", "").replace("»", "").translate(_LATIN_LOOKALIKES)
    m = _CLASS_RE.match(value)
    if not m:
        raise CellError("класс пишется как параллель и буква: «5А»")
    grade = int(m.group(1))
    if not 1 <= grade <= 11:
        raise CellError("параллель класса — от 1 до 11")
    return f"{grade}{m.group(2).upper().replace('Ё', 'Е')}"


def split_class_name(name: str) -> tuple[int, str]:
    """«10Б» → (10, «Б») for a name already normalised by class_name()."""
    return int(name[:-1]), name[-1]


# ------------------------------------------------------------------ other columns
_RELATIONS = {"мама": "мать", "папа": "отец", "мать": "мать", "отец": "отец", "опекун": "опекун",
              "попечитель": "попечитель", "бабушка": "бабушка", "дедушка": "дедушка",
              "законный представитель": "законный представитель", "приёмная мать": "приёмная мать",
              "приемная мать": "приёмная мать", "приёмный отец": "приёмный отец",
              "приемный отец": "приёмный отец", "тётя": "тётя", "тетя": "тётя", "дядя": "дядя",
              "брат": "брат", "сестра": "сестра", "мачеха": "мачеха", "отчим": "отчим"}


def relation(raw: Any) -> str:
    value = text(raw).lower()
    if len(value) > 40:
        raise CellError("слишком длинное значение: не более 40 символов")
    return _RELATIONS.get(value, value)


_MOVEMENT_KINDS = {
    "прибытие": "arrival", "прибыл": "arrival", "прибыла": "arrival", "зачисление": "arrival",
    "зачислен": "arrival", "зачислена": "arrival",
    "выбытие": "departure", "выбыл": "departure", "выбыла": "departure", "отчисление": "departure",
    "отчислен": "departure", "отчислена": "departure",
    "перевод": "transfer", "переведен": "transfer", "переведена": "transfer",
    "перевод в другой класс": "transfer",
}
MOVEMENT_TITLES = {"arrival": "прибытие", "departure": "выбытие", "transfer": "перевод"}


def movement_kind(raw: Any) -> str:
    value = text(raw).lower().replace("ё", "е")
    if value not in _MOVEMENT_KINDS:
        raise CellError("вид движения: «прибытие», «выбытие» или «перевод»")
    return _MOVEMENT_KINDS[value]


def subjects_list(raw: Any) -> tuple[str, ...]:
    value = text(raw)
    return tuple(s.strip() for s in re.split(r"[,;\n]", value) if s.strip())


# ------------------------------------------------------------------ whole-row rules
def age_on(birth: date, day: date) -> int:
    years = day.year - birth.year
    return years - ((day.month, day.day) < (birth.month, birth.day))


def age_grade_warning(birth: date, grade: int, school_year: int) -> str | None:
    """A warning when a pupil's age on 1 September is far from the usual for the grade
    (grade + 6 or 7 years)."""
    age = age_on(birth, date(school_year, 9, 1))
    usual = grade + 6
    if age < usual - 1 or age > usual + 2:
        return f"возраст {age} лет необычен для {grade} класса (обычно {usual}–{usual + 1})"
    return None


def name_key(*parts: str) -> tuple[str, ...]:
    """Names compared as people do: case, ё/е and spaces do not matter."""
    return tuple(" ".join(p.lower().replace("ё", "е").split()) for p in parts)
