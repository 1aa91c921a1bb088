"""`manage.py checks` and `manage.py snapshot`: one line of JSON, one entry per indicator id of
INDICATORS.md, the default period, --year and --from/--to, and refusals that change nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from checks import registry
from services.core import clock, config
from tests.integration import indicators_world as iwm
from tests.integration.test_indicators_values import EXPECTED

NOW_TEXT = "2025-11-20T12:00:00+03:00"


def run(url, analytics, *args):
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_ANALYTICS_PATH": str(analytics), "PORTAL_FAKE_NOW": NOW_TEXT}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=config.ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def one_json(proc):
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, proc.stderr
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0])


@pytest.fixture
def world(db_url, tmp_path):
    clock.set_now(iwm.NOW)
    try:
        w = iwm.build()
    finally:
        clock.set_now(None)
    return w, db_url, tmp_path / "analytics.duckdb"


def test_checks_json_for_a_school(world):
    w, url, analytics = world
    items = one_json(run(url, analytics, "checks", "--school", str(w.a), "--json"))
    assert [i["id"] for i in items] == list(registry.INDICATOR_IDS)
    for item in items:
        assert set(item) == {"id", "name", "value", "unit", "numerator", "denominator", "status"}
        assert (item["value"], item["numerator"], item["denominator"]) == EXPECTED[item["id"]], item["id"]
        assert item["status"] in ("ok", "warn", "bad", "no_data")
    # the default period is the latest school year with lessons: 2025/2026, as --year 2025 says
    again = one_json(run(url, analytics, "checks", "--school", str(w.a), "--year", "2025/2026", "--json",
                         "--no-refresh"))
    assert again == items


def test_checks_json_for_a_municipality_and_dates(world):
    w, url, analytics = world
    items = {i["id"]: i for i in one_json(run(url, analytics, "checks", "--municipality", str(w.municipality_id),
                                              "--json"))}
    assert (items["attendance"]["value"], items["attendance"]["numerator"], items["attendance"]["denominator"]) \
        == (85.42, 41, 48)
    assert items["olymp_venues"]["value"] == 2 and items["olymp_venues"]["denominator"] is None
    # 10–16 November, school A: 20 pupil-lessons, 3 missed
    week = {i["id"]: i for i in one_json(run(url, analytics, "checks", "--school", str(w.a), "--from", "2025-11-10",
                                             "--to", "2025-11-16", "--json", "--no-refresh"))}
    assert (week["attendance"]["value"], week["attendance"]["numerator"]) == (85.0, 17)
    # a summer month: nothing to count
    summer = {i["id"]: i for i in one_json(run(url, analytics, "checks", "--school", str(w.a), "--from",
                                               "01.07.2025", "--to", "31.07.2025", "--json", "--no-refresh"))}
    assert (summer["success_rate"]["value"], summer["success_rate"]["status"]) == (None, "no_data")


def test_checks_plan_and_refusals(world):
    w, url, analytics = world
    plan = {c["id"]: c for c in one_json(run(url, analytics, "checks", "--school", str(w.a), "--plan", "--json"))}
    assert set(plan) == {c.id for c in registry.CHECKS}
    assert plan["ctl_homework_volume"]["value"] == 2
    assert {f["class"] for f in plan["ctl_homework_volume"]["findings"]} == {"1А", "5А"}
    for args, message in ((("--school", "999"), "не найдена"), (("--school", str(w.a), "--from", "2025-11-10"),
                                                               "обе даты"),
                          (("--school", str(w.a), "--year", "2025-2027"), "не понят")):
        proc = run(url, analytics, "checks", *args, "--json")
        assert proc.returncode == 1
        assert message in json.loads(proc.stdout.strip())["error"]
    bad = run(url, analytics, "checks", "--school", str(w.a), "--municipality", "1")
    assert bad.returncode == 2  # argparse: the two are exclusive


def test_snapshot_command(world):
    w, url, analytics = world
    out = one_json(run(url, analytics, "snapshot", "--json"))
    assert out["ok"] and out["rows"]["mark_f"] == 38 and out["taken_at"].startswith("2025-11-20T09:00")
    assert analytics.exists()
