"""Backups and restore (R-SAFE-2; regulation 3.2, 5.8, 5.9).

A backup is one file plus a manifest beside it (`FILE.json`: when, which schema version, the
row count of every table, the file's SHA-256). SQLite is copied with the online backup API
(a consistent copy while the portal runs, never a file copy) and checked with `PRAGMA
integrity_check`; PostgreSQL is dumped with `pg_dump -Fc` from an exported snapshot, the same
snapshot the row counts are taken in. The newest N backups in the folder are kept.

Restore checks before it replaces anything: the file's checksum, its integrity, that its schema
is one this code knows, and its row counts against the manifest (PostgreSQL: restored into a
scratch database first and counted there). Only then is the current database saved aside
(SQLite: a backup of it; PostgreSQL: the old database renamed away and dropped after the swap)
and replaced; the result is counted again.

Encrypted at rest (5.15): when the operator sets a key (PORTAL_BACKUP_KEY or
PORTAL_BACKUP_KEY_FILE, services/core/sealed.py), the copy is written encrypted (`portal-….db.enc`),
its manifest notes it and holds the checksum of the encrypted file. Checking and restoring an
encrypted copy need the key (the configured one or one given to restore); the copy is decrypted
into a private temporary file, checked there and restored from there, and a wrong key or a damaged
file stops everything before the database is touched.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from models.db import dispose_all
from services.core import audit, clock, config, private, sealed
from services.core.actor import SYSTEM, Actor

DEFAULT_DIR = config.DATA_DIR / "backups"   # the default of PORTAL_BACKUP_DIR


def default_dir() -> Path:
    """The backup folder: PORTAL_BACKUP_DIR (default data/backups)."""
    return Path(config.get("PORTAL_BACKUP_DIR"))
DEFAULT_KEEP = 14
PREFIX = "portal-"


class BackupError(RuntimeError):
    """str(e) is a Russian message; nothing was replaced."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    made_at: datetime
    kind: str                      # sqlite | postgresql
    schema_version: str | None
    tables: dict[str, int] = field(default_factory=dict)
    removed: tuple[Path, ...] = ()
    encrypted: bool = False

    def as_json(self) -> dict:
        return {"file": str(self.path), "size": self.size, "made_at": self.made_at.isoformat(), "kind": self.kind,
                "schema_version": self.schema_version, "rows": sum(self.tables.values()),
                "removed": [str(p) for p in self.removed], "encrypted": self.encrypted}


def encrypted_at_rest() -> bool:
    """Is a key set, so that backups and year archives are written encrypted (5.15)?"""
    return sealed.enabled()


def table_names() -> list[str]:
    return sorted(SQLModel.metadata.tables) + ["alembic_version"]


def _kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("Резервная копия базы в памяти невозможна.")
    return Path(path)


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


# ------------------------------------------------------------------ counting
def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    present = sorted(r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"))
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in present}


def _sqlite_version(conn: sqlite3.Connection) -> str | None:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError:
        return None
    return "+".join(sorted(r[0] for r in rows)) or None


def _pg_counts(cur) -> dict[str, int]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    out = {}
    for t in sorted(r[0] for r in cur.fetchall()):
        cur.execute(f'SELECT count(*) FROM "{t}"')
        out[t] = cur.fetchone()[0]
    return out


def _pg_version(cur) -> str | None:
    try:
        cur.execute("SELECT version_num FROM alembic_version")
    except Exception:
        return None
    return "+".join(sorted(r[0] for r in cur.fetchall())) or None


# ------------------------------------------------------------------ making a backup
def _target(out: str | Path | None, directory: Path, kind: str, encrypted: bool = False) -> Path:
    if out:
        return Path(out).resolve()
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    ext = f".{'db' if kind == 'sqlite' else 'dump'}" + (sealed.SUFFIX if encrypted else "")
    return (directory / f"{PREFIX}{stamp}{ext}").resolve()


def _key() -> str | None:
    try:
        return sealed.configured_key()
    except sealed.SealError as e:
        raise BackupError(f"{e} Копия не сделана.") from None


