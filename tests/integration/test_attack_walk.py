"""Attack, generated from the code (issue 13, section 3): every public service function that takes
the id of something is called as each role with the ids of another family, class, school and
municipality, and must refuse or return nothing.

How it works: the `services` package is walked with inspect. A public function (no leading «_»,
defined in its module) with a parameter that names an entity (ENTITY below: `school_id`,
`student_id`, `lesson_id`, `message_id`, …) and an `actor` is called with arguments made from its
signature: the ids of another school's rows (school B of the same municipality, school C of the
other one: tests/integration/world.py with comms_world's staff) for every role (the coordinator
of the municipality gets aggregates of B, MUNICIPALITY_AGGREGATES, and nothing else), the ids of another
family and of another class of their own school for a pupil and a parent, and of another class
for the teacher, class teacher and deputy (scoped to 5А or grade 5); every other parameter gets
a plain valid value (OVERRIDES, VALUES, else its default, else a value of its annotation). It
must then
* raise a refusal: policy.AccessDenied, PermissionError, LookupError, or a service's own error
  (a ValueError subclass of services/importers: «Ученик не найден в этой школе») — no data
  comes back through an exception;
* or return nothing: None, False, 0, an empty string or collection, or a dataclass made of those;
and it must change nothing: the row counts of every table, and no audit event but the denial.

A function nobody can call this way is listed in SKIP with the reason, a function that
legitimately answers for any id in NOT_DATA, and a read the policy opens to all staff of the school
(another class's timetable) in STAFF_SCHOOL_WIDE. A new public function that takes an id is walked
without anyone remembering to add it; one that can be neither called nor listed fails
`test_every_public_function_with_an_id_is_walked_or_listed`. A `*_id` parameter the walk does not
know fails it too: say in ENTITY (or NOT_ENTITY) what it names.

Functions whose first parameter is `tx` run inside the caller's transaction, after the caller's
own policy check (services/people/rosters.class_members, messages.parties, …): they are not entry
points and are not walked; their callers are.

The walk runs on SQLite for every role; PostgreSQL runs the same walk for a sample of roles
(SAMPLE_ROLES): about 20 s and 15 s here. WALK_REPORT=1 (with -s) prints how each function
refused, e.g. to see which ones only ever answer with a service's own error.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import pkgutil
import re
import typing
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, select

import services
from models import AcademicYear, AuditEvent, Message, RoleGrant, StudentGuardian, StudyPeriod, WorkType
from models.db import is_sqlite, reading, transaction
from checks import registry
from checks.runner import Finding
from services.comms import corrections, documents, messages
from services.comms.messages import Upload
from services.control import acts as control, olympiads
from services.control.indicators import Choice
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.journal import lessons
from services.people import consents, rosters_import
from services.planning import lesson_plans, timetable_import
from tests.integration import comms_world
from tests.integration.comms_world import actor

# ----------------------------------------------------------------------------- what the ids name
# parameter → the key of the row it names in a school's ids (see `ids_of`)
ENTITY = {
    "school_id": "school", "municipality_id": "municipality",
    "class_id": "class", "to_class_id": "class", "class_ids": "class", "to_class_ids": "class",
    "student_id": "student", "student_ids": "student",
    "lesson_id": "lesson", "teacher_id": "staff", "staff_ids": "staff", "substitute_id": "staff",
    "user_id": "user", "user_ids": "user", "recipient_user_id": "user",
    "guardian_id": "guardian", "grant_id": "grant",
    "subject_id": "subject", "subject_ids": "subject", "year_id": "year", "period_id": "period",
    "thread_id": "thread", "message_id": "message", "document_id": "document", "plan_id": "plan",
    "consent_id": "consent", "act_id": "act", "request_id": "request", "result_id": "result",
    "work_id": "work", "work_type_id": "work_type", "subgroup_id": "subgroup", "notice_ids": "notice",
    "attachment_id": "attachment",
}
# `*_id` parameters that name no row of a school: what they are
NOT_ENTITY = {
    "indicator_id": "an indicator of checks/ (a name such as «marks_fill»), the same for every school",
    "check_id": "a check of the control plan (a name), the same for every school",
    "check_ids": "checks of the control plan (names)",
    "session_id": "the actor's own server-side session",
}
IDS = re.compile(r"(_id|_ids)$")

# ----------------------------------------------------------------------------- functions not walked
SKIP = {
    # no actor: helpers of the command line, of cron jobs and of pages that have asked the policy
    # first (their callers are walked or are manage.py, run by the operator)
    "core.auth.actor_for_user": "builds the actor of a signed-in user (sign-in itself)",
    "planning.calendar.year_id_of": "parses a year typed at the command line (manage.py)",
    "control.acts.months_without_review": "cron/CLI: months a director has not reviewed (no personal data)",
    "control.acts.months_without": "months without a control act of a kind (no personal data)",
    "control.records.months_without_check": "months without a monthly check (no personal data)",
    "control.records.periods_without_control": "periods without their control (names and dates only)",
    "control.duties.control_lines": "the lines of the two above, for pages that asked control.run first",
    "control.required_docs.missing": "titles of the required documents not approved (no personal data)",
    # issue 19: the school's public page, served without sign-in (4.5); what it may show is tested in
    # tests/integration/test_public_municipal_documents.py (only published public documents for all)
    "comms.documents.public_page": "public by design: the school's public documents, no actor (no personal data)",
    "comms.documents.public_file": "public by design: the file of a public document, no actor",
    "comms.documents.public_address": "builds an address from a school id (no data)",
    "comms.corrections.remind_overdue": "cron: reminds the administrators of overdue requests",
    "people.credentials.school_name": "the school's name for a printed ledger (public)",
    "core.health.record_error": "records an error of the running system (the actor is who met it)",
    "control.indicators.cli_checks": "manage.py checks: the operator at the command line",
    "control.indicators.cli_range": "manage.py: the date range of a command",
    "control.indicators.cli_school_ids": "manage.py: the schools a command covers",
    "control.indicators.cli_values": "manage.py indicators: the operator at the command line",
    "control.indicators.current_period": "the current period of a school (dates, no personal data)",
    "control.indicators.default_range": "default dates of the indicator screens",
    "control.indicators.municipality_schools": "the schools of a municipality (public names)",
    "control.indicators.period_options": "the periods of a school (dates)",
    "control.indicators.ranking": "ranks a view already built by an actor-checked service",
    "control.indicators_settings.limits_of": "an indicator's thresholds (settings, no personal data)",
    "control.indicators_settings.load_overrides": "thresholds of schools (settings, no personal data)",
    "journal.grid.periods": "the study periods of a year (dates)",
    "journal.lessons.work_types": "the school's work types and weights (settings, no personal data)",
    "comms.reminders.credentials_overdue": "cron: overdue hand-overs, sent to the class teachers",
    "comms.reminders.run": "cron: the daily reminders",
    "comms.mail.send_due": "cron (manage.py mail): sends the outbox's letters to their confirmed addresses",
    "reports.journal.journal_keys": "the archive's keys, for year.archive (checked by its caller)",
    "core.school_settings.load": "a school's settings (time zone, edit window), no personal data",
    "planning.timetable_lessons.teacher_choices": "staff names for a choice on the timetable screens (of the actor's "
                                         "own school: web.chosen_school)",
    "ui.web.school_timezone": "a school's time zone",
    "core.targets.of_lesson": "builds the policy's Target from values already read (no reading)",
    # with an actor, but not callable with a generic argument
    "core.audit.values": "makes the column values of an audit event (no reading, no writing)",
    "core.audit.pupil_condition": "builds a SQL condition from a pupil id (no reading); its caller "
                             "web.audit_events is walked",
    "core.schools.allowed_in_school": "answers the policy's yes or no (it is the check itself)",
    "control.indicators.school_scope": "the scope of the indicator screens: raises for another school, "
                               "returns the actor's own limits (called by every indicators service)",
    "control.indicators.deputy_limits": "the deputy's own parallels from the actor's grants (no reading)",
    "ui.web.menu_specs": "the menu the actor's roles give (page names), not data of the school",
    "reports.common.record_export": "the audit event of an export the actor has just been given",
    "control.indicators_fsn.to_xlsx": "formats the report the actor got from indicators_fsn.contingent (walked); "
                              "school_id only files the export's audit event",
    "reports.journal.iterate": "takes the school's head built by archive.build (walked, year.archive)",
    "reports.journal.load": "takes the head and keys built by archive.build (walked, year.archive)",
}
# reads the policy grants to every member of staff in the whole school (timetable.view: see
# policy.RULES and WHO in test_attack_matrix.py): they answer a teacher about another class
STAFF_SCHOOL_WIDE = {
    "planning.curriculum.load": "a class's curriculum (subjects and hours), timetable.view",
    "planning.timetable.load_class": "a class's timetable, timetable.view",
    "planning.timetable.preview": "a class's timetable with edits shown, saved nowhere, timetable.view",
    "planning.timetable_views.class_week": "a class's week, timetable.view",
    "planning.timetable_views.teacher_week": "a colleague's week, timetable.view",
}
# what the coordinator sees of a school of their own municipality (school B): aggregates only
# (R-CTL-6; policy: indicators.view and aggregate.view in the municipality) — never pupils by name
MUNICIPALITY_AGGREGATES = {
    "control.indicators.dashboard": "the school's indicators (numbers)",
    "control.indicators.trend": "an indicator's weekly values (numbers)",
    "control.indicators.filter_options": "classes, subjects and teachers to narrow the indicators by (no pupils)",
    "control.indicators.refresh_snapshot": "when the analytics snapshot was refreshed",
}
# functions that may answer for any id: what they answer (never data of the school)
NOT_DATA = {
    "comms.messages.unread_total": "the actor's own number of unread messages and notices",
    "reports.attestation.default_column": "which period ended last in the school's calendar (no personal data)",
    "reports.sheets.default_range": "the dates of the last school week (no personal data)",
    "ui.web.audit_export": "a callback that audits an export the page has made (no data)",
}

# ----------------------------------------------------------------------------- plain values
TODAY = date(2026, 11, 10)
VALUES = {
    "day": TODAY, "on": TODAY, "week_start": date(2026, 11, 9), "held_on": date(2026, 11, 2),
    "given_on": date(2026, 11, 2), "withdrawn_on": TODAY, "effective_from": TODAY, "new_date": date(2026, 11, 11),
    "until": TODAY, "date_from": date(2026, 9, 1), "date_to": TODAY, "start_year": 2026, "year": 2026,
    "new_number": 2, "new_room": "", "number": 1, "grade": 5, "weeks": 4, "limit": 50,
    "title": "Проверка", "body": "Проверка доступа", "reason": "Проверка доступа", "what": "Проверка",
    "location": "", "should_be": "", "link": "", "note": "", "order_number": "", "comment": "Проверка",
    "findings": "Замечаний нет", "document": "заявление № 1", "name": "Проверка", "short_name": "Пр",
    "audience": "school", "olympiad": "vsosh", "stage": "school", "subject": "Математика",
    "status": "participant", "outcome": "resolved", "role": "teacher", "login": "walk_login",
    "last_name": "Проверкин", "first_name": "Пётр", "password": "Long-enough-pass-1", "shift": 1,
    "action": "journal.view", "kind": None, "topic": "Тема", "held": True, "version": 1, "active": False,
    "published": True, "source": b"", "filename": "walk.xlsx", "out_dir": None, "directory": None,
    "backup_dir": None, "changes": None, "rows": [], "items": [], "topics": [], "periods": [], "holidays": [],
    "bells": [], "findings_of": None, "decisions": {}, "graduating": [], "fields": {"name": "Проверкин Пётр"},
    "what_kind": None, "fmt": "xlsx", "report": None, "pupils": 1, "scope": "", "room": "101",
    "only_missing": False, "public_holidays": False, "mine": False, "third_party": False,
}


# what a function needs that no plain value gives: a file that reaches its checks, a finding of
# the foreign school (callables get the foreign ids)
OVERRIDES = {
    "planning.lesson_plans.import_topics": {"source": lambda ids: lesson_plans.template()},
    "control.olympiads.import_results": {"source": lambda ids: olympiads.template()},
    "people.rosters_import.run_import": {"kind": "pupils", "source": lambda ids: rosters_import.template("pupils")},
    "planning.timetable_import.run_import": {"source": lambda ids: timetable_import.template()},
    "control.acts.send_findings": {"findings": lambda ids: [(registry.CHECKS[0].id, finding_of(ids))]},
    "comms.documents.save": {"audience": "all"},
    "planning.lesson_plans.create_plan": {"grade": None},
    "planning.timetable_lessons.resolve": {"action": "keep"},
}


def finding_of(ids: dict) -> Finding:
    """A finding of the control plan about the foreign class and teacher."""
    return Finding(school_id=ids["school"], school="", class_id=ids["class"], class_name="", subject_id=None,
                   subject="", teacher_id=ids["staff"], teacher="", teacher_user_id=None, class_teacher_user_id=None,
                   lesson_id=None, lesson_date=None, what="Проверка", since=None)


def value_for(name: str, param: inspect.Parameter, hint, tmp: Path):
    if name == "choice":
        return Choice(date_from=date(2026, 9, 1), date_to=TODAY)
    if name == "indicator_id":
        return registry.INDICATORS[0].id
    if name in ("check_id", "check_ids"):
        return registry.CHECKS[0].id if name == "check_id" else [registry.CHECKS[0].id]
    if name in VALUES and VALUES[name] is not None:
        return VALUES[name]
    if name in ("out_dir", "directory", "backup_dir"):
        return tmp
    if param.default is not inspect.Parameter.empty:
        return param.default
    origin = typing.get_origin(hint) or hint
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        origin = typing.get_origin(args[0]) or args[0] if args else str
    for kind, made in ((bool, False), (int, 1), (float, 1.0), (str, "Проверка"), (bytes, b""), (date, TODAY),
                       (datetime, datetime(2026, 11, 10, 9, 0)), (list, []), (dict, {}), (frozenset, frozenset()),
                       (set, set()), (tuple, ()), (Path, tmp)):
        if origin is kind:
            return made
    return None


# ----------------------------------------------------------------------------- the functions
def public_functions():
    """(name, function) of every public function defined in a module of `services` (and of
    ui/web.py, the Streamlit glue, which reads the session's account and the audit log)."""
    out = []
    names = [info.name for info in pkgutil.walk_packages(services.__path__, "services.")
             if not info.ispkg and not info.name.startswith("services.rules.")]  # the pure rules take no ids
    for module_name in [*names, "ui.web"]:
        module = importlib.import_module(module_name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and fn.__module__ == module.__name__:
                out.append((f"{module_name.removeprefix('services.')}.{name}", fn))
    return sorted(out, key=lambda x: x[0])


def id_params(fn) -> list[str]:
    return [p for p in inspect.signature(fn).parameters if IDS.search(p) or p in ("pupil", "student")]


def walked(fn) -> bool:
    params = list(inspect.signature(fn).parameters)
    return bool(params) and params[0] != "tx" and "actor" in params and any(p in ENTITY for p in id_params(fn))


def test_every_public_function_with_an_id_is_walked_or_listed():
    unlisted, unknown = [], []
    names = set()
    for name, fn in public_functions():
        names.add(name)
        ids = id_params(fn)
        if not ids or name in SKIP or name in NOT_DATA:
            continue
        if list(inspect.signature(fn).parameters)[0] == "tx":
            continue  # inside the caller's transaction, after its check
        unknown += [f"{name}({p})" for p in ids if p not in ENTITY and p not in NOT_ENTITY]
        if not walked(fn):
            unlisted.append(name)
    assert not unknown, f"say in ENTITY or NOT_ENTITY what these parameters name: {unknown}"
    assert not unlisted, f"neither walked nor listed in SKIP with a reason: {unlisted}"
    stale = sorted((set(SKIP) | set(NOT_DATA) | set(STAFF_SCHOOL_WIDE) | set(MUNICIPALITY_AGGREGATES)) - names)
    assert not stale, f"listed but gone: remove them from the lists above: {stale}"


# ----------------------------------------------------------------------------- the world
@pytest.fixture
def world(db_url):
    w = comms_world.build()
    ids = {key: ids_of(w, key) for key in ("A", "B", "C")}
    yield w, ids
    from services.core import clock
    clock.set_now(None)


def ids_of(w, key: str) -> dict:
    """One row of each kind in school `key`, made through the services as its own staff would."""
    s = w.schools[key]
    system = SYSTEM
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    parent, ct = actor(s.users["parent_of_pupil5_1"]), actor(s.users["class_teacher5"])
    with transaction() as tx:
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == s.id)).one()
        period = StudyPeriod(school_id=s.id, year_id=year.id, kind="quarter", number=2, name="2 четверть",
                             starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 28))
        work_type = WorkType(school_id=s.id, name="Работа на уроке", weight=1.0, is_default=True)
        tx.add_all([period, work_type])
        tx.flush()
        year_id, period_id, work_type_id = year.id, period.id, work_type.id
        guardian_id = tx.exec(select(StudentGuardian.guardian_id).where(
            StudentGuardian.student_id == s.students["pupil5_1"])).one()
        grant_id = tx.exec(select(RoleGrant.id).where(RoleGrant.user_id == s.users["teacher5"])).first()
    thread = messages.start_thread(parent, s.id, ct.user_id, "Справка", "Справка о болезни", Upload("справка.pdf", pdf))
    message = messages.open_thread(ct, thread).messages[0].id
    messages.report_message(ct, message, "Персональные данные")
    with reading() as tx:
        attachment = tx.get(Message, message).attachment_id
    lesson = s.lessons["5А/Математика"]
    work = lessons.add_work(actor(s.users["teacher5"]), lesson, work_type_id)
    return {
        "school": s.id, "municipality": s.municipality_id, "class": s.classes["5А"],
        "student": s.students["pupil5_1"], "lesson": lesson, "staff": s.staff["teacher5"],
        "user": s.users["teacher5"], "guardian": guardian_id, "grant": grant_id,
        "subject": s.subjects["Математика"], "year": year_id, "period": period_id, "thread": thread,
        "message": message, "attachment": attachment, "work": work, "work_type": work_type_id,
        "document": documents.save(system, s.id, "Памятка", "Текст памятки", "all"),
        "plan": lesson_plans.create_plan(system, s.id, s.subjects["Математика"], class_id=s.classes["5А"]),
        "consent": consents.record(system, s.students["pupil5_1"], guardian_id, date(2026, 9, 1), "заявление"),
        "act": control.record_review(actor(s.users["director"]), s.id, date(2026, 11, 2), "Замечаний нет"),
        "request": corrections.file_request(parent, s.id, "Неверная фамилия"),
        "result": olympiads.save_result(system, s.id, s.students["pupil5_1"], "vsosh", "school", "Математика",
                                        "participant", date(2026, 10, 1)),
        "subgroup": None, "notice": None,
    }


