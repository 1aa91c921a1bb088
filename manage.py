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
from pathlib import Path


def _out(args, payload: dict, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        print(text)


class CommandError(Exception):
    pass


def cmd_init_db(args) -> int:
    from services.core import schema
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
    from services.setup import first_run
    if not first_run.demo_allowed():
        text = ("Это не демонстрационная база: демо-данные загружаются только в data/demo.db или с явным DEMO=1. "
                "Откройте портал — экран первого запуска создаст администратора, муниципалитет и школу.")
        if args.if_empty:
            _out(args, {"ok": True, "skipped": True, "real": True}, text)
            return 0
        raise CommandError(text)
    if args.if_empty and not _is_empty():
        if not first_run.is_demo():
            _out(args, {"ok": True, "skipped": True, "real": True},
                 "В базе настоящие данные (нет отметки демо-базы): демонстрационные данные не загружались.")
            return 0
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
    from services.core.roles import ROLE_TITLES
    lines = ["Демонстрационные входы (логин / пароль):"]
    for role, cred in logins.items():
        lines.append(f"  {ROLE_TITLES.get(role, role):<28} {cred['login']:<14} {cred['password']}")
    return "\n".join(lines)


def _actor():
    from services.core.actor import SYSTEM
    return SYSTEM


def cmd_create_school(args) -> int:
    from models.db import transaction
    from services.setup import new_school
    if not args.name.strip():
        raise CommandError("Укажите название школы.")
    with transaction() as tx:
        school_id = new_school.create_school(tx, args.municipality, args.name.strip(),
                                             (args.short_name or args.name).strip())
    _out(args, {"ok": True, "school_id": school_id}, f"Создана школа «{args.name}» (id {school_id}).")
    return 0


def cmd_create_user(args) -> int:
    from services.people import users
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
    from services.people import users
    user_id = users.find_user_id(login)
    if user_id is None:
        raise CommandError(f"Пользователь с логином «{login}» не найден.")
    return user_id


def cmd_grant(args) -> int:
    from services.people import users
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
    from services.people import users
    user_id = _user_id(args.login)
    try:
        one_time = users.reset_password(_actor(), args.school, user_id)
    except users.UserError as e:
        raise CommandError(str(e)) from e
    _out(args, {"ok": True, "user_id": user_id, "one_time_password": one_time},
         f"Новый одноразовый пароль для {args.login}: {one_time} (сменить при первом входе).")
    return 0


def cmd_import(args) -> int:
    """Import pupils, staff or movement from a workbook; see services/people/rosters_import.py."""
    from services.people import rosters_import
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
             + (f", родителей создано {result.guardians_created}" if args.kind in ("pupils", "enrolment") else "")
             + (f", пропущено заявлений не в статусе «зачислен»: {result.not_enrolled}" if result.not_enrolled else "")
             + "."]
    for p in result.errors:
        lines.append(f"Ошибка — {p.text()}")
    for p in result.warnings:
        lines.append(f"Предупреждение — {p.text()}")
    return _import_outcome(args, result, lines)


def _import_outcome(args, result, lines: list[str]) -> int:
    """The end of an import command: what was saved (or why nothing was), printed; 0 when saved
    or a clean dry run, 2 otherwise."""
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
    from services.core import backup
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


def _restore_key(args, path) -> str | None:
    """The key of an encrypted copy: --key-file, else the configured one (PORTAL_BACKUP_KEY[_FILE]),
    else asked for on the terminal; None for a plain copy."""
    from services.core import sealed
    if not sealed.is_sealed(path):
        return None
    if args.key_file:
        try:
            return Path(args.key_file).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, UnicodeDecodeError, IndexError):
            raise CommandError(f"Не удалось прочитать ключ из файла {args.key_file}.") from None
    try:
        key = sealed.configured_key()
    except sealed.SealError as e:
        raise CommandError(str(e)) from None
    if key is None and sys.stdin.isatty():
        import getpass
        key = getpass.getpass(f"Файл {Path(path).name} зашифрован. Ключ: ")
    return key


