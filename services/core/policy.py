"""Who may do what: the whole table, in one place (R-ROLE-1, R-ROLE-2, R-ROLE-3, R-ORG-1).

`decide(actor, action, target)` is a pure function of plain values (tested without a
database); `require(...)` is what services call: it raises `AccessDenied` with a Russian
message and writes the denial to the audit log in a transaction of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from services.core.actor import Actor, Grant
from services.core.roles import ROLE_TITLES, STAFF_ROLES


@dataclass(frozen=True)
class Target:
    """The thing acted upon, described by the facts the policy needs."""
    school_id: int | None = None
    municipality_id: int | None = None  # the municipality of the school (or the one asked about)
    class_id: int | None = None
    grade: int | None = None
    subject_id: int | None = None
    student_id: int | None = None
    teacher_id: int | None = None  # Staff id of whoever teaches the lesson now
    user_id: int | None = None     # an account acted upon
    role: str | None = None        # a role of that account (policy.decide_account)
    entity: str = ""
    entity_id: int | str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    message: str = ""


class AccessDenied(Exception):
    """Raised by require(); str(e) is the Russian message for the user.

    The denial is audited in a transaction of its own: at once when no write transaction is
    open, else right after that transaction rolls back (models.db.transaction calls
    after_rollback), so the trace never waits on, nor dies with, the refused work."""

    def __init__(self, message: str, record=None):
        super().__init__(message)
        self._record = record

    def after_rollback(self) -> None:
        record, self._record = self._record, None
        if record is not None:
            record()


Scope = Callable[[Actor, Grant, Target], bool]


def _school(a: Actor, g: Grant, t: Target) -> bool:
    return g.school_id is not None and g.school_id == t.school_id


def _municipality(a: Actor, g: Grant, t: Target) -> bool:
    return g.municipality_id is not None and g.municipality_id == t.municipality_id


def _parallel(a: Actor, g: Grant, t: Target) -> bool:
    """A deputy: their parallels and/or subject areas (none given = the whole school)."""
    if not _school(a, g, t):
        return False
    grade_ok = not g.grades or t.grade is None or t.grade in g.grades
    subject_ok = not g.subject_ids or t.subject_id is None or t.subject_id in g.subject_ids
    return grade_ok and subject_ok


def _own_class(a: Actor, g: Grant, t: Target) -> bool:
    return _school(a, g, t) and g.class_id is not None and g.class_id == t.class_id


def _teaches_lesson(a: Actor, g: Grant, t: Target) -> bool:
    return _school(a, g, t) and t.teacher_id is not None and t.teacher_id in a.staff_ids


def _teaches_class(a: Actor, g: Grant, t: Target) -> bool:
    if not _school(a, g, t):
        return False
    if t.teacher_id is not None and t.teacher_id in a.staff_ids:
        return True
    if t.class_id is None:
        return False
    if t.subject_id is None:
        return any(c == t.class_id for c, _ in a.teaches)
    return (t.class_id, t.subject_id) in a.teaches


def _own_child(a: Actor, g: Grant, t: Target) -> bool:
    return _school(a, g, t) and t.student_id is not None and t.student_id in a.children


def _self_pupil(a: Actor, g: Grant, t: Target) -> bool:
    return _school(a, g, t) and t.student_id is not None and t.student_id in a.student_ids


def _child_class(a: Actor, g: Grant, t: Target) -> bool:
    return _school(a, g, t) and t.class_id is not None and t.class_id in a.child_class_ids


def _self_user(a: Actor, g: Grant, t: Target) -> bool:
    return t.user_id is not None and t.user_id == a.user_id


SCHOOL, MUNICIPALITY, PARALLEL, OWN_CLASS = _school, _municipality, _parallel, _own_class
TEACHES_LESSON, TEACHES_CLASS, OWN_CHILD, SELF_PUPIL = _teaches_lesson, _teaches_class, _own_child, _self_pupil
CHILD_CLASS, SELF_USER = _child_class, _self_user
_ALL_STAFF = tuple(sorted(STAFF_ROLES))
_SCHOOL_ROLES = tuple(r for r in ROLE_TITLES if r != "coordinator")  # every role held in a school


def _each(roles, scope):
    return [(r, scope) for r in roles]


# action: (what it is, in Russian, for messages; [(role, scope), ...])
RULES: dict[str, tuple[str, list[tuple[str, Scope]]]] = {
    "profile.edit": ("изменение своего профиля", _each(ROLE_TITLES, SELF_USER)),
    "user.view": ("просмотр пользователей школы", _each(("admin", "director"), SCHOOL)),
    "user.manage": ("управление пользователями и ролями", [("admin", SCHOOL)]),
    "settings.view": ("просмотр настроек школы", _each(("admin", "director", "deputy"), SCHOOL)),
    "settings.edit": ("изменение настроек школы", [("admin", SCHOOL)]),
    "audit.view": ("просмотр журнала событий", _each(("admin", "director"), SCHOOL)),
    "student.view": ("просмотр данных ученика", [
        *_each(("admin", "director", "secretary"), SCHOOL), ("deputy", PARALLEL),
        ("class_teacher", OWN_CLASS), ("teacher", TEACHES_CLASS),
        ("parent", OWN_CHILD), ("student", SELF_PUPIL)]),
    "student.card": ("открытие личной карточки ученика", [
        *_each(("admin", "director", "secretary"), SCHOOL), ("deputy", PARALLEL),
        ("class_teacher", OWN_CLASS), ("parent", OWN_CHILD), ("student", SELF_PUPIL)]),
    # issue 16: who opened a pupil's data outside their own lessons and class (services/core/data_views.py)
    "student.views": ("просмотр того, кто открывал данные ученика", [
        ("parent", OWN_CHILD), ("student", SELF_PUPIL), *_each(("admin", "director"), SCHOOL)]),
    "student.edit": ("изменение данных ученика и родителей", [
        *_each(("admin", "secretary"), SCHOOL), ("class_teacher", OWN_CLASS)]),
    "journal.view": ("просмотр журнала класса", [
        *_each(("admin", "director"), SCHOOL), ("deputy", PARALLEL),
        ("class_teacher", OWN_CLASS), ("teacher", TEACHES_CLASS)]),
    "journal.edit": ("заполнение журнала урока", [("teacher", TEACHES_LESSON)]),
    "period_mark.edit": ("выставление отметок за период", [("teacher", TEACHES_CLASS)]),
    "attendance.class_day": ("учёт посещаемости класса за день", [("class_teacher", OWN_CLASS)]),
    "diary.view": ("просмотр дневника ученика", [
        ("parent", OWN_CHILD), ("student", SELF_PUPIL), ("class_teacher", OWN_CLASS),
        *_each(("admin", "director"), SCHOOL), ("deputy", PARALLEL)]),
    "timetable.view": ("просмотр расписания", [
        *_each(_ALL_STAFF, SCHOOL), ("parent", CHILD_CLASS), ("student", CHILD_CLASS)]),
    "timetable.edit": ("изменение расписания", [("admin", SCHOOL), ("deputy", PARALLEL)]),
    "substitution.manage": ("замены и изменения уроков", [("admin", SCHOOL), ("deputy", PARALLEL)]),
    "curriculum.edit": ("изменение учебного плана и нагрузки", [("admin", SCHOOL), ("deputy", PARALLEL)]),
    "calendar.edit": ("изменение учебного года, периодов и звонков", [("admin", SCHOOL)]),
    "lesson_plan.edit": ("ведение КТП", [("teacher", TEACHES_CLASS), ("deputy", PARALLEL)]),
    "roster.import": ("загрузка контингента", _each(("admin", "secretary"), SCHOOL)),
    "student.move": ("прибытие, выбытие и перевод учеников", _each(("admin", "secretary"), SCHOOL)),
    "subgroup.edit": ("деление класса на подгруппы", [
        ("class_teacher", OWN_CLASS), ("admin", SCHOOL), ("deputy", PARALLEL)]),
    "credentials.issue_staff": ("выдача реквизитов сотрудникам", [("admin", SCHOOL)]),
    "credentials.issue_pupil": ("выдача реквизитов ученикам и родителям", [
        ("class_teacher", OWN_CLASS), ("admin", SCHOOL)]),
    "indicators.view": ("просмотр показателей", [
        *_each(("admin", "director", "monitoring"), SCHOOL), ("deputy", PARALLEL),
        ("coordinator", MUNICIPALITY)]),
    "indicators.configure": ("изменение порогов и параметров показателей", _each(("admin", "director"), SCHOOL)),
    "indicators.drilldown": ("просмотр учеников и уроков за показателем", [
        *_each(("admin", "director"), SCHOOL), ("deputy", PARALLEL)]),
    "aggregate.view": ("просмотр сводной статистики", [
        *_each(("admin", "director", "monitoring"), SCHOOL), ("coordinator", MUNICIPALITY)]),
    "contingent.stats": ("статистика контингента (ОО-1)", _each(
        ("monitoring", "director", "admin", "secretary"), SCHOOL)),
    "control.run": ("внутришкольный контроль", [
        *_each(("admin", "director"), SCHOOL), ("deputy", PARALLEL)]),
    "control.review": ("ежемесячная проверка журнала директором", [("director", SCHOOL)]),
    # issue 19: the monthly check (5.10) and the end-of-period control (5.11), a deputy for their parallels
    "control.record": ("запись проверки журналов и контроля по итогам периода", [
        ("director", SCHOOL), ("deputy", PARALLEL)]),
    # issue 19: the school's required documents of 4.2 and 4.7
    "regdoc.view": ("обязательные документы школы об электронном журнале", _each(
        ("admin", "director", "deputy"), SCHOOL)),
    "regdoc.upload": ("загрузка обязательных документов школы", [("admin", SCHOOL)]),
    "regdoc.approve": ("утверждение обязательных документов школы", [("director", SCHOOL)]),
    "olympiad.edit": ("ввод результатов олимпиад", [("admin", SCHOOL), ("deputy", PARALLEL)]),
    # issue 19: results of final works and exams (2.2)
    "exam.edit": ("ввод результатов ВПР, ОГЭ и ЕГЭ", [("admin", SCHOOL), ("deputy", PARALLEL)]),
    "exam.view": ("просмотр результатов ВПР, ОГЭ и ЕГЭ по классам", [
        *_each(("admin", "director"), SCHOOL), ("deputy", PARALLEL), ("class_teacher", OWN_CLASS)]),
    "message.staff": ("сообщения сотрудникам школы", _each(_ALL_STAFF, SCHOOL)),
    # issue 8: to whom exactly a user may write is services/rules/messaging.may_write
    "message.use": ("переписка и уведомления", _each(_SCHOOL_ROLES, SCHOOL)),
    "document.view": ("просмотр документов школы", _each(_SCHOOL_ROLES, SCHOOL)),
    "announcement.publish": ("публикация объявлений", [
        *_each(("admin", "director", "editor"), SCHOOL), ("class_teacher", OWN_CLASS)]),
    "message.hide": ("скрытие сообщений", [("moderator", SCHOOL)]),
    "document.publish": ("публикация документов", _each(("site_admin", "editor"), SCHOOL)),
    # issue 19: a document served without sign-in on the school's public page (4.5)
    "document.public": ("открытые документы на сайте школы", [("site_admin", SCHOOL)]),
    # issue 19: the municipality's documents and announcements, read by its schools (4.1)
    "municipal.publish": ("документы и объявления муниципалитета", [("coordinator", MUNICIPALITY)]),
    "correction.create": ("сообщение о неточных данных", _each(
        tuple(r for r in ROLE_TITLES if r != "coordinator"), SCHOOL)),
    "correction.resolve": ("исправление данных по заявкам", [("admin", SCHOOL)]),
    "consent.manage": ("учёт согласий на обработку данных", [
        *_each(("admin", "secretary"), SCHOOL), ("class_teacher", OWN_CLASS)]),
    "backup.run": ("резервное копирование", [("admin", SCHOOL)]),
    "health.view": ("состояние системы", [("admin", SCHOOL)]),
    "year.close": ("закрытие учебного года", [("admin", SCHOOL)]),
    "report.mark_changes": ("отчёт об изменениях отметок", [("admin", SCHOOL)]),
    "report.attestation": ("сводная ведомость промежуточной и итоговой аттестации", [
        *_each(("admin", "director"), SCHOOL), ("deputy", PARALLEL), ("class_teacher", OWN_CLASS),
        ("teacher", TEACHES_CLASS)]),
    "report.weekly_sheet": ("сводная ведомость ученика за период (для родителей)", [
        *_each(("admin", "director"), SCHOOL), ("deputy", PARALLEL), ("class_teacher", OWN_CLASS),
        ("teacher", TEACHES_CLASS)]),
    "report.class_progress": ("отчёт классного руководителя об успеваемости и посещаемости", [
        *_each(("admin", "director"), SCHOOL), ("deputy", PARALLEL), ("class_teacher", OWN_CLASS)]),
    "year.archive": ("архив журналов учебного года", [("admin", SCHOOL)]),
    # issue 16: the paper journal on demand (a class and subject, or a whole class, as a PDF)
    "journal.print": ("журнал в виде бумажного (PDF)", [
        ("director", SCHOOL), ("deputy", PARALLEL), ("class_teacher", OWN_CLASS), ("teacher", TEACHES_CLASS)]),
    "journal.print_class": ("журнал всего класса в виде бумажного (PDF)", [
        ("director", SCHOOL), ("deputy", PARALLEL), ("class_teacher", OWN_CLASS)]),
    # issue 15: work types, the first week's checklist
    "worktype.view": ("просмотр видов работ", _each(("admin", "director", "deputy"), SCHOOL)),
    "worktype.edit": ("изменение видов работ", [("admin", SCHOOL)]),
    "setup.view": ("готовность школы к работе", _each(("admin", "director"), SCHOOL)),
    # issue 16: notifications by e-mail — the school's mail server; an account's own letters; letters
    # about a pupil only to a parent of that pupil or the pupil; correction requests only to staff
    "mail.settings": ("настройка почтового сервера школы", [("admin", SCHOOL)]),
    "mail.subscribe": ("уведомления на электронную почту", _each(_SCHOOL_ROLES, SCHOOL)),
    "mail.child": ("письма об отметках, заданиях и пропусках ученика", [
        ("parent", OWN_CHILD), ("student", SELF_PUPIL)]),
    "mail.staff": ("письма о заявках на исправление данных", _each(_ALL_STAFF, SCHOOL)),
}


# The columns of a class list, each shown to whoever may do its action on the class (one place:
# services/people/rosters.class_roster blanks the others). A subject teacher gets the names and
# subgroups; those who keep the pupils' personal data (class teacher of the class, secretary,
# administrator) also the birth dates, the guardians' contacts, the logins and the СНИЛС.
ROSTER_COLUMNS = {
    "name": "student.view",      # ФИО, в классе с, подгруппы
    "contacts": "student.edit",  # дата рождения, пол, логины, родители: телефоны и почта
    "snils": "student.edit",     # СНИЛС
}


def roster_columns(actor: Actor, target: Target) -> frozenset[str]:
    """The column groups of ROSTER_COLUMNS this actor may see in the class list of `target`."""
    return frozenset(col for col, action in ROSTER_COLUMNS.items() if allowed(actor, action, target))


def title(action: str) -> str:
    return RULES[action][0]


def decide(actor: Actor, action: str, target: Target) -> Decision:
    """May this actor do this action on this thing? A pure function of plain values."""
    if action not in RULES:
        return Decision(False, f"Неизвестное действие «{action}».")
    what, rules = RULES[action]
    if actor.is_system:
        return Decision(True)
    for grant in actor.grants:
        for role, scope in rules:
            if grant.role == role and scope(actor, grant, target):
                return Decision(True)
    return Decision(False, _denial_message(actor, what, rules, target))


# The roles of an account that an action may reach (absent: every role held in a school):
# a class teacher hands over pupils' and parents' credentials, never a staff member's, even
# when that staff member is also a parent in the class.
ACCOUNT_ROLES: dict[str, frozenset[str]] = {"credentials.issue_pupil": frozenset({"student", "parent"})}


def decide_account(actor: Actor, action: str, account: tuple[Target, ...] | list[Target]) -> Decision:
    """May the actor act on a whole account (give it a role, reset its password, hand over its
    credentials, disable it)? `account` lists every place the account belongs to: each active
    role and each person record (staff, pupil, parent), as a school or a municipality.

    Only when the actor holds a role for `action` in every one of those places: a password reset
    in one school hands over the account everywhere, so a shared account (a teacher in two
    schools) is reset only by someone whose scope covers all of it, and an account of the
    municipality (the coordinator) by the operator alone."""
    what, rules = RULES[action]
    if actor.is_system:
        return Decision(True)
    roles = {r for r, _ in rules}
    if not account:
        return Decision(False, f"Недостаточно прав: {what}. Учётная запись не относится к вашей школе.")
    for place in account:
        if action in ACCOUNT_ROLES and place.role not in ACCOUNT_ROLES[action]:
            title = ROLE_TITLES.get(place.role or "", "Сотрудник")
            return Decision(False, f"Недостаточно прав: {what}. У учётной записи есть роль «{title}»: "
                                   "её реквизиты выдаёт администратор школы.")
        covered = any(
            g.role in roles and (g.school_id == place.school_id if place.school_id is not None
                                 else g.municipality_id is not None and g.municipality_id == place.municipality_id)
            for g in actor.grants)
        if not covered:
            return Decision(False, f"Недостаточно прав: {what}. Учётная запись относится и к другой школе "
                                   "или к муниципалитету; менять её может только тот, чьи права "
                                   "распространяются на все её роли.")
    return Decision(True)


def require_account(actor: Actor, action: str, account: tuple[Target, ...] | list[Target],
                    target: Target) -> None:
    """As require(), for an action on a whole account (see decide_account); `target` says
    which account for the audit."""
    decision = decide_account(actor, action, account)
    if not decision.allowed:
        raise refusal(actor, action, target, decision.message)


def _denial_message(actor: Actor, what: str, rules, target: Target) -> str:
    allowed_roles = {r for r, _ in rules}
    mine = [g for g in actor.grants if g.role in allowed_roles]
    if not mine:
        names = ", ".join(sorted({ROLE_TITLES[g.role] for g in actor.grants})) or "нет ролей"
        return f"Недостаточно прав: {what}. Это действие не разрешено вашей роли ({names})."
    if target.school_id is not None and all(
            g.school_id != target.school_id and g.municipality_id != target.municipality_id
            for g in mine):
        return f"Недостаточно прав: {what}. Эти данные относятся к другой школе."
    if target.student_id is not None and actor.has_role("parent") and not actor.staff_ids:
        return f"Недостаточно прав: {what}. Вы можете видеть только данные своих детей."
    if target.student_id is not None and actor.has_role("student") and not actor.staff_ids:
        return f"Недостаточно прав: {what}. Ученик видит только свои данные."
    return f"Недостаточно прав: {what}. Это вне вашего класса, предмета или параллели."


def allowed(actor: Actor, action: str, target: Target) -> bool:
    return decide(actor, action, target).allowed


def can_ever(actor: Actor, action: str) -> bool:
    """Does the actor hold any role that the action is granted to (for building the menu)?"""
    roles = {r for r, _ in RULES[action][1]}
    return any(g.role in roles for g in actor.grants)


def schools_for(actor: Actor, action: str) -> list[int]:
    """The schools in which the actor may do `action` at school level."""
    roles = {r for r, _ in RULES[action][1]}
    return sorted({g.school_id for g in actor.grants if g.role in roles and g.school_id is not None})


def require(actor: Actor, action: str, target: Target) -> None:
    """Raise AccessDenied (and audit the denial in its own transaction) unless allowed."""
    decision = decide(actor, action, target)
    if not decision.allowed:
        raise refusal(actor, action, target, decision.message)


def refusal(actor: Actor, action: str, target: Target, message: str) -> AccessDenied:
    """A denial found by a service beyond the table (a pupil who is not in the class, a message
    nobody reported, …): the AccessDenied to raise, audited like every denial of require() —
    at once when no write transaction is open, else once it has rolled back."""
    from models.db import in_write_transaction  # late imports: decide() stays free of the database
    from services.core import audit

    def record() -> None:
        audit.record_now(actor, "access.denied", school_id=target.school_id, entity=target.entity or action,
                         entity_id=target.entity_id if target.entity_id is not None else "",
                         detail=f"{action}: {message}")

    error = AccessDenied(message, record)
    if not in_write_transaction():
        error.after_rollback()
    return error


def require_in_school(actor: Actor, action: str, target: Target) -> None:
    """Before any work in the school of `target` (such as reading an uploaded file): the actor
    holds a role for `action` there, at least for a part of it (a parallel, a class). The
    checks of each row or class still follow; a denial is audited as by `require`."""
    if actor.is_system or target.school_id in schools_for(actor, action) or allowed(actor, action, target):
        return
    require(actor, action, target)
