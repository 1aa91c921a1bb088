"""Backups and restore (R-SAFE-2) on SQLite and PostgreSQL: backup, then restore into an empty database,
gives identical row counts and contents; a damaged or tampered copy is refused before anything
is replaced; retention keeps the newest N; the health screen sees the last backup's age."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select

from models.db import dispose_all
from services.core import backup, health, sealed
from services.core.actor import SYSTEM
from services.people import credentials, rosters_import
from tests.conftest import _pg_exec, _pg_url
from tests.integration import roster_world

ROOT = Path(__file__).resolve().parents[2]
T = datetime(2026, 9, 10, 9, 0, tzinfo=timezone.utc)


def contents(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            meta = MetaData()
            meta.reflect(conn)  # every table in the database, whatever this process imported
            for name, table in sorted(meta.tables.items()):
                out[name] = sorted((tuple(r) for r in conn.execute(select(table)).all()), key=repr)
            return out
    finally:
        engine.dispose()


@pytest.fixture
def filled(db_url, frozen_clock):
    frozen_clock(T)
    rw = roster_world.build()
    names = ("Авдеев", "Блинов", "Волков", "Гришин", "Денисов", "Ершов", "Жилин")
    rows = [roster_world.pupil_row(last, "Иван", birth="01.01.2015", cls="5А",
                                   g1=(f"{last}а Мария", "мать", f"+7 900 000-00-{n:02d}", ""))
            for n, last in enumerate(names, start=1)]
    assert rosters_import.run_import(SYSTEM, rw.school_id, "pupils", roster_world.workbook(
        roster_world.PUPIL_HEADERS, rows), "r.xlsx").committed
    accounts = credentials.class_accounts(SYSTEM, rw.classes["5А"])
    credentials.issue(SYSTEM, rw.school_id, [a.user_id for a in accounts[:4]])
    return rw


@pytest.fixture
def empty_url(db_url, tmp_path):
    """A second, completely empty database of the same kind (no schema at all)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty' / 'restored.db'}"
        return
    name = f"portal_e_{uuid.uuid4().hex[:10]}"
    _pg_exec(f"CREATE DATABASE {name}")
    yield _pg_url(name)
    dispose_all()
    _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_backup_then_restore_into_an_empty_database_is_identical(filled, db_url, empty_url, tmp_path):
    original = contents(db_url)
    assert sum(len(v) for v in original.values()) > 50
    info = backup.make_backup(db_url, directory=tmp_path / "bk")
    manifest = json.loads(backup.manifest_path(info.path).read_text())
    assert manifest["tables"]["student"] == 7 and manifest["schema_version"] == info.schema_version
    restored = backup.restore(info.path, empty_url, backup_dir=tmp_path / "bk")
    assert restored.tables == info.tables
    copy = contents(empty_url)
    assert {k: len(v) for k, v in copy.items()} == {k: len(v) for k, v in original.items()}
    assert copy == original


def test_a_damaged_copy_is_refused_and_nothing_replaced(filled, db_url, tmp_path):
    info = backup.make_backup(db_url, directory=tmp_path / "bk")
    before = contents(db_url)
    data = bytearray(info.path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = b"\x00" * 64 if any(data[middle:middle + 64]) else b"\xff" * 64
    damaged = tmp_path / ("damaged" + info.path.suffix)
    damaged.write_bytes(bytes(data))
    backup.manifest_path(damaged).write_text(backup.manifest_path(info.path).read_text())
    with pytest.raises(backup.BackupError, match="не прошла проверку"):
        backup.restore(damaged, db_url, backup_dir=tmp_path / "bk")
    # a copy whose row counts do not match its manifest
    tampered = tmp_path / ("tampered" + info.path.suffix)
    tampered.write_bytes(info.path.read_bytes())
    manifest = json.loads(backup.manifest_path(info.path).read_text())
    manifest["tables"]["student"] += 1
    backup.manifest_path(tampered).write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError):
        backup.restore(tampered, db_url, backup_dir=tmp_path / "bk")
    assert contents(db_url) == before


