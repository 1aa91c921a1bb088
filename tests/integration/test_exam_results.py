"""Results of ВПР, ОГЭ, ЕГЭ (regulation 2.2) on SQLite and PostgreSQL: the grid per class and subject
(the administrator, a deputy for their parallels; others read or are refused), the import with bad rows
(every error by row and column in Russian, nothing half-way, only the good rows when asked, re-import
changes nothing), the pupil's diary (parents and pupils see their own) and the attestation summary.
The world is tests/integration/indicators_world.py (its own results: see its docstring)."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from models import AuditEvent, ExamResult, PeriodMark
from models.db import reading, transaction
from services.core import auth, clock
from services.core.policy import AccessDenied
from services.journal import diary
from services.reports import exams, attestation as reports_attestation
from services.reports.exams import ExamError, GridRow
from tests.integration import indicators_world as iwm

HEADERS = ("ФИО", "Класс", "Вид работы", "Предмет", "Дата", "Первичный балл", "Тестовый балл", "Отметка")


@pytest.fixture
def world(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ANALYTICS_PATH", str(tmp_path / "a.duckdb"))
    clock.set_now(iwm.NOW)
    try:
        yield iwm.build()
    finally:
        clock.set_now(None)


def actor(w, login):
    return auth.actor_for_user(w.users[login])


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def stored(school_id) -> list[tuple]:
    with reading() as tx:
        return sorted(tx.exec(select(ExamResult.student_id, ExamResult.kind, ExamResult.subject_id,
                                     ExamResult.held_on, ExamResult.primary_score, ExamResult.test_score,
                                     ExamResult.mark).where(ExamResult.school_id == school_id)).all())


def audited(action) -> int:
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)).one()


def test_the_grid_of_a_class_is_saved_checked_and_cleared(world):
    w = world
    admin, math = actor(w, "admin_a"), w.subjects["math"]
    c5 = w.classes["5А"]
    grid = exams.grid(admin, w.a, c5, "vpr", math)
    assert grid.editable and grid.class_name == "5А" and grid.held_on == date(2025, 11, 12)
    by_pupil = {r.student_id: r for r in grid.rows}
    assert set(by_pupil) == {w.pupils[k] for k in ("P1", "P2", "P3", "P4")}   # P3 left, P4 arrived: both listed
    assert (by_pupil[w.pupils["P1"]].primary_score, by_pupil[w.pupils["P1"]].mark) == (10, 4)
    before = stored(w.a)
    rows = [GridRow(w.pupils["P1"], "", 15, None, 5), GridRow(w.pupils["P2"], "", None, None, None),
            GridRow(w.pupils["P4"], "", 7, None, 3), GridRow(w.pupils["P3"], "", None, None, None)]
    # one bad row (a mark 6, a test score for ВПР) stops the whole save
    bad = rows[:2] + [GridRow(w.pupils["P4"], "", 7, 50, 6)]
    with pytest.raises(ExamError, match="Григорьева Галина: у ВПР нет тестового балла.*отметка — целое число от 2 до 5"):
        exams.save_grid(admin, w.a, c5, "vpr", math, date(2025, 11, 19), bad)
    with pytest.raises(ExamError, match="дата в будущем"):
        exams.save_grid(admin, w.a, c5, "vpr", math, date(2025, 11, 21), rows)
    assert stored(w.a) == before
    result = exams.save_grid(admin, w.a, c5, "vpr", math, date(2025, 11, 19), rows)
    assert (result.created, result.updated, result.deleted, result.unchanged) == (1, 1, 1, 0)
    after = {(s, k, subj): (d, p, t, m) for s, k, subj, d, p, t, m in stored(w.a)}
    assert after[(w.pupils["P1"], "vpr", math)] == (date(2025, 11, 19), 15, None, 5)
    assert after[(w.pupils["P4"], "vpr", math)] == (date(2025, 11, 19), 7, None, 3)
    assert (w.pupils["P2"], "vpr", math) not in after
    assert audited("exam.result_created") == 1 and audited("exam.result_updated") == 1 \
        and audited("exam.result_deleted") == 1
    again = exams.save_grid(admin, w.a, c5, "vpr", math, date(2025, 11, 19), rows)
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 2)
    # ОГЭ is for grade 9, ЕГЭ for 10–11: the rules know the class's grade
    with pytest.raises(ExamError, match="ОГЭ пишут ученики 9 класса"):
        exams.save_grid(admin, w.a, c5, "oge", math, date(2025, 11, 19), rows[:1])


def test_who_may_enter_and_read_the_grid(world):
    w = world
    math, c5, c9 = w.subjects["math"], w.classes["5А"], w.classes["9А"]
    deputy = actor(w, "deputy5")
    exams.save_grid(deputy, w.a, c5, "vpr", math, date(2025, 11, 19), [GridRow(w.pupils["P4"], "", 9, None, 4)])
    before = stored(w.a)
    with pytest.raises(AccessDenied):   # grade 9 is not the deputy's parallel
        exams.save_grid(deputy, w.a, c9, "oge", math, date(2025, 11, 19), [GridRow(w.pupils["P5"], "", 9, None, 4)])
    with pytest.raises(AccessDenied):   # a pupil of 9А smuggled into 5А's grid
        exams.save_grid(actor(w, "admin_a"), w.a, c5, "vpr", math, date(2025, 11, 19),
                        [GridRow(w.pupils["P5"], "", 9, None, 4)])
    for login in ("t_math", "director", "t_rus"):   # a teacher, the director, the class teacher: no entering
        with pytest.raises(AccessDenied):
            exams.save_grid(actor(w, login), w.a, c5, "vpr", math, date(2025, 11, 19),
                            [GridRow(w.pupils["P1"], "", 9, None, 4)])
    assert stored(w.a) == before
    assert not exams.grid(actor(w, "director"), w.a, c9, "oge", math).editable
    assert [c.name for c in exams.classes(actor(w, "t_rus"), w.a)] == ["5А"]     # the class teacher: own class
    assert [c.name for c in exams.classes(deputy, w.a)] == ["5А"]
    with pytest.raises(AccessDenied):
        exams.grid(actor(w, "t_rus"), w.a, c9, "oge", math)
    with pytest.raises(AccessDenied):
        exams.classes(actor(w, "t_math"), w.a)
    with pytest.raises(AccessDenied):   # another school's administrator
        exams.grid(actor(w, "coord"), w.a, c5, "vpr", math)


def test_the_import_reports_every_bad_row_and_writes_nothing_half_way(world):
    w = world
    admin = actor(w, "admin_a")
    before = stored(w.a)
    data = workbook([
        ("Григорьева Галина", "5 а", "ВПР", "математика", "18.11.2025", 12, None, 4),                 # 2 ok
        ("Егорова Елена", "9А", "огэ", "Русский язык", date(2025, 11, 14), "21", "", "4"),           # 3 ok
        ("Иванов Иван", "5А", "ВПР", "Математика", "18.11.2025", 12, None, 4),                       # 4 no pupil
        ("Алексеев Антон", "5А", "ВПР", "Математика", "18.11.2025", 12, 60, 4),                      # 5 test score
        ("Алексеев Антон", "5А", "ОГЭ", "Русский язык", "18.11.2025", 12, None, 4),                  # 6 grade
        ("Борисова Бэлла", "5А", "ВПР", "Астрономия", "18.11.2025", 12, None, 4),                    # 7 subject
        ("Борисова Бэлла", "5А", "ВПР", "Русский язык", "18.11.2025", 12.5, None, 7),               # 8 two cells
        ("Борисова Бэлла", "5А", "ВПР", "Литература", "30.11.2025", 12, None, 4),                    # 9 future
        ("Дмитриев Денис", "9А", "ЗНО", "Математика", "18.11.2025", 12, None, 4),                    # 10 kind
        ("Григорьева Галина", "5А", "ВПР", "Математика", "18.11.2025", 13, None, 5),                 # 11 duplicate
    ])
    result = exams.import_results(admin, w.a, data, "vpr.xlsx")
    assert not result.committed and stored(w.a) == before
    assert sorted((p.row, p.column, p.message) for p in result.errors) == [
        (4, "ФИО", "ученик не найден в классе 5А в 2025/2026 учебном году"),
        (5, "Тестовый балл", "у ВПР нет тестового балла: оставьте пустым"),
        (6, "Класс", "ОГЭ пишут ученики 9 класса, а ученик в 5 классе"),
        (7, "Предмет", "такого предмета нет в учебных предметах школы"),
        (8, "Отметка", "отметка — целое число от 2 до 5"),
        (8, "Первичный балл", "ожидается целое число, без дробной части"),
        (9, "Дата", "дата в будущем"),
        (10, "Вид работы", "вид работы не распознан: допустимо ВПР, ОГЭ, ЕГЭ"),
        (11, "ФИО", "повтор: результат этого ученика по этому предмету уже есть в строке 2"),
    ]
    dry = exams.import_results(admin, w.a, data, "vpr.xlsx", only_valid=True, dry_run=True)
    assert not dry.committed and dry.created == 2 and stored(w.a) == before
    done = exams.import_results(admin, w.a, data, "vpr.xlsx", only_valid=True)
    assert done.committed and (done.created, done.updated, done.unchanged, done.skipped_rows) == (2, 0, 0, 8)
    assert len(stored(w.a)) == len(before) + 2
    again = exams.import_results(admin, w.a, data, "vpr.xlsx", only_valid=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2) and len(stored(w.a)) == len(before) + 2
    # a deputy of grade 5 imports 5А only; a teacher may not import at all (refused before reading)
    mixed = workbook([("Григорьева Галина", "5А", "ВПР", "Русский язык", "18.11.2025", 9, None, 3),
                      ("Егорова Елена", "9А", "ОГЭ", "Математика", "18.11.2025", 9, None, 3)])
    by_deputy = exams.import_results(actor(w, "deputy5"), w.a, mixed, "m.xlsx")
    assert [(p.row, p.column, p.message) for p in by_deputy.errors] == [(3, "Класс", "этот класс вне ваших параллелей")]
    with pytest.raises(AccessDenied):
        exams.import_results(actor(w, "t_math"), w.a, b"PK\x03\x04 not read", "x.xlsx")
    broken = exams.import_results(admin, w.a, b"not a workbook", "r.xlsx")
    assert broken.errors and broken.errors[0].row == 0 and not broken.committed


def test_ege_results_carry_a_test_score_and_no_mark(world):
    w = world
    with transaction() as tx:   # an 11th grade of one pupil: P6 moved on in December
        from models import Enrollment, SchoolClass
        c11 = SchoolClass(school_id=w.a, year_id=iwm_year(tx, w), grade=11, letter="А", name="11А")
        tx.add(c11)
        tx.flush()
        tx.add(Enrollment(school_id=w.a, student_id=w.pupils["P6"], class_id=c11.id, starts_on=date(2025, 9, 1),
                          reason="enrolled"))
    data = workbook([("Егорова Елена", "11А", "ЕГЭ", "Математика", "18.11.2025", 21, 72, None),
                     ("Егорова Елена", "11А", "ЕГЭ", "Русский язык", "18.11.2025", 30, None, 4)])
    result = exams.import_results(actor(w, "admin_a"), w.a, data, "ege.xlsx")
    assert sorted((p.row, p.column, p.message) for p in result.errors) == [
        (3, "Отметка", "у ЕГЭ нет отметки по пятибалльной шкале: оставьте пустым"),
        (3, "Тестовый балл", "для ЕГЭ нужен тестовый балл (0–100)")]
    assert exams.import_results(actor(w, "admin_a"), w.a, data, "ege.xlsx", only_valid=True).created == 1
    own = exams.pupil_results(actor(w, "admin_a"), w.pupils["P6"])
    ege = next(r for r in own if r.kind == "ЕГЭ")
    assert (ege.primary_score, ege.test_score, ege.mark, ege.year_mark) == (21, 72, None, None)


def iwm_year(tx, w) -> int:
    from models import SchoolClass
    return tx.get(SchoolClass, w.classes["5А"]).year_id


def test_the_diary_shows_the_pupils_own_results_beside_the_year_mark(world):
    w = world
    p1 = w.pupils["P1"]
    own = exams.pupil_results(actor(w, "pupil_p1"), p1)
    # newest first; this year's ВПР math compared with the 1 четверть «5»; last year's with the annual «5»
    assert [(r.held_on, r.kind, r.subject, r.mark, r.year_mark) for r in own] == [
        (date(2025, 11, 12), "ВПР", "Иностранный язык (английский)", 5, None),
        (date(2025, 11, 12), "ВПР", "Математика", 4, 5),
        (date(2025, 4, 15), "ВПР", "Математика", 3, 5)]
    assert own[1].text == "первичный балл 10, отметка 4"
    assert diary.exam_results(actor(w, "parent_g1"), p1) == own      # G1 is P1's parent
    assert len(diary.exam_results(actor(w, "parent_g1"), w.pupils["P2"])) == 3
    with pytest.raises(AccessDenied):
        exams.pupil_results(actor(w, "parent_g5"), p1)                # another family
    with pytest.raises(AccessDenied):
        exams.pupil_results(actor(w, "pupil_p2"), p1)                 # another pupil
    # an annual mark, once set, is what the result is compared with
    with transaction() as tx:
        tx.add(PeriodMark(school_id=w.a, year_id=iwm_year(tx, w), student_id=p1, subject_id=w.subjects["math"],
                          class_id=w.classes["5А"], kind="annual", value="4", numeric=4, entered_at=clock.now()))
    assert exams.pupil_results(actor(w, "pupil_p1"), p1)[1].year_mark == 4


def test_the_attestation_summary_lists_the_results_of_its_classes(world):
    w = world
    summary = reports_attestation.summary(actor(w, "director"), w.a, column="annual", start_year=2025)
    lines = {(e.class_name, e.name.split()[0], e.kind, e.subject): (e.mark, e.year_mark, e.difference)
             for e in summary.exams}
    assert lines[("5А", "Алексеев", "ВПР", "Математика")] == (4, 5, -1)
    assert lines[("5А", "Борисова", "ВПР", "Математика")] == (4, 4, 0)
    assert lines[("9А", "Дмитриев", "ОГЭ", "Математика")] == (4, 2, 2)
    assert lines[("9А", "Егорова", "ОГЭ", "Математика")] == (3, None, None)
    assert len(summary.exams) == 7   # last year's result belongs to last year's summary
    only5 = reports_attestation.summary(actor(w, "deputy5"), w.a, column="annual", start_year=2025)
    assert {e.class_name for e in only5.exams} == {"5А"}
    last = reports_attestation.summary(actor(w, "director"), w.a, column="annual", start_year=2024)
    assert [(e.class_name, e.mark, e.year_mark) for e in last.exams] == [("4А", 3, 5)]


def test_the_command_line_imports_the_good_rows_only_when_asked(world, db_url, tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path
    w = world
    path = tmp_path / "vpr.xlsx"
    path.write_bytes(workbook([("Григорьева Галина", "5А", "ВПР", "Русский язык", "18.11.2025", 9, None, 3),
                               ("Егорова Елена", "9А", "ОГЭ", "Математика", "18.11.2025", 9, None, 7)]))
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin", "PORTAL_FAKE_NOW": "2025-11-20T12:00:00+03:00"}
    root = Path(__file__).resolve().parents[2]
    run = [sys.executable, "manage.py", "import-exams", str(path), "--school", str(w.a), "--json"]
    before = stored(w.a)
    refused = subprocess.run(run, cwd=root, env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and stored(w.a) == before
    assert json.loads(refused.stdout)["errors"][0]["message"] == "отметка — целое число от 2 до 5"
    done = subprocess.run(run + ["--only-valid"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 1 and len(stored(w.a)) == len(before) + 1