# ----------------------------------------------------------------------------- the walk
ROLES = ["admin", "director", "deputy", "coordinator_like_monitoring", "teacher5", "class_teacher5", "secretary",
         "moderator", "editor", "site_admin", "pupil5_1", "parent_of_pupil5_1", "coordinator"]
SAMPLE_ROLES = ["admin", "class_teacher5", "parent_of_pupil5_1", "coordinator"]
FAMILY = {"pupil5_1", "parent_of_pupil5_1"}
CLASS_STAFF = {"teacher5", "class_teacher5", "deputy"}  # their class (5А) or parallel (5) only


def variants(role: str, ids: dict, w) -> list[tuple[str, dict]]:
    """(what is foreign, the ids to use) for a role of school A."""
    a = w.schools["A"]
    out = [("another school", ids["B"]), ("another municipality", ids["C"])]
    own = ids["A"]
    if role in FAMILY:
        out.append(("another family", {**own, "student": a.students["pupil5_2"], "user": a.users["pupil5_2"]}))
    if role in FAMILY or role in CLASS_STAFF:
        out.append(("another class", {**own, "class": a.classes["6А"], "student": a.students["pupil6_1"],
                                      "lesson": a.lessons["6А/Математика"], "staff": a.staff["teacher6"],
                                      "user": a.users["pupil6_1"]}))
    return out


