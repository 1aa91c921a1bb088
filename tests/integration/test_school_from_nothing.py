"""A real school from an empty database through manage.py alone (issue 15), on SQLite and
PostgreSQL, without the demo generator: the municipality and school (the standard work types
come with it), the calendar, the bells, staff and pupils with parents from Excel, the curriculum,
a work type's weight, the teaching load, the timetable from Excel, the lessons, the credentials,
the checklist; then the teacher enters marks and an absence through the journal's services (as
the journal screen does) and the parent's diary shows them; then the year is closed (its archive
first) and the new year is taught with nothing entered again: the load, the timetable and the КТП
moved up with the classes, only the lessons are generated.

Small school: 5А and 6А, two pupils each, two teachers."""
from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlmodel import select

from models import Guardian, LessonPlan, SchoolClass, Student, StudentGuardian, Subject, TeachingAssignment, User
from models.db import reading
from services.core import auth
from services.core.actor import SYSTEM
from services.journal import diary, grid as journal
from services.reports import archive

MSK = ZoneInfo("Europe/Moscow")
SETUP_AT = datetime(2026, 8, 25, 10, 0, tzinfo=MSK)  # the last week of August
TEACH_AT = datetime(2026, 9, 1, 18, 0, tzinfo=MSK)  # the evening of the first school day (Tuesday)

STAFF = [["ФИО", "Должность", "Предметы", "Телефон", "Email"],
         ["Рябова Анна Ивановна", "Учитель", "Математика", "", "ryabova@example.ru"],
         ["Гусева Мария Львовна", "Учитель", "Русский язык", "", "guseva@example.ru"]]
PUPILS = [["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс", "Дата зачисления",
           "Родитель 1: ФИО", "Родитель 1: Степень родства", "Родитель 1: Телефон", "Родитель 1: Email"],
          ["Орлов", "Максим", "Денисович", "12.04.2015", "м", "5А", "01.09.2026",
           "Орлова Ирина Викторовна", "мать", "+7 912 111-22-33", "orlova@example.ru"],
          ["Белова", "Ольга", "Игоревна", "01.06.2015", "ж", "5А", "01.09.2026",
           "Белов Игорь Петрович", "отец", "+7 912 111-22-44", ""],
          ["Серов", "Павел", "", "01.01.2014", "м", "6А", "01.09.2026",
           "Серова Юлия Андреевна", "мать", "+7 912 111-22-55", ""],
          ["Котова", "Вера", "", "09.09.2014", "ж", "6А", "01.09.2026",
           "Котов Лев Ильич", "отец", "+7 912 111-22-66", ""]]
# Tuesday and Thursday: two lessons a day for each class, two teachers, no one in two places
TIMETABLE = [["Класс", "День", "Урок", "Предмет", "Учитель", "Кабинет"]] + [
    [cls, day, n, subj, teacher, room]
    for day in ("Вт", "Чт")
    for cls, room, order in (("5А", "11", ("Математика", "Русский язык")), ("6А", "12", ("Русский язык", "Математика")))
    for n, subj in enumerate(order, start=1)
    for teacher in [{"Математика": "Рябова А. И.", "Русский язык": "Гусева М. Л."}[subj]]]


