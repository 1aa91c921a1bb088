"""The shared harness of the benchmarks (DESIGN.md, «Benchmarks»).

A benchmark module parses its arguments with `parse_args()` (`--db`, `--runs`, `--json`),
gets its dataset with `ensure_demo_db()` (a demo database built once and reused from a cached
file under data/bench/), times its actions with `measure()`, turns the times into figures with
`figure()`, and prints them with `report()`: a table (figure, median, min, max, target), or with
--json exactly one line of JSON on stdout. Progress and logs go to stderr. A benchmark never
fails a test suite: it reports, it does not assert.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from services.core import clock, config

BENCH_DIR = config.DATA_DIR / "bench"
# Benchmarks that depend on the date run at this moment: inside the school year 2026/2027,
# whose first quarter has ended (and, with full_year, on the whole of 2025/2026).
BENCH_NOW = datetime(2026, 11, 16, 15, 0, tzinfo=clock.MOSCOW)
UNITS = {"s": "с", "ms": "мс", "count": "шт.", "per_s": "в с", "ratio": ""}
HIGHER_IS_BETTER = {"per_s", "ratio"}


def default_db(schools: int = 1, full_year: bool = True, seed: int = 1) -> Path:
    kind = "full" if full_year else "current"
    return BENCH_DIR / f"demo_{schools}_{kind}_{seed}.db"


def workdir(prefix: str) -> Path:
    """A new empty folder under data/bench/ for a run's copies (data/bench/ is made when a fresh
    clone has none yet); the caller removes it."""
    import tempfile

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=BENCH_DIR))


def refuse(message: str) -> None:
    """Stop a benchmark that has nothing to measure, with a clear message (exit status 2)."""
    log(f"Замер невозможен: {message}")
    raise SystemExit(2)


def require_current_year(url: str) -> None:
    """Refuse (see refuse()) a database with no school year going on at the clock's today: a
    benchmark that works in the current year would find nothing to measure there."""
    from sqlmodel import select

    from models import AcademicYear
    from models.db import reading

    today = clock.today()
    with reading(url) as tx:
        current = tx.exec(select(AcademicYear.id).where(AcademicYear.starts_on <= today,
                                                        AcademicYear.ends_on >= today).limit(1)).first()
    if current is None:
        refuse(f"в базе {_shown_url(url)} нет учебного года, который идёт {today:%d.%m.%Y}; создайте демо-базу "
               f"(`python manage.py demo`) или укажите другую в --db.")


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


def parser(description: str, *, runs: int = 3, db: Path | str | None = None) -> argparse.ArgumentParser:
    """The common arguments; a benchmark may add its own before parsing."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--db", default=str(db or default_db()),
                   help="файл SQLite (или адрес базы) с демо-данными; создаётся, если его нет "
                        "(по умолчанию кэш в data/bench/)")
    p.add_argument("--runs", type=int, default=runs, help=f"сколько раз повторить замер (по умолчанию {runs})")
    p.add_argument("--json", action="store_true", help="вывести одну строку JSON вместо таблицы")
    return p


def parse_args(description: str, *, runs: int = 3, db: Path | str | None = None,
               argv: list[str] | None = None) -> argparse.Namespace:
    args = parser(description, runs=runs, db=db).parse_args(argv)
    if args.runs < 1:
        raise SystemExit("--runs: нужно хотя бы одно повторение")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(fn: Callable[..., Any], runs: int, setup: Callable[[], Any] | None = None) -> list[float]:
    """Wall-clock seconds of `runs` calls of fn. With setup, each run first calls setup()
    (not timed) and passes its result to fn."""
    times = []
    for _ in range(runs):
        if setup is not None:
            arg = setup()
            started = time.perf_counter()
            fn(arg)
        else:
            started = time.perf_counter()
            fn()
        times.append(time.perf_counter() - started)
    return times


