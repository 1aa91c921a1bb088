"""Migrating the database to the newest schema (Alembic), safe to run again."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from models.db import get_engine
from services.core import config


def _alembic_config(url: str) -> Config:
    cfg = Config(str(config.ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(config.ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def migrate(url: str | None = None) -> str:
    """Upgrade to the newest schema (one line of migrations: a test keeps it to one head);
    returns the schema version now in force."""
    url = url or config.database_url()
    command.upgrade(_alembic_config(url), "head")
    return current_version(url)


def current_version(url: str | None = None) -> str | None:
    url = url or config.database_url()
    with get_engine(url).connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return "+".join(sorted(heads)) if heads else None


def head_version() -> str:
    return "+".join(sorted(ScriptDirectory.from_config(_alembic_config(config.database_url())).get_heads()))
