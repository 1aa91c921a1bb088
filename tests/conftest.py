"""Shared fixtures: a real SQLite file and a real PostgreSQL database per test, a set clock."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("PORTAL_ARGON2_PROFILE", "fast")

from models.db import dispose_all, get_engine  # noqa: E402
from services.core import clock, schema  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    try:
        import psycopg
        with psycopg.connect(_libpq(PG_ADMIN_URL), connect_timeout=3):
            return True
    except Exception:
        return False


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _pg_exec(sql: str) -> None:
    import psycopg
    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    url = f"sqlite:///{path}"
    schema.migrate(url)
    dispose_all()
    return path


def require_postgres() -> None:
    """Skip the test without PostgreSQL, or fail it when REQUIRE_POSTGRES=1 (CI)."""
    if not _pg_available():
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (REQUIRE_POSTGRES=1) but does not answer")
        pytest.skip("PostgreSQL is not available")


@pytest.fixture(scope="session")
def pg_template():
    require_postgres()
    name = f"portal_tmpl_{os.getpid()}"
    _pg_exec(f"DROP DATABASE IF EXISTS {name}")
    _pg_exec(f"CREATE DATABASE {name}")
    url = _pg_url(name)
    schema.migrate(url)
    dispose_all()
    yield name
    dispose_all()
    _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _fresh_sqlite(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "school.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def _fresh_pg(template: str):
    name = f"portal_t_{uuid.uuid4().hex[:12]}"
    _pg_exec(f"CREATE DATABASE {name} TEMPLATE {template}")
    return name, _pg_url(name)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path, monkeypatch, sqlite_template):
    """A migrated, empty database of each kind; DATABASE_URL points at it."""
    if request.param == "sqlite":
        url = _fresh_sqlite(sqlite_template, tmp_path)
        name = None
    else:
        template = request.getfixturevalue("pg_template")
        name, url = _fresh_pg(template)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    engine = get_engine(url)
    engine.dispose()
    if name:
        _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch, sqlite_template):
    """A migrated, empty SQLite file only (for tests that need no PostgreSQL twin)."""
    url = _fresh_sqlite(sqlite_template, tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    get_engine(url).dispose()


@pytest.fixture
def pg_url(monkeypatch, pg_template):
    """A migrated, empty PostgreSQL database only (for what only a server has: its connections)."""
    name, url = _fresh_pg(pg_template)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    get_engine(url).dispose()
    _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def frozen_clock():
    """Set the clock with frozen_clock(datetime); unset after the test."""
    def set_to(moment):
        clock.set_now(moment)
        return moment
    yield set_to
    clock.set_now(None)