def test_retention_keeps_the_newest_copies(filled, db_url, tmp_path, frozen_clock):
    folder = tmp_path / "bk"
    made = []
    for n in range(4):
        frozen_clock(T + timedelta(hours=n))
        made.append(backup.make_backup(db_url, directory=folder, keep=2).path)
    assert backup.backups(folder) == [made[3], made[2]]
    assert not made[0].exists() and not backup.manifest_path(made[0]).exists()


def test_health_flags_a_backup_older_than_26_hours(filled, db_url, tmp_path, frozen_clock):
    folder = tmp_path / "bk"
    admin = filled.actor("admin")
    report = health.status(admin, filled.school_id, backup_dir=folder)
    assert report.last_backup_at is None and report.backup_stale
    backup.make_backup(db_url, directory=folder)
    frozen_clock(T + timedelta(hours=25))
    report = health.status(admin, filled.school_id, backup_dir=folder)
    assert not report.backup_stale and report.backup_age == timedelta(hours=25)
    assert report.size_bytes > 0 and report.schema_current and report.errors_last_day == 0
    frozen_clock(T + timedelta(hours=27))
    health.record_error("pages/journal", ValueError("boom"), school_id=filled.school_id)
    report = health.status(admin, filled.school_id, backup_dir=folder)
    assert report.backup_stale and report.errors_last_day == 1
    assert report.recent_errors[0].detail == "ValueError: boom"
    frozen_clock(T + timedelta(hours=52))
    assert health.status(admin, filled.school_id, backup_dir=folder).errors_last_day == 0


