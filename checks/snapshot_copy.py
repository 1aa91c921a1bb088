"""The DuckDB side of a snapshot refresh, run as a short-lived child process by checks/snapshot.py.

DuckDB carries its own SQLite: when its handle on the live file closes, the process loses every
POSIX lock that the portal's own connections hold on that file, and another process may then
delete the `-wal` under the running server (DESIGN.md decision 2). So the live database is only
ever ATTACHed here, in a process that exits right after the copy.

Reads one JSON job on stdin: {"path": new DuckDB file, "steps": [{"sql", "say"?}], "count": [tables]}.
Writes JSON lines on stdout: {"say": text} before a step that has one, then {"rows": {table: n}}
or {"error": the first line of DuckDB's message}. Imports nothing of the portal.
"""
from __future__ import annotations

import json
import os
import sys


def _send(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main() -> int:
    os.umask(0o077)  # the snapshot holds children's data
    job = json.loads(sys.stdin.read())
    import duckdb
    con = duckdb.connect(job["path"])
    try:
        for step in job["steps"]:
            if step.get("say"):
                _send({"say": step["say"]})
            con.execute(step["sql"])
        rows = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in job["count"]}
        con.execute("CHECKPOINT")
    except duckdb.Error as e:
        _send({"error": str(e).splitlines()[0] if str(e) else type(e).__name__})
        return 1
    finally:
        con.close()
    _send({"rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
