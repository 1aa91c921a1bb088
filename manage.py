#!/usr/bin/env python3
"""The portal's command line: the same services for administrators and cron jobs.

Every command reads DATABASE_URL (default: the SQLite file data/school.db). With --json a
command prints exactly one line of JSON on stdout; progress and logs go to stderr. Exit
status 0 means done; non-zero means nothing was changed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time


def _out(args, payload: dict, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        print(text)


class CommandError(Exception):
    pass


def cmd_init_db(args) -> int:
    from services import schema
    version = schema.migrate()
    _out(args, {"ok": True, "schema_version": version}, f"База данных готова, версия схемы {version}.")
    return 0


def _is_empty() -> bool:
    from sqlmodel import select
    from models import Municipality
    from models.db import reading
    with reading() as tx:
        return tx.exec(select(Municipality.id)).first() is None


def cmd_demo(args) -> int:
    from data import demo
    if args.if_empty and not _is_empty():
        logins = demo.demo_logins(args.seed)
        _out(args, {"ok": True, "skipped": True, "logins": logins},
             "База уже заполнена, демонстрационные данные не загружались.\n" + _logins_text(logins))
        return 0
    started = time.perf_counter()
    try:
        result = demo.generate(schools=args.schools, seed=args.seed, full_year=args.full_year,
                               progress=not args.quiet)
    except demo.DemoError as e:
        raise CommandError(str(e)) from e
    elapsed = time.perf_counter() - started
    print(f"Готово за {elapsed:.1f} с.", file=sys.stderr)
    _out(args, result, (f"Муниципалитет {result['municipality_id']}: школ {result['schools']}, "
                        f"учеников {result['students']}, уроков {result['lessons']}, "
                        f"отметок {result['marks']}, записей посещаемости {result['attendance']}.\n"
                        + _logins_text(result["logins"])))
    return 0


def _logins_text(logins: dict) -> str:
    from services.roles import ROLE_TITLES
    lines = ["Демонстрационные входы (логин / пароль):"]
    for role, cred in logins.items():
        lines.append(f"  {ROLE_TITLES.get(role, role):<28} {cred['login']:<14} {cred['password']}")
    return "\n".join(lines)


def _actor():
    from services.actor import SYSTEM
    return SYSTEM


def cmd_create_school(args) -> int:
    from models.db import transaction
    from services import schools
    if not args.name.strip():
        raise CommandError("Укажите название школы.")
    with transaction() as tx:
        school_id = schools.create_school(tx, args.municipality, args.name.strip(),
                                          (args.short_name or args.name).strip())
    _out(args, {"ok": True, "school_id": school_id}, f"Создана школа «{args.name}» (id {school_id}).")
    return 0


def cmd_create_user(args) -> int:
    from services import users
    try:
        user_id, one_time = users.create_user(
            _actor(), args.school, login=args.login, last_name=args.last_name, first_name=args.first_name,
            middle_name=args.middle_name, email=args.email, role=args.role, class_id=args.class_id,
            grades=args.grades or "", password=args.password)
    except users.UserError as e:
        raise CommandError(str(e)) from e
    payload = {"ok": True, "user_id": user_id, "login": args.login.strip().lower(), "one_time_password": one_time}
    text = f"Создан пользователь {args.login} (id {user_id})."
    if one_time:
        text += f" Одноразовый пароль: {one_time} (сменить при первом входе)."
    _out(args, payload, text)
    return 0


def _user_id(login: str) -> int:
    from services import users
    user_id = users.find_user_id(login)
    if user_id is None:
        raise CommandError(f"Пользователь с логином «{login}» не найден.")
    return user_id


def cmd_grant(args) -> int:
    from services import users
    user_id = _user_id(args.login)
    try:
        if args.role == "coordinator":
            if args.municipality is None:
                raise CommandError("Для роли coordinator укажите --municipality ID.")
            grant_id = users.grant_coordinator(_actor(), user_id, args.municipality)
        else:
            if args.school is None:
                raise CommandError("Укажите --school ID.")
            grant_id = users.grant_role(_actor(), args.school, user_id, args.role, class_id=args.class_id,
                                        grades=args.grades or "", subject_ids=args.subject_ids or "")
    except users.UserError as e:
        raise CommandError(str(e)) from e
    _out(args, {"ok": True, "grant_id": grant_id, "user_id": user_id, "role": args.role},
         f"Роль {args.role} выдана пользователю {args.login}.")
    return 0


def cmd_reset_password(args) -> int:
    from services import users
    user_id = _user_id(args.login)
    try:
        one_time = users.reset_password(_actor(), args.school, user_id)
    except users.UserError as e:
        raise CommandError(str(e)) from e
    _out(args, {"ok": True, "user_id": user_id, "one_time_password": one_time},
         f"Новый одноразовый пароль для {args.login}: {one_time} (сменить при первом входе).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from services.roles import ROLES
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="print one line of JSON on stdout")
        p.set_defaults(func=func)
        return p

    command("init-db", cmd_init_db, "Migrate the database to the newest schema (safe to run again).")

    p = command("demo", cmd_demo, "Load a deterministic demo municipality into an empty database.")
    p.add_argument("--schools", type=int, default=1, help="number of schools (default 1)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--full-year", action="store_true",
                   help="the whole last school year that has ended, period and annual marks included")
    p.add_argument("--if-empty", action="store_true",
                   help="do nothing (and succeed) when the database already holds data")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = command("create-school", cmd_create_school, "Create a school (and its municipality if new).")
    p.add_argument("--municipality", required=True, help="municipality name")
    p.add_argument("--name", required=True, help="full name of the school")
    p.add_argument("--short-name", help="short name")

    p = command("create-user", cmd_create_user, "Create an account with one role in a school.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--login", required=True)
    p.add_argument("--last-name", required=True)
    p.add_argument("--first-name", required=True)
    p.add_argument("--middle-name", default="")
    p.add_argument("--email")
    p.add_argument("--role", default="teacher", choices=[r for r in ROLES if r != "coordinator"])
    p.add_argument("--class-id", type=int, help="the class of a class teacher")
    p.add_argument("--grades", help="a deputy's parallels, e.g. 5,6,7")
    p.add_argument("--password", help="a password; without it a one-time password is issued")

    p = command("grant", cmd_grant, "Grant a role to an existing user.")
    p.add_argument("--login", required=True)
    p.add_argument("--role", required=True, choices=list(ROLES))
    p.add_argument("--school", type=int, help="school id (all roles but coordinator)")
    p.add_argument("--municipality", type=int, help="municipality id (coordinator)")
    p.add_argument("--class-id", type=int, help="the class of a class teacher")
    p.add_argument("--grades", help="a deputy's parallels, e.g. 5,6,7")
    p.add_argument("--subject-ids", help="a deputy's subject areas as subject ids, e.g. 3,4")

    p = command("reset-password", cmd_reset_password, "Issue a new one-time password to a user.")
    p.add_argument("--login", required=True)
    p.add_argument("--school", type=int, required=True, help="school id")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CommandError as e:
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "error": str(e)}, ensure_ascii=False))
        print(f"Ошибка: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
