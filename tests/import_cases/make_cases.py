#!/usr/bin/env python3
"""Writes the deliberately broken workbooks of this folder, their fixed twins and expected.json.

Each case is a workbook with known mistakes and, for each, the error it must produce: the
spreadsheet row (the header is row 1) and the column as written in the file. `NAME.fixed.xlsx`
is the same file corrected; it must import, and importing it again must change nothing. A case
may need another file imported first (`setup`). Run it again after editing a case:

    .venv/bin/python tests/import_cases/make_cases.py
The school they are imported into is tests/integration/roster_world.py (2026/2027; classes
1А, 5А, 5Б, 6А, 9А, 11А), with the clock on 10 September 2026.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

P = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс", "СНИЛС", "Дата зачисления", "Номер приказа",
     "Родитель 1: ФИО", "Родитель 1: Степень родства", "Родитель 1: Телефон", "Родитель 1: Email",
     "Родитель 2: ФИО", "Родитель 2: Степень родства", "Родитель 2: Телефон", "Родитель 2: Email"]
G0 = ["", "", "", ""]


def pupil(last, first, middle, birth, sex, cls, snils="", enrolled="01.09.2026", order="15-уч", g1=G0, g2=G0):
    return [last, first, middle, birth, sex, cls, snils, enrolled, order, *g1, *g2]


MOTHER = ["Орлова Ирина Викторовна", "мать", "+7 912 111-22-33", "orlova@example.ru"]
FATHER = ["Орлов Денис Павлович", "отец", "8 912 111-22-34", ""]

CASES: dict[str, dict] = {}


def case(name, kind, headers, broken, fixed, errors, warnings=(), setup=None, note=""):
    CASES[name] = {"kind": kind, "headers": headers, "broken": broken, "fixed": fixed,
                   "errors": [list(e) for e in errors], "warnings": [list(w) for w in warnings],
                   "setup": setup, "note": note}


case("pupils_missing_surname", "pupils", P,
     [pupil("Орлов", "Максим", "Денисович", "12.04.2015", "м", "5А", g1=MOTHER, g2=FATHER),
      pupil("", "Алиса", "Денисовна", "03.05.2015", "ж", "5А", g1=MOTHER)],
     [pupil("Орлов", "Максим", "Денисович", "12.04.2015", "м", "5А", g1=MOTHER, g2=FATHER),
      pupil("Орлова", "Алиса", "Денисовна", "03.05.2015", "ж", "5А", g1=MOTHER)],
     [(3, "Фамилия")], note="empty surname")

case("pupils_bad_dates", "pupils", P,
     [pupil("Белов", "Игорь", "", "31.02.2015", "м", "5А"),
      pupil("Белова", "Ольга", "", "вчера", "ж", "5А"),
      pupil("Серов", "Павел", "", "01.01.2999", "м", "5Б"),
      pupil("Серова", "Юлия", "", "10.10.2015", "ж", "5Б", enrolled="32.09.2026")],
     [pupil("Белов", "Игорь", "", "28.02.2015", "м", "5А"),
      pupil("Белова", "Ольга", "", date(2015, 6, 1), "ж", "5А"),
      pupil("Серов", "Павел", "", "01.01.2015", "м", "5Б"),
      pupil("Серова", "Юлия", "", "10.10.2015", "ж", "5Б", enrolled="02.09.2026")],
     [(2, "Дата рождения"), (3, "Дата рождения"), (4, "Дата рождения"), (5, "Дата зачисления")],
     note="an impossible date, text that is not a date, a birth in the future, a bad enrolment date")

case("pupils_unknown_class", "pupils", P,
     [pupil("Зайцев", "Роман", "Игоревич", "07.07.2015", "м", "5Д"),
      pupil("Зайцева", "Вера", "Игоревна", "08.08.2015", "ж", "5 а"),
      pupil("Котов", "Лев", "", "09.09.2015", "м", "пятый")],
     [pupil("Зайцев", "Роман", "Игоревич", "07.07.2015", "м", "5Б"),
      pupil("Зайцева", "Вера", "Игоревна", "08.08.2015", "ж", "5 а"),
      pupil("Котов", "Лев", "", "09.09.2015", "м", "5А")],
     [(2, "Класс"), (4, "Класс")], note="a class that does not exist; a class that is not a class name")

case("pupils_bad_snils", "pupils", P,
     [pupil("Лисин", "Глеб", "", "01.02.2015", "м", "5А", snils="112-233-445 96"),
      pupil("Лисина", "Мила", "", "02.03.2015", "ж", "5А", snils="112-233"),
      pupil("Лосев", "Ян", "", "03.04.2015", "м", "5А", snils="112-233-445 95")],
     [pupil("Лисин", "Глеб", "", "01.02.2015", "м", "5А", snils="123-456-789 64"),
      pupil("Лисина", "Мила", "", "02.03.2015", "ж", "5А", snils=""),
      pupil("Лосев", "Ян", "", "03.04.2015", "м", "5А", snils="112-233-445 95")],
     [(2, "СНИЛС"), (3, "СНИЛС")], note="a wrong check sum; too few digits")

case("pupils_bad_contacts", "pupils", P,
     [pupil("Жуков", "Антон", "", "05.05.2015", "м", "5Б", g1=["Жукова Нина Петровна", "мать", "12-34", ""]),
      pupil("Жукова", "Дарья", "", "06.06.2015", "ж", "5Б",
            g1=["Жукова Нина Петровна", "мать", "+7 913 000-11-22", ""],
            g2=["Жуков Олег Ильич", "отец", "", "zhukov@"]),
      pupil("Ершов", "Иван", "", "07.06.2015", "м", "5Б", g1=["", "мать", "+7 913 000-11-23", ""])],
     [pupil("Жуков", "Антон", "", "05.05.2015", "м", "5Б", g1=["Жукова Нина Петровна", "мать", "+7 913 000-11-22", ""]),
      pupil("Жукова", "Дарья", "", "06.06.2015", "ж", "5Б",
            g1=["Жукова Нина Петровна", "мать", "+7 913 000-11-22", ""],
            g2=["Жуков Олег Ильич", "отец", "", "zhukov@example.ru"]),
      pupil("Ершов", "Иван", "", "07.06.2015", "м", "5Б", g1=["Ершова Анна", "мать", "+7 913 000-11-23", ""])],
     [(2, "Родитель 1: Телефон"), (3, "Родитель 2: Email"), (4, "Родитель 1: ФИО")],
     note="a bad phone, a bad e-mail, a guardian's contacts without their name")

case("pupils_duplicates", "pupils", P,
     [pupil("Назаров", "Илья", "", "01.01.2015", "м", "5А", snils="123-456-789 64"),
      pupil("Ёлкина", "Мария", "Олеговна", "02.02.2015", "ж", "5А"),
      pupil("Назаров", "Илья", "", "01.01.2015", "м", "5А", snils="123-456-789 64"),
      pupil("елкина", "мария", "олеговна", "02.02.2015", "Ж", "5А")],
     [pupil("Назаров", "Илья", "", "01.01.2015", "м", "5А", snils="123-456-789 64"),
      pupil("Ёлкина", "Мария", "Олеговна", "02.02.2015", "ж", "5А")],
     [(4, "СНИЛС"), (5, "Фамилия")], note="duplicates reported at the later row (ё = е, any case)")

case("pupils_missing_column", "pupils", [h for h in P if h != "Дата рождения"],
     [[c for i, c in enumerate(pupil("Фомин", "Кирилл", "", "01.01.2015", "м", "5А")) if i != 3]],
     [pupil("Фомин", "Кирилл", "", "01.01.2015", "м", "5А")],
     [(1, "Дата рождения")], note="a required column missing: reported at the header row",
     )

case("pupils_tolerant", "pupils",
     ["ФАМИЛИЯ", "имя", "Отчество", "Дата рожд.", "пол", "Класс", "снилс", "Дата зачисления", "№ приказа",
      "ФИО родителя 1", "Степень родства 1", "Телефон родителя 1", "Email родителя 1"],
     [["Титов", "Марк", "", "03.03.2015", "М", "5-А", "", "01.09.2026", "17-уч", "Титова Ева Львовна", "Мать",
       "8 (900) 123-45-67", "Titova@Example.ru"],
      ["Титова", "Нина", None, date(2015, 4, 4), "ж", "5A", None, None, None, None, None, None, None]],
     None, [], note="accepted as valid: empty Отчество, dates as text, ж/М in any case, «№ приказа», «Дата рожд.»")

case("pupils_age_warning", "pupils", P,
     [pupil("Юдин", "Олег", "", "01.02.2019", "м", "5А")], None, [], warnings=[(2, "Дата рождения")],
     note="an age far from the grade is a warning, not an error")

S = ["ФИО", "Должность", "Предметы", "Телефон", "Email"]
case("staff_broken", "staff", S,
     [["", "Учитель", "Математика", "", "a@example.ru"],
      ["Гусева", "Учитель", "Русский язык", "", ""],
      ["Быков Артём Олегович", "Учитель", "Математика", "", "bykov@@example.ru"],
      ["Шилова Ирина Петровна", "Секретарь", "", "+7 900 000-00-01", "shilova@example.ru"],
      ["Шилова Ирина Петровна", "Секретарь", "", "", ""]],
     [["Рябова Анна Ивановна", "Учитель", "Математика", "", "a@example.ru"],
      ["Гусева Мария Львовна", "Учитель", "Русский язык", "", ""],
      ["Быков Артём Олегович", "Учитель", "Математика", "", "bykov@example.ru"],
      ["Шилова Ирина Петровна", "Секретарь", "", "+7 900 000-00-01", "shilova@example.ru"]],
     [(2, "ФИО"), (3, "ФИО"), (4, "Email"), (6, "ФИО")], note="no name, a one-word name, a bad e-mail, a duplicate")

M = ["Фамилия", "Имя", "Отчество", "Дата рождения", "СНИЛС", "Движение", "Дата", "Из класса", "В класс",
     "Номер приказа", "Примечание"]
case("movement_broken", "movement", M,
     [["Орлов", "Максим", "Денисович", "12.04.2015", "", "переехал", "16.11.2026", "5А", "5Б", "40-уч", ""],
      ["Орлова", "Алиса", "Денисовна", "03.05.2015", "", "перевод", "16.11.2026", "5А", "", "41-уч", ""],
      ["Неизвестный", "Пётр", "", "01.01.2015", "", "выбытие", "20.11.2026", "", "", "42-уч", "в школу № 5"],
      ["Новиков", "Семён", "", "05.05.2015", "", "прибытие", "", "", "5А", "43-уч", "из школы № 2"],
      ["Орлов", "Максим", "Денисович", "12.04.2015", "", "перевод", "16.11.2026", "5Б", "5А", "44-уч", ""]],
     [["Орлов", "Максим", "Денисович", "12.04.2015", "", "перевод", "16.11.2026", "5А", "5Б", "40-уч", ""],
      ["Орлова", "Алиса", "Денисовна", "03.05.2015", "", "выбытие", "16.11.2026", "5А", "", "41-уч", "в школу № 3"],
      ["Новиков", "Семён", "", "05.05.2015", "", "прибытие", "17.11.2026", "", "5А", "43-уч", "из школы № 2"]],
     [(2, "Движение"), (3, "В класс"), (4, "Фамилия"), (5, "Дата"), (6, "Из класса")],
     setup="pupils_missing_surname.fixed.xlsx",
     note="an unknown kind, a transfer with no class, a pupil not in the school, no date, "
          "a transfer from a class the pupil is not in")


def write(path: Path, headers: list, rows: list) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Лист1"
    ws.append(headers)
    for r in rows:
        ws.append(r)
    # fixed metadata so that the files are the same each time they are written
    wb.properties.creator = "make_cases.py"
    from datetime import datetime
    wb.properties.created = wb.properties.modified = datetime(2026, 9, 1)
    wb.save(path)


def main() -> None:
    expected = {}
    for name, c in CASES.items():
        write(HERE / f"{name}.xlsx", c["headers"], c["broken"])
        if c["fixed"] is not None:
            write(HERE / f"{name}.fixed.xlsx", P if name == "pupils_missing_column" else c["headers"], c["fixed"])
        expected[name] = {"kind": c["kind"], "errors": c["errors"], "warnings": c["warnings"], "setup": c["setup"],
                          "fixed": f"{name}.fixed.xlsx" if c["fixed"] is not None else None, "note": c["note"]}
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
