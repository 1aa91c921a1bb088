"""Benchmarks from a fresh clone (issue 14, item 9): data/bench/ is made when it is missing, and a
benchmark with nothing to measure stops at once with a clear message instead of waiting."""
from __future__ import annotations

import time

import pytest

from bench import common, load


def test_a_working_copy_is_made_when_data_bench_does_not_exist(sqlite_url, tmp_path, monkeypatch):
    missing = tmp_path / "clone" / "data" / "bench"
    monkeypatch.setattr(common, "BENCH_DIR", missing)
    source = sqlite_url.split("///", 1)[1]
    with common.demo_copy(source, prefix="fresh_") as url:
        assert url != sqlite_url and url.startswith(f"sqlite:///{missing}")
    assert missing.is_dir() and list(missing.iterdir()) == []  # the copy is gone afterwards
    folder = common.workdir("x_")
    assert folder.parent == missing and folder.is_dir()


def test_load_refuses_a_database_without_a_current_year(db_url, frozen_clock, capsys):
    frozen_clock(common.BENCH_NOW)
    started = time.monotonic()
    with pytest.raises(SystemExit) as stopped:
        load.run(db_url, 5, 1.0, "База")
    assert stopped.value.code == 2
    assert time.monotonic() - started < 30  # was: 300 s of waiting for «сессий 0», then queue.Empty
    err = capsys.readouterr().err
    assert "Замер невозможен: в базе" in err and "нет учебного года, который идёт 16.11.2026" in err
