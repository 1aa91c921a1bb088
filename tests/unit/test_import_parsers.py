"""Cell parsers, header matching and duplicate rows of the Excel imports: pure, no database."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from importers import excel, parsers as p
from importers.excel import Table
from importers.parsers import CellError
from importers.pupils import PUPILS
from importers.staff import STAFF


@pytest.mark.parametrize("raw, expected", [
    ("14.03.2015", date(2015, 3, 14)), ("4.3.2015", date(2015, 3, 4)), ("14/03/2015", date(2015, 3, 14)),
    ("2015-03-14", date(2015, 3, 14)), (datetime(2015, 3, 14), date(2015, 3, 14)), (date(2015, 3, 14), date(2015, 3, 14)),
    (42077, date(2015, 3, 14)), (" 14.03.2015 ", date(2015, 3, 14)),
])
def test_dates_as_cells_or_text(raw, expected):
    assert p.a_date(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("31.02.2015", "такой даты не бывает"), ("вчера", "не дата: ожидается ДД.ММ.ГГГГ"),
    ("14.03.15", "год нужно указать четырьмя цифрами: ДД.ММ.ГГГГ"), (12, "не дата: ожидается ДД.ММ.ГГГГ"),
])
def test_bad_dates_say_why(raw, message):
    with pytest.raises(CellError, match=message):
        p.a_date(raw)


def test_birth_date_must_be_possible():
    with pytest.raises(CellError, match="в будущем"):
        p.birth_date("01.01.2999")
    with pytest.raises(CellError, match="невозможная"):
        p.birth_date("01.01.1900")


@pytest.mark.parametrize("raw, expected", [("м", "м"), ("Ж", "ж"), ("ж", "ж"), ("М", "м"), ("жен.", "ж"), ("муж", "м")])
def test_sex_in_any_case(raw, expected):
    assert p.sex(raw) == expected


def test_sex_refuses_other_letters():
    with pytest.raises(CellError):
        p.sex("x")


def test_snils_checksum():
    assert p.snils("112-233-445 95") == "112-233-445 95"
    assert p.snils("11223344595") == "112-233-445 95"
    assert p.snils(11223344595) == "112-233-445 95"
    with pytest.raises(CellError, match="контрольная сумма"):
        p.snils("112-233-445 96")
    with pytest.raises(CellError, match="11 цифр"):
        p.snils("112-233")
    # the cases of the algorithm: below 100 the sum itself; 100 and 101 give 00; above, mod 101
    assert p.snils_checksum("111111111") == 45
    assert p.snils_checksum("999999999") == 405 % 101
    assert p.snils_checksum("100172858") == 0       # sum 100 → 00
    assert p.snils_checksum("191851852") == 0       # sum 201: 201 % 101 = 100 → 00



@pytest.mark.parametrize("raw", ["+7 912 345-67-89", "8 (912) 345-67-89", "89123456789", "9123456789", 89123456789])
def test_phones_normalised(raw):
    assert p.phone(raw) == "+79123456789"


@pytest.mark.parametrize("raw", ["12345", "+1 212 555 0100", "8912345678a", "+7 912 345-67-8"])
def test_bad_phones(raw):
    with pytest.raises(CellError, match="телефон"):
        p.phone(raw)


def test_emails():
    assert p.email(" Ivanova@Example.RU ") == "ivanova@example.ru"
    for bad in ("ivanova@", "ivanova.example.ru", "a@b", "a..b@example.ru"):
        with pytest.raises(CellError):
            p.email(bad)


@pytest.mark.parametrize("raw, expected", [("5А", "5А"), ("5 а", "5А"), ("5-А", "5А"), ("5A", "5А"),
                                           ("10б", "10Б"), ("11 B", "11В"), ("«7Г»", "7Г")])
def test_class_names_normalised(raw, expected):
    assert p.class_name(raw) == expected


def test_bad_class_names():
    for bad in ("12А", "5", "пятый", "0А"):
        with pytest.raises(CellError):
            p.class_name(bad)


def test_names():
    assert p.person_name("иванов") == "Иванов"
    assert p.person_name("ПЕТРОВА-ВОДКИНА") == "Петрова-Водкина"
    assert p.person_name("МакКой") == "МакКой"
    with pytest.raises(CellError, match="цифр"):
        p.person_name("Иванов2")
    assert p.full_name("Иванова  Мария Петровна") == ("Иванова", "Мария", "Петровна")
    assert p.full_name("Ли Вэй") == ("Ли", "Вэй", "")
    with pytest.raises(CellError):
        p.full_name("Иванова")


def test_age_far_from_grade_is_a_warning():
    assert p.age_grade_warning(date(2015, 3, 14), 5, 2026) is None   # 11 on 1 September
    assert p.age_grade_warning(date(2019, 1, 1), 1, 2026) is None    # 7
    assert "необычен" in p.age_grade_warning(date(2017, 2, 1), 5, 2026)
    assert "необычен" in p.age_grade_warning(date(2010, 2, 1), 5, 2026)


@pytest.mark.parametrize("header, key", [
    ("Дата рожд.", "birth_date"), ("дата рождения", "birth_date"), ("  ФАМИЛИЯ ", "last_name"),
    ("№ приказа", "order_number"), ("Номер приказа", "order_number"), ("Отчество", "middle_name"),
    ("ДР", "birth_date"), ("родитель 1: e-mail", "g1_email"), ("ФИО родителя 2", "g2_name"),
    ("Дата зачисл.", "enrolled_on"), ("Снилс", "snils"),
])
def test_headers_match_tolerantly(header, key):
    match = excel.match_columns(PUPILS, [header])
    assert match.index.get(key) == 0, match


def test_ye_and_yo_are_the_same_letter():
    assert excel.normalize_header("Дата приёма") == excel.normalize_header("дата приема")


def test_an_unknown_layout_leaves_columns_for_the_mapping_step():
    match = excel.match_columns(PUPILS, ["Ф", "И", "Рождён", "Кл"])
    assert {c.key for c in match.missing} == {"last_name", "first_name", "birth_date", "class"}
    assert match.unknown == ["Ф", "И", "Рождён", "Кл"]
    chosen = excel.match_columns(PUPILS, ["Ф", "И", "Рождён", "Кл"],
                                 mapping={"last_name": "Ф", "first_name": "И", "birth_date": "Рождён", "class": "Кл"})
    assert not chosen.missing


def test_duplicates_reported_at_the_later_row():
    table = Table(headers=["ФИО", "Email"], rows=[
        (2, ["Петрова Анна Сергеевна", "a@example.ru"]), (3, ["Сидоров Олег", "o@example.ru"]),
        (4, ["петрова анна сергеевна", ""]), (5, ["Другой Человек", "O@example.ru"])])
    parsed = excel.parse(STAFF, table)
    assert [(e.row, e.column, e.message) for e in parsed.errors] == [
        (4, "ФИО", "повтор: этот сотрудник уже есть в строке 2"),
        (5, "Email", "повтор: этот сотрудник уже есть в строке 3")]


def test_missing_column_is_reported_at_the_header_row():
    parsed = excel.parse(PUPILS, Table(headers=["Фамилия", "Имя", "Класс"], rows=[(2, ["А", "Б", "5А"])]))
    assert [(e.row, e.column, e.message) for e in parsed.errors] == [(1, "Дата рождения", "нет столбца «Дата рождения»")]


def test_template_reads_back_with_no_problems_and_enrols_nobody():
    from openpyxl import load_workbook
    for spec in (PUPILS, STAFF):
        data = excel.template(spec)
        table = excel.read_table(data, "t.xlsx")
        assert table.headers == [c.title for c in spec.columns]
        assert excel.parse(spec, table).rows == []          # uploaded unchanged, it adds no one
        sample = load_workbook(io.BytesIO(data))["Пример заполнения"]
        rows = [[cell.value for cell in row] for row in sample.iter_rows()]
        example = Table(headers=rows[0], rows=[(i, ["" if v is None else v for v in r])
                                               for i, r in enumerate(rows[1:], start=2)])
        parsed = excel.parse(spec, example)
        assert parsed.errors == [] and len(parsed.rows) == len(spec.examples)


def test_a_file_that_is_not_a_table():
    with pytest.raises(excel.ImportFileError):
        excel.read_table(b"just text", "x.txt")
    with pytest.raises(excel.ImportFileError):
        excel.read_table(b"PK\x03\x04broken", "x.xlsx")
