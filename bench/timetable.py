"""Benchmark: the timetable of the demo school (`manage.py demo`, one school, the current year).

Figures (targets in brackets; under 5 s together):
  conflict_check    — the conflict check of the whole school's timetable for the year: every
                      teacher, room, class and subgroup clash and every slot against the
                      curriculum (≤ 1 s)
  generate_lessons  — the year's lessons generated from the timetable: the lessons that hold
                      nothing (those still to come) are removed before each run, then the whole
                      year is generated: the missing lessons created, every kept one matched with
                      the timetable, the КТП topics proposed again (≤ 4 s)

The clock is set to Monday 16 November 2026, 15:00 (Moscow), inside the second quarter of
2026/2027. The runs write to a copy of the cached demo file, removed afterwards, so every run
starts from the same state and the cache stays as it was.

    .venv/bin/python -m bench.timetable [--db FILE] [--runs 3] [--json]
"""
from __future__ import annotations

from bench import common

TARGETS = {"conflict_check": 1.0, "generate_lessons": 4.0}


def _actor(login: str):
    from sqlmodel import select

    from models import User
    from models.db import reading
    from services.core import auth
    with reading() as tx:
        user_id = tx.exec(select(User.id).where(User.login == login)).one()
        return auth.load_actor(tx, user_id)


def _clear_empty_lessons(school_id: int) -> int:
    """Delete the lessons of the current year that hold nothing and nobody changed (the same
    lessons every run: those the generation must make again)."""
    from sqlalchemy import delete, select

    from models import Lesson, SchoolClass
    from models.db import transaction
    from services.core import clock
    from services.planning.years import year_for
    from services.planning.timetable_lessons import lesson_contents
    with transaction() as tx:
        year = year_for(tx, school_id)
        window = [Lesson.school_id == school_id, Lesson.slot_id.is_not(None),
                  Lesson.class_id.in_(select(SchoolClass.id).where(SchoolClass.year_id == year.id)),
                  Lesson.lesson_date > clock.today()]
        data, changes = lesson_contents(tx, window)
        keep = set(data) | set(changes)
        ids = [i for i in tx.exec(select(Lesson.id).where(*window)).scalars() if i not in keep]
        for i in range(0, len(ids), 500):
            tx.exec(delete(Lesson).where(Lesson.id.in_(ids[i:i + 500])).execution_options(synchronize_session=False))
        return len(ids)


def main(argv: list[str] | None = None) -> dict:
    args = common.parse_args("Замер расписания на демо-школе: проверка конфликтов и генерация уроков года.",
                             runs=3, argv=argv, db=common.default_db(1, False))
    from services.core import clock
    from services.planning import timetable, timetable_lessons

    with common.demo_copy(args.db, schools=1, full_year=False, now=common.BENCH_NOW, prefix="timetable_"):
        admin = _actor("admin")
        school_id = admin.home_school_id
        extras: dict = {}

        def check() -> None:
            extras["conflicts"] = len(timetable.check_school(admin, school_id))

        def generate(_cleared: int) -> None:
            result = timetable_lessons.generate(admin, school_id)
            extras["generated"] = (_cleared, result.created, result.unchanged, result.updated, len(result.kept))

        common.log("Проверка конфликтов всего расписания …")
        conflict_times = common.measure(check, args.runs)
        common.log("Генерация уроков года …")
        generate_times = common.measure(generate, args.runs, setup=lambda: _clear_empty_lessons(school_id))
        cleared, created, unchanged, updated, kept = extras["generated"]
        common.log(f"Конфликтов: {extras['conflicts']}; удалено перед генерацией {cleared}, создано {created}, "
                   f"совпало {unchanged}, обновлено {updated}, оставлено {kept}.")
        figures = {
            "conflict_check": common.figure(conflict_times, TARGETS["conflict_check"]),
            "generate_lessons": common.figure(generate_times, TARGETS["generate_lessons"]),
        }
        common.report(figures, as_json=args.json)
        return figures


if __name__ == "__main__":
    main()