def make_backup(url: str | None = None, *, out: str | Path | None = None, directory: str | Path | None = None,
                keep: int = DEFAULT_KEEP, actor: Actor = SYSTEM) -> BackupInfo:
    """Write a backup (and its manifest), keep the newest `keep` in its folder."""
    url = url or config.database_url()
    kind = _kind(url)
    key = _key()
    folder = Path(directory) if directory else default_dir()
    path = _target(out, folder, kind, encrypted=key is not None)
    private.make_dir(path.parent, own=not out)  # the backup folder is the portal's; an --out file's is not
    part = path.with_name(path.name + ".part")
    try:
        part.unlink(missing_ok=True)
        private.create(part)   # 0600 before the first byte of a pupil's data is written
        if kind == "sqlite":
            tables, version = _backup_sqlite(url, part)
        else:
            tables, version = _backup_pg(url, part)
        if key is not None:
            sealed.seal_in_place(part, key, path.with_name(path.name + ".sealing"))
            os.replace(path.with_name(path.name + ".sealing"), path)
        else:
            os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        path.with_name(path.name + ".sealing").unlink(missing_ok=True)
        raise
    made_at = clock.now()
    manifest = {"kind": kind, "made_at": made_at.isoformat(), "schema_version": version, "tables": tables,
                "sha256": _sha256(path), "size": path.stat().st_size, "portal": "school-portal backup 1",
                "encrypted": key is not None}
    private.write_text(manifest_path(path), json.dumps(manifest, ensure_ascii=False, indent=1))
    removed = prune(path.parent, keep) if keep > 0 else ()
    if not out:  # copies an older version left 0644 in the backup folder
        for kept in backups(path.parent):
            private.protect(kept)
            private.protect(manifest_path(kept))
    info = BackupInfo(path, path.stat().st_size, made_at, kind, version, tables, tuple(removed), key is not None)
    try:
        audit.record_now(actor, "backup.made", entity="backup", entity_id=path.name,
                         detail=f"{path} ({info.size} байт, строк {sum(tables.values())})")
    except Exception:  # the backup is made; a failing audit write must not hide it
        pass
    return info


def _backup_sqlite(url: str, part: Path) -> tuple[dict[str, int], str | None]:
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"Файл базы данных {source} не найден.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(part)
    try:
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"Проверка целостности копии не прошла: {result}")
        return _sqlite_counts(dst), _sqlite_version(dst)
    finally:
        dst.close()
        src.close()


def _backup_pg(url: str, part: Path) -> tuple[dict[str, int], str | None]:
    import psycopg
    if shutil.which("pg_dump") is None:
        raise BackupError("Не найдена программа pg_dump (пакет postgresql-client).")
    with psycopg.connect(libpq(url)) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            tables = _pg_counts(cur)
            version = _pg_version(cur)
        done = subprocess.run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                               "-f", str(part), "-d", libpq(url)], capture_output=True, text=True)
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump завершился с ошибкой: {done.stderr.strip()[:500]}")
    return tables, version


def backups(directory: str | Path | None = None) -> list[Path]:
    """The portal's backups in a folder, newest first."""
    folder = Path(directory) if directory else default_dir()
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.name.startswith(PREFIX)
             and p.name.removesuffix(sealed.SUFFIX).endswith((".db", ".dump"))]
    return sorted(files, key=lambda p: p.name, reverse=True)


def prune(directory: Path, keep: int) -> list[Path]:
    removed = []
    for old in backups(directory)[keep:]:
        old.unlink(missing_ok=True)
        manifest_path(old).unlink(missing_ok=True)
        removed.append(old)
    return removed


def read_manifest(path: Path) -> dict | None:
    m = manifest_path(Path(path))
    if not m.is_file():
        return None
    try:
        return json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------ checking and restoring
@dataclass
class Check:
    path: Path
    kind: str
    ok: bool
    problems: list[str]
    tables: dict[str, int]
    schema_version: str | None
    encrypted: bool = False


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory
    from services.core.schema import _alembic_config
    script = ScriptDirectory.from_config(_alembic_config(config.database_url()))
    return {r.revision for r in script.walk_revisions()}


def _check_common(check: Check, manifest: dict | None) -> None:
    versions = set((check.schema_version or "").split("+")) - {""}
    if not versions:
        check.problems.append("В копии нет версии схемы (alembic_version): это не копия портала.")
    elif versions - known_revisions():
        check.problems.append(f"Версия схемы копии ({check.schema_version}) неизвестна этой версии портала.")
    if manifest is not None:
        expected = manifest.get("tables", {})
        diff = {t: (n, check.tables.get(t)) for t, n in expected.items() if check.tables.get(t) != n}
        if diff:
            shown = ", ".join(f"{t}: ожидалось {a}, в копии {b}" for t, (a, b) in list(diff.items())[:5])
            check.problems.append(f"Число строк не совпадает с описью копии: {shown}.")
    check.ok = not check.problems


