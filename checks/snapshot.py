"""The analytics snapshot (DESIGN.md decision 2).

DuckDB ATTACHes the live SQLite file or PostgreSQL database READ_ONLY through the scanner
extension LOADed from its pip wheel (nothing is downloaded at run time), copies the tables
the indicators need into a new DuckDB file, derives the fact tables of `checks/derive.py`,
records when it was taken, and swaps the file into PORTAL_ANALYTICS_PATH atomically.
The ATTACH and the copy run in a short-lived child process (checks/snapshot_copy.py), never in
the app's own: DuckDB's SQLite closing its handle on the live file would drop the app's POSIX
locks on it. The snapshot is 0600 in a 0700 folder (services/core/private.py).
Readers open the snapshot read-only; a refresh never disturbs a reader that is running.
"""
from __future__ import annotations

import glob
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, LargeBinary, Time
from sqlalchemy.types import TypeDecorator
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from services.core import clock, config, private

UTC = timezone.utc
# The layout of the snapshot (tables and columns of checks/derive.py): a snapshot of another
# layout is never read; it is taken again.
FORMAT = 3


class SnapshotError(RuntimeError):
    """str(e) is a Russian message."""


# Live table → the columns copied (None = all but binary ones).
TABLES: dict[str, tuple[str, ...] | None] = {
    "municipality": ("id", "name"),
    "school": ("id", "municipality_id", "name", "short_name"),
    "schoolsettings": None,
    "academicyear": None,
    "studyperiod": None,
    "holiday": None,
    "schoolclass": None,
    "subject": None,
    "subgroup": None,
    "subgroupmember": None,
    "curriculumitem": None,
    "teachingassignment": None,
    "timetableslot": None,
    "lesson": ("id", "school_id", "class_id", "subgroup_id", "subject_id", "teacher_id", "period_id", "lesson_date",
               "lesson_number", "starts_at", "ends_at", "status", "held", "topic", "planned_topic_id",
               "topic_entered_at", "attendance_taken_at", "comment"),
    "substitution": ("id", "school_id", "lesson_id", "absent_teacher_id", "substitute_teacher_id", "same_subject"),
    "lessonplan": None,
    "plannedtopic": ("id", "school_id", "plan_id", "number", "hours", "work_kind", "planned_on"),
    "worktype": None,
    "work": ("id", "school_id", "lesson_id", "work_type_id"),
    "periodmark": ("id", "school_id", "year_id", "student_id", "subject_id", "period_id", "kind", "value",
                   "numeric"),
    "student": ("id", "school_id", "user_id", "last_name", "first_name", "middle_name", "birth_date", "sex",
                "arrived_on", "left_on"),
    "enrollment": ("id", "school_id", "student_id", "class_id", "starts_on", "ends_on", "reason"),
    "staff": ("id", "school_id", "user_id", "last_name", "first_name", "middle_name", "position", "hired_on",
              "left_on"),
    # the account: never a password hash nor the OIDC subject itself, only whether it is linked
    "user": ("id", "is_active", "created_at", "activated_at", "last_login_at", "oidc_last_used_at"),
    "rolegrant": ("id", "user_id", "role", "school_id", "municipality_id", "class_id", "grades", "subject_ids",
                  "granted_at", "revoked_at"),
    "guardian": ("id", "school_id", "user_id", "last_name", "first_name", "middle_name"),
    "studentguardian": ("id", "school_id", "student_id", "guardian_id"),
    "usersession": ("id", "user_id", "method", "created_at"),
    "olympiadresult": None,
    "olympiadvenue": None,
    "examresult": ("id", "school_id", "year_id", "student_id", "subject_id", "class_id", "kind", "held_on",
                   "primary_score", "test_score", "mark"),
    "controlact": ("id", "school_id", "kind", "held_on", "author_user_id", "created_at"),
}
# The biggest tables are not copied as they are: checks/derive.py reads them straight from the live
# database into the fact tables (mark_f, att_f, and the homework columns of lesson_f).
STREAMED: dict[str, tuple[str, ...]] = {
    "mark": ("id", "work_id", "student_id", "position", "value", "numeric", "entered_at", "entered_by_user_id"),
    "attendance": ("lesson_id", "student_id", "status", "entered_by_user_id"),
    "homework": ("lesson_id", "text", "pages", "tasks", "minutes", "entered_at"),
}
RENAMED = {"user": "account"}  # «user» is a reserved word in both engines
EXTRA = {"user": ("oidc_linked", "{col} IS NOT NULL", "oidc_subject")}


