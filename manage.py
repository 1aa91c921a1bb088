#!/usr/bin/env python3
"""The portal's command line: the same services for administrators and cron jobs.

Every command reads DATABASE_URL (default: the SQLite file data/school.db). With --json a
command prints exactly one line of JSON on stdout; progress and logs go to stderr. Exit
status 0 means done; non-zero means nothing was changed.
"""
from __future__ import annotations

import argparse
import json
import os
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


def cmd_import(args) -> int:
    """Import pupils, staff or movement from a workbook; see services/rosters_import.py."""
    from services import rosters_import
    from tqdm import tqdm
    bars: dict = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, file=sys.stderr, unit="стр", leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    result = rosters_import.run_import(
        _actor(), args.school, args.kind, args.file, args.file, dry_run=args.dry_run, only_valid=args.only_valid,
        create_classes=args.create_classes, progress=progress)
    lines = [f"Загрузка «{rosters_import.KIND_TITLES[args.kind]}» из {args.file}: "
             f"создано {result.created}, обновлено {result.updated}, без изменений {result.unchanged}"
             + (f", родителей создано {result.guardians_created}" if args.kind == "pupils" else "") + "."]
    for p in result.errors:
        lines.append(f"Ошибка — {p.text()}")
    for p in result.warnings:
        lines.append(f"Предупреждение — {p.text()}")
    if result.committed:
        lines.append("Изменения сохранены." + (f" Пропущено строк с ошибками: {result.skipped_rows}."
                                               if result.skipped_rows else ""))
    elif args.dry_run and (args.only_valid or not result.errors):
        lines.append("Пробный прогон: ничего не записано.")
    else:
        lines.append("Ничего не записано: исправьте ошибки или загрузите только верные строки (--only-valid).")
    _out(args, result.as_json(), "\n".join(lines))
    if result.committed or (args.dry_run and (args.only_valid or not result.errors) and result.rows):
        return 0
    return 2


def cmd_backup(args) -> int:
    """A consistent backup of the database (SQLite online backup API; PostgreSQL pg_dump)."""
    from services import backup
    try:
        info = backup.make_backup(out=args.out, directory=args.dir, keep=args.keep)
    except backup.BackupError as e:
        raise CommandError(str(e)) from e
    text = (f"Резервная копия: {info.path} ({info.size} байт, строк {sum(info.tables.values())}, "
            f"схема {info.schema_version}).")
    if info.removed:
        text += f" Удалены старые копии: {len(info.removed)}."
    _out(args, {"ok": True, **info.as_json()}, text)
    return 0


def cmd_restore(args) -> int:
    """Replace the database with a backup, after checking it."""
    from services import backup
    check = backup.check_backup(args.file)
    print(f"Проверка копии {args.file}: " + ("в порядке" if check.ok else "; ".join(check.problems))
          + (f"; строк {sum(check.tables.values())}" if check.tables else ""), file=sys.stderr)
    if args.check_only:
        _out(args, {"ok": check.ok, "problems": check.problems, "tables": check.tables},
             "Копия в порядке." if check.ok else "Копия не прошла проверку.")
        return 0 if check.ok else 1
    try:
        restored = backup.restore(args.file, backup_dir=args.dir)
    except backup.BackupError as e:
        raise CommandError(str(e)) from e
    text = f"База восстановлена из {restored.path}: строк {sum(restored.tables.values())}."
    if restored.saved_aside:
        text += f" Прежняя база сохранена в {restored.saved_aside}."
    _out(args, {"ok": True, **restored.as_json()}, text)
    return 0


def cmd_snapshot(args) -> int:
    """Refresh the analytics snapshot (DuckDB) from the live database; for cron."""
    from checks import snapshot
    try:
        info = snapshot.refresh(progress=lambda text: print(text, file=sys.stderr))
    except snapshot.SnapshotError as e:
        raise CommandError(str(e)) from e
    _out(args, {"ok": True, "path": info.path, "taken_at": info.taken_at.isoformat(), "seconds": round(info.seconds, 3),
                "rows": info.rows},
         f"Снимок {info.path} обновлён за {info.seconds:.1f} с ({info.label()}).")
    return 0


