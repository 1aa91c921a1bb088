"""Benchmark: importing a roster of 1,000 new pupils with two guardians each into the demo
school (figure `import_1000_pupils`; target under 10 s). Every run starts from the same
database — a fresh copy of the demo (SQLite: the online backup API; PostgreSQL: CREATE DATABASE
… TEMPLATE) — so no run is a no-op re-import. The workbook is built once, before the runs; the
measured time is the whole import: reading the .xlsx, checking every row, writing it all.

    .venv/bin/python -m bench.imports [--runs 3] [--pupils 1000] [--db FILE|URL] [--json]
"""
from __future__ import annotations

import io
import shutil
import sqlite3
import uuid
from datetime import date, timedelta

from bench import common

FIGURE = "import_1000_pupils"
TARGET_S = 10.0
ROOTS = ("Алмаз", "Берез", "Вольск", "Гранит", "Дубрав", "Ельцин", "Журавл", "Звонар", "Изумруд", "Кедр",
         "Ледян", "Морозн", "Нарвск", "Озерск", "Полянск", "Родник", "Сосновск", "Тополь", "Уральск", "Фиалк")
ENDS = ("ов", "ев", "ин", "цев")
FIRST = {"м": ("Арсений", "Богдан", "Всеволод", "Гордей", "Демид", "Елисей", "Захар", "Игнат", "Касьян", "Лука"),
         "ж": ("Агата", "Бажена", "Василиса", "Глафира", "Дарина", "Есения", "Злата", "Илана", "Капитолина", "Лада")}


def _snils(n: int) -> str:
    from importers.parsers import snils_checksum
    digits = f"{200_000_000 + n * 7919:09d}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {snils_checksum(digits):02d}"


def roster(count: int, classes: list[str]) -> bytes:
    """A workbook of `count` pupils unknown to the demo, each with a mother and a father."""
    from openpyxl import Workbook
    from importers.pupils import PUPILS
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Ученики")
    ws.append([c.title for c in PUPILS.columns])
    for i in range(count):
        sex = "м" if i % 2 == 0 else "ж"
        family = ROOTS[i % len(ROOTS)] + ENDS[(i // len(ROOTS)) % len(ENDS)]
        last = family if sex == "м" else family + "а"
        first = FIRST[sex][(i // 100) % 10]
        cls = classes[i % len(classes)]
        grade = int(cls[:-1])
        birth = date(2026 - 7 - grade, 1, 1) + timedelta(days=(i * 37) % 360)
        ws.append([last, first, "Андреевич" if sex == "м" else "Андреевна", birth.strftime("%d.%m.%Y"), sex, cls,
                   _snils(i), "", f"{100 + i}-уч",
                   f"{family}а Ольга Петровна", "мать", f"+7 9{i:09d}", f"mother{i}@example.ru",
                   f"{family} Андрей Павлович", "отец", f"+7 8{i:09d}", ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> dict:
    p = common.parser("Замер: загрузка 1000 учеников с двумя родителями каждый в демо-школу.", runs=3,
                      db=common.default_db(full_year=False))
    p.add_argument("--pupils", type=int, default=1000, help="сколько учеников в файле (по умолчанию 1000)")
    args = p.parse_args(argv)
    from sqlmodel import select

    from models import School, SchoolClass, AcademicYear
    from models.db import dispose_all, reading
    from services.core import clock
    from services.core.actor import SYSTEM
    from services.core.backup import libpq, sqlite_path
    from services.people import rosters_import

    source = common.ensure_demo_db(args.db, full_year=False)
    clock.set_now(common.BENCH_NOW)
    with reading(source) as tx:
        school_id = tx.exec(select(School.id).order_by(School.id)).first()
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                                  AcademicYear.start_year == 2026)).one()
        classes = sorted(tx.exec(select(SchoolClass.name).where(SchoolClass.year_id == year.id)).all())
    dispose_all()
    data = roster(args.pupils, classes)
    common.log(f"Файл: {args.pupils} учеников, {len(data) // 1024} КБ; классов {len(classes)}.")
    workdir = common.workdir("imports_")
    made: list[str] = []
    counts: dict = {}

    def fresh() -> str:
        """A copy of the demo database: every run starts from the same state."""
        dispose_all()
        if source.startswith("sqlite"):
            target = workdir / f"run{len(made)}.db"
            src, dst = sqlite3.connect(sqlite_path(source)), sqlite3.connect(target)
            src.backup(dst)
            src.close()
            dst.close()
            url = common.db_url(target)
        else:
            import psycopg
            from sqlalchemy.engine import make_url
            u = make_url(source)
            name = f"bench_import_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(libpq(str(u.set(database="postgres"))), autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{u.database}"')
            url = str(u.set(database=name).render_as_string(hide_password=False))
        made.append(url)
        return url

    def run(url: str) -> None:
        import os
        os.environ["DATABASE_URL"] = url
        result = rosters_import.run_import(SYSTEM, school_id, "pupils", data, "bench.xlsx")
        if not result.committed or result.created != args.pupils:
            raise SystemExit(f"Загрузка не прошла: {[e.text() for e in result.errors[:5]]}")
        counts.update(created=result.created, guardians=result.guardians_created)

    try:
        common.log(f"Повторений: {args.runs} (каждое — на свежей копии демо-базы) …")
        times = common.measure(run, args.runs, setup=fresh)
    finally:
        clock.set_now(None)
        dispose_all()
        for url in made:
            if not url.startswith("sqlite"):
                import psycopg
                from sqlalchemy.engine import make_url
                u = make_url(url)
                with psycopg.connect(libpq(str(u.set(database="postgres"))), autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    common.log(f"Создано за прогон: учеников {counts.get('created')}, родителей {counts.get('guardians')}.")
    figures = {FIGURE: common.figure(times, TARGET_S, "s")}
    common.report(figures, as_json=args.json)
    return figures


if __name__ == "__main__":
    main()
