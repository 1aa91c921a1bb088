"""Faults (R-SAFE-2, R-SAFE-4), on SQLite and PostgreSQL.

* The app process is killed with SIGKILL at a random moment while it saves journal cells: every
  save it was told is accepted is in the database, the one in flight is there whole or not at
  all (its three cells and their three audit events together), the database passes its
  integrity check, and a restarted process saves again. (A kill during an import:
  test_import_killed.py.)
* The restore drill: nightly backups by `manage.py backup` (as the systemd timer in deploy/
  runs it), the database lost, `manage.py restore` of the newest backup brings back exactly
  the state of that night, and the portal works on it.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlmodel import func, select

from models import AuditEvent, Mark
from models.db import dispose_all, reading
from services.core import auth, backup
from services.core.backup import libpq, sqlite_path
from services.journal import grid as journal
from tests.conftest import _pg_exec
from tests.integration import journal_world

ROOT = Path(__file__).resolve().parents[2]
MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=MSK)


@pytest.fixture
def jw(db_url, frozen_clock):
    frozen_clock(NOW)
    return journal_world.build()


def env(db_url: str, now: datetime = NOW) -> dict:
    return {**os.environ, "DATABASE_URL": db_url, "PORTAL_FAKE_NOW": now.isoformat()}


def child(jw, db_url: str, *extra: str, stdout=subprocess.PIPE) -> subprocess.Popen:
    args = [str(x) for x in (jw.users["math"], jw.class_id, jw.math, jw.period_id)]
    return subprocess.Popen([sys.executable, "-m", "tests.integration.fault_child", *args, *extra], cwd=ROOT,
                            env=env(db_url), stdout=stdout, stderr=subprocess.PIPE, text=True)


def cells(jw) -> dict[str, str]:
    """The math journal as the database has it now: "student:label" → text."""
    with reading() as tx:
        actor = auth.load_actor(tx, jw.users["math"])
    grid = journal.load_grid(actor, jw.class_id, jw.math, period_id=jw.period_id)
    return {f"{s}:{label}": text for (s, label), text in grid.cells.items()}


def mark_events(jw) -> int:
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "mark.changed", AuditEvent.actor_user_id == jw.users["math"])).one()


def check_integrity(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(sqlite_path(db_url))
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            conn.close()
        return
    with psycopg.connect(libpq(db_url)) as conn:
        for _ in range(100):  # the killed client's transaction ends with its connection
            busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND pid <> pg_backend_pid() AND state <> 'idle'").fetchone()[0]
            if not busy:
                break
            time.sleep(0.1)
        assert busy == 0
        # every mark belongs to an existing work and pupil (the constraints held through the kill)
        assert conn.execute("SELECT count(*) FROM mark m LEFT JOIN work w ON w.id = m.work_id "
                            "LEFT JOIN student s ON s.id = m.student_id "
                            "WHERE w.id IS NULL OR s.id IS NULL").fetchone()[0] == 0


def test_sigkill_during_journal_saves_loses_no_accepted_save_and_tears_none(jw, db_url):
    start = cells(jw)
    dispose_all()
    rng = random.Random()
    wanted = rng.randint(3, 30)  # accepted saves before the kill
    proc = child(jw, db_url)
    lines: list[str] = []
    deadline = time.monotonic() + 120
    try:
        while sum(1 for line in lines if line.startswith("C ")) < wanted:
            line = proc.stdout.readline()
            assert line, (proc.poll(), lines[-3:], proc.stderr.read()[-2000:])
            assert not line.startswith("E "), line
            lines.append(line.strip())
            assert time.monotonic() < deadline, "the child saves too slowly"
        time.sleep(rng.uniform(0, 0.01))  # somewhere in the next save: before, inside, or at its commit
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        # the rest through the same reader: readline() may have read lines ahead into its buffer,
        # which communicate() would skip (it reads the pipe itself)
        rest = proc.stdout.read()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    lines += [line.strip() for line in rest.splitlines() if line.strip()]

    saves = {int(line.split(" ", 2)[1]): json.loads(line.split(" ", 2)[2]) for line in lines if line.startswith("T ")}
    accepted = [int(line.split()[1]) for line in lines if line.startswith("C ")]
    assert accepted == list(range(len(accepted))) and len(accepted) >= wanted
    in_flight = [n for n in saves if n not in accepted]
    assert in_flight in ([], [len(accepted)])

    expected = dict(start)
    for n in accepted:
        expected.update({cell: new for cell, (old, new) in saves[n].items()})
    now = cells(jw)
    whole = 0
    if in_flight:
        flight = saves[in_flight[0]]
        assert all(expected[cell] == old for cell, (old, new) in flight.items())
        states = {now[cell] == new for cell, (old, new) in flight.items()}
        assert len(states) == 1, f"a save was torn: {flight} in the database as {[now[c] for c in flight]}"
        if states == {True}:
            whole = 1
            expected.update({cell: new for cell, (old, new) in flight.items()})
    assert now == expected  # every accepted save is there; nothing else changed
    assert mark_events(jw) == 3 * (len(accepted) + whole)  # each saved cell has its audit event
    check_integrity(db_url)

    # restart: a new app process opens the same database and saves again
    dispose_all()
    again = child(jw, db_url, "--once")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    assert "C 0" in out.splitlines()
    after = json.loads(next(line for line in out.splitlines() if line.startswith("T ")).split(" ", 2)[2])
    now = cells(jw)
    assert all(now[cell] == new for cell, (old, new) in after.items())
    assert mark_events(jw) == 3 * (len(accepted) + whole + 1)
    check_integrity(db_url)


def _save(jw, **values: str) -> None:
    """Save cells of the 17 November math lesson: save(Алексеев="5")."""
    with reading() as tx:
        actor = auth.load_actor(tx, jw.users["math"])
    grid = journal.load_grid(actor, jw.class_id, jw.math, period_id=jw.period_id)
    label = next(c.label for c in grid.columns if c.lesson_date == date(2026, 11, 17))
    edits = {(jw.pupils[last], label): text for last, text in values.items()}
    result = journal.save_cells(actor, journal.diff(grid, edits))
    assert result.ok and result.committed, result.errors


def _manage(db_url: str, now: datetime, *args: str) -> dict:
    done = subprocess.run([sys.executable, "manage.py", *args, "--json"], cwd=ROOT, env=env(db_url, now),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _marks() -> list[tuple]:
    with reading() as tx:
        return sorted((m.student_id, m.work_id, m.position, m.value, m.version) for m in tx.exec(select(Mark)).all())


def test_restore_drill_from_the_latest_backup(jw, db_url, tmp_path):
    folder = tmp_path / "backups"
    _save(jw, Алексеев="5", Борисова="4")
    dispose_all()
    _manage(db_url, datetime(2026, 11, 19, 2, 0, tzinfo=MSK), "backup", "--dir", str(folder))
    _save(jw, Алексеев="3", Григорьева="5")
    night = _marks()
    dispose_all()
    latest = _manage(db_url, datetime(2026, 11, 20, 2, 0, tzinfo=MSK), "backup", "--dir", str(folder))
    _save(jw, Борисова="2")  # made after the last backup: the disaster takes it
    assert _marks() != night
    assert len(backup.backups(folder)) == 2 and backup.backups(folder)[0] == Path(latest["file"])
    dispose_all()

    # the disaster: the database is gone
    if db_url.startswith("sqlite"):
        for extra in ("", "-wal", "-shm"):
            Path(str(sqlite_path(db_url)) + extra).unlink(missing_ok=True)
    else:
        from sqlalchemy.engine import make_url
        _pg_exec(f"DROP DATABASE {make_url(db_url).database} WITH (FORCE)")

    newest = backup.backups(folder)[0]
    assert _manage(db_url, NOW, "restore", str(newest), "--check-only")["ok"]
    restored = _manage(db_url, NOW, "restore", str(newest), "--dir", str(tmp_path / "aside"))
    assert restored["ok"]
    dispose_all()
    assert _marks() == night
    check_integrity(db_url)
    # the portal works on the restored database: the teacher opens the journal and saves
    _save(jw, Борисова="2")
    assert [m[3] for m in _marks() if m[0] == jw.pupils["Борисова"]] == ["2"]
