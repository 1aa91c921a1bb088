"""A deterministic, realistic demo municipality, generated in bulk.

`generate()` fills an empty, migrated database with one municipality of N schools: classes
1–11 (three a grade), pupils and guardians, staff and their roles, the curriculum, subgroups,
the timetable, a year of lessons with topics, marks, attendance, homework, substitutions,
period and annual marks, last year's annual marks, olympiads and accounts. Everything comes
from seeded random generators: the same seed (and the same clock) gives the same rows.

Rows are built in Python with their ids assigned up front and inserted in bulk (executemany
on SQLite, COPY on PostgreSQL), one transaction per school; no AuditEvent is written.
"""
from __future__ import annotations

import hashlib
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta, timezone

from faker import Faker
from sqlalchemy import Connection, func, select, text, update
from sqlmodel import SQLModel

import models as M
from data.demo_calendar import year_calendar
from data.demo_catalog import WOMEN
from data.demo_school import (
    DEFAULTS, DEMO_EMAIL_DOMAIN, DEMO_HASH, SHARED_HASH, Context, SchoolBuilder,
)
from models.db import get_engine
from services.core import clock, config, passwords
from services.core.roles import ROLES

MUNICIPALITY_NAME = "Демоградский городской округ"
TIMEZONE = "Europe/Moscow"
CHUNK = 5000
STEPS_PER_SCHOOL = 6
UTC = timezone.utc
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"

__all__ = ["DemoError", "demo_logins", "demo_password", "generate"]


class DemoError(Exception):
    """The demo cannot be loaded (the message is in Russian, for the user)."""


def demo_password(seed: int, role: str) -> str:
    """The fixed password of a demo login: "Demo-" and 8 letters and digits from sha256."""
    digest = hashlib.sha256(f"{seed}:{role}".encode()).digest()
    chars = [_ALPHABET[b % len(_ALPHABET)] for b in digest[:7]]
    chars.append(str(digest[7] % 10))  # always a digit
    return "Demo-" + "".join(chars)


def demo_logins(seed: int) -> dict[str, dict[str, str]]:
    """The demo accounts of a seed, one per role: login = the role code."""
    return {role: {"login": role, "password": demo_password(seed, role)} for role in ROLES}


def target_year(today: date, full_year: bool) -> int:
    """The school year to generate: the current one, or with full_year the last one ended."""
    current = clock.school_year_of(today)
    if full_year and today.month not in (6, 7, 8):
        return current - 1
    return current


def generate(url: str | None = None, *, schools: int = 1, seed: int = 1, full_year: bool = False,
             progress: bool = True) -> dict:
    """Fill an empty database with the demo municipality.

    Returns {"municipality_id", "school_ids", "schools", "students", "lessons", "marks",
    "attendance", "logins": {ROLE: {"login", "password"}}}. Raises DemoError (and changes
    nothing) when the database already holds a municipality.
    """
    from tqdm import tqdm

    url = url or config.database_url()
    if schools < 1:
        raise DemoError("Число школ должно быть не меньше одной.")
    now = clock.now()
    today = clock.today(TIMEZONE)
    start_year = target_year(today, full_year)
    cal, prev = year_calendar(start_year), year_calendar(start_year - 1)
    logins = demo_logins(seed)
    engine = get_engine(url)
    pg = engine.dialect.name == "postgresql"
    # Real argon2 hashes cost ~0.1 s each: compute them beside the generation and put them in
    # place (over placeholders) before the first school commits.
    pool = ThreadPoolExecutor(max_workers=1)
    shared_future = pool.submit(passwords.hash_password, secrets.token_urlsafe(24))
    demo_future = pool.submit(lambda: {r: passwords.hash_password(v["password"]) for r, v in logins.items()})
    bar = None
    school_ids: list[int] = []
    try:
        with engine.connect() as conn:
            conn.execution_options(write=True)
            ctx = None
            for index in range(schools):
                with conn.begin():
                    written: set[str] = set()
                    if pg:
                        _skip_fk_triggers(conn)
                    write = _writer(conn, pg, written)
                    if ctx is None:
                        ctx = _start(conn, write, seed, now, today, cal, prev, logins)
                        bar = tqdm(total=schools * STEPS_PER_SCHOOL, disable=not progress, file=sys.stderr,
                                   desc="Демо-данные", unit="шаг", leave=False)
                    else:
                        ctx.shared_hash = shared_future.result()
                        ctx.demo_hashes = demo_future.result()

                    def step(stage: str, _i=index) -> None:
                        bar.set_postfix_str(f"школа {_i + 1}: {stage}", refresh=False)
                        bar.update(1)

                    school_ids.append(SchoolBuilder(ctx, index, write, step).build())
                    if index == 0:
                        _put_hashes(conn, ctx, shared_future.result(), demo_future.result())
                    if pg:
                        _reset_sequences(conn, written)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()
    from services.setup import first_run
    first_run.mark_demo(url, f"seed={seed}, schools={len(school_ids)}")  # the demo is known as one later
    return {
        "municipality_id": ctx.municipality_id,
        "school_ids": school_ids,
        "schools": len(school_ids),
        "students": ctx.stats["students"],
        "lessons": ctx.stats["lessons"],
        "marks": ctx.stats["marks"],
        "attendance": ctx.stats["attendance"],
        "logins": logins,
    }


