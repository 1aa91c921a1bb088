"""Olympiad results: entered by hand and imported from Excel (validated row by row, all or
nothing unless the good rows are asked for, re-import changes nothing); they feed «Олимпиады»."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from checks import runner, snapshot
from checks.scope import Scope
from models import AuditEvent, OlympiadResult
from models.db import reading
from services.control import olympiads
from services.core import auth, clock
from services.core.policy import AccessDenied
from tests.integration import indicators_world as iwm


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


def workbook(rows, headers=("ФИО", "Класс", "Олимпиада", "Этап", "Предмет", "Статус", "Дата")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def count_results(school_id):
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(OlympiadResult)
                       .where(OlympiadResult.school_id == school_id)).one()


def coverage(w, id_):
    snapshot.refresh()
    with runner.run(Scope((w.a,), iwm.YEAR_FROM, iwm.YEAR_TO)) as run:
        r = run.value(id_)
    return r.value, r.numerator, r.denominator


def test_entering_a_result_feeds_the_indicator(world):
    w = world
    assert coverage(w, "vzlet_online") == (0.0, 0, 5)
    admin = actor(w, "admin_a")
    rid = olympiads.save_result(admin, w.a, w.pupils["P4"], "vzlet_online", "", "Физика", "participant",
                                date(2025, 10, 20))
    assert coverage(w, "vzlet_online") == (20.0, 1, 5)
    # entering it again with another status corrects it, no second row
    assert olympiads.save_result(admin, w.a, w.pupils["P4"], "vzlet_online", "", "физика", "prize") == rid
    rows = [r for r in olympiads.results(admin, w.a, 2025) if r.olympiad == "vzlet_online"]
    assert [(r.pupil, r.class_name, r.status) for r in rows] == [("Григорьева Галина", "5А", "prize")]
    with pytest.raises(olympiads.OlympiadError, match="этап"):
        olympiads.save_result(admin, w.a, w.pupils["P4"], "vsosh", "", "Физика", "participant")
    with pytest.raises(olympiads.OlympiadError, match="статус"):
        olympiads.save_result(admin, w.a, w.pupils["P4"], "vsosh", "school", "Физика", "лауреат")
    # a deputy of grade 5 may not enter a 9th grader's result; a teacher may not at all
    with pytest.raises(AccessDenied):
        olympiads.save_result(actor(w, "deputy5"), w.a, w.pupils["P5"], "vsosh", "school", "Химия", "participant")
    olympiads.save_result(actor(w, "deputy5"), w.a, w.pupils["P1"], "vsosh", "school", "Химия", "participant")
    with pytest.raises(AccessDenied):
        olympiads.save_result(actor(w, "t_math"), w.a, w.pupils["P1"], "vsosh", "school", "Физика", "participant")
    olympiads.delete_result(admin, rid)
    assert coverage(w, "vzlet_online") == (0.0, 0, 5)


def test_venues(world):
    w = world
    olympiads.save_venue(actor(w, "admin_a"), w.a, "podmoskovnaya", "", date(2025, 11, 1))
    assert coverage(w, "olymp_venues") == (3, 3, None)
    assert len(olympiads.venues(actor(w, "director"), w.a, 2025)) == 3


def test_import_all_or_nothing_then_only_valid_then_again(world):
    w = world
    admin = actor(w, "admin_a")
    before = count_results(w.a)
    data = workbook([
        ("Григорьева Галина", "5 а", "ВсОШ", "Школьный этап", "Биология", "Призёр", "15.10.2025"),
        ("Егорова Елена", "9А", "всероссийская олимпиада школьников", "муниципальный", "Химия", "победитель",
         date(2025, 11, 15)),
        ("Иванов Иван", "5А", "ВсОШ", "школьный", "Химия", "участник", "15.10.2025"),       # no such pupil
        ("Алексеев Антон", "5А", "ВсОШ", "", "Химия", "участник", "15.10.2025"),            # no stage
        ("Алексеев Антон", "5А", "Олимпиада мэра", "школьный", "Химия", "участник", ""),    # unknown olympiad
        ("Борисова Бэлла", "5А", "Взлёт онлайн", "", "Программирование", "участник", "31.12.2025"),  # future
    ])
    result = olympiads.import_results(admin, w.a, data, "results.xlsx")
    assert not result.committed and count_results(w.a) == before
    problems = sorted((p.row, p.column, p.message) for p in result.errors)
    assert problems == [
        (4, "ФИО", "ученик не найден в классе 5А в 2025/2026 учебном году"),
        (5, "Этап", "для ВсОШ укажите этап: школьный, муниципальный, региональный или заключительный"),
        (6, "Олимпиада", "вид олимпиады не распознан(а): допустимо ВсОШ, Подмосковная, Взлёт, Взлёт онлайн"),
        (7, "Дата", "дата в будущем")]
    result = olympiads.import_results(admin, w.a, data, "results.xlsx", only_valid=True)
    assert result.committed and (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert count_results(w.a) == before + 2
    again = olympiads.import_results(admin, w.a, data, "results.xlsx", only_valid=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert count_results(w.a) == before + 2
    with reading() as tx:
        audited = tx.exec(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "olympiad.result_created")).one()
    assert audited == 2
    # municipal stage 7–11: P5 already, now P6 too
    assert coverage(w, "olymp_municipal_stage") == (100.0, 2, 2)


def test_import_headers_are_matched_tolerantly_and_duplicates_reported(world):
    w = world
    data = workbook([("алексеев антон", "5А", "ВсОШ", "школьный", "Физика", "участник", "01.10.2025"),
                     ("Алексеев Антон", "5А", "ВсОШ", "школьный", "физика", "призёр", "01.10.2025")],
                    headers=("ФИО ученика", "класс", "Вид олимпиады", "Уровень", "Предмет", "Результат",
                             "Дата проведения"))
    result = olympiads.import_results(actor(w, "admin_a"), w.a, data, "r.xlsx")
    assert [(p.row, p.message) for p in result.errors] == [(3, "повтор: этот результат уже есть в строке 2")]
    broken = olympiads.import_results(actor(w, "admin_a"), w.a, b"not a workbook", "r.xlsx")
    assert broken.errors and not broken.committed
    with pytest.raises(AccessDenied):
        olympiads.import_results(actor(w, "t_math"), w.a, data, "r.xlsx")


def test_template_has_the_columns():
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(olympiads.template()))
    assert [c.value for c in wb.active[1]] == ["ФИО", "Класс", "Олимпиада", "Этап", "Предмет", "Статус", "Дата"]