def check_backup(path: str | Path, key: str | None = None) -> Check:
    """Check a backup file without touching the database (SQLite) — see restore() for PostgreSQL.
    An encrypted copy is decrypted with `key` (default the configured one) into a private
    temporary file and checked there."""
    path = Path(path)
    if not path.is_file():
        return Check(path, "", False, [f"Файл {path} не найден."], {}, None)
    if not sealed.is_sealed(path):
        return _check_plain(path, path, read_manifest(path))
    try:
        with opened(path, key) as plain:
            check = _check_plain(path, plain, read_manifest(path))
    except BackupError as e:
        return Check(path, "", False, [str(e)], {}, None, encrypted=True)
    check.encrypted = True
    return check


@contextmanager
def opened(path: str | Path, key: str | None = None) -> Iterator[Path]:
    """The plain file of a backup: itself, or (encrypted) a 0600 temporary decryption, removed after."""
    path = Path(path)
    if not sealed.is_sealed(path):
        yield path
        return
    if key is None:
        try:
            key = sealed.configured_key()
        except sealed.SealError as e:
            raise BackupError(str(e)) from None
    folder = Path(tempfile.mkdtemp(prefix="portal-restore-"))   # 0700
    try:
        plain = folder / path.name.removesuffix(sealed.SUFFIX)
        try:
            sealed.open_file(path, plain, key)
        except sealed.SealError as e:
            raise BackupError(str(e)) from None
        yield plain
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_plain(path: Path, plain: Path, manifest: dict | None) -> Check:
    with open(plain, "rb") as f:
        head = f.read(16)
    kind = "sqlite" if head.startswith(b"SQLite format 3") else "postgresql" if head[:5] == b"PGDMP" else ""
    check = Check(path, kind, False, [], {}, None)
    if not kind:
        check.problems.append("Файл не является резервной копией SQLite или PostgreSQL (pg_dump -Fc).")
        return check
    if manifest is not None and manifest.get("sha256") and manifest["sha256"] != _sha256(path):
        check.problems.append("Контрольная сумма файла не совпадает с описью: файл повреждён или изменён.")
    if kind == "sqlite":
        try:
            conn = sqlite3.connect(f"file:{plain}?mode=ro", uri=True)
            try:
                result = conn.execute("PRAGMA integrity_check").fetchone()[0]
                if result != "ok":
                    check.problems.append(f"Проверка целостности не прошла: {result}")
                check.tables = _sqlite_counts(conn)
                check.schema_version = _sqlite_version(conn)
            finally:
                conn.close()
        except sqlite3.DatabaseError as e:
            check.problems.append(f"Файл не читается как база SQLite: {e}.")
            return check
        _check_common(check, manifest)
    else:
        listed = subprocess.run(["pg_restore", "--list", str(plain)], capture_output=True, text=True)
        if listed.returncode != 0:
            check.problems.append(f"pg_restore не читает файл: {listed.stderr.strip()[:300]}")
        if manifest is not None:
            check.tables = dict(manifest.get("tables", {}))
            check.schema_version = manifest.get("schema_version")
        check.ok = not check.problems
    return check


@dataclass(frozen=True)
class Restored:
    path: Path
    kind: str
    tables: dict[str, int]
    schema_version: str | None
    saved_aside: Path | None

    def as_json(self) -> dict:
        return {"restored": str(self.path), "kind": self.kind, "rows": sum(self.tables.values()),
                "schema_version": self.schema_version,
                "saved_aside": str(self.saved_aside) if self.saved_aside else None}


def restore(path: str | Path, url: str | None = None, *, backup_dir: str | Path | None = None,
            key: str | None = None) -> Restored:
    """Replace the database with a checked backup. Raises BackupError (nothing replaced) when
    a check fails — for an encrypted copy also when the key is missing or wrong or the file is
    damaged. The restored database is exactly the copy: the restore itself is reported by the
    command line, not written into it."""
    url = url or config.database_url()
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Копия не прошла проверку, база не изменена: файл {path} не найден.")
    with opened(path, key) as plain:   # an encrypted copy: a wrong key or a damaged file stops here
        check = _check_plain(path, plain, read_manifest(path))
        if not check.ok:
            raise BackupError("Копия не прошла проверку, база не изменена: " + " ".join(check.problems))
        if (check.kind == "sqlite") != url.startswith("sqlite"):
            raise BackupError("Копия другого вида базы данных (SQLite и PostgreSQL не взаимозаменяемы).")
        if check.kind == "sqlite":
            restored = _restore_sqlite(plain, url, check, backup_dir)
        else:
            restored = _restore_pg(plain, url, check, read_manifest(path))
    restored = Restored(path, restored.kind, restored.tables, restored.schema_version, restored.saved_aside)
    from services.core import schema
    schema.migrate(url)   # a copy of an older schema is brought up to date (no write when current)
    return restored