MUNICIPAL_PUBLICATIONS = (
    ("document", "Порядок ведения электронных журналов в общеобразовательных организациях муниципалитета",
     "Утверждён приказом управления образования. Журналы ведутся в электронном виде; отметки выставляются "
     "в день урока, сведения о домашнем задании — не позднее трёх часов после урока.", "staff", 60),
    ("document", "Календарь каникул на учебный год", "Осенние каникулы: 27.10–04.11. Зимние: 29.12–11.01. "
     "Весенние: 23.03–31.03.", "all", 75),
    ("announcement", "Совещание заместителей директоров по электронному журналу",
     "Совещание в управлении образования в четверг в 15:00: итоги первой четверти.", "staff", 4),
    ("announcement", "Родительское собрание муниципалитета",
     "Приглашаем родителей на собрание о безопасности детей в зимний период: в субботу в 11:00, онлайн.",
     "guardians", 2),
)


def _start(conn: Connection, write, seed, now, today, cal, prev, logins) -> Context:
    """Check that the database is empty, reserve ids, write the municipality and its coordinator."""
    existing = conn.execute(select(M.Municipality.name).limit(1)).first()
    if existing is not None:
        raise DemoError(f"База данных не пуста: в ней уже есть муниципалитет «{existing[0]}». "
                        "Демонстрационные данные загружаются только в пустую базу.")
    taken = conn.execute(select(M.User.login).where(M.User.login.in_(list(logins)))).first()
    if taken is not None:
        raise DemoError(f"База данных не пуста: логин «{taken[0]}» уже занят.")
    next_id = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in DEFAULTS and "id" in table.c:
            next_id[table.name] = (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    used = set(conn.execute(select(M.User.login)).scalars())
    ctx = Context(seed=seed, now=now, today=today, tz=TIMEZONE, cal=cal, prev_cal=prev,
                  municipality_id=0, next_id=next_id, used_logins=used | set(logins))
    ctx.municipality_id = ctx.ids("municipality")
    fake = Faker("ru_RU")
    fake.seed_instance(f"demo:{seed}:coordinator")
    uid = ctx.ids("user")
    created = now - timedelta(days=400)
    user = dict(DEFAULTS["user"], id=uid, login="coordinator", password_hash=DEMO_HASH + "coordinator",
                last_name=fake.last_name_female(), first_name=fake.random_element(WOMEN),
                middle_name=fake.middle_name_female(), email=f"coordinator@{DEMO_EMAIL_DOMAIN}",
                created_at=created, activated_at=created + timedelta(hours=3),
                password_changed_at=created + timedelta(hours=3),
                last_login_at=now - timedelta(hours=5))
    ctx.demo_user_ids["coordinator"] = uid
    write({
        "municipality": [dict(DEFAULTS["municipality"], id=ctx.municipality_id, name=MUNICIPALITY_NAME)],
        "user": [user],
        "rolegrant": [dict(DEFAULTS["rolegrant"], id=ctx.ids("rolegrant"), user_id=uid, role="coordinator",
                           school_id=None, municipality_id=ctx.municipality_id, granted_at=created)],
        # issue 19: what the municipality published for its schools (4.1)
        "document": [dict(DEFAULTS["document"], id=ctx.ids("document"), school_id=None,
                          municipality_id=ctx.municipality_id, kind=kind, title=title, body=body, audience=audience,
                          is_published=True, published_at=now - timedelta(days=days), created_by_user_id=uid,
                          created_at=now - timedelta(days=days, hours=2))
                     for kind, title, body, audience, days in MUNICIPAL_PUBLICATIONS],
    })
    return ctx


def _writer(conn: Connection, pg: bool, written: set[str]):
    tables = SQLModel.metadata.sorted_tables  # parents before children
    known = {t.name for t in tables}

    def write(out: dict[str, list[dict]]) -> None:
        unknown = set(out) - known
        if unknown:
            raise ValueError(f"unknown tables: {sorted(unknown)}")
        for table in tables:
            rows = out.get(table.name)
            if not rows:
                continue
            written.add(table.name)
            _complete(table, rows)
            if pg:
                _copy(conn, table, rows)
            else:
                _executemany(conn, table, rows)
    return write


def _complete(table, rows: list[dict]) -> None:
    """Give rows the model's default for any column the generator does not know about."""
    missing = [c.name for c in table.columns if c.name not in rows[0]]
    if missing:
        defaults = DEFAULTS.get(table.name, {})
        for row in rows:
            for name in missing:
                row.setdefault(name, defaults.get(name))


def _sqlite_converters(table) -> tuple[str, list[int], list]:
    """The table's INSERT (from SQLAlchemy Core) and, per column index, how to turn a value into
    exactly what SQLAlchemy's SQLite types would store (naive UTC text for date-times, ISO text
    for dates and times), without SQLAlchemy's per-row parameter processing."""
    from sqlalchemy import Date, DateTime, Time
    from sqlalchemy.dialects import sqlite

    def utc_text(v):
        if v is None:
            return None
        if v.tzinfo is not UTC:
            v = v.astimezone(UTC)
        return v.isoformat(" ", "microseconds")[:26]

    def iso(v):
        return None if v is None else v.isoformat()

    def time_text(v):
        return None if v is None else v.isoformat("microseconds")

    sql = str(table.insert().compile(dialect=sqlite.dialect()))
    idx, funcs = [], []
    for i, column in enumerate(table.columns):
        impl = getattr(column.type, "impl", column.type)
        if isinstance(impl, DateTime):
            idx.append(i), funcs.append(utc_text)
        elif isinstance(impl, Date):
            idx.append(i), funcs.append(iso)
        elif isinstance(impl, Time):
            idx.append(i), funcs.append(time_text)
    return sql, idx, funcs


def _executemany(conn: Connection, table, rows: list[dict]) -> None:
    from operator import itemgetter

    sql, idx, funcs = _sqlite_converters(table)
    cols = [c.name for c in table.columns]
    get = itemgetter(*cols)
    conv = list(zip(idx, funcs))
    for i in range(0, len(rows), CHUNK):
        params = []
        for row in rows[i:i + CHUNK]:
            values = list(get(row))
            for j, f in conv:
                values[j] = f(values[j])
            params.append(tuple(values))
        conn.exec_driver_sql(sql, params)


def _copy(conn: Connection, table, rows: list[dict]) -> None:
    cols = [c.name for c in table.columns]
    names = ", ".join(f'"{c}"' for c in cols)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in cols])
    finally:
        cursor.close()


def _skip_fk_triggers(conn: Connection) -> None:
    """On PostgreSQL, skip the per-row foreign-key triggers for this transaction (as pg_restore
    --disable-triggers does): they cost half the time of a school, and the generator's rows are
    consistent by construction (SQLite, which checks every key, runs the same rows in the tests).
    Needs a superuser or the SET privilege on the parameter; without it nothing changes."""
    from sqlalchemy.exc import DBAPIError

    try:
        with conn.begin_nested():
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    except DBAPIError:
        pass


def _reset_sequences(conn: Connection, written: set[str]) -> None:
    for table in SQLModel.metadata.sorted_tables:
        if table.name in written and "id" in table.c:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                              f"(SELECT MAX(id) FROM \"{table.name}\"))"))


def _put_hashes(conn: Connection, ctx: Context, shared: str, demo: dict[str, str]) -> None:
    user = M.User.__table__
    conn.execute(update(user).where(user.c.password_hash == SHARED_HASH).values(password_hash=shared))
    for role, uid in ctx.demo_user_ids.items():
        conn.execute(update(user).where(user.c.id == uid).values(password_hash=demo[role]))
    ctx.shared_hash = shared
    ctx.demo_hashes = demo
