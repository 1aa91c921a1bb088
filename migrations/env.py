"""Alembic environment: the same migrations for SQLite and PostgreSQL."""
from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from models.db import get_engine
from services.core import config as portal_config

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    url = context.config.attributes.get("url") or portal_config.database_url()
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection, url)
        return
    with get_engine(url).connect() as conn:
        _run(conn, url)
        conn.commit()


def _run(connection, url: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run with a database.")
run_migrations_online()