def cmd_restore(args) -> int:
    """Replace the database with a backup, after checking it."""
    from services.core import backup
    key = _restore_key(args, args.file)
    check = backup.check_backup(args.file, key=key)
    print(f"Проверка копии {args.file}: " + ("в порядке" if check.ok else "; ".join(check.problems))
          + (f"; строк {sum(check.tables.values())}" if check.tables else ""), file=sys.stderr)
    if args.check_only:
        _out(args, {"ok": check.ok, "problems": check.problems, "tables": check.tables},
             "Копия в порядке." if check.ok else "Копия не прошла проверку.")
        return 0 if check.ok else 1
    try:
        restored = backup.restore(args.file, backup_dir=args.dir, key=key)
    except backup.BackupError as e:
        raise CommandError(str(e)) from e
    text = f"База восстановлена из {restored.path}: строк {sum(restored.tables.values())}."
    if restored.saved_aside:
        text += f" Прежняя база сохранена в {restored.saved_aside}."
    _out(args, {"ok": True, **restored.as_json()}, text)
    return 0


def cmd_decrypt(args) -> int:
    """Decrypt an encrypted backup or year archive (5.15) into a file of its own (0600)."""
    from services.core import private, sealed
    src = Path(args.file)
    if not sealed.is_sealed(src):
        raise CommandError(f"Файл {src} не зашифрован порталом (нет заголовка SPSEAL01).")
    out = Path(args.out) if args.out else src.with_name(src.name.removesuffix(sealed.SUFFIX) if
                                                         src.name.endswith(sealed.SUFFIX) else src.name + ".plain")
    if out.exists():
        raise CommandError(f"Файл {out} уже есть; укажите другой --out.")
    private.make_dir(out.parent, own=False)
    try:
        sealed.open_file(src, out, _restore_key(args, src))
    except sealed.SealError as e:
        raise CommandError(str(e)) from None
    _out(args, {"ok": True, "file": str(out), "size": out.stat().st_size}, f"Расшифровано: {out}.")
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
    from services.control import indicators
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
    from services.core.policy import AccessDenied
    from services.reports import archive
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
    from services.planning.calendar import CalendarError, year_id_of
    if not text:
        return None
    try:
        return year_id_of(school_id, text)
    except CalendarError as e:
        raise CommandError(str(e)) from e


def cmd_generate_lessons(args) -> int:
    """Generate the lessons of a school year from the timetable (services/planning/timetable_lessons.py)."""
    from services.planning import timetable_lessons
    from services.planning.calendar import CalendarError
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
    from services.planning import timetable
    from services.planning.calendar import CalendarError
    try:
        conflicts = timetable.check_school(_actor(), args.school, year_id=_year_id(args.school, args.year),
                                           on=_day(args.on))
    except CalendarError as e:
        raise CommandError(str(e)) from e
    _out(args, {"ok": not conflicts, "conflicts": [{"kind": c.kind, "message": c.message} for c in conflicts]},
         "\n".join(c.message for c in conflicts) or "Конфликтов в расписании нет.")
    return 2 if conflicts else 0


def cmd_import_exams(args) -> int:
    """Results of ВПР, ОГЭ, ЕГЭ from a workbook (2.2): every row checked; all or nothing unless --only-valid."""
    from services.reports import exams
    result = exams.import_results(_actor(), args.school, args.file, args.file, only_valid=args.only_valid,
                                  dry_run=args.dry_run)
    lines = [f"Результаты ВПР, ОГЭ, ЕГЭ из {args.file}: строк {result.rows}, добавлено {result.created}, "
             f"изменено {result.updated}, без изменений {result.unchanged}."]
    lines += [f"Ошибка — {p.text()}" for p in result.errors]
    return _import_outcome(args, result, lines)


def cmd_import_timetable(args) -> int:
    """The timetable from a workbook: every row checked; all or nothing unless --only-valid."""
    from services.planning import timetable_import
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
    from services.core.policy import AccessDenied
    from services.planning import lesson_plans
    from services.planning.calendar import CalendarError
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
    from services.planning import calendar
    from services.planning.timetable_lessons import GenerationError
    year_id = _year_id(args.school, args.year)
    try:
        added = calendar.add_public_holidays(_actor(), year_id)
    except (calendar.CalendarError, GenerationError) as e:
        raise CommandError(str(e)) from e
    _out(args, {"ok": True, "added": added}, f"Добавлено праздников: {added}.")
    return 0


