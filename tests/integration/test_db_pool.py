"""PostgreSQL connections that the server dropped: a quiet one is pinged and replaced before use;
one dropped a moment after use fails its one transaction whole, and the next connects afresh."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from models import db
from models.db import get_engine, transaction
from tests.conftest import _pg_exec


def _backend_pid() -> int:
    with transaction() as tx:
        return tx.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _drop(pid: int) -> None:
    """The server ends this connection, as a restart or a failover would."""
    _pg_exec(f"SELECT pg_terminate_backend({pid})")


def test_a_quiet_connection_the_server_dropped_is_replaced_before_use(pg_url, monkeypatch):
    get_engine(pg_url).dispose()
    first = _backend_pid()
    _drop(first)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # as if it had been idle for a while
    with transaction() as tx:
        tx.execute(text("CREATE TABLE pool_probe (n integer)"))
        tx.execute(text("INSERT INTO pool_probe VALUES (1)"))
    assert _backend_pid() != first
    with transaction() as tx:
        assert tx.execute(text("SELECT count(*) FROM pool_probe")).scalar_one() == 1


def test_a_connection_dropped_right_after_use_fails_one_transaction_whole(pg_url, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)  # used a moment ago: not pinged
    with transaction() as tx:
        tx.execute(text("CREATE TABLE pool_probe (n integer)"))
    _drop(_backend_pid())
    with pytest.raises(OperationalError):
        with transaction() as tx:
            tx.execute(text("INSERT INTO pool_probe VALUES (1)"))
    with transaction() as tx:  # the pool has let go of its dead connections
        tx.execute(text("INSERT INTO pool_probe VALUES (2)"))
    with transaction() as tx:
        assert tx.execute(text("SELECT n FROM pool_probe")).scalars().all() == [2]
