"""The first start of a real installation, and where the demo may go (DESIGN.md decision 15).

* The demo goes only into its own database file (data/demo.db) or, explicitly, with DEMO=1;
  the generator leaves a marker (an audit event «demo.loaded») so that a demo database is known
  as one later. A real installation (DATABASE_URL set, or a database without the marker) never
  gets demo data.
* A database without a single account opens the first-run screen: it creates the first
  administrator (the password typed there), the municipality and the school (with the standard
  set of work types), in one transaction, audited. Once there is an account, it refuses.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import select

from models import AuditEvent, RoleGrant, User
from models.db import reading, transaction
from services.core import audit, clock, config, passwords
from services.core.actor import Actor
from services.setup import new_school

DEMO_FILE = config.DATA_DIR / "demo.db"
DEMO_URL = f"sqlite:///{DEMO_FILE}"
DEMO_MARKER = "demo.loaded"


class FirstRunError(ValueError):
    pass


def is_demo_file(url: str | None = None) -> bool:
    """Is the database the demo's own file, data/demo.db?"""
    parsed = make_url(url or config.database_url())
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return False
    return Path(parsed.database).resolve() == DEMO_FILE.resolve()


def demo_allowed(url: str | None = None) -> bool:
    """May the demo be loaded here: the demo's own file, or DEMO=1 given explicitly."""
    return config.get("DEMO") == "1" or is_demo_file(url)


def is_demo(url: str | None = None) -> bool:
    """Does the database hold the demo (its marker)?"""
    with reading(url) as tx:
        return tx.exec(select(AuditEvent.id).where(AuditEvent.action == DEMO_MARKER)).first() is not None


def mark_demo(url: str | None, detail: str) -> None:
    with transaction(url) as tx:
        audit.record(tx, None, DEMO_MARKER, detail=detail)


def needed(url: str | None = None) -> bool:
    """No account at all: the installation starts with the first-run screen."""
    with reading(url) as tx:
        return tx.exec(select(User.id).limit(1)).first() is None


@dataclass(frozen=True)
class FirstRun:
    school_id: int
    user_id: int
    login: str


def create(*, municipality: str, school_name: str, short_name: str, login: str, last_name: str, first_name: str,
           middle_name: str = "", email: str = "", password: str, repeat: str) -> FirstRun:
    """The first administrator, the municipality and the school, all or nothing."""
    from services.people.users import LOGIN_RE
    fields = {"Муниципалитет": municipality, "Полное название школы": school_name, "Фамилия": last_name,
              "Имя": first_name, "Логин": login, "Пароль": password}
    problems = [f"Поле «{name}» не заполнено." for name, value in fields.items() if not (value or "").strip()]
    login = (login or "").strip().lower()
    if login and not LOGIN_RE.match(login):
        problems.append(f"Логин «{login}»: только латинские буквы, цифры, точка, дефис и подчёркивание, "
                        "от 3 до 64 символов.")
    if password:
        problem = passwords.validate_new_password(password, login)
        if problem:
            problems.append(problem)
        elif password != repeat:
            problems.append("Пароль и его повтор не совпадают.")
    if problems:
        raise FirstRunError(" ".join(problems))
    now = clock.now()
    password_hash = passwords.hash_password(password)
    with transaction() as tx:
        if tx.exec(select(User.id).limit(1)).first() is not None:
            raise FirstRunError("Портал уже настроен: в нём есть учётные записи. Войдите под своим логином.")
        school_id = new_school.create_school(tx, " ".join(municipality.split()), " ".join(school_name.split()),
                                             " ".join((short_name or school_name).split()))
        user = User(login=login, password_hash=password_hash, last_name=last_name.strip(),
                    first_name=first_name.strip(), middle_name=(middle_name or "").strip(),
                    email=(email or "").strip().lower() or None, must_change_password=False, created_at=now)
        tx.add(user)
        tx.flush()
        tx.add(RoleGrant(user_id=user.id, role="admin", school_id=school_id, granted_at=now))
        actor = Actor(user_id=user.id, login=login, name=f"{user.last_name} {user.first_name}")
        audit.record(tx, actor, "setup.first_run", school_id=school_id, entity="school", entity_id=school_id,
                     new={"municipality": municipality.strip(), "school": school_name.strip(), "admin": login})
        return FirstRun(school_id, user.id, login)