def cmd_remind(args) -> int:
    """Notices about what is overdue (correction requests, credentials), each once; for cron."""
    from services.comms import reminders
    done = reminders.run(args.school)
    _out(args, {"ok": True, "corrections": done.corrections, "credentials": done.credentials},
         f"Напоминания: просроченных заявок {done.corrections}, учеников без выданных реквизитов {done.credentials}.")
    return 0


def cmd_mail(args) -> int:
    """Send the letters that are due: the immediate ones and, at the school's evening time, the digests."""
    from services.comms import mail
    done = mail.send_due(school_id=args.school)
    _out(args, {"ok": True, "sent": done.sent, "items": done.items, "failed": done.failed, "errors": done.errors},
         f"Писем отправлено: {done.sent} (уведомлений в них: {done.items}), не отправлено: {done.failed}."
         + ("".join(f"\n  {e}" for e in done.errors[:5])))
    return 0


def _yes_no(text: str | None):
    if text is None:
        return None
    value = text.strip().lower()
    if value in ("yes", "y", "да", "1", "true"):
        return True
    if value in ("no", "n", "нет", "0", "false"):
        return False
    raise CommandError(f"«{text}»: ожидается yes или no.")


def _work_type_text(t) -> str:
    from services.rules.work_types import show_weight
    flags = [f for f, on in (("по умолчанию", t.is_default), ("контрольная", t.is_test),
                             ("не в среднем", not t.in_average), ("выведен", not t.is_active)) if on]
    return (f"{t.id:>4}  {t.name:<28} вес {show_weight(t.weight) if t.in_average else '—':<5} "
            f"проверка {t.checking_days} дн.  отметок {t.marks}" + (f"  ({', '.join(flags)})" if flags else ""))


def cmd_work_types(args) -> int:
    """Work types of a school: list, add, change (name, weight, averages, checking days, default, retire)."""
    from dataclasses import asdict
    from services.core.policy import AccessDenied
    from services.planning import work_types
    from services.rules.work_types import WEIGHT_CHANGE_NOTE
    try:
        if args.action == "standard-set":
            from models.db import transaction
            with transaction() as tx:
                added = work_types.add_standard_set(tx, args.school)
            _out(args, {"ok": True, "added": added}, f"Добавлено видов работ из стандартного набора: {added}.")
            return 0
        if args.action == "list":
            types = work_types.list_types(_actor(), args.school)
            _out(args, {"ok": True, "work_types": [{**asdict(t), "in_average": t.in_average} for t in types]},
                 "\n".join(_work_type_text(t) for t in types) or "Видов работ нет.")
            return 0
        fields = {k: v for k, v in {
            "name": args.name, "weight": args.weight, "checking_days": args.checking_days,
            "in_average": _yes_no(args.in_average), "is_test": _yes_no(args.test),
            "is_default": True if args.default else None,
            "is_active": False if args.retire else (True if args.restore else None)}.items() if v is not None}
        if args.action == "add":
            if not args.name:
                raise CommandError("Укажите --name.")
            result = work_types.save(_actor(), args.school, added=[fields])
        else:
            if args.id is None:
                raise CommandError("Укажите --id вида работы (его номер — в work-types list).")
            if not fields:
                raise CommandError("Укажите, что изменить: --name, --weight, --in-average, --checking-days, "
                                   "--test, --default, --retire или --restore.")
            result = work_types.save(_actor(), args.school, changes={args.id: fields})
    except (work_types.WorkTypeError, AccessDenied) as e:
        raise CommandError(str(e)) from e
    text = result.summary() + (f" {WEIGHT_CHANGE_NOTE}" if result.weight_changed else "")
    _out(args, {"ok": True, "added": result.added, "changed": result.changed,
                "weight_changed": result.weight_changed}, text)
    return 0


def cmd_status(args) -> int:
    """The first week's checklist of a school: each line done or what is missing."""
    from services.core.policy import AccessDenied
    from services.setup import status as setup_status
    try:
        lines = setup_status.checklist(_actor(), args.school)
    except (AccessDenied, setup_status.SetupStatusError) as e:
        raise CommandError(str(e)) from e
    text = [f"{'[x]' if line.done else '[ ]'} {line.title}: {line.detail}"
            + (f"\n      {line.command}" if line.command and not line.done else "") for line in lines]
    _out(args, {"ok": True, "done": sum(line.done for line in lines), "total": len(lines),
                "lines": [line.as_json() for line in lines]}, "\n".join(text + [setup_status.summary(lines)]))
    return 0