def arguments(qualified: str, fn, foreign: dict, own: dict, tmp: Path) -> dict | None:
    """Keyword arguments for fn with the foreign ids; None when no id of fn is foreign here."""
    sig = inspect.signature(fn)
    overrides = OVERRIDES.get(qualified, {})
    hints = typing.get_type_hints(fn, globalns=vars(importlib.import_module(fn.__module__)))
    kwargs, differs = {}, False
    for name, param in sig.parameters.items():
        if name == "actor" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if name in ENTITY:
            key = ENTITY[name]
            value = foreign.get(key)
            if value is None:
                if param.default is not inspect.Parameter.empty:
                    continue
                value = own.get(key)
            differs = differs or value != own.get(key)
            kwargs[name] = [value] if name.endswith("_ids") or name.endswith("ids") else value
            continue
        if name in overrides:
            made = overrides[name]
            kwargs[name] = made(foreign) if callable(made) else made
        else:
            kwargs[name] = value_for(name, param, hints.get(name), tmp)
    return kwargs if differs else None


def legitimate(name: str, role: str, what: str) -> bool:
    """An answer the policy means to give (listed above with the reason)."""
    return ((what == "another class" and role in CLASS_STAFF and name in STAFF_SCHOOL_WIDE)
            or (what == "another school" and role == "coordinator" and name in MUNICIPALITY_AGGREGATES))


