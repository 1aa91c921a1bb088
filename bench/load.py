"""Benchmark: concurrent teachers saving marks through the service layer, as the journal page
does (load the grid, change three cells of one's own class, save), on SQLite and on
PostgreSQL. The sessions are threads of one app process on SQLite (one machine, one file), and
are shared among app processes on PostgreSQL (`--processes`, by default one per core, as several
app servers behind nginx share one database). After a save the session's grid holds the saved values; `--reload` rebuilds it
from the database after every save instead, as the page does (its cost is bench/journal.py's
grid_build). 50 sessions (threads), no think time, for a bounded time each.

Figures: sqlite_saves_per_s, sqlite_p95, postgres_saves_per_s, postgres_p95 and lost_updates
(accepted saves whose values are not in the database afterwards, both databases together).
A save that fails with an error (e.g. «database is locked») is counted in `failed_saves`.

    .venv/bin/python -m bench.load [--seconds 15] [--sessions 50] [--runs 1] [--json] [--no-postgres]

With --runs N each database is measured N times (a fresh copy of the demo each time), and
saves/s and p95 are the median, min and max over the runs.
"""
from __future__ import annotations

import os
import shutil
import statistics
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field

from bench import common

TARGETS = {"sqlite_saves_per_s": 200.0, "sqlite_p95": 0.5, "postgres_saves_per_s": 300.0, "postgres_p95": 0.5}
PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
VALUES = ("5", "4", "3")


@dataclass
class Worker:
    user_id: int
    class_id: int
    subject_id: int
    latencies: list[float] = field(default_factory=list)
    saved: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    expected: dict[tuple[int, str], str] = field(default_factory=dict)  # (student, column) → last value saved


def sessions(url: str, count: int) -> list[Worker]:
    """`count` (teacher, class, subject) journals, one class each, with editable lessons."""
    from datetime import timedelta
    from sqlmodel import select
    from models import Lesson, Staff, TeachingAssignment
    from models.db import reading
    from services.core import clock

    today = clock.today()
    with reading(url) as tx:
        # journals with lessons in the last week (a subject taught once a week or less may have none)
        taught = set(tx.exec(select(Lesson.class_id, Lesson.subject_id).where(
            Lesson.lesson_date <= today, Lesson.lesson_date > today - timedelta(days=7)).distinct()).all())
        rows = [r for r in tx.exec(select(Staff.user_id, TeachingAssignment.class_id, TeachingAssignment.subject_id)
                                   .join(Staff, Staff.id == TeachingAssignment.teacher_id)
                                   .where(TeachingAssignment.subgroup_id.is_(None), Staff.user_id.is_not(None))
                                   .order_by(TeachingAssignment.class_id, TeachingAssignment.subject_id)).all()
                if (r[1], r[2]) in taught]
    out, classes = [], set()
    for user_id, class_id, subject_id in rows:
        if class_id not in classes and len(out) < count and _fillable(url, user_id, class_id, subject_id):
            classes.add(class_id)
            out.append(Worker(user_id, class_id, subject_id))
    taken = {(w.class_id, w.subject_id) for w in out}
    for u, c, s in rows:  # fewer classes than sessions: several journals of a class, distinct subjects
        if len(out) >= count:
            break
        if (c, s) not in taken and _fillable(url, u, c, s):
            taken.add((c, s))
            out.append(Worker(u, c, s))
    return out


def _fillable(url: str, user_id: int, class_id: int, subject_id: int) -> bool:
    """Has this journal a lesson up to today that its teacher may fill, and three pupils?"""
    from models.db import reading
    from services.core import auth, clock
    from services.journal import grid as journal

    with reading(url) as tx:
        actor = auth.load_actor(tx, user_id)
    grid = journal.load_grid(actor, class_id, subject_id)
    today = clock.today()
    return len(grid.pupils) >= 3 and any(c.lesson_id in grid.editable_lessons and c.lesson_date <= today
                                         for c in grid.columns)