def figure(values: list[float], target: float, unit: str = "s") -> dict:
    """One figure of a report: median, min, max of the measured values, its unit and target."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "unit": unit,
            "target": target}


def meets(fig: dict) -> bool:
    if fig["unit"] in HIGHER_IS_BETTER:
        return fig["median"] >= fig["target"]
    return fig["median"] <= fig["target"]


def report(figures: dict[str, dict], as_json: bool = False, out=None) -> None:
    """Print the figures: a table, or (as_json) exactly one line of JSON."""
    out = out or sys.stdout
    if as_json:
        payload = {name: {k: (round(v, 4) if isinstance(v, float) else v)
                          for k, v in fig.items() if k in ("median", "min", "max", "unit", "target")}
                   for name, fig in figures.items()}
        print(json.dumps(payload, ensure_ascii=False), file=out)
        return
    header = ("показатель", "медиана", "мин", "макс", "цель", "итог")
    table = [header]
    for name, fig in figures.items():
        unit = UNITS[fig["unit"]]
        sign = "≥" if fig["unit"] in HIGHER_IS_BETTER else "≤"
        table.append((name, _num(fig["median"], unit), _num(fig["min"], unit), _num(fig["max"], unit),
                      f"{sign} {_num(fig['target'], unit)}", "ok" if meets(fig) else "медленнее цели"))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                        enumerate(zip(row, widths))).rstrip(), file=out)
        if k == 0:
            print("  ".join("-" * w for w in widths), file=out)


def _num(value: float, unit: str) -> str:
    text = f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return f"{text} {unit}".strip()


def db_url(db: str | Path) -> str:
    text = str(db)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


def ensure_demo_db(path: str | Path, schools: int = 1, full_year: bool = True, seed: int = 1) -> str:
    """A migrated database holding the demo (built once at BENCH_NOW, then reused); its URL.

    `path` is a SQLite file (built beside it and renamed into place, so an interrupted build is
    never reused) or a database URL (filled when it holds no municipality yet)."""
    from data import demo
    from models.db import dispose_all
    from services.core import schema

    text = str(path)
    if "://" in text:
        url = text
        schema.migrate(url)
        if not _has_demo(url):
            _build(url, schools, full_year, seed)
        return url
    target = Path(text)
    if target.exists():
        url = db_url(target)
        schema.migrate(url)
        return url
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    for extra in ("", "-wal", "-shm"):
        Path(str(partial) + extra).unlink(missing_ok=True)
    url = db_url(partial)
    schema.migrate(url)
    log(f"Создаю демо-базу {target} (школ: {schools}, {'полный год' if full_year else 'текущий год'}) …")
    _build(url, schools, full_year, seed)
    dispose_all()  # checkpoints the WAL into the file before it is renamed
    partial.rename(target)
    return db_url(target)


def _build(url: str, schools: int, full_year: bool, seed: int) -> None:
    from data import demo

    previous = getattr(clock, "_frozen", None)  # a clock the caller froze stays frozen afterwards
    clock.set_now(BENCH_NOW)
    try:
        demo.generate(url, schools=schools, seed=seed, full_year=full_year, progress=True)
    finally:
        clock.set_now(previous)


def _has_demo(url: str) -> bool:
    from sqlalchemy import select

    from models import Municipality
    from models.db import get_engine

    with get_engine(url).connect() as conn:
        return conn.execute(select(Municipality.id).limit(1)).first() is not None


@contextmanager
def demo_copy(db: str | Path, *, schools: int = 1, full_year: bool = True, now: datetime = BENCH_NOW,
              prefix: str = "bench_"):
    """The demo database as a throw-away working copy (a SQLite file is copied; a server
    database is used as it is), with DATABASE_URL pointing at it and the clock set to `now`;
    everything is put back afterwards. Yields the URL."""
    import os
    import shutil
    from models.db import dispose_all

    url = ensure_demo_db(db, schools=schools, full_year=full_year)
    folder = None
    if url.startswith("sqlite"):
        dispose_all()
        folder = workdir(prefix)
        shutil.copyfile(url.split("///", 1)[1], folder / "demo.db")
        url = db_url(folder / "demo.db")
    previous_url = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    clock.set_now(now)
    try:
        yield url
    finally:
        clock.set_now(None)
        dispose_all()
        if previous_url is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous_url
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
