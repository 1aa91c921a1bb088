"""The analytics refresh never costs the server its SQLite locks (issue 13, section 1).

Process A is a portal process: it holds a writing connection on the live SQLite file and
refreshes the snapshot the way the indicator screens do (`snapshot.refresh()` with the
environment's DATABASE_URL and PORTAL_ANALYTICS_PATH). Process B (this test) then opens and
closes the file with the `sqlite3` module, as `manage.py`, the nightly backup or a second app
process would. A writes a row afterwards; B must see it, and the `-wal` file must still be there.

When DuckDB's own SQLite opened and closed the live file inside A, A's POSIX locks went with it:
B's close took itself for the last user, checkpointed and deleted `-wal`/`-shm`, and A's next
write went into a deleted file that nobody else could read.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap

from services.core import config

PROCESS_A = textwrap.dedent("""
    import sys
    from sqlalchemy import text
    from models.db import get_engine
    from checks import snapshot

    def say(word):
        print(word, flush=True)

    def wait_for(word):
        line = sys.stdin.readline().strip()
        assert line == word, line

    engine = get_engine(sys.argv[1])
    holder = engine.connect()            # the app's pool keeps its connections open
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO municipality (name) VALUES ('до снимка')"))
    holder.execute(text("SELECT count(*) FROM municipality")).all()
    info = snapshot.refresh()             # what indicators.refresh_snapshot() does for the screen
    say("refreshed " + info.label())
    wait_for("write")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO municipality (name) VALUES ('после снимка')"))
    say("written")
    wait_for("bye")
    holder.close()
    engine.dispose()
""")


def _names(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM municipality ORDER BY id")]
    finally:
        conn.close()


def test_a_refresh_keeps_the_servers_wal_alive(sqlite_url, tmp_path):
    live = tmp_path / "school.db"
    assert sqlite_url.endswith(str(live))
    env = {**os.environ, "DATABASE_URL": sqlite_url, "PORTAL_ANALYTICS_PATH": str(tmp_path / "a.duckdb"),
           "PYTHONPATH": str(config.ROOT)}
    a = subprocess.Popen([sys.executable, "-c", PROCESS_A, sqlite_url], cwd=config.ROOT, env=env, text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = a.stdout.readline()
        assert first.startswith("refreshed данные на "), (first, a.stderr.read() if a.poll() is not None else "")
        assert (tmp_path / "a.duckdb").exists()
        # B: an ordinary open and close by another process
        assert _names(live) == ["до снимка"]
        assert (tmp_path / "school.db-wal").exists(), "B deleted the WAL under the running writer"
        a.stdin.write("write\n")
        a.stdin.flush()
        assert a.stdout.readline().strip() == "written"
        assert _names(live) == ["до снимка", "после снимка"], "A's save went into a deleted WAL"
        assert (tmp_path / "school.db-wal").exists()
        a.stdin.write("bye\n")
        a.stdin.flush()
        assert a.wait(timeout=60) == 0, a.stderr.read()
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