REFUSALS = (AccessDenied, PermissionError)


def refused(error: BaseException) -> bool:
    if isinstance(error, REFUSALS):
        return True
    if isinstance(error, LookupError) and not isinstance(error, (KeyError, IndexError)):
        return True
    module = type(error).__module__
    return isinstance(error, ValueError) and module.startswith(("services.", "importers."))


# fields of an import's result that describe the file given, not the school's data
ABOUT_THE_INPUT = {"errors", "warnings", "kind", "dry_run", "missing_classes", "missing_columns", "unknown_headers"}


def empty(value) -> bool:
    if value is None or value is False or value == 0 or value == "":
        return True
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return len(value) == 0
    if dataclasses.is_dataclass(value):
        return all(empty(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name not in ABOUT_THE_INPUT)
    return False


def fingerprint() -> dict[str, int]:
    """Rows of every table (the audit log apart: its denials are expected)."""
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name != "auditevent"]
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)
    with reading() as tx:
        return dict(tx.connection().execute(text(sql)).all())


def new_events(after: int) -> list[str]:
    with reading() as tx:
        return list(tx.exec(select(AuditEvent.action).where(AuditEvent.id > after,
                                                            AuditEvent.action != "access.denied")).all())


def last_event() -> int:
    with reading() as tx:
        return tx.exec(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).first() or 0