def workbook(path, rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return str(path)


@pytest.fixture
def cli(capsys, frozen_clock, monkeypatch):
    """manage.py's own main() in this process (argparse, the command, its one line of JSON), with
    the clock in the last week of August; a subprocess per command would cost seconds each."""
    import manage
    monkeypatch.delenv("DEMO", raising=False)
    frozen_clock(SETUP_AT)

    def run(*args):
        capsys.readouterr()
        code = manage.main([*args, "--json"])
        out = capsys.readouterr()
        assert code == 0, (args, out.out, out.err)
        lines = out.out.strip().splitlines()
        assert len(lines) == 1, out.out
        return json.loads(lines[0])
    return run


def actor_of(login):
    with reading() as tx:
        user = tx.exec(select(User).where(User.login == login)).one()
        return auth.load_actor(tx, user.id)


def test_a_small_school_from_an_empty_database(db_url, cli, tmp_path, frozen_clock):
    school = str(cli("create-school", "--municipality", "Городской округ Энск", "--name",
                        "МБОУ СОШ № 1 г. Энска", "--short-name", "СОШ № 1")["school_id"])
    s = ["--school", school]
    status = cli("status", *s)
    assert {line["key"]: line["done"] for line in status["lines"]}["work_types"]  # the standard set came with it
    assert status["done"] == 1
    cli("create-year", *s, "--year", "2026")
    cli("bells", *s, "08:30-09:15", "09:25-10:10", "10:30-11:15", "11:35-12:20")
    staff = cli("import", "staff", workbook(tmp_path / "staff.xlsx", STAFF), *s)
    assert staff["created"] == 2
    pupils = cli("import", "pupils", workbook(tmp_path / "pupils.xlsx", PUPILS), *s, "--create-classes")
    assert pupils["created"] == 4 and pupils["guardians_created"] == 4
    with reading() as tx:
        classes = {c.name: c.id for c in tx.exec(select(SchoolClass)).all()}
    cli("grant", "--login", "riabova.ai", "--role", "class_teacher", *s, "--class-id", str(classes["5А"]))
    cli("grant", "--login", "guseva.ml", "--role", "class_teacher", *s, "--class-id", str(classes["6А"]))
    for cls in ("5А", "6А"):
        cli("curriculum", *s, "--class", cls, "--subject", "Математика", "--hours", "2")
        cli("curriculum", *s, "--class", cls, "--subject", "Русский язык", "--hours", "2")
        cli("assign", *s, "--class", cls, "--subject", "Математика", "--teacher", "riabova.ai")
        cli("assign", *s, "--class", cls, "--subject", "Русский язык", "--teacher", "guseva.ml")
    types = {t["name"]: t for t in cli("work-types", "list", *s)["work_types"]}
    cli("work-types", "set", *s, "--id", str(types["Контрольная работа"]["id"]), "--weight", "3")
    timetable = cli("import-timetable", workbook(tmp_path / "tt.xlsx", TIMETABLE), *s, "--from", "2026-09-01")
    assert timetable["created"] == 8 and not timetable["errors"]
    assert timetable["lessons"]["created"] > 100  # the year's lessons: 2 days × 2 lessons × 2 classes a week
    lessons = cli("generate-lessons", *s, "--year", "2026")  # again: nothing new, nothing lost
    assert lessons["created"] == 0 and lessons["unchanged"] == timetable["lessons"]["created"]
    with reading() as tx:
        maths_id = tx.exec(select(Subject.id).where(Subject.name == "Математика")).one()
    ktp = cli("import-lesson-plan", workbook(tmp_path / "ktp.xlsx", [["№ урока", "Тема"], [1, "Натуральные числа"],
                                                                     [2, "Сложение и вычитание"]]),
              *s, "--subject", str(maths_id), "--class-id", str(classes["5А"]))
    assert ktp["added"] == 2
    issued = cli("issue-credentials", *s, "--out", str(tmp_path / "pupils.pdf"))
    assert issued["issued"] == 8 and (tmp_path / "pupils.pdf").read_bytes().startswith(b"%PDF")
    assert cli("issue-credentials", *s, "--staff", "--out", str(tmp_path / "staff.pdf"))["issued"] == 2
    status = {line["key"]: line for line in cli("status", *s)["lines"]}
    assert [k for k, line in status.items() if not line["done"]] == ["documents"], status

    # the first school day: the maths teacher of 5А enters marks and an absence, as the journal screen does
    frozen_clock(TEACH_AT)
    teacher = actor_of("riabova.ai")
    choice = next(c for c in journal.choices(teacher, int(school)) if c.class_name == "5А"
                  and c.subject_name == "Математика")
    grid = journal.load_grid(teacher, choice.class_id, choice.subject_id)
    first = next(c for c in grid.columns if c.lesson_date == date(2026, 9, 1))
    pupil = {p.name.split()[0]: p.student_id for p in grid.pupils}
    result = journal.save_cells(teacher, journal.diff(grid, {(pupil["Орлов"], first.label): "5",
                                                            (pupil["Белова"], first.label): "Н"}))
    assert result.ok and result.committed and result.saved == 2, result
    # the parent of Орлов sees the mark, the parent of Белова the absence
    with reading() as tx:
        parents = {st.last_name: tx.get(User, g.user_id).login for st, g in tx.exec(
            select(Student, Guardian).join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)).all()}
    week = diary.week(actor_of(parents["Орлов"]), pupil["Орлов"], date(2026, 9, 1))
    maths = [l for d in week.days for l in d.lessons if l.subject == "Математика" and l.lesson_date == date(2026, 9, 1)]
    assert [m.value for l in maths for m in l.marks] == ["5"]
    week = diary.week(actor_of(parents["Белова"]), pupil["Белова"], date(2026, 9, 1))
    assert [l.attendance for d in week.days for l in d.lessons if l.lesson_id == first.lesson_id] == ["Н"]

    # the next September: the preview says what moves up; closing makes the archive first
    frozen_clock(datetime(2027, 6, 30, 12, 0, tzinfo=MSK))
    preview = cli("close-year", *s, "--preview")
    assert preview["new_classes"] == ["6А", "7А"] and preview["archive"] is None
    assert preview["carry"]["load"] == 4 and preview["carry"]["timetable"] == 8 and preview["carry"]["lesson_plans"] == 1
    closed = cli("close-year", *s, "--out", str(tmp_path / "archive"))
    assert closed["promote"] == 4 and closed["carry"] == {**preview["carry"], "skipped": []}
    assert closed["archive"].endswith("2026-2027.zip")
    assert [p.name for p in archive.saved(SYSTEM, int(school), tmp_path / "archive")] == [
        f"archive_school{school}_2026-2027.zip"]  # listed on «Архив учебного года»
    frozen_clock(datetime(2027, 8, 30, 12, 0, tzinfo=MSK))
    cli("public-holidays", *s, "--year", "2027")  # the one new fact of a new year: its holidays
    new_lessons = cli("generate-lessons", *s, "--year", "2027")
    assert new_lessons["created"] + new_lessons["unchanged"] > 100  # (the holidays already made most)
    with reading() as tx:
        new_6a = tx.exec(select(SchoolClass).where(SchoolClass.name == "6А", SchoolClass.id != classes["6А"])).one()
        russian_id = tx.exec(select(Subject.id).where(Subject.name == "Русский язык")).one()
        assert sorted(tx.exec(select(TeachingAssignment.subject_id).where(TeachingAssignment.class_id == new_6a.id))
                      .all()) == sorted([maths_id, russian_id])
        new_plan = tx.exec(select(LessonPlan).where(LessonPlan.year_id == new_6a.year_id)).one()
        assert new_plan.class_id is None and new_plan.grade == 5  # no 5А next year: the plan serves grade 5
    # 2 September 2027: the same teacher teaches Орлов, now in 6А, without anything entered again
    frozen_clock(datetime(2027, 9, 2, 18, 0, tzinfo=MSK))
    status = {line["key"]: line for line in cli("status", *s)["lines"]}
    assert status["calendar"]["detail"].startswith("2027/2028")
    assert all(status[k]["done"] for k in ("calendar", "classes", "curriculum", "load", "timetable", "lessons")), status
    teacher = actor_of("riabova.ai")  # the next run of the screen: the actor is rebuilt from the database
    choice = next(c for c in journal.choices(teacher, int(school)) if c.class_name == "6А"
                  and c.subject_name == "Математика" and c.class_id == new_6a.id)
    grid = journal.load_grid(teacher, choice.class_id, choice.subject_id)
    first = next(c for c in grid.columns if c.lesson_date == date(2027, 9, 2))
    assert [p.name.split()[0] for p in grid.pupils] == ["Белова", "Орлов"]
    result = journal.save_cells(teacher, journal.diff(grid, {(pupil["Орлов"], first.label): "4"}))
    assert result.ok and result.saved == 1
