"""No «database is locked» ever reaches a user (R-SAFE-4), on SQLite and PostgreSQL: while an app
process of its own (tests/integration/fault_child.py) saves the Математика journal without a
pause, six sessions of this process (threads, as Streamlit runs them) save the Русский язык
journal, each its own cell, also without a pause. Every save of both is accepted, and every
accepted value is in the database afterwards. On SQLite the threads queue in-process
(models.db) and the two processes meet on the file lock within busy_timeout. The timings
belong to bench/load.py; this shows only that nothing fails or is lost."""
from __future__ import annotations

import signal
import threading
import time
from datetime import date

from models.db import dispose_all, reading
from services.core import auth
from services.journal import grid as journal
from tests.integration.test_faults import NOW, child, jw  # noqa: F401  (the fixture)

SECONDS = 2.0


def _rus_grid(jw):
    with reading() as tx:
        actor = auth.load_actor(tx, jw.users["rus"])
    return actor, journal.load_grid(actor, jw.class_id, jw.rus, period_id=jw.period_id)


def test_concurrent_sessions_and_processes_never_fail_a_save(jw, db_url):
    actor, grid = _rus_grid(jw)
    mine = [(p.student_id, c.label) for c in grid.columns for p in grid.pupils
            if c.lesson_date in (date(2026, 11, 10), date(2026, 11, 11)) and p.enrolled_on(c.lesson_date)][:6]
    assert len(mine) == 6
    dispose_all()
    proc = child(jw, db_url)
    assert proc.stdout.readline().startswith("T ")  # the other process is saving
    errors: list[str] = []
    last: dict[tuple[int, str], str] = {}
    saves = [0] * len(mine)
    stop = time.monotonic() + SECONDS

    def session(k: int, cell: tuple[int, str]) -> None:
        g = journal.load_grid(actor, jw.class_id, jw.rus, period_id=jw.period_id)
        n = 0
        while time.monotonic() < stop:
            value = "5432"[n % 4]
            try:
                result = journal.save_cells(actor, journal.diff(g, {cell: value}))
            except Exception as error:  # what would reach the teacher as a failure
                errors.append(f"{type(error).__name__}: {error}")
                return
            if not (result.ok and result.committed):
                errors.append("; ".join(p.message for p in result.errors + result.conflicts))
                return
            g.cells[cell] = value
            last[cell] = value
            saves[k] += 1
            n += 1

    threads = [threading.Thread(target=session, args=(k, cell)) for k, cell in enumerate(mine)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    out, err = proc.stdout.read(), proc.stderr.read()  # through the reader readline() used: none skipped
    proc.stdout.close()
    proc.stderr.close()
    assert errors == []
    assert all(n > 0 for n in saves), saves
    assert not any(line.startswith("E ") for line in out.splitlines()), out[-2000:]
    assert sum(1 for line in out.splitlines() if line.startswith("C ")) > 0, err[-2000:]
    assert "locked" not in err
    _, now = _rus_grid(jw)
    assert {cell: now.cells[cell] for cell in mine} == last
