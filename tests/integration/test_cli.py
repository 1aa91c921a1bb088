"""manage.py: one line of JSON with --json, exit status 0 only when done."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from services.core import config

ROOT = config.ROOT


def run(url, *args):
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_ARGON2_PROFILE": "fast"}
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    return proc


def one_json(proc):
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0])


def test_cli_round_trip(db_url):
    from services.core import schema
    assert one_json(run(db_url, "init-db", "--json"))["schema_version"] == schema.head_version()
    school = one_json(run(db_url, "create-school", "--municipality", "Тестовый округ", "--name", "Школа № 1", "--json"))
    sid = str(school["school_id"])
    created = one_json(run(db_url, "create-user", "--school", sid, "--login", "Petrov", "--last-name", "Петров",
                           "--first-name", "Пётр", "--role", "admin", "--json"))
    assert created["login"] == "petrov" and len(created["one_time_password"]) == 10
    granted = one_json(run(db_url, "grant", "--login", "petrov", "--role", "director", "--school", sid, "--json"))
    assert granted["role"] == "director"
    reset = one_json(run(db_url, "reset-password", "--login", "petrov", "--school", sid, "--json"))
    assert reset["one_time_password"] != created["one_time_password"]

    dup = run(db_url, "create-user", "--school", sid, "--login", "petrov", "--last-name", "П",
              "--first-name", "П", "--json")
    assert dup.returncode == 1 and "уже занят" in one_json(dup)["error"]
    missing = run(db_url, "grant", "--login", "nobody", "--role", "teacher", "--school", sid)
    assert missing.returncode == 1 and "не найден" in missing.stderr


def test_every_command_has_help():
    for command in ("init-db", "demo", "create-school", "create-user", "grant", "reset-password"):
        proc = subprocess.run([sys.executable, "manage.py", command, "--help"], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and "--json" in proc.stdout, command
