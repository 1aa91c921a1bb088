"""manage.py commands of the timetable: import, check, generate, public holidays, КТП import —
one line of JSON with --json, exit status 0 only when done."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from openpyxl import Workbook

from services.core import config
from tests.integration import timetable_world


def run(url, *args):
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_FAKE_NOW": "2026-11-16T10:00:00+03:00"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=config.ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def one_json(proc):
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, (proc.stdout, proc.stderr)
    return json.loads(lines[0])


def xlsx(path, headers, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return str(path)


@pytest.fixture
def w(db_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    return timetable_world.build()


def test_timetable_commands(w, db_url, tmp_path):
    sid = str(w.school_id)
    good = xlsx(tmp_path / "tt.xlsx", ["Класс", "День", "Урок", "Предмет", "Учитель", "Кабинет"],
                [["5А", "Пн", 1, "Математика", "Иванова А. С.", "10"], ["5Б", "Пн", 1, "Математика", "Иванова", "11"]])
    bad = run(db_url, "import-timetable", good, "--school", sid, "--from", "2026-09-01", "--json")
    payload = one_json(bad)
    assert bad.returncode == 2 and not payload["committed"]
    assert {e["row"] for e in payload["errors"]} == {2, 3} and "в двух местах" in payload["errors"][0]["message"]
    fixed = xlsx(tmp_path / "tt2.xlsx", ["Класс", "День", "Урок", "Предмет", "Учитель", "Кабинет"],
                 [["5А", "Пн", 1, "Математика", "Иванова А. С.", "10"], ["5Б", "Вт", 1, "Математика", "Иванова", "11"]])
    done = run(db_url, "import-timetable", fixed, "--school", sid, "--from", "01.09.2026", "--json")
    payload = one_json(done)
    assert done.returncode == 0 and payload["committed"] and payload["created"] == 2
    assert payload["lessons"]["created"] > 0
    check = run(db_url, "check-timetable", "--school", sid, "--json")
    assert check.returncode == 0 and one_json(check) == {"ok": True, "conflicts": []}
    gen = run(db_url, "generate-lessons", "--school", sid, "--year", "2026/2027", "--json")
    assert gen.returncode == 0 and one_json(gen)["created"] == 0
    holidays = run(db_url, "public-holidays", "--school", sid, "--year", "2026", "--json")
    assert holidays.returncode == 0 and one_json(holidays)["added"] > 0
    plan = xlsx(tmp_path / "ktp.xlsx", ["№ урока", "Тема", "Часы"], [[1, "Числа", 1], [2, "Дроби", 2]])
    imported = run(db_url, "import-lesson-plan", plan, "--school", sid, "--subject", str(w.subjects["math"]),
                   "--class-id", str(w.classes["5А"]), "--json")
    payload = one_json(imported)
    assert imported.returncode == 0 and payload["added"] == 2 and payload["proposed"] > 0
    missing = run(db_url, "generate-lessons", "--school", sid, "--year", "2030")
    assert missing.returncode == 1 and "не открыт" in missing.stderr