def _restore_sqlite(path: Path, url: str, check: Check, backup_dir) -> Restored:
    target = sqlite_path(url)
    saved = None
    if target.exists() and target.stat().st_size > 0:
        folder = Path(backup_dir) if backup_dir else default_dir()
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        saved = make_backup(url, out=folder / (f"before-restore-{stamp}.db" + (sealed.SUFFIX if sealed.enabled() else "")),
                            keep=0).path
    dispose_all()
    private.make_dir(target.parent)
    private.create(target)
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
        counts = _sqlite_counts(dst)
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if result != "ok" or counts != check.tables:
        raise BackupError(f"После восстановления база не совпала с копией (проверка: {result}); "
                          f"прежняя база сохранена в {saved}.")
    return Restored(path, "sqlite", counts, check.schema_version, saved)


def _restore_pg(path: Path, url: str, check: Check, manifest: dict | None) -> Restored:
    import psycopg
    from psycopg import sql
    u = make_url(url)
    target = u.database
    maintenance = libpq(str(u.set(database="postgres")))
    scratch = f"{target}_restore_{uuid.uuid4().hex[:8]}"[:63]
    old = f"{target}_old_{uuid.uuid4().hex[:8]}"[:63]
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                               "-d", libpq(str(u.set(database=scratch))), str(path)], capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore не смог восстановить копию: {done.stderr.strip()[:500]}")
        with psycopg.connect(libpq(str(u.set(database=scratch)))) as conn, conn.cursor() as cur:
            counts = _pg_counts(cur)
            version = _pg_version(cur)
        expected = manifest.get("tables") if manifest else None
        if expected is not None and counts != expected:
            raise BackupError("Число строк восстановленной копии не совпадает с описью; база не изменена.")
        check.schema_version = version
        check.tables = counts
        _check_common(check, None)
        if not check.ok:
            raise BackupError(" ".join(check.problems))
    except BaseException:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
        raise
    dispose_all()
    with psycopg.connect(maintenance, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target,)).fetchone()
        if exists:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                          "AND pid <> pg_backend_pid()", (target,))
            admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(target), sql.Identifier(old)))
        admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(scratch), sql.Identifier(target)))
        if exists:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(old)))
    return Restored(path, "postgresql", counts, version, None)


# ------------------------------------------------------------------ the latest backup
@dataclass(frozen=True)
class LastBackup:
    path: str
    made_at: datetime
    size: int


def last_backup(directory: str | Path | None = None) -> LastBackup | None:
    """The newest backup: in the folder (its manifest's time, else the file's), or the newest
    «backup.made» event (a backup written elsewhere with --out)."""
    best: LastBackup | None = None
    for p in backups(directory)[:1]:
        manifest = read_manifest(p)
        made = datetime.fromisoformat(manifest["made_at"]) if manifest else \
            datetime.fromtimestamp(p.stat().st_mtime, clock.UTC)
        best = LastBackup(str(p), made, p.stat().st_size)
    from sqlmodel import select
    from models import AuditEvent
    from models.db import reading
    try:
        with reading() as tx:
            ev = tx.exec(select(AuditEvent).where(AuditEvent.action == "backup.made")
                         .order_by(AuditEvent.at.desc())).first()
    except Exception:
        ev = None
    if ev is not None:
        at = ev.at if ev.at.tzinfo else ev.at.replace(tzinfo=clock.UTC)
        if best is None or at > best.made_at:
            best = LastBackup(ev.entity_id, at, 0)
    return best


# ------------------------------------------------------------------ from the administrator's screen
def installation_has_one_school() -> bool:
    from sqlalchemy import func
    from sqlmodel import select
    from models import School
    from models.db import reading
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(School)).one() <= 1


def backup_now(actor: Actor, school_id: int, *, directory: str | Path | None = None) -> tuple[BackupInfo, bool]:
    """A backup made from the administrator's screen. The copy holds the whole installation,
    so it may be downloaded only where the installation is this one school (True); otherwise
    it stays on the server, where the operator keeps it."""
    from models.db import reading
    from services.core import policy
    from services.core.schools import school_target
    with reading() as tx:
        policy.require(actor, "backup.run", school_target(tx, school_id, entity="backup"))
    info = make_backup(directory=directory, actor=actor)
    return info, installation_has_one_school()
