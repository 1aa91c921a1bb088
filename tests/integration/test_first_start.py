"""The first start (issue 15): the demo goes only into data/demo.db or with DEMO=1; a real
database never gets it; the first-run service creates the first administrator and the school
once, all or nothing."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlmodel import select

from models import Municipality, RoleGrant, School, User
from models.db import reading
from services.core import config
from services.setup import first_run

ROOT = config.ROOT


def manage(url, *args, **env):
    full = {k: v for k, v in os.environ.items() if k != "DEMO"}
    full.update(DATABASE_URL=url, PORTAL_ARGON2_PROFILE="fast", **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=120)


def test_a_real_database_never_gets_the_demo(db_url):
    refused = manage(db_url, "demo", "--json")
    assert refused.returncode == 1 and "не демонстрационная база" in refused.stdout
    skipped = manage(db_url, "demo", "--if-empty", "--json")  # what `make run` with DATABASE_URL runs
    assert skipped.returncode == 0 and '"real": true' in skipped.stdout and "logins" not in skipped.stdout
    with reading() as tx:
        assert tx.exec(select(Municipality)).all() == []
    # a database with real data and DEMO=1: still nothing, and no demo passwords printed
    assert manage(db_url, "create-school", "--municipality", "Округ", "--name", "Школа").returncode == 0
    kept = manage(db_url, "demo", "--if-empty", DEMO="1")
    assert kept.returncode == 0 and "настоящие данные" in kept.stdout and "Demo-" not in kept.stdout
    assert not first_run.is_demo()


def test_only_the_demo_file_or_demo_1_allow_the_demo(monkeypatch):
    monkeypatch.delenv("DEMO", raising=False)
    assert first_run.demo_allowed(first_run.DEMO_URL)
    assert not first_run.demo_allowed("sqlite:///" + str(config.DATA_DIR / "school.db"))
    assert not first_run.demo_allowed("postgresql+psycopg://postgres@127.0.0.1:5432/school")
    monkeypatch.setenv("DEMO", "1")
    assert first_run.demo_allowed("postgresql+psycopg://postgres@127.0.0.1:5432/school")


def test_first_run_creates_the_admin_and_school_once(db_url):
    assert first_run.needed()
    form = dict(municipality="Округ", school_name="МБОУ СОШ № 5", short_name="", login="Admin.Five",
                last_name="Иванов", first_name="Иван", password="Start-2026x", repeat="Start-2026x")
    with pytest.raises(first_run.FirstRunError, match="не менее 8"):
        first_run.create(**{**form, "password": "short1", "repeat": "short1"})
    with reading() as tx:
        assert tx.exec(select(School)).all() == []
    done = first_run.create(**form)
    assert done.login == "admin.five" and not first_run.needed()
    with reading() as tx:
        school = tx.get(School, done.school_id)
        assert school.short_name == "МБОУ СОШ № 5"
        grant = tx.exec(select(RoleGrant).where(RoleGrant.user_id == done.user_id)).one()
        assert grant.role == "admin" and grant.school_id == school.id
        assert not tx.get(User, done.user_id).must_change_password
    with pytest.raises(first_run.FirstRunError, match="уже настроен"):
        first_run.create(**{**form, "login": "other"})
    with reading() as tx:
        assert len(tx.exec(select(School)).all()) == 1


def test_the_set_up_commands_have_help(capsys):
    import manage
    for command in ("status", "create-year", "bells", "curriculum", "assign", "issue-credentials", "work-types"):
        with pytest.raises(SystemExit) as done:
            manage.main([command, "--help"])
        assert done.value.code == 0 and "--json" in capsys.readouterr().out, command


def test_status_of_a_school_that_does_not_exist(db_url, capsys):
    import manage
    assert manage.main(["status", "--school", "99", "--json"]) == 1
    assert "Школы с номером 99 нет" in capsys.readouterr().out
