"""Files with children's data are private (issue 13, section 1): the database made by init-db, the
backups and their manifests, the analytics snapshot and the year archive are 0600, in folders
that are 0700 — made so by the services themselves, under a permissive umask (022) too."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from checks import snapshot
from models.db import get_engine
from services.core import backup, config, schema
from services.core.actor import SYSTEM
from services.reports import archive
from tests.integration import reports_world


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_private(files: list[Path], folders: list[Path]) -> None:
    assert files and folders
    assert {str(f): oct(mode(f)) for f in files} == {str(f): "0o600" for f in files}
    assert {str(d): oct(mode(d)) for d in folders} == {str(d): "0o700" for d in folders}


@pytest.fixture
def loose_umask():
    """The umask of a careless service manager: files 0644, folders 0755 unless the code says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_init_db_makes_a_private_database(tmp_path, loose_umask):
    folder = tmp_path / "state" / "db"
    url = f"sqlite:///{folder / 'school.db'}"
    engine = get_engine(url)
    try:
        schema.migrate(url)
        with engine.connect():  # the WAL and shared memory files exist while a connection is open
            parts = [p for p in (folder / "school.db", folder / "school.db-wal", folder / "school.db-shm")]
            assert all(p.exists() for p in parts)
            assert_private(parts, [folder, folder.parent])
    finally:
        engine.dispose()


def test_the_command_line_init_db_is_private_and_an_older_install_is_tightened(tmp_path, loose_umask,
                                                                              sqlite_template):
    fresh = tmp_path / "new" / "school.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{fresh}"}
    done = subprocess.run([sys.executable, "manage.py", "init-db"], cwd=config.ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert_private([fresh], [fresh.parent])
    # a database an older version left 0644 in a 0755 folder is made private when the portal opens it
    old = tmp_path / "old" / "school.db"
    old.parent.mkdir(mode=0o755)
    shutil.copyfile(sqlite_template, old)
    os.chmod(old, 0o644)
    os.chmod(old.parent, 0o755)
    url = f"sqlite:///{old}"
    try:
        schema.migrate(url)
        assert_private([old], [old.parent])
    finally:
        get_engine(url).dispose()


def test_backups_and_their_manifests_are_private(db_url, tmp_path, loose_umask):
    folder = tmp_path / "backups" / "nightly"
    made = backup.make_backup(db_url, directory=folder, keep=3)
    assert_private([made.path, backup.manifest_path(made.path)], [folder, folder.parent])
    # an existing backup folder of an older version (0755) is the portal's own: it is tightened
    # and so are the copies it holds (portal-*.db and their manifests)
    legacy = tmp_path / "legacy"
    legacy.mkdir(mode=0o755)
    os.chmod(legacy, 0o755)
    older = legacy / ("portal-20200101-020000" + made.path.suffix)
    shutil.copyfile(made.path, older)
    shutil.copyfile(backup.manifest_path(made.path), backup.manifest_path(older))
    for f in (older, backup.manifest_path(older)):
        os.chmod(f, 0o644)
    second = backup.make_backup(db_url, directory=legacy, keep=3)
    assert_private([second.path, backup.manifest_path(second.path), older, backup.manifest_path(older)], [legacy])
    if db_url.startswith("sqlite"):
        # a restore into a database file that is not there yet writes it private too
        target = tmp_path / "restored" / "school.db"
        try:
            backup.restore(made.path, f"sqlite:///{target}", backup_dir=tmp_path / "aside")
            assert_private([target], [target.parent])
        finally:
            get_engine(f"sqlite:///{target}").dispose()


def test_the_analytics_snapshot_is_private(db_url, tmp_path, loose_umask):
    target = tmp_path / "analytics" / "a.duckdb"
    info = snapshot.refresh(db_url, target)
    assert info.path == str(target)
    assert_private([target], [target.parent])
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.duckdb"]


def test_the_year_archive_is_private(db_url, tmp_path, loose_umask, frozen_clock):
    frozen_clock(datetime.fromisoformat("2026-11-20T12:00:00+03:00"))
    rw = reports_world.build()
    out = tmp_path / "archives" / "2026"
    result = archive.build(SYSTEM, rw.school_id, 2026, out)
    assert_private([result.path], [out, out.parent])
    # a folder the user chose (here 0755) keeps its mode; the archive in it is 0600 all the same
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    os.chmod(chosen, 0o755)
    again = archive.build(SYSTEM, rw.school_id, 2026, chosen)
    assert mode(again.path) == 0o600 and mode(chosen) == 0o755


def test_an_encrypted_year_archive_is_private_and_opens_with_its_key(db_url, tmp_path, loose_umask, frozen_clock,
                                                                      monkeypatch):
    """5.15: with a key set the archive is stored encrypted (….zip.enc, 0600, no readable name inside),
    listed among the saved archives, and decrypts to the same zip a plain archive is."""
    import io
    import zipfile

    from services.core import sealed
    frozen_clock(datetime.fromisoformat("2026-11-20T12:00:00+03:00"))
    rw = reports_world.build()
    monkeypatch.setenv("PORTAL_BACKUP_KEY", "фраза архива учебного года")
    out = tmp_path / "archives"
    result = archive.build(SYSTEM, rw.school_id, 2026, out)
    assert result.path.name.endswith(".zip.enc") and sealed.is_sealed(result.path)
    assert_private([result.path], [out])
    assert sorted(p.name for p in out.iterdir()) == [result.path.name]   # no plain zip left beside it
    raw = result.path.read_bytes()
    assert b"PK\x03\x04" not in raw[:64] and "Журналы".encode() not in raw
    assert archive.saved(SYSTEM, rw.school_id, out) == [result.path]
    with pytest.raises(sealed.SealError, match="Ключ не подходит"):
        sealed.open_file(result.path, tmp_path / "wrong.zip", "не та фраза архива")
    assert not (tmp_path / "wrong.zip").exists()
    sealed.open_file(result.path, tmp_path / "a.zip", "фраза архива учебного года")
    assert mode(tmp_path / "a.zip") == 0o600
    with zipfile.ZipFile(io.BytesIO((tmp_path / "a.zip").read_bytes())) as zf:
        names = zf.namelist()
        assert any(n.endswith("/manifest.json") for n in names) and any("/Журналы/" in n for n in names)
        assert zf.testzip() is None