def cmd_checks(args) -> int:
    """Indicators of a school or a municipality (with --plan: the control checks and their findings)."""
    from checks.base import fmt
    from checks.snapshot import SnapshotError
    from services import indicators
    try:
        school_ids = indicators.cli_school_ids(args.school, args.municipality)
        d1, d2 = indicators.cli_range(school_ids, args.year, args.date_from, args.date_to)
        print(f"Период: {d1:%d.%m.%Y} – {d2:%d.%m.%Y}, школ: {len(school_ids)}.", file=sys.stderr)
        if args.plan:
            payload = indicators.cli_checks(school_ids, d1, d2, refresh=not args.no_refresh)
        else:
            payload = indicators.cli_values(school_ids, d1, d2, refresh=not args.no_refresh)
    except (indicators.IndicatorError, SnapshotError) as e:
        raise CommandError(str(e)) from e
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, default=str))
        return 0
    for item in payload:
        print(f"{item['name'][:60]:<60} {fmt(item['value'], item['unit']):>14}  {item['status']}")
        for f in item.get("findings", [])[:20]:
            print(f"    {f['class'] or ''} {f['subject'] or ''} {f['teacher'] or ''} {f['lesson_date'] or ''}: {f['what']}")
    return 0


def cmd_archive_year(args) -> int:
    """The year archive of the journals (5.13): a zip of PDF and XLSX with a SHA-256 manifest."""
    from services import archive
    from services.policy import AccessDenied
    from tqdm import tqdm
    bar = None

    def progress(done: int, total: int, label: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="Архив", file=sys.stderr, unit="файл", leave=False)
        bar.set_postfix_str(label[:40], refresh=False)
        bar.update(done - bar.n)

    try:
        result = archive.build(_actor(), args.school, args.year, args.out, progress=progress)
    except (archive.ReportError, AccessDenied) as e:
        raise CommandError(str(e)) from e
    finally:
        if bar is not None:
            bar.close()
    _out(args, {"ok": True, "path": str(result.path), "files": result.files, "journals": result.journals,
                "bytes": result.bytes, "sha256": result.sha256, "year": result.start_year},
         f"Архив {result.path}: журналов {result.journals}, файлов {result.files}, {result.bytes} байт, "
         f"SHA-256 {result.sha256}.")
    return 0


def _day(text: str | None):
    """A date from the command line: YYYY-MM-DD or DD.MM.YYYY."""
    from datetime import date, datetime
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise CommandError(f"Дата «{text}»: ожидается ГГГГ-ММ-ДД или ДД.ММ.ГГГГ.")


def _year_id(school_id: int, text: str | None):
    from services.calendar import CalendarError, year_id_of
    if not text:
        return None
    try:
        return year_id_of(school_id, text)
    except CalendarError as e:
        raise CommandError(str(e)) from e


def cmd_generate_lessons(args) -> int:
    """Generate the lessons of a school year from the timetable (services/timetable_lessons.py)."""
    from services import timetable_lessons
    from services.calendar import CalendarError
    try:
        result = timetable_lessons.generate(_actor(), args.school, year_id=_year_id(args.school, args.year),
                                            date_from=_day(args.date_from), date_to=_day(args.date_to))
    except (timetable_lessons.GenerationError, CalendarError) as e:
        raise CommandError(str(e)) from e
    lines = [result.summary()] + [f"Оставлен {k.lesson_date:%d.%m.%Y}, {k.lesson_number} урок, {k.class_name} "
                                  f"{k.subject_name}: {k.reason}" for k in result.kept]
    _out(args, {"ok": True, **result.as_json()}, "\n".join(lines))
    return 0


def cmd_check_timetable(args) -> int:
    """Conflicts of a school's timetable; exit status 2 when there are any."""
    from services import timetable
    from services.calendar import CalendarError
    try:
        conflicts = timetable.check_school(_actor(), args.school, year_id=_year_id(args.school, args.year),
                                           on=_day(args.on))
    except CalendarError as e:
        raise CommandError(str(e)) from e
    _out(args, {"ok": not conflicts, "conflicts": [{"kind": c.kind, "message": c.message} for c in conflicts]},
         "\n".join(c.message for c in conflicts) or "Конфликтов в расписании нет.")
    return 2 if conflicts else 0