def test_the_command_line_backs_up_and_restores(filled, db_url, tmp_path):
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin", "PORTAL_FAKE_NOW": "2026-09-10T12:00:00+03:00"}
    out = tmp_path / ("nightly" + (".db" if db_url.startswith("sqlite") else ".dump"))
    made = subprocess.run([sys.executable, "manage.py", "backup", "--out", str(out), "--dir", str(tmp_path), "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["file"] == str(out)
    before = contents(db_url)
    dispose_all()
    done = subprocess.run([sys.executable, "manage.py", "restore", str(out), "--dir", str(tmp_path / "aside"), "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # the copy holds every row but the audit line the backup itself wrote afterwards
    assert json.loads(done.stdout)["rows"] == json.loads(made.stdout)["rows"] == sum(len(v) for v in before.values()) - 1
    after = contents(db_url)
    assert {k: v for k, v in after.items() if k != "auditevent"} == {k: v for k, v in before.items() if k != "auditevent"}
    bad = subprocess.run([sys.executable, "manage.py", "restore", str(tmp_path / "missing.db"), "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and json.loads(bad.stdout)["ok"] is False


# ------------------------------------------------------------------ encrypted at rest (5.15)
KEY = "длинная фраза для шифрования копий"


def test_an_encrypted_backup_is_restored_with_its_key_and_refused_without_it(filled, db_url, empty_url, tmp_path,
                                                                             monkeypatch):
    """The restore drill with an encrypted copy: the file holds no readable data, a wrong key, no key
    or a damaged file is refused in Russian with the database untouched, the right key restores it."""
    original = contents(db_url)
    monkeypatch.setenv("PORTAL_BACKUP_KEY", KEY)
    info = backup.make_backup(db_url, directory=tmp_path / "bk")
    assert info.encrypted and info.path.name.endswith(".enc") and backup.backups(tmp_path / "bk") == [info.path]
    raw = info.path.read_bytes()
    assert raw.startswith(sealed.MAGIC) and b"SQLite format" not in raw and b"PGDMP" not in raw
    assert "Авдеев".encode() not in raw and b"alembic_version" not in raw
    assert json.loads(backup.manifest_path(info.path).read_text())["encrypted"] is True
    assert info.path.stat().st_mode & 0o777 == 0o600
    assert not list((tmp_path / "bk").glob("*.part")) and not list((tmp_path / "bk").glob("*.sealing"))
    monkeypatch.delenv("PORTAL_BACKUP_KEY")

    def untouched():   # the empty target: SQLite — no file yet; PostgreSQL — still without a table
        if empty_url.startswith("sqlite"):
            return not backup.sqlite_path(empty_url).exists()
        return contents(empty_url) == {}

    assert untouched()
    with pytest.raises(backup.BackupError, match="нужен ключ"):
        backup.restore(info.path, empty_url, backup_dir=tmp_path / "aside")
    with pytest.raises(backup.BackupError, match="Ключ не подходит"):
        backup.restore(info.path, empty_url, backup_dir=tmp_path / "aside", key="совсем другая фраза")
    damaged = tmp_path / "damaged.db.enc"
    data = bytearray(raw)
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="повреждён или изменён"):
        backup.restore(damaged, empty_url, backup_dir=tmp_path / "aside", key=KEY)
    cut = tmp_path / "cut.db.enc"
    cut.write_bytes(raw[:-40])
    with pytest.raises(backup.BackupError, match="повреждён|обрезан"):
        backup.restore(cut, empty_url, backup_dir=tmp_path / "aside", key=KEY)
    assert untouched()
    check = backup.check_backup(info.path, key=KEY)
    assert check.ok and check.encrypted and check.tables == info.tables

    restored = backup.restore(info.path, empty_url, backup_dir=tmp_path / "aside", key=KEY)
    assert restored.path == info.path and restored.tables == info.tables
    assert contents(empty_url) == original
    assert not list(Path(tempfile.gettempdir()).glob("portal-restore-*")), "the decrypted copy is removed"


def test_the_command_line_restores_an_encrypted_backup_with_the_configured_key(filled, db_url, tmp_path):
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin", "PORTAL_FAKE_NOW": "2026-09-10T12:00:00+03:00"}
    key_file = tmp_path / "backup.key"
    key_file.write_text(KEY + "\n")
    out = tmp_path / "nightly.enc"
    made = subprocess.run([sys.executable, "manage.py", "backup", "--out", str(out), "--json"], cwd=ROOT,
                          env={**env, "PORTAL_BACKUP_KEY_FILE": str(key_file)}, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["encrypted"] is True and sealed.is_sealed(out)
    before = contents(db_url)
    dispose_all()
    wrong = subprocess.run([sys.executable, "manage.py", "restore", str(out), "--dir", str(tmp_path / "aside"),
                            "--json"], cwd=ROOT, env={**env, "PORTAL_BACKUP_KEY": "не тот ключ копии"},
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert wrong.returncode != 0 and "Ключ не подходит" in json.loads(wrong.stdout)["error"]
    assert contents(db_url) == before
    done = subprocess.run([sys.executable, "manage.py", "restore", str(out), "--dir", str(tmp_path / "aside"),
                           "--key-file", str(key_file), "--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    after = contents(db_url)
    assert {k: v for k, v in after.items() if k != "auditevent"} == {k: v for k, v in before.items() if k != "auditevent"}
    plain = tmp_path / "plain.bin"
    opened = subprocess.run([sys.executable, "manage.py", "decrypt", str(out), "--out", str(plain),
                             "--key-file", str(key_file)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert opened.returncode == 0, opened.stderr
    assert plain.read_bytes()[:5] in (b"SQLit", b"PGDMP") and plain.stat().st_mode & 0o777 == 0o600


def test_a_key_too_short_makes_no_copy_at_all(filled, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_BACKUP_KEY", "короткий")
    with pytest.raises(backup.BackupError, match="короче 12"):
        backup.make_backup(db_url, directory=tmp_path / "bk")
    assert not (tmp_path / "bk").exists() or not list((tmp_path / "bk").iterdir())