def test_every_service_refuses_the_ids_of_others(world, tmp_path):
    w, ids = world
    roles = ROLES if is_sqlite() else SAMPLE_ROLES
    actors = {r: actor(w.coordinator_user_id if r == "coordinator" else w.schools["A"].users[r]) for r in roles}
    problems: dict[str, list[str]] = {}  # what went wrong → who met it

    outcomes: dict[str, set[str]] = {}

    def problem(text: str, who: str) -> None:
        problems.setdefault(text, []).append(who)

    for name, fn in public_functions():
        if not walked(fn) or name in SKIP or name in NOT_DATA:
            continue
        before, mark = fingerprint(), last_event()
        for role, who in actors.items():
            for what, foreign in variants(role, ids, w):
                kwargs = arguments(name, fn, foreign, ids["A"], tmp_path)
                if kwargs is None:
                    continue
                try:
                    answer = fn(who, **kwargs)
                    if inspect.isgenerator(answer):
                        answer = list(answer)
                except Exception as error:  # noqa: BLE001 - the outcome is judged below
                    outcomes.setdefault(name, set()).add(type(error).__name__)
                    if not refused(error):
                        problem(f"{name}: {type(error).__name__}: {str(error)[:100]}", f"{role} ({what})")
                    continue
                outcomes.setdefault(name, set()).add("nothing")
                if not empty(answer) and not legitimate(name, role, what):
                    problem(f"{name}: answered {type(answer).__name__}", f"{role} ({what})")
        after = fingerprint()
        changed = {t: (n, after[t]) for t, n in before.items() if after[t] != n}
        events = new_events(mark)
        if changed or events:
            problem(f"{name}: wrote {changed or ''} {sorted(set(events)) or ''}", "someone")
    if os.environ.get("WALK_REPORT"):
        for name, seen in sorted(outcomes.items()):
            print(f"WALK {name}: {', '.join(sorted(seen))}")
    assert not problems, "\n".join(f"{text} — as {', '.join(who[:4])}{' …' if len(who) > 4 else ''}"
                                   for text, who in problems.items())
