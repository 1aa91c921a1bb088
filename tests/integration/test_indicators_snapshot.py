"""The analytics snapshot: extensions from the pip wheels, a failed refresh keeps the old snapshot,
freshness and the «данные на ЧЧ:ММ» label."""
from __future__ import annotations

from datetime import timedelta

import pytest

from checks import snapshot
from services.core import clock
from tests.integration import indicators_world as iwm


def test_extensions_come_from_the_installed_wheels():
    for name in ("sqlite_scanner", "postgres_scanner"):
        path = snapshot.extension_file(name)
        assert "site-packages" in path and path.endswith(f"{name}.duckdb_extension")


def test_a_failed_refresh_changes_nothing(sqlite_url, tmp_path, frozen_clock):
    frozen_clock(iwm.NOW)
    target = tmp_path / "a.duckdb"
    iwm.build()
    first = snapshot.refresh(sqlite_url, target)
    assert first.rows["mark_f"] == 38 and first.backend == "sqlite"
    with pytest.raises(snapshot.SnapshotError, match="не найден"):
        snapshot.refresh(f"sqlite:///{tmp_path / 'missing.db'}", target)
    assert snapshot.info(target).taken_at == iwm.NOW
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("a.duckdb")) == ["a.duckdb"]


def test_freshness_and_label(sqlite_url, tmp_path, frozen_clock, monkeypatch):
    monkeypatch.setenv("PORTAL_ANALYTICS_PATH", str(tmp_path / "a.duckdb"))
    frozen_clock(iwm.NOW)
    iwm.build()
    assert snapshot.info() is None and not snapshot.is_fresh(60)
    taken = snapshot.ensure(60)
    assert taken.label() == "данные на 12:00"
    frozen_clock(iwm.NOW + timedelta(minutes=30))
    assert snapshot.is_fresh(60) and snapshot.ensure(60).taken_at == iwm.NOW
    frozen_clock(iwm.NOW + timedelta(days=1))
    assert snapshot.info().label() == "данные на 20.11.2025 12:00"
    assert not snapshot.is_fresh(60)
    assert snapshot.ensure(60).taken_at == clock.now()
    # a snapshot of another database is never taken for this one's
    assert not snapshot.is_fresh(600, url="sqlite:////elsewhere.db")
