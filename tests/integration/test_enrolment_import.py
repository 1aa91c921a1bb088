"""The export of the region's enrolment system (issue 19, item 9; R-CON-1), on SQLite and PostgreSQL: an
XLSX or CSV file of applications (docs/enrolment-exchange.md) is checked row by row like the
roster; the applications «зачислен» become pupils of their class with the applicant as guardian,
the others are skipped with their status; bad rows are reported by row and column in Russian and
nothing is written half-way; a broken file is refused by the bounded reader."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest
from sqlalchemy import func
from sqlmodel import select

from importers import parsers
from importers.parsers import snils_checksum
from models import AuditEvent, Enrollment, Guardian, RoleGrant, SchoolClass, Student, StudentGuardian, User
from models.db import reading
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.people import rosters_import
from tests.integration import roster_world as w

HEADERS = ["Номер заявления", "Дата подачи заявления", "Статус заявления", "ФИО ребёнка", "Дата рождения ребёнка",
           "Пол ребёнка", "СНИЛС ребёнка", "Класс", "Дата зачисления", "Номер приказа о зачислении",
           "ФИО заявителя", "Кем приходится заявитель", "Телефон заявителя", "E-mail заявителя"]


def snils(n: int) -> str:
    nine = f"{n:09d}"
    return f"{nine[:3]}-{nine[3:6]}-{nine[6:]} {snils_checksum(nine):02d}"


SMIRNOV = ["2026-0001", "01.04.2026", "Зачислен", "Смирнов Артём Игоревич", "20.05.2019", "м", snils(234567891),
           "1", "01.09.2026", "45-уч", "Смирнова Ольга Викторовна", "мать", "+7 912 000-11-22", "smirnova@example.ru"]
REFUSED = ["2026-0002", "02.04.2026", "Отказ в приёме", "Кузнецова Анна Петровна", "11.11.2019", "ж", "", "1", "",
           "", "Кузнецов Пётр Ильич", "отец", "+7 912 000-33-44", ""]
VASILYEVA = ["2026-0003", "15.06.2026", "Зачислена", "Васильева Дарья Олеговна", "10.01.2015", "ж", "", "5Б",
             "01.09.2026", "46-уч", "Васильев Олег Иванович", "отец", "8 (913) 555-66-77", ""]
WITHDRAWN = ["2026-0004", "03.04.2026", "Отозвано заявителем", "Смирнов Артём Игоревич", "20.05.2019", "м",
             snils(234567891), "1", "", "", "Смирнова Ольга Викторовна", "мать", "", ""]


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 9, 10, 9, 0, tzinfo=timezone.utc))
    return w.build()


def n(model) -> int:
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(model)).one()


def csv_bytes(rows, headers=HEADERS, sep=";", encoding="cp1251") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=sep).writerows([headers, *rows])
    return out.getvalue().encode(encoding)


def imp(rw, data: bytes, name: str, who=SYSTEM, **kw):
    return rosters_import.run_import(who, rw.school_id, "enrolment", data, name, **kw)


def test_enrolled_applications_become_pupils_and_the_rest_are_skipped_with_a_reason(rw):
    data = w.workbook(HEADERS, [SMIRNOV, REFUSED, VASILYEVA, WITHDRAWN])
    result = imp(rw, data, "zachislenie.xlsx")
    assert result.committed and not result.errors
    assert (result.created, result.guardians_created, result.not_enrolled) == (2, 2, 2)
    assert [(p.row, p.column, p.value, p.message) for p in result.warnings] == [
        (3, "Статус заявления", "Отказ в приёме", "заявление не в статусе «зачислен»: строка пропущена"),
        (5, "Статус заявления", "Отозвано заявителем", "заявление не в статусе «зачислен»: строка пропущена")]
    with reading() as tx:
        pupils = {(s.last_name, s.first_name, s.middle_name): s for s in tx.exec(select(Student)).all()}
        assert set(pupils) == {("Смирнов", "Артём", "Игоревич"), ("Васильева", "Дарья", "Олеговна")}
        smirnov = pupils[("Смирнов", "Артём", "Игоревич")]
        assert smirnov.snils == parsers.snils(SMIRNOV[6]) and smirnov.sex == "м"
        enrolled = {tx.get(SchoolClass, e.class_id).name: (e.starts_on.isoformat(), e.order_number)
                    for e in tx.exec(select(Enrollment)).all()}
        assert enrolled == {"1А": ("2026-09-01", "45-уч"), "5Б": ("2026-09-01", "46-уч")}  # «1» → the one 1st class
        mother = tx.exec(select(Guardian).where(Guardian.last_name == "Смирнова")).one()
        assert (mother.phone, mother.email) == (parsers.phone("+7 912 000-11-22"), "smirnova@example.ru")
        link = tx.exec(select(StudentGuardian).where(StudentGuardian.guardian_id == mother.id)).one()
        assert (link.student_id, link.relation) == (smirnov.id, "мать")
        assert tx.exec(select(RoleGrant.role).where(RoleGrant.user_id == mother.user_id)).all() == ["parent"]
        assert tx.get(User, smirnov.user_id).password_hash is None        # credentials are issued later
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "roster.imported",
                                                AuditEvent.entity_id == "enrolment")).one()
    # nobody from the refused or withdrawn applications
    assert n(Student) == 2 and n(Guardian) == 2
    # the same export again changes nothing
    again = imp(rw, data, "zachislenie.xlsx")
    assert (again.created, again.updated, again.unchanged, again.not_enrolled) == (0, 0, 2, 2)
    assert n(Student) == 2


def test_the_same_export_as_csv_reads_the_same(rw):
    for data in (csv_bytes([SMIRNOV, REFUSED, VASILYEVA, WITHDRAWN]),                 # Windows-1251, «;»
                 csv_bytes([SMIRNOV, REFUSED, VASILYEVA, WITHDRAWN], sep=",", encoding="utf-8-sig")):
        check = imp(rw, data, "export.csv", dry_run=True)
        assert not check.errors and (check.created, check.guardians_created, check.not_enrolled) == (2, 2, 2)
    result = imp(rw, csv_bytes([SMIRNOV, VASILYEVA]), "export.csv")
    assert result.committed and result.created == 2 and n(Student) == 2


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(rw):
    rows = [SMIRNOV,
            ["2026-0010", "01.04.2026", "Зачислен", "Петров", "01.02.2019", "м", "", "1А", "01.09.2026", "", "", "", "",
             ""],
            ["2026-0011", "01.04.2026", "Зачислен", "Орлов Иван Ильич", "01.02.2015", "м", "", "5", "01.09.2026", "",
             "", "", "", ""],
            ["2026-0012", "01.04.2026", "Зачислен", "Зайцева Мария Павловна", "01.03.2019", "ж", "", "1А", "", "", "",
             "", "", ""],
            ["2026-0001", "01.04.2026", "Зачислен", "Лебедев Кирилл Романович", "05.05.2019", "м", "", "1А",
             "01.09.2026", "", "", "", "", ""],
            ["2026-0013", "10.09.2026", "Зачислен", "Соколов Максим Денисович", "07.07.2019", "м", "123-456-789 00",
             "1А", "01.09.2026", "", "", "", "", ""],
            REFUSED]
    result = imp(rw, w.workbook(HEADERS, rows), "zachislenie.xlsx")
    assert not result.committed and n(Student) == 0 and n(User) == 5
    assert [(p.row, p.column, p.message) for p in result.errors] == [
        (3, "ФИО ребёнка", "укажите фамилию и имя (и отчество, если есть) через пробел"),
        (4, "Класс", "в параллели 5 несколько классов (5А, 5Б): укажите класс с буквой"),
        (5, "Дата зачисления", "у зачисленного ребёнка не указана дата зачисления"),
        (6, "Номер заявления", "повтор: это заявление или этот ребёнок уже есть в строке 2"),
        (7, "СНИЛС ребёнка", "неверная контрольная сумма СНИЛС"),
        (7, "Дата зачисления", "дата зачисления раньше даты подачи заявления")]
    # the good rows only, on request: the enrolled one in row 2; the refused one is still skipped
    only = imp(rw, w.workbook(HEADERS, rows), "zachislenie.xlsx", only_valid=True)
    assert only.committed and (only.created, only.skipped_rows, only.not_enrolled) == (1, 5, 1)
    assert n(Student) == 1


def test_a_formula_in_a_csv_cell_is_refused(rw):
    bad = list(VASILYEVA)
    bad[9] = '=HYPERLINK("http://example.com";"приказ")'
    result = imp(rw, csv_bytes([SMIRNOV, bad]), "export.csv")
    assert not result.committed and n(Student) == 0
    assert [(p.row, p.column, p.message) for p in result.errors] == [
        (3, "Номер приказа о зачислении",
         "значение похоже на формулу электронной таблицы: такие ячейки не загружаются")]


@pytest.mark.parametrize("data, name, message", [
    (b"PK\x03\x04 not really a zip", "export.xlsx",
     "Файл повреждён: это не архив .xlsx/.ods. Сохраните его в Excel заново."),
    ("просто текст без таблицы\nвторая строка".encode(), "export.csv",
     "В первой строке CSV нет разделителей «;», «,» или табуляции: это не таблица."),
    (b"\x00\x01\x02;\x00", "export.csv",
     "Файл не похож на CSV: в нём двоичные данные. Сохраните таблицу как CSV (UTF-8) или .xlsx."),
    (("a;b\n" + "1;2\n" * 10_001).encode(), "export.csv",
     "В файле больше 10 000 строк данных (заполнена строка 10 002). Загрузите не больше этого за один раз "
     "или удалите лишние строки."),
    (b"x" * (5 * 1024 * 1024 + 1), "export.csv", "Файл больше 5 МБ (5,0 МБ): загрузите файл поменьше."),
])
def test_a_broken_file_is_refused_with_its_reason(rw, data, name, message):
    result = imp(rw, data, name)
    assert not result.committed and [p.message for p in result.errors] == [message]
    assert n(Student) == 0


def test_a_missing_column_and_a_csv_for_another_kind_are_refused(rw):
    no_status = [h for h in HEADERS if h != "Статус заявления"]
    result = imp(rw, csv_bytes([[c for i, c in enumerate(SMIRNOV) if i != 2]], headers=no_status), "export.csv")
    assert [(p.row, p.column, p.message) for p in result.errors] == [
        (1, "Статус заявления", "нет столбца «Статус заявления»")]
    pupils = rosters_import.run_import(SYSTEM, rw.school_id, "pupils", csv_bytes([SMIRNOV]), "pupils.csv")
    assert [p.message for p in pupils.errors] == [
        "CSV принимается только для выгрузки региональной системы зачисления; эту таблицу загрузите как .xlsx, "
        ".xls или .ods."]
    assert n(Student) == 0


def test_only_those_who_may_import_the_roster(rw):
    with pytest.raises(AccessDenied):
        imp(rw, csv_bytes([SMIRNOV]), "export.csv", who=rw.actor("math"))
    assert imp(rw, csv_bytes([SMIRNOV]), "export.csv", who=rw.actor("secretary")).committed
