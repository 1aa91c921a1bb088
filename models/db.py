"""Engines and sessions: SQLite (one file, WAL) by default, PostgreSQL by DATABASE_URL."""
from __future__ import annotations

import os
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from services.core import config

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _private_sqlite_file(path: Path) -> None:
    """The database holds children's data: 0600 in a 0700 folder from its first byte; SQLite gives
    its -wal and -shm the database file's mode."""
    from services.core import private
    private.make_dir(path.parent)
    if not path.exists():
        private.create(path)
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        private.protect(part)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            _private_sqlite_file(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Take the write lock at BEGIN, so that two writers queue on busy_timeout
        # instead of failing with "database is locked" on a read-to-write upgrade.
        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn):
            mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "connect", _mark_used)
    event.listen(engine, "checkin", _mark_used)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


# A pooled connection is tried before use only when it has been idle for a while: a restarted
# or failed-over server, or a firewall that dropped a quiet connection, is met by a ping and a
# fresh connection instead of an error. A connection used a moment ago is not pinged (SQLAlchemy's
# pool_pre_ping would ping before every transaction: a round trip more on each journal save).
# Should the server go away within that moment, the statement fails, SQLAlchemy sees the
# disconnect and drops every pooled connection, and the next transaction connects afresh.
PING_AFTER_IDLE_S = 10.0


def _mark_used(_dbapi_conn, record, *_args) -> None:
    record.info["used_at"] = time.monotonic()


def _ping_if_idle(dbapi_conn, record, _proxy) -> None:
    if time.monotonic() - record.info.get("used_at", 0.0) <= PING_AFTER_IDLE_S:
        return
    try:
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_conn.rollback()
    except Exception as error:  # the pool drops this connection and checks out another
        raise exc.DisconnectionError(f"соединение с базой не отвечает: {error}") from error


def get_engine(url: str | None = None) -> Engine:
    url = url or config.database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


_state = threading.local()
# One SQLite file has one writer at a time. The threads of this process queue for it here, on a
# lock that hands over the moment the writer commits, rather than in SQLite's busy handler,
# which polls with sleeps of up to 100 ms and so leaves the file idle while 50 sessions wait.
# Other processes (manage.py, a second app) still meet the file lock and its busy_timeout.
class _FairLock:
    """A re-entrant lock served first come, first served (threading.RLock is not: a thread that
    releases and asks again at once overtakes the waiting ones, which makes the slowest saves
    wait seconds under load). The holder hands the lock to the first waiter alone: waking all 49
    waiters on every commit, to let one of them in, cost more than the save."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: deque[tuple[int, threading.Lock]] = deque()  # (thread, its gate), in arrival order

    def waiting(self) -> int:
        with self._mutex:
            return len(self._waiters)

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None:
                self._owner, self._depth = me, 1
                return
            gate = threading.Lock()
            gate.acquire()
            waiter = (me, gate)
            self._waiters.append(waiter)
        try:
            self._wait(gate)  # the holder opens it when it hands the lock over to this thread
        except BaseException:  # interrupted while waiting: give the turn up, never block the queue
            with self._mutex:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                    raise
            self.release()  # handed over meanwhile: pass it on to the next
            raise

    @staticmethod
    def _wait(gate: threading.Lock) -> None:
        gate.acquire()

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a writer lock this thread does not hold")
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                self._owner, gate = self._waiters.popleft()
                self._depth = 1
                gate.release()
            else:
                self._owner = None


_sqlite_writers: dict[str, _FairLock] = {}
os.register_at_fork(after_in_child=_sqlite_writers.clear)  # a forked child holds nobody's turn


def _writer_lock(url: str) -> _FairLock | None:
    if not url.startswith("sqlite"):
        return None
    with _lock:
        lock = _sqlite_writers.get(url)
        if lock is None:
            lock = _sqlite_writers[url] = _FairLock()
        return lock


def in_write_transaction() -> bool:
    return getattr(_state, "depth", 0) > 0


@contextmanager
def transaction(url: str | None = None) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error.

    An exception with an `after_rollback()` method (a denial that must still be audited) has
    it called once the outermost transaction has rolled back and released its locks."""
    url = url or config.database_url()
    writer = _writer_lock(url)
    if writer is not None:
        writer.acquire()
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        with Session(get_engine(url), expire_on_commit=False) as session:
            session.connection(execution_options={"write": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    except BaseException as error:
        _state.depth -= 1
        if writer is not None:
            writer.release()
        hook = getattr(error, "after_rollback", None)
        if _state.depth == 0 and callable(hook):
            hook()
        raise
    else:
        _state.depth -= 1
        if writer is not None:
            writer.release()


@contextmanager
def reading(url: str | None = None) -> Iterator[Session]:
    """A read-only unit of work: never commits; loaded rows stay readable after it ends."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        yield session


def is_sqlite(url: str | None = None) -> bool:
    return (url or config.database_url()).startswith("sqlite")


class QueryCount:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []


@contextmanager
def count_queries(url: str | None = None) -> Iterator[QueryCount]:
    """Count the SQL statements sent (BEGIN/PRAGMA aside), as Zulip's tests do for a screen."""
    counter = QueryCount()
    engine = get_engine(url)

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip()[:6].upper()
        if not head.startswith(("BEGIN", "PRAGMA")):
            counter.count += 1
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
