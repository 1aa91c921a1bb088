"""An import killed with SIGKILL in the middle of writing a large file leaves the database as it
was before, and passing its integrity check (SQLite and PostgreSQL): the whole file is one
transaction, so a killed process commits nothing."""
from __future__ import annotations

import os
import select as select_module
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from sqlalchemy import func
from sqlmodel import SQLModel, select

from models.db import dispose_all, reading
from services.core.backup import libpq, sqlite_path
from tests.integration import roster_world

ROOT = Path(__file__).resolve().parents[2]
LETTERS = "абвгдежзиклмнопрстуфхцчшэюя"


def counts() -> dict[str, int]:
    with reading() as tx:
        return {name: tx.exec(select(func.count()).select_from(t)).one() for name, t in SQLModel.metadata.tables.items()}


def big_roster(path: Path, n: int) -> None:
    rows = []
    for i in range(n):
        a, b, c = LETTERS[i % 27], LETTERS[(i // 27) % 27], LETTERS[(i // 729) % 27]
        last = f"Ф{a}{b}{c}ов"
        rows.append(roster_world.pupil_row(
            last, "Иван", "Петрович", birth="01.01.2015", cls="5А" if i % 2 else "5Б",
            g1=(f"{last}а Мария Ивановна", "мать", f"+7 9{i:09d}", ""),
            g2=(f"{last} Пётр Ильич", "отец", f"+7 8{i:09d}", "")))
    roster_world.workbook(roster_world.PUPIL_HEADERS, rows, path)


def test_sigkill_in_the_middle_of_an_import_changes_nothing(db_url, frozen_clock, tmp_path):
    frozen_clock(datetime(2026, 9, 10, 9, 0, tzinfo=timezone.utc))
    rw = roster_world.build()
    before = counts()
    dispose_all()
    workbook = tmp_path / "big.xlsx"
    big_roster(workbook, 4000)
    env = {**os.environ, "DATABASE_URL": db_url, "PORTAL_FAKE_NOW": "2026-09-10T12:00:00+03:00"}
    proc = subprocess.Popen([sys.executable, "manage.py", "import", "pupils", str(workbook), "--school",
                             str(rw.school_id)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = b""
    deadline = time.monotonic() + 240
    while b"\xd0\x97\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd1\x8c" not in seen:  # «Запись»: the write has begun
        assert proc.poll() is None, (proc.returncode, seen.decode(errors="replace")[-2000:])
        assert time.monotonic() < deadline, "the import never reached its write phase"
        ready, _, _ = select_module.select([proc.stderr], [], [], 1.0)
        if ready:
            seen += os.read(proc.stderr.fileno(), 65536)
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert counts() == before
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(sqlite_path(db_url))
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            conn.close()
    else:
        with psycopg.connect(libpq(db_url)) as conn:
            # the killed client's transaction ends with it, and nothing it wrote is visible
            for _ in range(50):
                lingering = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                         "AND pid <> pg_backend_pid() AND state <> 'idle'").fetchone()[0]
                if not lingering:
                    break
                time.sleep(0.1)
            assert lingering == 0
            assert conn.execute('SELECT count(*) FROM "user"').fetchone()[0] == before["user"]