def work(worker: Worker, url: str, window: dict, ready: threading.Barrier, reload: bool) -> None:
    from models.db import reading
    from services.core import auth, clock
    from services.journal import grid as journal

    try:
        with reading(url) as tx:
            actor = auth.load_actor(tx, worker.user_id)
        grid = journal.load_grid(actor, worker.class_id, worker.subject_id)
        today = clock.today()
        columns = [c.label for c in grid.columns if c.lesson_id in grid.editable_lessons and c.lesson_date <= today]
        pupils = [p.student_id for p in grid.pupils if all(p.enrolled_on(grid.column(c).lesson_date) for c in columns)]
        if not columns or len(pupils) < 3:
            worker.errors.append(f"{grid.class_name}, {grid.subject_name}: нет уроков, которые можно заполнить")
            ready.wait()  # it takes no part, but the others wait for nobody
            return
        n = 0
        ready.wait()  # every session has its journal open: the clock starts now
        stop_at = window["stop_at"]
        while time.perf_counter() < stop_at:
            edits = {}
            for k in range(3):
                pupil = pupils[(n * 3 + k) % len(pupils)]
                column = columns[(n // len(pupils)) % len(columns)]
                current = grid.cells.get((pupil, column), "")
                edits[(pupil, column)] = next(v for v in VALUES[(n + k) % 3:] + VALUES if v != current)
            changes = journal.diff(grid, edits)
            started = time.perf_counter()
            try:
                result = journal.save_cells(actor, changes)
            except Exception as error:  # a failure that would reach the teacher
                worker.failed += 1
                worker.errors.append(f"{type(error).__name__}: {error}")
                grid = journal.load_grid(actor, worker.class_id, worker.subject_id)
                n += 1
                continue
            worker.latencies.append(time.perf_counter() - started)
            if result.ok and result.committed:
                worker.saved += 1
                worker.expected.update(edits)
                if reload:  # what the page does after a save (timed on its own in bench/journal.py)
                    grid = journal.load_grid(actor, worker.class_id, worker.subject_id)
                else:  # the grid now holds what was saved
                    grid.cells.update(edits)
            else:
                worker.failed += 1
                worker.errors.append("; ".join(p.message for p in result.errors + result.conflicts) or "пустое")
                grid = journal.load_grid(actor, worker.class_id, worker.subject_id)
            n += 1
    except Exception:
        worker.errors.append(traceback.format_exc(limit=3))
        if not ready.broken and worker.saved == 0 and not worker.latencies:
            ready.abort()  # failed while opening its journal: the run cannot be fair


def lost_updates(url: str, workers: list[Worker]) -> int:
    from models.db import reading
    from services.core import auth
    from services.journal import grid as journal

    lost = 0
    for w in workers:
        with reading(url) as tx:
            actor = auth.load_actor(tx, w.user_id)
        grid = journal.load_grid(actor, w.class_id, w.subject_id)
        lost += sum(1 for key, value in w.expected.items() if grid.cells.get(key) != value)
    return lost


def _process(url: str, workers: list[Worker], reload: bool, ready, go, stop_at, out) -> None:
    """One app server: its sessions are threads; they open their journals, then wait for the go."""
    os.environ["DATABASE_URL"] = url
    window: dict = {}

    def all_open() -> None:  # run by the last thread to arrive, before any is released
        ready.put(os.getpid())
        go.wait()
        window["stop_at"] = stop_at.value

    barrier = threading.Barrier(len(workers), action=all_open)
    threads = [threading.Thread(target=work, args=(w, url, window, barrier, reload)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(workers)


def run(url: str, count: int, seconds: float, label: str, reload: bool = False,
        processes: int = 2) -> tuple[float, float, int, int]:
    import multiprocessing as mp
    from models.db import dispose_all

    os.environ["DATABASE_URL"] = url  # the services use the configured database, as the app does
    common.require_current_year(url)
    workers = sessions(url, count)
    if not workers:
        common.refuse(f"{label}: нет журналов с уроками за последнюю неделю, которые учитель может заполнить; "
                      "сохранять нечего.")
    processes = max(1, min(processes, len(workers)))
    common.log(f"{label}: сессий {len(workers)} в {processes} процессах приложения, {seconds:.0f} с без пауз …")
    dispose_all()  # no connection crosses a fork
    ctx = mp.get_context("fork")
    ready, out, go, stop_at = ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0)
    shares = [workers[i::processes] for i in range(processes)]
    procs = [ctx.Process(target=_process, args=(url, share, reload, ready, go, stop_at, out)) for share in shares]
    for proc in procs:
        proc.start()
    for _ in procs:
        _wait_ready(ready, procs)
    started = time.perf_counter()
    stop_at.value = started + seconds
    go.set()
    workers = [w for _ in procs for w in out.get(timeout=seconds + 300)]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    latencies = sorted(x for w in workers for x in w.latencies)
    saved = sum(w.saved for w in workers)
    failed = sum(w.failed for w in workers)
    for message in sorted({(e.splitlines() or ["(пустое сообщение)"])[-1] for w in workers for e in w.errors})[:5]:
        common.log(f"  ошибка: {message}")
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    active = sum(1 for w in workers if w.latencies)
    common.log(f"  активных сессий {active} из {len(workers)}")
    common.log(f"  сохранений {saved} за {elapsed:.1f} с, p50 {statistics.median(latencies) if latencies else 0:.3f} с, "
               f"p95 {p95:.3f} с, отказов {failed}")
    return saved / elapsed, p95, lost_updates(url, workers), failed


def _wait_ready(ready, procs, timeout: float = 300) -> None:
    """The next app process has its sessions open; a process that died first stops the bench at
    once (it would never report ready), as does one still not ready after `timeout` seconds."""
    import queue

    deadline = time.monotonic() + timeout
    while True:
        try:
            ready.get(timeout=1)
            return
        except queue.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                for proc in procs:
                    proc.kill()
                common.refuse(f"процесс приложения завершился с кодом {dead[0].exitcode}, не открыв журналы.")
            if time.monotonic() > deadline:
                for proc in procs:
                    proc.kill()
                common.refuse(f"сессии не открыли журналы за {timeout:.0f} с.")


def main(argv: list[str] | None = None) -> dict:
    p = common.parser("Нагрузка: 50 учителей одновременно сохраняют отметки (SQLite и PostgreSQL).", runs=1,
                      db=common.default_db(full_year=False))
    p.add_argument("--seconds", type=float, default=15.0, help="сколько секунд длится каждый замер")
    p.add_argument("--sessions", type=int, default=50, help="сколько одновременных сессий")
    p.add_argument("--no-postgres", action="store_true", help="только SQLite")
    p.add_argument("--no-sqlite", action="store_true", help="только PostgreSQL")
    p.add_argument("--processes", type=int, default=os.cpu_count() or 2,
                   help="сколько процессов приложения на PostgreSQL делят сессии (как несколько серверов за "
                        "nginx); на SQLite работает один процесс, как в DESIGN.md (одна машина, один файл)")
    p.add_argument("--reload", action="store_true", help="после каждого сохранения заново строить журнал, как страница")
    args = p.parse_args(argv)
    from models.db import dispose_all
    from services.core import clock

    clock.set_now(common.BENCH_NOW)  # inside the demo's year: the edit window is open
    figures: dict[str, dict] = {}
    lost_total, failed_total = 0, 0
    try:
        if not args.no_sqlite:
            source = common.ensure_demo_db(args.db, full_year=False)
            runs = []
            for _ in range(args.runs):
                common.BENCH_DIR.mkdir(parents=True, exist_ok=True)
                copy = common.BENCH_DIR / f"load_{uuid.uuid4().hex[:8]}.db"
                dispose_all()
                shutil.copyfile(source.split("///", 1)[1], copy)
                try:
                    runs.append(run(common.db_url(copy), args.sessions, args.seconds, "SQLite", args.reload, 1))
                finally:
                    dispose_all()
                    for extra in ("", "-wal", "-shm"):
                        (copy.parent / (copy.name + extra)).unlink(missing_ok=True)
            lost_total, failed_total = _figures(figures, "sqlite", runs, lost_total, failed_total)
        if not args.no_postgres:
            runs = []
            for _ in range(args.runs):
                pg_url = _pg_database()
                try:
                    common.ensure_demo_db(pg_url, full_year=False)
                    runs.append(run(pg_url, args.sessions, args.seconds, "PostgreSQL", args.reload, args.processes))
                finally:
                    dispose_all()
                    _pg_drop(pg_url)
            lost_total, failed_total = _figures(figures, "postgres", runs, lost_total, failed_total)
    finally:
        clock.set_now(None)
    figures["lost_updates"] = common.figure([lost_total], 0, "count")
    figures["failed_saves"] = common.figure([failed_total], 0, "count")
    common.report(figures, as_json=args.json)
    return figures


def _figures(figures: dict, db: str, runs: list[tuple[float, float, int, int]], lost: int,
             failed: int) -> tuple[int, int]:
    """saves/s and p95 over the runs (median, min, max); lost and failed saves add up."""
    figures[f"{db}_saves_per_s"] = common.figure([r[0] for r in runs], TARGETS[f"{db}_saves_per_s"], "per_s")
    figures[f"{db}_p95"] = common.figure([r[1] for r in runs], TARGETS[f"{db}_p95"], "s")
    return lost + sum(r[2] for r in runs), failed + sum(r[3] for r in runs)


def _pg_exec(sql: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url
    with psycopg.connect(make_url(PG_ADMIN).set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(sql)


def _pg_database() -> str:
    from sqlalchemy.engine import make_url
    name = f"portal_bench_load_{uuid.uuid4().hex[:8]}"
    _pg_exec(f"CREATE DATABASE {name}")
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def _pg_drop(url: str) -> None:
    from sqlalchemy.engine import make_url
    _pg_exec(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")


if __name__ == "__main__":
    main()
