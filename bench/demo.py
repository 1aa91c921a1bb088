"""Benchmark: generating the demo of one school for a whole school year (`manage.py demo
--full-year`), on a fresh, migrated SQLite file each run. Target: 20 s.

    .venv/bin/python -m bench.demo [--runs 3] [--json]
"""
from __future__ import annotations

import shutil

from bench import common

FIGURE = "demo_one_school_full_year"
TARGET_S = 20.0


def main(argv: list[str] | None = None) -> dict:
    args = common.parse_args("Замер: демо-данные одной школы за полный учебный год на новом файле SQLite.",
                             runs=3, argv=argv)
    from data import demo
    from models.db import get_engine
    from services.core import clock, schema

    workdir = common.workdir("demo_")
    counter = iter(range(1, 10_000))
    extras: dict = {}

    def fresh_file() -> str:
        url = common.db_url(workdir / f"run{next(counter)}.db")
        schema.migrate(url)
        get_engine(url).dispose()
        return url

    def run(url: str) -> None:
        result = demo.generate(url, schools=1, full_year=True, progress=False)
        extras.update(students=result["students"], lessons=result["lessons"], marks=result["marks"],
                      attendance=result["attendance"])
        get_engine(url).dispose()

    clock.set_now(common.BENCH_NOW)
    try:
        common.log(f"Генерация демо-данных одной школы за полный год, повторений: {args.runs} …")
        times = common.measure(run, args.runs, setup=fresh_file)
    finally:
        clock.set_now(None)
        shutil.rmtree(workdir, ignore_errors=True)
    common.log("Строк: учеников {students}, уроков {lessons}, отметок {marks}, посещаемость {attendance}."
               .format(**extras))
    figures = {FIGURE: common.figure(times, TARGET_S, "s")}
    common.report(figures, as_json=args.json)
    return figures


if __name__ == "__main__":
    main()