def _setup_call(func, *a, **kw):
    from services.core.policy import AccessDenied
    from services.planning import calendar, curriculum
    from services.setup import commands as setup_commands
    try:
        return func(*a, **kw)
    except (setup_commands.SetupError, calendar.CalendarError, curriculum.CurriculumError, AccessDenied) as e:
        raise CommandError(str(e)) from e


def cmd_create_year(args) -> int:
    """Open a school year with its periods, vacations and (by default) the public holidays."""
    from services.planning import calendar
    year_id = _setup_call(calendar.create_year, _actor(), args.school, args.year, kind=args.periods,
                          public_holidays=not args.no_public_holidays)
    _out(args, {"ok": True, "year_id": year_id}, f"Открыт {args.year}/{args.year + 1} учебный год (id {year_id}).")
    return 0


def cmd_bells(args) -> int:
    """The bell schedule of a shift: one ЧЧ:ММ-ЧЧ:ММ per lesson."""
    from services.planning import calendar
    from services.setup import commands as setup_commands
    bells = _setup_call(setup_commands.parse_bells, args.lessons)
    changed = _setup_call(calendar.save_bells, _actor(), args.school, args.shift, bells)
    _out(args, {"ok": True, "lessons": len(bells), "lessons_retimed": changed},
         f"Звонки {args.shift} смены: уроков {len(bells)}; уроков с новым временем {changed}.")
    return 0


def cmd_curriculum(args) -> int:
    """One line of a class's curriculum: the subject (made if new) and its hours per week."""
    from services.setup import commands as setup_commands
    done = _setup_call(setup_commands.set_curriculum, _actor(), args.school, args.class_name, args.subject,
                       args.hours, split=args.split, pass_fail=args.pass_fail, no_attestation=args.no_attestation)
    _out(args, {"ok": True, **done}, f"Учебный план {args.class_name}: {args.subject}, {args.hours:g} ч в неделю.")
    return 0


def cmd_assign(args) -> int:
    """Teaching load: a subject of a class (or of its subgroup) to a teacher."""
    from services.setup import commands as setup_commands
    done = _setup_call(setup_commands.assign, _actor(), args.school, args.class_name, args.subject, args.teacher,
                       args.subgroup)
    _out(args, {"ok": True, **done}, f"{args.class_name}, {args.subject}: ведёт {args.teacher}.")
    return 0


def cmd_issue_credentials(args) -> int:
    """Credentials for everyone who never had them (pupils and parents, or --staff), as PDF slips."""
    from pathlib import Path
    from exporters.credentials import slips_pdf
    from services.people import credentials
    from services.setup import commands as setup_commands
    slips = _setup_call(setup_commands.issue_missing, _actor(), args.school, class_name=args.class_name,
                        staff=args.staff)
    if slips:
        Path(args.out).write_bytes(slips_pdf(slips, school=credentials.school_name(args.school)))
    _out(args, {"ok": True, "issued": len(slips), "out": args.out if slips else None,
                "logins": [s.login for s in slips]},
         f"Выдано реквизитов: {len(slips)}" + (f"; листок для печати — {args.out}." if slips else
                                                "; всем уже выдавали."))
    return 0