def cmd_import_timetable(args) -> int:
    """The timetable from a workbook: every row checked; all or nothing unless --only-valid."""
    from services import timetable_import
    result = timetable_import.run_import(_actor(), args.school, args.file, args.file,
                                         effective_from=_day(args.date_from), year_id=_year_id(args.school, args.year),
                                         dry_run=args.dry_run, only_valid=args.only_valid)
    lines = [f"Расписание из {args.file}: строк {result.rows}, классов {len(result.classes)}, новых строк "
             f"расписания {result.created}, закрыто {result.closed}, без изменений {result.unchanged}."]
    if result.lessons is not None:
        lines.append(result.lessons.summary())
    lines += [f"Ошибка — {p.text()}" for p in result.errors]
    lines += [f"Предупреждение — {p.text()}" for p in result.warnings]
    if result.committed:
        lines.append("Изменения сохранены.")
    elif args.dry_run and (args.only_valid or not result.errors):
        lines.append("Пробный прогон: ничего не записано.")
    else:
        lines.append("Ничего не записано: исправьте ошибки или загрузите только верные строки (--only-valid).")
    _out(args, result.as_json(), "\n".join(lines))
    return 0 if result.committed or (args.dry_run and (args.only_valid or not result.errors) and result.rows) else 2


def cmd_import_lesson_plan(args) -> int:
    """A КТП from a workbook into a plan (made when --subject with --class or --grade names a new one)."""
    from services import lesson_plans
    from services.calendar import CalendarError
    from services.policy import AccessDenied
    plan_id = args.plan
    try:
        if plan_id is None:
            if not args.school or not args.subject or (args.class_id is None) == (args.grade is None):
                raise CommandError("Укажите --plan или --school, --subject и --class-id либо --grade.")
            found = [p for p in lesson_plans.plans(_actor(), args.school) if p.subject_id == args.subject
                     and p.class_id == args.class_id and (args.class_id or p.grade == args.grade)]
            plan_id = found[0].id if found else lesson_plans.create_plan(
                _actor(), args.school, args.subject, class_id=args.class_id, grade=args.grade)
        result = lesson_plans.import_topics(_actor(), plan_id, args.file, args.file, dry_run=args.dry_run,
                                            only_valid=args.only_valid)
    except (lesson_plans.PlanError, CalendarError, AccessDenied) as e:
        raise CommandError(str(e)) from e
    lines = [f"КТП {plan_id} из {args.file}: строк {result.rows}, добавлено тем {result.added}, изменено "
             f"{result.changed}, удалено {result.removed}, предложено урокам {result.proposed}."]
    lines += [f"Ошибка — {p.text()}" for p in result.errors]
    lines += [f"Предупреждение — {p.text()}" for p in result.warnings]
    lines.append("Изменения сохранены." if result.committed else "Ничего не записано.")
    _out(args, {"plan_id": plan_id, **result.as_json()}, "\n".join(lines))
    return 0 if result.committed or (args.dry_run and not result.errors and result.rows) else 2


def cmd_public_holidays(args) -> int:
    """Add the Russian public holidays of a school year (the `holidays` package) that are missing."""
    from services import calendar
    from services.timetable_lessons import GenerationError
    year_id = _year_id(args.school, args.year)
    try:
        added = calendar.add_public_holidays(_actor(), year_id)
    except (calendar.CalendarError, GenerationError) as e:
        raise CommandError(str(e)) from e
    _out(args, {"ok": True, "added": added}, f"Добавлено праздников: {added}.")
    return 0


