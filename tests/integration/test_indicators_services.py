"""The indicators as people get them (R-CTL-2, R-CTL-6): a deputy's parallels, the drill-down, the weekly trend, the
coordinator's aggregates (never a pupil's name), a school's own thresholds, the snapshot itself.
On the hand-built fixture (tests/integration/indicators_world.py), SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest
from sqlmodel import select

from checks import snapshot
from models import Mark, Work
from models.db import transaction
from services.control import indicators, indicators_settings
from services.control.indicators import Choice
from services.core import auth
from services.core.policy import AccessDenied
from tests.integration import indicators_world as iwm

YEAR = Choice(iwm.YEAR_FROM, iwm.YEAR_TO)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request, tmp_path_factory, sqlite_template):
    pg = request.getfixturevalue("pg_template") if request.param == "postgres" else None
    with iwm.built_world(request.param, tmp_path_factory.mktemp(f"svc_{request.param}"), sqlite_template, pg) as (w, _):
        yield w


def actor(w, login):
    return auth.actor_for_user(w.users[login])


def values(rows):
    return {r.id: (r.value, r.numerator, r.denominator) for r in rows}


def test_deputy_sees_only_their_parallel(world):
    board = indicators.dashboard(actor(world, "deputy5"), world.a, YEAR)
    assert board.scope.grades == (5,)
    assert board.limited_to == "параллели 5"
    # 5А only: pupil-lessons 9 (October) + 25 (November); missed L1 P1, L8 P3, L9 P2, L10 P2, L13 P2 → 29 / 34
    assert values(board.rows)["attendance"] == (85.29, 29, 34)
    # grade-5 pupils P1, P2, P4: P2 is failing → 1 / 3
    assert values(board.rows)["systemic_failure"] == (33.33, 1, 3)
    # ВПР of 5А against the 1 четверть marks: P1 4 vs 5 differs, P2 4 vs 4 (9А's ОГЭ is not theirs) → 1 / 2
    assert values(board.rows)["exam_objectivity"] == (50.0, 1, 2)
    assert len(board.rows) == 33 and len(board.deputy) == 9
    assert board.label == "данные на 12:00"
    with pytest.raises(AccessDenied):
        indicators.dashboard(actor(world, "deputy5"), world.a,
                             Choice(iwm.YEAR_FROM, iwm.YEAR_TO, class_ids=(world.classes["9А"],)))


def test_deputy_of_a_subject_area_sees_only_their_subjects(world):
    """A deputy of mathematics (RoleGrant.subject_ids) gets exactly what the director gets with
    mathematics chosen, and may not ask for another subject."""
    from models import RoleGrant, User
    math = world.subjects["math"]
    with transaction() as tx:
        user = User(login="deputy_math", password_hash="-", last_name="Завуч", first_name="Т", created_at=iwm.NOW)
        tx.add(user)
        tx.flush()
        tx.add(RoleGrant(user_id=user.id, role="deputy", school_id=world.a, subject_ids=str(math), granted_at=iwm.NOW))
        uid = user.id
    try:
        deputy = auth.actor_for_user(uid)
        board = indicators.dashboard(deputy, world.a, YEAR)
        assert board.scope.subject_ids == (math,) and board.scope.grades == ()
        chosen = indicators.dashboard(actor(world, "director"), world.a,
                                      Choice(iwm.YEAR_FROM, iwm.YEAR_TO, subject_ids=(math,)))
        assert values(board.rows) == values(chosen.rows)
        assert values(board.rows) != values(indicators.dashboard(actor(world, "director"), world.a, YEAR).rows)
        with pytest.raises(AccessDenied):
            indicators.dashboard(deputy, world.a, Choice(iwm.YEAR_FROM, iwm.YEAR_TO, subject_ids=(world.subjects["rus"],)))
    finally:  # the module's fixture is shared: the grant goes (the user, with no role, counts nowhere)
        with transaction() as tx:
            for g in tx.exec(select(RoleGrant).where(RoleGrant.user_id == uid)).all():
                tx.delete(g)


def test_drilldown_lists_the_pupils_behind_the_number(world):
    columns, rows, _ = indicators.drilldown(actor(world, "director"), world.a, YEAR, "systemic_failure")
    assert columns == ["Ученик", "Класс", "Предмет", "Причина"]
    found = {(r[0], r[2]) for r in rows}
    assert found == {("Борисова Бэлла", "Математика"), ("Борисова Бэлла", "Русский язык"),
                     ("Дмитриев Денис", "Математика")}
    reasons = {(r[0], r[2]): r[3] for r in rows}
    assert "подряд 3 отметок ≤2" in reasons[("Борисова Бэлла", "Математика")]
    assert "средневзвешенный 2,20" in reasons[("Борисова Бэлла", "Математика")]
    assert reasons[("Борисова Бэлла", "Русский язык")] == "за 1 четверть: н/а"
    # the deputy of grade 5 gets only 5А's rows
    _, rows5, _ = indicators.drilldown(actor(world, "deputy5"), world.a, YEAR, "systemic_failure")
    assert {r[1] for r in rows5} == {"5А"}
    # the other parts of attendance
    _, _, extra = indicators.drilldown(actor(world, "director"), world.a, YEAR, "attendance")
    assert extra == {"Ученико-уроков": 46, "По болезни (Б)": 2, "По уважительной (У)": 1,
                     "Без уважительной (Н)": 4, "Опоздания (О)": 1}


def test_monitoring_sees_values_but_no_names(world):
    board = indicators.dashboard(actor(world, "monitor_a"), world.a, YEAR)
    assert values(board.rows)["attendance"] == (84.78, 39, 46)
    with pytest.raises(AccessDenied):
        indicators.drilldown(actor(world, "monitor_a"), world.a, YEAR, "systemic_failure")


def test_weekly_trend(world):
    weeks = indicators.trend(actor(world, "director"), world.a, YEAR, "attendance", weeks=3)
    # 3–9 Nov: no lesson held (L7 cancelled); 10–16 Nov: 20 pupil-lessons, 3 missed (L8 P3, L9 P2, L18 P5);
    # 17–20 Nov: L10 3, L11 3, L13 3, L19 2 = 11, missed L10 P2, L13 P2, L19 P5
    assert weeks == [(date(2025, 11, 3), None), (date(2025, 11, 10), 85.0), (date(2025, 11, 17), 72.73)]


def test_part_of_a_period_counts_current_marks(world):
    """1 Sep – 10 Oct: the first quarter is not over, so its period marks (given on 24 Oct) do not
    count; the rounded weighted averages of the marks up to 10 Oct do. Васильев had not left yet."""
    board = values(indicators.dashboard(actor(world, "director"), world.a,
                                        Choice(date(2025, 9, 1), date(2025, 10, 10))).rows)
    # 5А math P1 (5 + 2·4)/3 = 4,33 → 4, P2 (4 + 2·4)/3 → 4; rus P1 4; 9А P5 2, P6 (3 + 4)/2 → 4;
    # per pupil (issue 18, bug 8): P1, P2, P6 with «4» only, P5 with a «2» → 3 of 4
    assert board["success_rate"] == (75.0, 3, 4)
    assert board["knowledge_quality"] == (75.0, 3, 4)
    assert board["learning_degree"] == (54.4, 272, 5)
    # norms for 40 of 54 days: math 3, rus 2, eng 3; 11 units (P1–P3 × 3 subjects, P5, P6), none reaches them
    assert board["mark_accumulation"] == (0.0, 0, 11)
    # P5: 2 and 2 in the last 30 days (average 2 < 2,5); his run of three ends on 14 Oct → 1 of 7
    assert board["systemic_failure"] == (14.29, 1, 7)


def test_empty_denominator_is_no_data(world):
    board = indicators.dashboard(actor(world, "director"), world.a, Choice(date(2025, 7, 1), date(2025, 7, 31)))
    row = next(r for r in board.rows if r.id == "success_rate")
    assert (row.value, row.numerator, row.denominator, row.status) == (None, 0, 0, "no_data")
    assert next(r for r in board.rows if r.id == "olymp_venues").status in ("ok", "warn")


def test_coordinator_gets_schools_side_by_side_and_classes_without_names(world):
    coord = actor(world, "coord")
    view = indicators.municipality(coord, world.municipality_id, iwm.YEAR_FROM, iwm.YEAR_TO)
    total = {r.id: (r.value, r.numerator, r.denominator) for r in view.total}
    # school B adds two pupil-lessons (7Б, Информатика), none missed: 41 / 48
    assert total["attendance"] == (85.42, 41, 48)
    # school B's groups are alike (4 and 4): 1 of 2
    assert total["group_similarity"] == (50.0, 1, 2)
    assert total["average_mark"] == (3.44, 124, 36)
    assert total["olymp_venues"] == (2, 2, None)
    assert view.cells[("attendance", world.b)].value == 100.0
    ranked = indicators.ranking(view, "attendance")
    assert [(place, name) for place, name, _ in ranked] == [(1, "Школа Б"), (2, "Школа А")]
    classes = indicators.municipality_classes(coord, world.municipality_id, world.a, iwm.YEAR_FROM, iwm.YEAR_TO,
                                              "attendance")
    # 1А: L20 2 of 2; 5А 29 / 34; 9А 6 + 4 pupil-lessons, 2 missed
    assert [(p.title, p.value) for p in classes] == [("1А", 100.0), ("5А", 85.29), ("9А", 80.0)]
    with pytest.raises(AccessDenied):
        indicators.drilldown(coord, world.a, YEAR, "attendance")
    with pytest.raises(AccessDenied):
        indicators.municipality(actor(world, "coord_other"), world.municipality_id, iwm.YEAR_FROM, iwm.YEAR_TO)
    with pytest.raises(AccessDenied):
        indicators.municipality(actor(world, "director"), world.municipality_id, iwm.YEAR_FROM, iwm.YEAR_TO)


def test_municipal_export_has_no_pupil_names(world):
    from io import BytesIO

    from openpyxl import load_workbook

    from services.control import indicators_xlsx
    coord = actor(world, "coord")
    view = indicators.municipality(coord, world.municipality_id, iwm.YEAR_FROM, iwm.YEAR_TO)
    data = indicators_xlsx.municipal_xlsx(coord, view, iwm.YEAR_FROM, iwm.YEAR_TO)
    wb = load_workbook(BytesIO(data))
    assert wb.sheetnames == ["Показатели", "Числители и знаменатели", "Рейтинг", "Сроки и заполнение"]
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)
    assert "Посещаемость" in text and "Школа Б" in text
    for surname in ("Алексеев", "Борисова", "Дмитриев", "Рыбин"):
        assert surname not in text
    rows = list(wb["Показатели"].iter_rows(values_only=True))
    attendance = next(r for r in rows if r[1] == "Посещаемость")
    assert attendance[2:] == ("%", 85.42, 84.78, 100.0)


def test_snapshot_is_a_read_only_copy_without_secrets(world):
    con = snapshot.connect()
    try:
        columns = {r[0] for r in con.execute("DESCRIBE account").fetchall()}
        assert "password_hash" not in columns and "oidc_subject" not in columns
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM mark_f")
    finally:
        con.close()
    assert snapshot.info().taken_at == iwm.NOW


def test_school_thresholds_and_parameters(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ANALYTICS_PATH", str(tmp_path / "a.duckdb"))
    from services.core import clock
    clock.set_now(iwm.NOW)
    try:
        w = iwm.build()
        snapshot.refresh()
        director = actor(w, "director")
        before = {r.id: r for r in indicators.dashboard(director, w.a, YEAR).rows}
        assert before["success_rate"].status == "bad"
        with pytest.raises(indicators_settings.SettingsError, match="не ниже жёлтого"):
            indicators_settings.save(director, w.a, "success_rate", green=70, yellow=80)
        with pytest.raises(AccessDenied):
            indicators_settings.save(actor(w, "deputy5"), w.a, "success_rate", green=80, yellow=70)
        indicators_settings.save(director, w.a, "success_rate", green=60, yellow=50)
        # P1's October: 1 unexcused of 3 lessons = 33 % — below a 34 % limit
        indicators_settings.save(director, w.a, "systemic_absence", params={"abs_share": 34})
        after = {r.id: r for r in indicators.dashboard(director, w.a, YEAR).rows}
        assert (after["success_rate"].status, after["success_rate"].green) == ("ok", 60)
        assert (after["systemic_absence"].value, after["systemic_absence"].numerator) == (14.29, 1)
        assert indicators_settings.save(director, w.a, "success_rate", green=60, yellow=50) == {}
        indicators_settings.save(director, w.a, "success_rate", reset=True)
        assert {r.id: r for r in indicators.dashboard(director, w.a, YEAR).rows}["success_rate"].status == "bad"
    finally:
        clock.set_now(None)


def test_refresh_picks_up_new_data(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ANALYTICS_PATH", str(tmp_path / "a.duckdb"))
    from services.core import clock
    clock.set_now(iwm.NOW)
    try:
        w = iwm.build()
        director = actor(w, "director")
        board = indicators.dashboard(director, w.a, YEAR)  # no snapshot yet: made on the way
        assert values(board.rows)["average_mark"] == (3.41, 116, 34)
        with transaction() as tx:
            work = tx.exec(select(Work).where(Work.lesson_id == w.lessons["L18"].id)).first()
            tx.add(Mark(school_id=w.a, work_id=work.id, student_id=w.pupils["P5"], position=1, value="5", numeric=5,
                        entered_at=iwm.msk(11, 11, 13)))
        assert values(indicators.dashboard(director, w.a, YEAR).rows)["average_mark"] == (3.41, 116, 34)
        indicators.refresh_snapshot(director, w.a)
        assert values(indicators.dashboard(director, w.a, YEAR).rows)["average_mark"] == (3.46, 121, 35)
        with pytest.raises(AccessDenied):
            indicators.refresh_snapshot(actor(w, "pupil_p1"), w.a)
    finally:
        clock.set_now(None)