def cmd_close_year(args) -> int:
    """Close a school year: the archive first, then promotion, graduation and the new year with its
    classes, curriculum, periods, teaching load, subgroups, timetable template and КТП."""
    from services.core.policy import AccessDenied
    from services.planning import year_carry, year_close
    decisions = {}
    for text in args.decision or []:
        sid, _, code = text.partition("=")
        if not sid.strip().isdigit() or code not in year_close.DECISIONS:
            raise CommandError(f"--decision «{text}»: ожидается ID_УЧЕНИКА=" + "|".join(year_close.DECISIONS) + ".")
        decisions[int(sid)] = code
    carry = set(year_carry.PARTS) - set(args.skip or [])
    kwargs = dict(year_id=_year_id(args.school, args.year), decisions=decisions,
                  graduating=tuple(args.graduating or year_close.DEFAULT_GRADUATING), carry=carry)
    try:
        if args.preview:
            plan, made = year_close.preview(_actor(), args.school, **kwargs), None
        else:
            from services.core import config
            plan, made = year_close.close_with_archive(_actor(), args.school, args.out or config.get("PORTAL_ARCHIVE_DIR"),
                                                       **kwargs)
    except (year_close.YearCloseError, AccessDenied) as e:
        raise CommandError(str(e)) from e
    counts = {d: plan.count(d) for d in year_close.DECISIONS}
    lines = [("Предпросмотр: " if args.preview else "Закрыт ") + f"{plan.start_year}/{plan.start_year + 1} учебный год; "
             + ", ".join(f"{year_close.DECISIONS[d]}: {n}" for d, n in counts.items() if n) + ".",
             f"Новые классы: {', '.join(plan.new_classes) or 'нет'}; строк учебного плана {plan.curriculum_items}.",
             *plan.carry.lines()]
    if made is not None:
        lines.insert(0, f"Архив года: {made.path} (SHA-256 {made.sha256}).")
    _out(args, {"ok": True, "preview": args.preview, "year": plan.start_year, "next_year": plan.next_start_year,
                **counts, "new_classes": plan.new_classes, "curriculum_items": plan.curriculum_items,
                "carry": {"load": plan.carry.load, "subgroups": plan.carry.subgroups, "members": plan.carry.members,
                          "timetable": plan.carry.timetable, "lesson_plans": plan.carry.lesson_plans,
                          "topics": plan.carry.topics, "skipped": plan.carry.skipped},
                "archive": str(made.path) if made is not None else None}, "\n".join(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from services.core.roles import ROLES
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="print one line of JSON on stdout")
        p.set_defaults(func=func)
        return p

    command("init-db", cmd_init_db, "Migrate the database to the newest schema (safe to run again).")

    p = command("demo", cmd_demo, "Load a deterministic demo municipality into an empty database: only into the "
                "demo's own file data/demo.db, or into another database with DEMO=1 given explicitly.")
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
    p = command("import-exams", cmd_import_exams, "Import results of ВПР, ОГЭ, ЕГЭ (regulation 2.2) from an Excel "
                "workbook: ФИО, Класс, Вид работы, Предмет, Дата, Первичный балл, Тестовый балл, Отметка; "
                "every row is checked first; all or nothing unless --only-valid.")
    p.add_argument("file", help="the workbook")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--only-valid", action="store_true", help="import the good rows and report the rest")

    p = command("import", cmd_import, "Import pupils, staff or movement from an Excel workbook "
                "(.xlsx, .xls, .ods), or the regional enrolment export (enrolment: also .csv; "
                "docs/enrolment-exchange.md): every row is checked first; all or nothing unless --only-valid.")
    p.add_argument("kind", choices=["pupils", "staff", "movement", "enrolment"], help="what the file holds")
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
    p.add_argument("--key-file", help="a file whose first line is the key of an encrypted copy "
                   "(default PORTAL_BACKUP_KEY / PORTAL_BACKUP_KEY_FILE, else asked on the terminal)")

    p = command("decrypt", cmd_decrypt, "Decrypt an encrypted backup or year archive (written when "
                "PORTAL_BACKUP_KEY is set) into a plain file, 0600.")
    p.add_argument("file", help="an encrypted file (….db.enc, ….dump.enc, ….zip.enc)")
    p.add_argument("--out", help="the plain file (default: the name without .enc)")
    p.add_argument("--key-file", help="a file whose first line is the key (default PORTAL_BACKUP_KEY, else asked)")

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
    p = command("status", cmd_status, "The first week's checklist of a school: calendar, bells, staff, pupils, "
                "classes, curriculum, work types, load, subgroups, timetable, lessons, credentials, documents.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p = command("create-year", cmd_create_year, "Open a school year: periods at their usual dates, vacations "
                "between them and the Russian public holidays.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--year", type=int, required=True, help="the year it starts in, e.g. 2026 for 2026/2027")
    p.add_argument("--periods", choices=["quarter", "trimester", "half"], help="default: the school's setting")
    p.add_argument("--no-public-holidays", action="store_true", help="do not add the public holidays")
    p = command("bells", cmd_bells, "The bell schedule of a shift, one ЧЧ:ММ-ЧЧ:ММ per lesson in order.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--shift", type=int, default=1, help="shift (default 1)")
    p.add_argument("lessons", nargs="+", help="e.g. 08:30-09:15 09:25-10:10 …")
    p = command("curriculum", cmd_curriculum, "Add or change one line of a class's curriculum (the subject "
                "is added to the school when new); the class's other lines stay.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--class", dest="class_name", required=True, help="class name, e.g. 5А")
    p.add_argument("--subject", required=True, help="subject name, e.g. Математика")
    p.add_argument("--hours", type=float, required=True, help="hours per week")
    p.add_argument("--split", action="store_true", help="taught in subgroups")
    p.add_argument("--pass-fail", action="store_true", help="marked зачёт/незачёт")
    p.add_argument("--no-attestation", action="store_true", help="«Без аттестации»")
    p = command("assign", cmd_assign, "Teaching load: a subject of a class (or of its subgroup) to a teacher.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--class", dest="class_name", required=True, help="class name, e.g. 5А")
    p.add_argument("--subject", required=True, help="subject name")
    p.add_argument("--teacher", required=True, help="the teacher's login")
    p.add_argument("--subgroup", help="subgroup name, e.g. «1 группа»")
    p = command("issue-credentials", cmd_issue_credentials, "Issue one-time passwords to everyone who never had "
                "credentials (the pupils and parents of a class or of every class, or --staff) and write the slips "
                "to a PDF.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--class", dest="class_name", help="only this class")
    p.add_argument("--staff", action="store_true", help="the staff instead of pupils and parents")
    p.add_argument("--out", required=True, help="the PDF of slips to print")
    p = command("close-year", cmd_close_year, "Close a school year: its archive first (5.13), then promotion and "
                "graduation, and the new year with classes, curriculum, periods, teaching load, subgroups, the "
                "timetable as a template and the КТП. --preview changes nothing.")
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--year", help="school year, e.g. 2026 (default: the oldest open one)")
    p.add_argument("--preview", action="store_true", help="show what would be done, change nothing")
    p.add_argument("--out", help="where the year archive goes (default data/archives, listed on «Архив учебного года»)")
    p.add_argument("--graduating", type=int, action="append", help="a leaving grade (default 11; repeat for 9 and 11)")
    p.add_argument("--decision", action="append", help="a pupil's decision, STUDENT_ID=repeat|conditional|leave|…")
    p.add_argument("--skip", action="append", choices=["load", "subgroups", "timetable", "lesson_plans"],
                   help="a part not to carry into the new year")
    p = command("work-types", cmd_work_types, "Work types of a school (виды работ): list, add, set (name, weight "
                "0.5-5, whether it counts in averages, checking days, test, default, retire/restore); "
                "standard-set adds the standard set's missing types.")
    p.add_argument("action", choices=["list", "add", "set", "standard-set"])
    p.add_argument("--school", type=int, required=True, help="school id")
    p.add_argument("--id", type=int, help="the work type's id (set)")
    p.add_argument("--name", help="name (add; set renames)")
    p.add_argument("--weight", help="weight in averages, 0.5 to 5 (e.g. 1.5)")
    p.add_argument("--in-average", help="yes or no: whether marks of this type count in averages")
    p.add_argument("--checking-days", help="days to check written works (0 = marks on the lesson day)")
    p.add_argument("--test", help="yes or no: a test (контрольная) for the end-of-period control")
    p.add_argument("--default", action="store_true", help="make it the default type (the lesson's own column)")
    p.add_argument("--retire", action="store_true", help="no longer offered for new works; its marks stay")
    p.add_argument("--restore", action="store_true", help="offer a retired type again")
    p = command("remind", cmd_remind, "Tell the people concerned, in their inbox and once each, about correction "
                "requests past their calendar day and credentials not handed over in time (for cron).")
    p.add_argument("--school", type=int, help="school id (default: every school)")
    p = command("mail", cmd_mail, "Send the notification letters that are due: the immediate ones and, at the "
                "school's evening time, the digests; failures are retried with backoff (for cron, every minute).")
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
