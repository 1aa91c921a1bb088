"""Benchmark: the journal and the diary on the demo school (`manage.py demo --full-year`, one
school, the whole of 2025/2026), the clock at 10 March 2026 15:00 (Moscow), inside that year's
third quarter, so that the edit window is open.

Figures (targets in brackets; issue 3):
  grid_build     — the demo teacher's first journal (class and subject) for the whole quarter:
                   pupils, works, marks, attendance, averages, period marks (≤ 0.05 s)
  grid_queries   — the SQL statements that costs (≤ 10)
  save_30_cells  — 30 edited cells (new marks of the latest lessons) saved in one transaction,
                   every cell re-checked, each with its change-log row (≤ 0.1 s); every run starts
                   from the same state (the cells are emptied again, untimed)
  save_queries   — the SQL statements of that save (≤ 75 = two writes per cell, the mark and its
                   change-log row, and at most 15 reads; no target in the issue: ours)
  diary_week     — a pupil's diary week: lessons, topics, homework, marks, attendance (≤ 0.05 s)
  diary_queries  — the SQL statements of that week (≤ 10; ours)
  journal_page   — the whole «Журнал» page of the signed-in teacher run through AppTest (app.py,
                   the menu, the grid, the lesson's panel) (≤ 0.5 s)

For scale (the issue): RosarioSIS with 800 students answers a teacher's whole gradebook page in
29 ms, saves 27 grades in 29 ms and shows a parent the grades in 34 ms.

The runs write to a copy of the cached demo file, removed afterwards.

    .venv/bin/python -m bench.journal [--db FILE] [--runs 20] [--json]
"""
from __future__ import annotations

from datetime import datetime

from bench import common
from services.core import clock

TARGETS = {"grid_build": 0.05, "grid_queries": 10, "save_30_cells": 0.1, "save_queries": 75,
           "diary_week": 0.05, "diary_queries": 10, "journal_page": 0.5}
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=clock.MOSCOW)  # inside the full-year demo's 2025/2026
CELLS = 30


def main(argv: list[str] | None = None) -> dict:
    args = common.parse_args("Замер журнала и дневника на демо-школе (полный год).", runs=20, argv=argv,
                             db=common.default_db(1, True))
    from sqlmodel import select

    from models import User
    from models.db import count_queries, reading

    with common.demo_copy(args.db, schools=1, full_year=True, now=NOW, prefix="journal_"):
        from services.core import auth
        from services.journal import diary, grid as journal

        with reading() as tx:
            teacher = auth.load_actor(tx, tx.exec(select(User.id).where(User.login == "teacher")).one())
            parent = auth.load_actor(tx, tx.exec(select(User.id).where(User.login == "parent")).one())
        school_id = teacher.home_school_id
        choice = next(c for c in journal.choices(teacher, school_id) if c.own)
        periods, current = journal.periods(school_id, choice.year_id)
        period = next(p for p in periods if p.id == current)

        def build():
            return journal.load_grid(teacher, choice.class_id, choice.subject_id, period_id=period.id,
                                     subgroup_id=choice.subgroup_id, date_from=period.starts_on,
                                     date_to=period.ends_on)

        grid = build()
        common.log(f"Журнал {grid.class_name}, {grid.subject_name}, {grid.period_name}: учеников "
                   f"{len(grid.pupils)}, столбцов {len(grid.columns)}")
        with count_queries() as counted:
            build()
        grid_queries = counted.count

        # 30 empty cells of the latest lessons up to today that the teacher fills
        targets = []
        for column in reversed(grid.columns):
            if column.lesson_date > clock.today() or column.lesson_id not in grid.editable_lessons:
                continue
            for pupil in grid.pupils:
                if grid.cells[(pupil.student_id, column.label)] == "" and len(targets) < CELLS:
                    targets.append((pupil.student_id, column.label))
        if len(targets) < CELLS:
            raise SystemExit(f"в журнале нашлось только {len(targets)} пустых клеток из {CELLS}")

        def fresh_changes():
            """Empty the cells again (untimed), then the changes that fill them."""
            g = build()
            filled = {key: "" for key in targets if g.cells[key] != ""}
            if filled:
                result = journal.save_cells(teacher, journal.diff(g, filled))
                assert result.ok, result
                g = build()
            return journal.diff(g, {key: "5" if i % 2 else "4" for i, key in enumerate(targets)})

        def save(changes):
            result = journal.save_cells(teacher, changes)
            assert result.ok and result.saved == CELLS, result

        changes = fresh_changes()
        with count_queries() as counted:
            save(changes)
        save_queries = counted.count

        child = diary.children_of(parent)[0]
        with count_queries() as counted:
            diary.week(parent, child.student_id, clock.today())
        diary_queries = counted.count

        figures = {
            "grid_build": common.figure(common.measure(build, args.runs), TARGETS["grid_build"]),
            "grid_queries": common.figure([grid_queries], TARGETS["grid_queries"], "count"),
            "save_30_cells": common.figure(common.measure(save, args.runs, setup=fresh_changes),
                                           TARGETS["save_30_cells"]),
            "save_queries": common.figure([save_queries], TARGETS["save_queries"], "count"),
            "diary_week": common.figure(common.measure(
                lambda: diary.week(parent, child.student_id, clock.today()), args.runs), TARGETS["diary_week"]),
            "diary_queries": common.figure([diary_queries], TARGETS["diary_queries"], "count"),
            "journal_page": common.figure(_journal_page(args.runs), TARGETS["journal_page"]),
        }
    common.report(figures, args.json)
    return figures


def _journal_page(runs: int) -> list[float]:
    """Seconds of one run of the signed-in teacher's «Журнал» page (their start page) in AppTest."""
    import time

    from streamlit.testing.v1 import AppTest

    from data import demo
    from services.core import config

    logins = demo.demo_logins(1)["teacher"]
    at = AppTest.from_file(str(config.ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="sign_in_login").input(logins["login"])
    at.text_input(key="sign_in_password").input(logins["password"])
    next(b for b in at.button if b.label == "Войти").click()
    at.run()
    if at.exception or [t.value for t in at.title] != ["Журнал"]:
        raise SystemExit(f"страница журнала не открылась: {at.exception or [t.value for t in at.title]}")
    at.run()  # warm: the first run after sign-in also sets the cookie
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        if at.exception:
            raise SystemExit(f"страница журнала упала: {at.exception}")
    return times


if __name__ == "__main__":
    main()