def cmd_remind(args) -> int:
    """Notices about what is overdue (correction requests, credentials), each once; for cron."""
    from services import reminders
    done = reminders.run(args.school)
    _out(args, {"ok": True, "corrections": done.corrections, "credentials": done.credentials},
         f"Напоминания: просроченных заявок {done.corrections}, учеников без выданных реквизитов {done.credentials}.")
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
    p = command("import", cmd_import, "Import pupils, staff or movement from an Excel workbook "
                "(.xlsx, .xls, .ods): every row is checked first; all or nothing unless --only-valid.")
    p.add_argument("kind", choices=["pupils", "staff", "movement"], help="what the file holds")
    p.add_argument("file", help="the workbook")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--only-valid", action="store_true", help="import the good rows and report the rest")
    p.add_argument("--create-classes", action="store_true", help="create classes the file names that do not exist")
    p = command("backup", cmd_backup, "Back up the database: SQLite with the online backup API, PostgreSQL "
                "with pg_dump; a manifest with row counts beside it; the newest --keep copies are kept.")
    p.add_argument("--out", help="the backup file (default: data/backups/portal-YYYYMMDD-HHMMSS.db|.dump)")
    p.add_argument("--dir", help="the backups folder (default data/backups)")
    p.add_argument("--keep", type=int, default=14, help="how many backups to keep in the folder (0 = all)")

    p = command("restore", cmd_restore, "Replace the database with a backup, after checking it "
                "(integrity, schema version, row counts); the current database is saved aside first.")
    p.add_argument("file", help="a backup made by `backup`")
    p.add_argument("--dir", help="where to save the current database before replacing it (default data/backups)")
    p.add_argument("--check-only", action="store_true", help="only check the file")

    command("snapshot", cmd_snapshot, "Refresh the analytics snapshot (DuckDB, PORTAL_ANALYTICS_PATH) from the "
            "live database; run it from cron to keep the indicators fresh.")
    p = command("checks", cmd_checks, "Indicators of a school or a municipality from a fresh analytics snapshot "
                "(one JSON line with --json); with --plan the control checks and their findings.")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--school", type=int, help="school id")
    where.add_argument("--municipality", type=int, help="municipality id")
    p.add_argument("--year", help="school year, e.g. 2025 or 2025/2026 (default: the latest with lessons)")
    p.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD")
    p.add_argument("--plan", action="store_true", help="the internal control plan and end-of-period checks")
    p.add_argument("--no-refresh", action="store_true", help="use the existing snapshot as it is")
    p = command("archive-year", cmd_archive_year, "Archive a school year's journals: every class and subject as PDF "
                "and XLSX, the attestation summaries and a SHA-256 manifest, in one zip.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--year", required=True, help="school year, e.g. 2025 or 2025/2026 (DESIGN.md decision 12)")
    p.add_argument("--out", required=True, help="directory to write the zip to")
    p = command("generate-lessons", cmd_generate_lessons, "Generate a school year's lessons from the timetable, "
                "holidays skipped; lessons that hold data are never deleted (they are listed).")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--year", help="school year, e.g. 2026 or 2026/2027 (default: the current one)")
    p.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD (default: the year's first)")
    p.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD (default: the year's last)")
    p = command("check-timetable", cmd_check_timetable, "List the conflicts of a school's timetable (teacher, room, "
                "pupils in two places, subjects outside the curriculum); exit status 2 when there are any.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--year", help="school year, e.g. 2026 (default: the current one)")
    p.add_argument("--on", help="check the timetable valid on and after this day, YYYY-MM-DD")
    p = command("import-timetable", cmd_import_timetable, "Import the timetable from a workbook (Класс, День, Урок, "
                "Предмет, Учитель, Кабинет, Подгруппа): each class in the file gets its rows from --from on.")
    p.add_argument("file", help="the workbook (.xlsx, .xls, .ods)")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--from", dest="date_from", help="the day the timetable takes effect (default: today)")
    p.add_argument("--year", help="school year, e.g. 2026 (default: the one of --from)")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--only-valid", action="store_true", help="import the good rows and report the rest")
    p = command("import-lesson-plan", cmd_import_lesson_plan, "Import a КТП from a workbook (№ урока, Тема, Часы, "
                "Вид работы, Дата по плану) into a plan, replacing its topics.")
    p.add_argument("file", help="the workbook")
    p.add_argument("--plan", type=int, help="the plan's id")
    p.add_argument("--school", type=int, help="school id (with --subject and --class-id or --grade)")
    p.add_argument("--subject", type=int, help="subject id")
    p.add_argument("--class-id", type=int, help="the class of the plan")
    p.add_argument("--grade", type=int, help="the parallel of the plan")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--only-valid", action="store_true", help="import the good rows and report the rest")
    p = command("public-holidays", cmd_public_holidays, "Add the Russian public holidays (the holidays package) "
                "missing from a school year, and regenerate its lessons from today.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--year", required=True, help="school year, e.g. 2026 or 2026/2027")
    p = command("remind", cmd_remind, "Tell the people concerned, in their inbox and once each, about correction "
                "requests past their calendar day and credentials not handed over in time (for cron).")
    p.add_argument("--school", type=int, help="school id (default: every school)")
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
    os.umask(0o077)  # the database, backups, the snapshot and archives are the portal user's alone
    sys.exit(main())
