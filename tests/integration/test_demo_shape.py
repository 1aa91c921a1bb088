"""Issue 18: the demo school keeps the shape written in data/README.md. The ranges are read from
its table; the figures are the portal's own indicators over the first quarter of 2026/2027
(clock 16 November 2026), per parallel band and for the school."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from checks import runner, snapshot
from checks.scope import Scope
from data import demo
from services.core import clock

README = Path(__file__).resolve().parents[2] / "data" / "README.md"
ROW = re.compile(r"^\| (\w+) \| (все|\d+–\d+) \| ([\d.]+) \| ([\d.]+) \|", re.M)
Q1 = (date(2026, 9, 1), date(2026, 10, 25))


def targets() -> list[tuple[str, tuple[int, ...], float, float]]:
    out = []
    for ident, grades, low, high in ROW.findall(README.read_text(encoding="utf-8")):
        band = () if grades == "все" else tuple(range(int(grades.split("–")[0]), int(grades.split("–")[1]) + 1))
        out.append((ident, band, float(low), float(high)))
    return out


def test_the_readme_table_is_read():
    ids = {t[0] for t in targets()}
    assert {"knowledge_quality", "success_rate", "mark_accumulation", "systemic_absence",
            "period_mark_off_average"} <= ids


@pytest.fixture(scope="module")
def school(tmp_path_factory, sqlite_template):
    import shutil

    from models.db import dispose_all, get_engine
    tmp = tmp_path_factory.mktemp("demo_shape")
    path = tmp / "demo.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", url)
        mp.setenv("PORTAL_ANALYTICS_PATH", str(tmp / "analytics.duckdb"))
        clock.set_now(datetime(2026, 11, 16, 15, 0, tzinfo=clock.MOSCOW))
        try:
            result = demo.generate(url, progress=False)
            snapshot.refresh()
            yield result["school_ids"][0]
        finally:
            clock.set_now(None)
            get_engine(url).dispose()
            dispose_all()


def figure(school_id: int, ident: str, grades: tuple[int, ...]) -> float:
    with runner.run(Scope((school_id,), *Q1, grades=grades)) as run:
        if ident == "period_mark_off_average":
            run.bound.need("s_unit")
            n, off = run.con.execute(f"""
                SELECT count(*), count(*) FILTER (WHERE pm_numeric <> {_rounded('wavg')})
                FROM s_unit WHERE pm_numeric IS NOT NULL AND wavg IS NOT NULL""").fetchone()
            return 100.0 * off / n
        return run.value(ident).value


def _rounded(expr: str) -> str:
    from services.rules.averages import sql_round_mark
    return sql_round_mark(expr)


def test_the_demo_stays_in_the_shape_of_a_real_school(school):
    outside = []
    for ident, grades, low, high in targets():
        value = figure(school, ident, grades)
        if value is None or not low <= value <= high:
            outside.append(f"{ident} {grades or 'все'}: {value} not in {low}–{high}")
    assert not outside, "\n".join(outside)


def test_the_demo_has_what_a_deputy_looks_for(school):
    from sqlalchemy import func, select

    from models import ControlAct, CorrectionRequest, Lesson, Message, PlannedTopic
    from models.db import reading
    with reading() as tx:
        def n(model, *where):
            return tx.exec(select(func.count()).select_from(model).where(*where)).one()[0]
        lessons = n(Lesson, Lesson.lesson_date <= date(2026, 11, 16))
        cancelled = n(Lesson, Lesson.status == "cancelled")
        assert 0 < cancelled < lessons / 100
        # September and October have ended: their reviews (one may be forgotten)
        assert 1 <= n(ControlAct, ControlAct.kind == "director_review") <= 2
        # conversations and correction requests (data/demo_school.stage_comms)
        assert n(CorrectionRequest) >= 1 and n(Message) >= 5
        dated = n(PlannedTopic, PlannedTopic.planned_on.is_not(None))
        assert dated >= 0.9 * n(PlannedTopic)