@dataclass(frozen=True)
class SnapshotInfo:
    path: str
    taken_at: datetime  # aware UTC
    source: str         # the live database, password removed
    backend: str        # sqlite | postgres
    seconds: float
    rows: dict

    def label(self, tz_name: str | None = None) -> str:
        """«данные на 14:05» (with the date when it is not today)."""
        local = clock.to_local(self.taken_at, tz_name)
        if local.date() == clock.today(tz_name):
            return f"данные на {local:%H:%M}"
        return f"данные на {local:%d.%m.%Y %H:%M}"


def snapshot_path() -> Path:
    return Path(config.get("PORTAL_ANALYTICS_PATH"))


def extension_file(name: str) -> str:
    """The .duckdb_extension file inside the installed wheel `duckdb_extension_<name>`."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise SnapshotError(f"Не установлен пакет duckdb-extension-{name.replace('_', '-')}.")
    version = duckdb.__version__
    for folder in spec.submodule_search_locations:
        found = sorted(glob.glob(os.path.join(folder, "**", f"v{version}", "*.duckdb_extension"), recursive=True)) \
            or sorted(glob.glob(os.path.join(folder, "**", "*.duckdb_extension"), recursive=True))
        if found:
            return found[0]
    raise SnapshotError(f"В пакете duckdb-extension-{name.replace('_', '-')} нет файла расширения.")


def _safe_source(url: str) -> str:
    parsed = make_url(url)
    return parsed.render_as_string(hide_password=True)


def _attach_clause(url: str) -> tuple[str, str, str]:
    """(extension, ATTACH target, backend) for a SQLAlchemy URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if not path or path == ":memory:" or not Path(path).exists():
            raise SnapshotError(f"Файл базы данных не найден: «{path}».")
        return "sqlite_scanner", path, "sqlite"
    if parsed.get_backend_name() == "postgresql":
        parts = {"dbname": parsed.database, "host": parsed.host or "127.0.0.1", "port": parsed.port or 5432,
                 "user": parsed.username, "password": parsed.password}
        dsn = " ".join(f"{k}={v}" for k, v in parts.items() if v not in (None, ""))
        return "postgres_scanner", dsn, "postgres"
    raise SnapshotError(f"Снимок не умеет читать базу «{parsed.get_backend_name()}».")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select_list(table: str, backend: str) -> str:
    sa_table = SQLModel.metadata.tables[table]
    wanted = TABLES[table] if table in TABLES else STREAMED[table]
    names = wanted if wanted is not None else tuple(
        c.name for c in sa_table.columns if not isinstance(c.type, LargeBinary))
    parts = []
    for name in names:
        column = sa_table.columns[name]
        col = _quote(name)
        kind = column.type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl if not isinstance(kind.impl, type) else kind.impl()
        if isinstance(kind, Boolean):
            expr = f"CAST(CAST({col} AS INTEGER) AS BOOLEAN)" if backend == "sqlite" else f"CAST({col} AS BOOLEAN)"
        elif isinstance(kind, Integer):
            expr = f"CAST({col} AS INTEGER)"
        elif isinstance(kind, Float):
            expr = f"CAST({col} AS DOUBLE)"
        elif isinstance(kind, DateTime) and backend == "sqlite":
            # SQLAlchemy keeps UTC text without an offset («2025-10-06 09:00:00.000000»): a plain cast;
            # text with an offset (written by other tools) takes the slower, zone-aware cast
            tail = f"substr({col}, 17)"
            expr = (f"CASE WHEN contains({tail}, '+') OR contains({tail}, '-') "
                    f"THEN timezone('UTC', CAST({col} AS TIMESTAMPTZ)) ELSE CAST({col} AS TIMESTAMP) END")
        elif isinstance(kind, DateTime):
            expr = f"timezone('UTC', CAST({col} AS TIMESTAMPTZ))"  # PostgreSQL timestamptz
        elif isinstance(kind, Date):
            expr = f"CAST({col} AS DATE)"
        elif isinstance(kind, Time):
            expr = f"CAST({col} AS TIME)"
        else:
            expr = f"CAST({col} AS VARCHAR)"
        parts.append(f"{expr} AS {_quote(name)}")
    if table in EXTRA:
        alias, template, source = EXTRA[table]
        parts.append(f"{template.format(col=_quote(source))} AS {alias}")
    return ", ".join(parts)


