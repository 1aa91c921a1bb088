"""bench/browser.py runs from a fresh clone (no data/bench/ yet): it builds the full-year demo,
starts the app, drives Chromium and prints one line of JSON with its seven figures; it also
leaves the two screenshots the issue asks for. One run, no warm-up: this shows that it works,
the figures themselves are the bench's business (docs/performance.md)."""
from __future__ import annotations

import json

import pytest

from bench import browser as bench_browser, common

pytestmark = pytest.mark.e2e


def test_the_browser_bench_reports_every_figure(browser, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "BENCH_DIR", tmp_path / "clone" / "data" / "bench")
    shots = tmp_path / "shots"
    figures = bench_browser.main(["--db", str(common.BENCH_DIR / "demo.db"), "--runs", "1", "--warmups", "0", "--json",
                            "--screenshots", str(shots)], browser=browser)
    printed = json.loads(capsys.readouterr().out.strip())
    assert list(printed) == list(bench_browser.TARGETS) == list(figures)
    for name, fig in printed.items():
        assert fig["target"] == bench_browser.TARGETS[name]
        assert fig["unit"] == {"server_cpu_save_ms": "ms", "lost_marks": "count"}.get(name, "s")
        assert fig["min"] <= fig["median"] <= fig["max"]
    for name in ("journal_open_s", "journal_load_s", "save_after_last_key_s", "diary_open_s", "diary_load_s"):
        assert 0 < printed[name]["median"] < 60, (name, printed[name])
    assert printed["server_cpu_save_ms"]["median"] > 0  # a save costs the app some CPU
    assert 0 <= printed["lost_marks"]["median"] <= 35
    assert (shots / "journal_1440x900.png").stat().st_size > 10_000
    assert (shots / "diary_390x844.png").stat().st_size > 10_000
