"""The roster import (R-CON-1, R-CON-2) beyond the broken-workbook folder, on SQLite and PostgreSQL: good rows only,
dry runs, creating a missing class, updating a known pupil, staff roles, the mapping step, an
.ods file, and the command line's one line of JSON with its exit status."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import AuditEvent, Enrollment, Guardian, RoleGrant, SchoolClass, Staff, Student, User
from models.db import reading
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.people import rosters_import
from tests.integration import roster_world as w
from tests.ods import ods_document, ods_row

ROOT = Path(__file__).resolve().parents[2]
MOTHER = ("Петрова Анна Ивановна", "мать", "+7 901 000-00-01", "petrova@example.ru")


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 9, 10, 9, 0, tzinfo=timezone.utc))
    return w.build()


def n(model) -> int:
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(model)).one()


def imp(rw, rows, headers=w.PUPIL_HEADERS, kind="pupils", **kw):
    return rosters_import.run_import(SYSTEM, rw.school_id, kind, w.workbook(headers, rows), "f.xlsx", **kw)


def test_only_valid_imports_the_good_rows_and_reports_the_rest(rw):
    rows = [w.pupil_row("Петров", "Пётр", g1=MOTHER), w.pupil_row("Петрова", "Ольга", birth="30.02.2015"),
            w.pupil_row("Сидоров", "Сидор", cls="5Г")]
    assert not imp(rw, rows).committed and n(Student) == 0
    result = imp(rw, rows, only_valid=True)
    assert result.committed and result.created == 1 and result.skipped_rows == 2
    assert [(e.row, e.column) for e in result.errors] == [(3, "Дата рождения"), (4, "Класс")]
    assert result.missing_classes == ["5Г"]
    with reading() as tx:
        st = tx.exec(select(Student)).one()
        user = tx.get(User, st.user_id)
        assert user.password_hash is None and user.login == "petrov.p"   # an account, no password yet
        assert tx.exec(select(RoleGrant.role).where(RoleGrant.user_id == user.id)).all() == ["student"]
        g = tx.exec(select(Guardian)).one()
        assert (g.phone, g.email) == ("+79010000001", "petrova@example.ru")
        assert tx.get(User, g.user_id).login == "petrova.ai"
        audit = tx.exec(select(AuditEvent.action).where(AuditEvent.action.in_(["student.imported",
                                                                              "roster.imported"]))).all()
        assert sorted(audit) == ["roster.imported", "student.imported"]


def test_dry_run_counts_and_writes_nothing(rw):
    result = imp(rw, [w.pupil_row("Петров", "Пётр", g1=MOTHER)], dry_run=True)
    assert (result.created, result.guardians_created, result.committed) == (1, 1, False)
    assert n(Student) == 0 and n(User) == 5


def test_a_missing_class_can_be_created(rw):
    result = imp(rw, [w.pupil_row("Сидоров", "Сидор", cls="5Г")], create_classes=True)
    assert result.committed and result.created == 1
    with reading() as tx:
        cls = tx.exec(select(SchoolClass).where(SchoolClass.name == "5Г")).one()
        assert (cls.grade, cls.letter, cls.year_id) == (5, "Г", rw.year_id)


def test_a_known_pupil_is_updated_not_duplicated(rw):
    assert imp(rw, [w.pupil_row("Петров", "Пётр", snils="")]).created == 1
    # the same pupil, now with a СНИЛС, a patronymic-less name typed in capitals, and a guardian
    result = imp(rw, [w.pupil_row("ПЕТРОВ", "ПЁТР", snils="112-233-445 95", sex="М", g1=MOTHER)])
    assert (result.created, result.updated, result.guardians_created) == (0, 1, 1)
    with reading() as tx:
        st = tx.exec(select(Student)).one()
        assert st.snils == "112-233-445 95"
        ev = tx.exec(select(AuditEvent).where(AuditEvent.action == "student.updated")).one()
        assert json.loads(ev.old) == {"snils": None} and "guardians" in json.loads(ev.new)
    # known by СНИЛС even when the name was corrected in the file
    result = imp(rw, [w.pupil_row("Петров", "Петр", snils="112-233-445 95", g1=MOTHER)])
    assert (result.created, result.updated) == (0, 1) and n(Student) == 1
    # a pupil already in another class is not moved by the roster: a warning says so
    result = imp(rw, [w.pupil_row("Петров", "Петр", snils="112-233-445 95", cls="5Б", g1=MOTHER)])
    assert result.unchanged == 1 and "файлом движения" in result.warnings[0].message
    with reading() as tx:
        assert [e.class_id for e in tx.exec(select(Enrollment)).all()] == [rw.classes["5А"]]


def test_siblings_share_one_new_guardian(rw):
    result = imp(rw, [w.pupil_row("Петров", "Пётр", g1=MOTHER),
                      w.pupil_row("Петрова", "Ольга", birth="02.02.2016", sex="ж", cls="5Б", g1=MOTHER)])
    assert (result.created, result.guardians_created) == (2, 1) and n(Guardian) == 1


def test_staff_import_gives_roles_by_position(rw):
    headers = ["ФИО", "Должность", "Предметы", "Телефон", "E-mail"]
    rows = [["Орлова Вера Петровна", "Учитель математики", "Математика", "", "orlova@example.ru"],
            ["Ильин Олег Ильич", "Заместитель директора по УВР", "", "", ""],
            ["Кузина Нина", "Секретарь", "", "+7 900 000-11-22", ""],
            ["Лебедев Пётр", "Сторож", "", "", ""],
            ["Мухина Ада", "Учитель", "Астрология", "", ""]]
    result = imp(rw, rows, headers, kind="staff")
    assert result.committed and result.created == 5
    assert [(p.row, p.column) for p in result.warnings] == [(5, "Должность"), (6, "Предметы")]
    with reading() as tx:
        roles = dict(tx.exec(select(Staff.last_name, RoleGrant.role).join(RoleGrant, RoleGrant.user_id == Staff.user_id)
                             .where(Staff.last_name.in_(["Орлова", "Ильин", "Кузина", "Лебедев"]))).all())
    assert roles == {"Орлова": "teacher", "Ильин": "deputy", "Кузина": "secretary"}
    again = imp(rw, rows, headers, kind="staff")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    rows[0][1] = "Учитель математики и информатики"
    assert imp(rw, rows, headers, kind="staff").updated == 1


def test_an_unknown_layout_is_mapped_by_the_user(rw):
    headers = ["Ф", "И", "Рождён", "Кл"]
    rows = [["Петров", "Пётр", "01.01.2015", "5А"]]
    result = imp(rw, rows, headers)
    assert not result.committed and set(result.missing_columns) == {"Фамилия", "Имя", "Дата рождения", "Класс"}
    mapping = {"last_name": "Ф", "first_name": "И", "birth_date": "Рождён", "class": "Кл"}
    assert imp(rw, rows, headers, mapping=mapping).created == 1


def ods(headers, rows) -> bytes:
    return ods_document("".join(ods_row(*r) for r in [headers, *rows]))


def test_an_ods_workbook_imports(rw):
    data = ods(["Фамилия", "Имя", "Дата рождения", "Класс"], [["Петров", "Пётр", "01.01.2015", "5А"],
                                                               ["", "Ольга", "02.02.2015", "5А"]])
    result = rosters_import.run_import(SYSTEM, rw.school_id, "pupils", data, "roster.ods")
    assert [(e.row, e.column) for e in result.errors] == [(3, "Фамилия")]
    assert rosters_import.run_import(SYSTEM, rw.school_id, "pupils", data, "roster.ods", only_valid=True).created == 1


def test_the_import_is_for_the_secretary_and_administrator(rw):
    data = w.workbook(w.PUPIL_HEADERS, [w.pupil_row("Петров", "Пётр")])
    with pytest.raises(AccessDenied):
        rosters_import.run_import(rw.actor("ct5"), rw.school_id, "pupils", data, "f.xlsx")
    assert rosters_import.run_import(rw.actor("secretary"), rw.school_id, "pupils", data, "f.xlsx").committed


def test_the_command_line_prints_one_line_of_json(rw, db_url, tmp_path):
    path = tmp_path / "roster.xlsx"
    w.workbook(w.PUPIL_HEADERS, [w.pupil_row("Петров", "Пётр", g1=MOTHER), w.pupil_row("", "Ольга")], path)
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin", "PORTAL_FAKE_NOW": "2026-09-10T12:00:00+03:00"}

    def run(*extra):
        done = subprocess.run([sys.executable, "manage.py", "import", "pupils", str(path), "--school",
                               str(rw.school_id), "--json", *extra], cwd=ROOT, env=env, capture_output=True, text=True)
        lines = done.stdout.splitlines()
        assert len(lines) == 1, done.stdout
        return done.returncode, json.loads(lines[0])

    code, out = run()
    assert code != 0 and list(out) == ["created", "updated", "unchanged", "guardians_created", "errors", "warnings"]
    assert out["errors"] == [{"row": 3, "column": "Фамилия", "value": "", "message": "не указана фамилия"}]
    assert n(Student) == 0
    code, out = run("--dry-run", "--only-valid")
    assert code == 0 and out["created"] == 1 and n(Student) == 0
    code, out = run("--only-valid")
    assert code == 0 and (out["created"], out["guardians_created"], len(out["errors"])) == (1, 1, 1)
    code, out = run("--only-valid")
    assert code == 0 and (out["created"], out["updated"], out["unchanged"]) == (0, 0, 1)