def _copy_sql(table: str, backend: str) -> str:
    """A copy in the source's order: the fact tables of checks/derive.py, which the indicators scan,
    are the ones ordered by school (so that one school's rows sit in few row groups)."""
    target = RENAMED.get(table, table)
    return f"CREATE TABLE {_quote(target)} AS SELECT {_select_list(table, backend)} FROM live.{_quote(table)}"


def _stream_sql(table: str, backend: str) -> str:
    return f"(SELECT {_select_list(table, backend)} FROM live.{_quote(table)})"


_refresh_lock = threading.Lock()
COPY_SCRIPT = Path(__file__).with_name("snapshot_copy.py")


def refresh(url: str | None = None, path: str | os.PathLike | None = None,
            progress=None) -> SnapshotInfo:
    """Copy the live database into a new snapshot and swap it in; returns what was taken.
    The copy runs in a child process (checks/snapshot_copy.py): DuckDB never opens the live
    database inside this one (see that module for why)."""
    url = url or config.database_url()
    target = Path(path) if path is not None else snapshot_path()
    private.make_dir(target.parent)
    extension, attach_to, backend = _attach_clause(url)
    started = time.perf_counter()
    taken_at = clock.now()
    with _refresh_lock:
        tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            if leftover.exists():
                leftover.unlink()
        try:
            steps, counted = _copy_steps(extension, attach_to, backend, taken_at)
            rows = _run_copy(tmp, steps, counted, progress)
            seconds = time.perf_counter() - started
            con = duckdb.connect(str(tmp))  # the new snapshot file only: no scanner in this process
            try:
                con.execute("CREATE TABLE snapshot_meta (taken_at TIMESTAMP, source VARCHAR, backend VARCHAR, "
                            "seconds DOUBLE, format INTEGER)")
                con.execute("INSERT INTO snapshot_meta VALUES (?, ?, ?, ?, ?)",
                            [_naive_utc(taken_at), _safe_source(url), backend, seconds, FORMAT])
                con.execute("CHECKPOINT")
            finally:
                con.close()
            private.protect(tmp)
        except duckdb.Error as e:
            _remove(tmp)
            _remove(Path(str(tmp) + ".wal"))
            raise SnapshotError(f"Не удалось снять аналитический снимок: {str(e).splitlines()[0]}") from e
        except BaseException:
            _remove(tmp)
            _remove(Path(str(tmp) + ".wal"))
            raise
        os.replace(tmp, target)
        _remove(Path(str(tmp) + ".wal"))
        _forget(target)
    return SnapshotInfo(str(target), taken_at, _safe_source(url), backend, seconds, rows)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _copy_steps(extension: str, attach_to: str, backend: str, taken_at: datetime) -> tuple[list[dict], list[str]]:
    """What the child runs, in order ({"sql", "say"}), and the tables whose rows it counts."""
    from checks import derive

    steps = [{"sql": "SET TimeZone = 'UTC'"}, {"sql": f"LOAD {_literal(extension_file(extension))}"}]
    if backend == "sqlite":
        steps.append({"sql": "SET sqlite_all_varchar = true"})
    kind = "sqlite" if backend == "sqlite" else "postgres"
    steps.append({"sql": f"ATTACH {_literal(attach_to)} AS live (TYPE {kind}, READ_ONLY)"})
    # one transaction: the PostgreSQL scanner then reads every table in one consistent snapshot
    # (both scanners read a big table on several threads)
    steps.append({"sql": "BEGIN TRANSACTION"})
    steps += [{"sql": _copy_sql(table, backend), "say": f"копирование {table}"} for table in TABLES]
    steps.append({"sql": "CREATE TEMP TABLE _asof AS SELECT CAST("
                         f"{_literal(_naive_utc(taken_at).isoformat(sep=' '))} AS TIMESTAMP) AS taken_at"})
    derived = derive.statements({t: _stream_sql(t, backend) for t in STREAMED})
    steps += [{"sql": sql, "say": f"расчёт {name}"} for name, sql in derived]
    steps += [{"sql": "COMMIT"}, {"sql": "DETACH live"}]
    steps += [{"sql": f"DROP TABLE {_quote(name)}"} for name, _ in derived if name.startswith("_")]
    counted = [RENAMED.get(t, t) for t in TABLES] + [n for n, _ in derived if not n.startswith("_")]
    return steps, counted


def _run_copy(tmp: Path, steps: list[dict], counted: list[str], progress) -> dict[str, int]:
    """Run the copy in a child process into `tmp`; the rows of each counted table."""
    job = json.dumps({"path": str(tmp), "steps": steps, "count": counted}, ensure_ascii=False)
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([sys.executable, str(COPY_SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=errors, encoding="utf-8")
        try:
            child.stdin.write(job)
            child.stdin.close()
            answer: dict = {}
            for line in child.stdout:
                answer = json.loads(line)
                if "say" in answer and progress:
                    progress(answer["say"])
            code = child.wait()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if "error" in answer:
            raise SnapshotError(f"Не удалось снять аналитический снимок: {answer['error']}")
        if code != 0 or "rows" not in answer:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-1:] or [f"код {code}"]
            raise SnapshotError(f"Не удалось снять аналитический снимок: процесс копирования прервался ({tail[0]}).")
        return answer["rows"]


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


# --- reading -------------------------------------------------------------------------------
_readers: dict[str, tuple[tuple, duckdb.DuckDBPyConnection]] = {}
_readers_lock = threading.Lock()


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _forget(path: Path) -> None:
    with _readers_lock:
        old = _readers.pop(str(path.resolve()), None)
    if old is not None:
        try:
            old[1].close()
        except duckdb.Error:
            pass


def exists(path: str | os.PathLike | None = None) -> bool:
    """Is there a snapshot of the current layout at the path?"""
    return info(path) is not None


def connect(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor of its own on the snapshot, read-only (temp tables and views stay private to it).
    The underlying database is opened once and reopened when a refresh has swapped the file."""
    target = Path(path) if path is not None else snapshot_path()
    if not target.exists():
        raise SnapshotError("Аналитический снимок ещё не создан: обновите данные показателей.")
    key = str(target.resolve())
    with _readers_lock:
        stamp = _stamp(target)
        cached = _readers.get(key)
        if cached is None or cached[0] != stamp:
            if cached is not None:
                try:
                    cached[1].close()
                except duckdb.Error:
                    pass
            base = duckdb.connect(key, read_only=True)
            base.execute("SET TimeZone = 'UTC'")
            _readers[key] = (stamp, base)
        base = _readers[key][1]
        cursor = base.cursor()
    cursor.execute("SET TimeZone = 'UTC'")
    return cursor


def info(path: str | os.PathLike | None = None) -> SnapshotInfo | None:
    """When the snapshot was taken and from where; None when there is none yet."""
    target = Path(path) if path is not None else snapshot_path()
    if not target.exists():
        return None
    con = connect(target)
    try:
        try:
            taken_at, source, backend, seconds, layout = con.execute(
                "SELECT taken_at, source, backend, seconds, format FROM snapshot_meta").fetchone()
        except duckdb.Error:  # a snapshot of an older layout
            return None
    finally:
        con.close()
    if layout != FORMAT:
        return None
    return SnapshotInfo(str(target), taken_at.replace(tzinfo=UTC), source, backend, seconds, {})


def is_fresh(max_age_minutes: float, url: str | None = None, path: str | os.PathLike | None = None) -> bool:
    """Is there a snapshot of this database taken less than `max_age_minutes` ago?"""
    current = info(path)
    if current is None:
        return False
    if current.source != _safe_source(url or config.database_url()):
        return False
    return (clock.now() - current.taken_at).total_seconds() <= max_age_minutes * 60


def ensure(max_age_minutes: float = 60, url: str | None = None, path: str | os.PathLike | None = None) -> SnapshotInfo:
    """The snapshot, refreshed first when missing, of another database or older than allowed
    (the schedule: pages and `manage.py checks` call this)."""
    if is_fresh(max_age_minutes, url, path):
        return info(path)
    with _ensure_lock:  # pages opened at once refresh once
        if is_fresh(max_age_minutes, url, path):
            return info(path)
        return refresh(url, path)


_ensure_lock = threading.Lock()
