"""Streamlit glue: who is signed in, the session cookie, OpenID Connect, the menu of pages.

`app.py` calls `current_actor()` once per run and builds `st.navigation` from `menu(actor)`;
every page starts with `page_start(ACTION)`, which asks the policy and stops the page with the
Russian message of the denial. Session state holds only the session token and ids (the chosen
school, the chosen municipality); the actor is rebuilt from the database on every run, so a
revoked role or a disabled account takes effect at the next click.

Why the session cookie is safe
------------------------------
Streamlit sets no cookie of its own for a signed-in user, so the portal keeps one: after a
sign-in the page's own script writes `portal_session=<token>; Path=/; Max-Age=43200;
SameSite=Strict` (plus `Secure` with PORTAL_COOKIE_SECURE=1), and a new browser session (a
reload, a new tab) reads it back through `st.context.cookies` and calls `auth.resume(token)`.

* The cookie holds only a random token, 256 bits from `secrets.token_urlsafe(32)`. The
  database keeps only its SHA-256 (services/core/auth.py), so a copy of the database or a backup
  does not yield a usable session.
* Everything that matters is decided on the server: `auth.resume` enforces the idle (30 min)
  and absolute (12 h) limits on every run, and a session ends for good on sign-out, a password
  change or reset, or when the account is disabled. An old or stolen token of an ended session
  opens nothing; the cookie's own Max-Age is only housekeeping.
* SameSite=Strict: the browser never attaches the cookie to a request started by another
  site, so no cross-site request can ride on the session. Streamlit reads cookies from the
  WebSocket handshake of its own page, which is same-origin.
* The cookie cannot be HttpOnly (Streamlit offers no way to set response headers; a script
  of the page sets it), so script injection is the one way to read it, and the portal renders
  no user-supplied HTML unescaped: names, topics and messages go through Streamlit's text
  elements or `md()` below, never `unsafe_allow_html`. The only script is the cookie line,
  a constant script (allowed by its hash in the Content-Security-Policy of deploy/nginx.conf)
  that copies its data attribute, built from the token (URL-safe base64, checked by `_TOKEN_RE`)
  and HTML-escaped.
* OpenID Connect: `st.login` keeps the provider's identity in Streamlit's own signed cookie
  for 30 days. The portal accepts an identity only within 10 minutes of its issue (`iat`)
  and only once, and attaches it to a signed-in account only after that account asked for it
  on «Мой профиль». So a lingering identity can neither sign anybody in later nor attach
  itself to the next person who signs in with a password on the same computer.
"""
from __future__ import annotations

import hashlib
import html
import importlib
import io
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Literal

import pandas as pd
import streamlit as st
from sqlmodel import select

from models import RoleGrant, SchoolClass, User
from models.db import reading
from services.core import audit, auth, clock, config, policy, school_settings
from services.people import rosters
from services.core.actor import Actor
from services.core.auth import SignInError
from services.core.policy import AccessDenied, Target
from services.core.roles import ROLE_TITLES
from services.core.schools import list_schools, school_target

COOKIE_NAME = "portal_session"
TOKEN_KEY = "portal_token"            # session state: the session token
SCHOOL_KEY = "portal_school_id"       # session state: the chosen school (an id)
MUNICIPALITY_KEY = "portal_municipality_id"
NOTICE_KEY = "portal_notice"          # session state: one message for the next run (kind, text)
TO_START_KEY = "portal_to_start"      # session state: the sign-in after a password change opens the start page
OIDC_PROVIDER = "esia"
OIDC_FRESH_SECONDS = 600              # an identity older than this is not accepted
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")

Scope = Literal["school", "municipality", "self"]


# ---------------------------------------------------------------- the page registry
@dataclass(frozen=True)
class PageSpec:
    """One screen of the menu: what the policy must allow for it to be listed and opened.

    A page is either a script under pages/ (`file`, starting with `page_start(action)`) or a
    module with a function (`render="pages.x:render"`, called as render(actor, scope_id) after
    the wrapper has asked the policy)."""
    key: str                 # the URL path
    title: str
    action: str              # an action of policy.RULES
    scope: Scope = "school"
    section: str = ""
    icon: str | None = None
    file: str | None = None
    render: str | None = None

    def visible(self, actor: Actor, school_id: int | None, municipality_id: int | None) -> bool:
        if not policy.can_ever(actor, self.action):
            return False
        if self.scope == "school":
            return school_id is not None and school_id in policy.schools_for(actor, self.action)
        if self.scope == "municipality":
            return municipality_id is not None
        return True

    def page(self, *, title: str | None = None, url_path: str | None = None, default: bool = False,
             hidden: bool = False) -> st.Page:
        target = self.file if self.file else _render_page(self)
        return st.Page(target, title=title or self.title, icon=self.icon, url_path=url_path or self.key,
                       default=default, visibility="hidden" if hidden else "visible")


def _render_page(spec: PageSpec) -> Callable[[], None]:
    def run() -> None:
        actor, scope_id = page_start(spec.action, spec.scope)
        module_name, function = spec.render.split(":")
        getattr(importlib.import_module(module_name), function)(actor, scope_id)
    run.__name__ = f"page_{spec.key}"
    return run


WORK, ADMIN, ACCOUNT = "Работа", "Администрирование", "Учётная запись"
COMMS = "Общение"  # issue 8

SIGN_IN = PageSpec("sign-in", "Вход", "profile.edit", "self", file="pages/account/sign_in.py", icon=":material/login:")
PROFILE = PageSpec("profile", "Мой профиль", "profile.edit", "self", ACCOUNT, ":material/person:",
                   file="pages/account/my_profile.py")

PAGES: tuple[PageSpec, ...] = (
    # this issue: accounts, settings, the audit log
    PageSpec("users", "Пользователи и роли", "user.view", "school", ADMIN, ":material/manage_accounts:",
             file="pages/people/users_roles.py"),
    PageSpec("settings", "Настройки школы", "settings.view", "school", ADMIN, ":material/settings:",
             file="pages/admin/school_settings.py"),
    PageSpec("audit", "Журнал событий", "audit.view", "school", ADMIN, ":material/history:",
             file="pages/admin/audit_log.py"),
    # screens of other issues (modules with render(actor, school_id)), listed when the role has them
    PageSpec("mark-changes", "Изменения отметок", "report.mark_changes", "school", ADMIN, ":material/edit_note:",
             render="pages.reports.mark_changes:render"),
    PageSpec("archive", "Архив учебного года", "year.archive", "school", ADMIN, ":material/inventory_2:",
             render="pages.reports.archive_year:render"),
    # issue 5: rosters
    PageSpec("import", "Загрузка из Excel", "roster.import", "school", ADMIN, ":material/upload_file:",
             render="pages.people.rosters_import:render"),
    PageSpec("movement", "Движение учащихся", "student.move", "school", ADMIN, ":material/swap_horiz:",
             render="pages.people.rosters_movement:render"),
    PageSpec("year-close", "Закрытие учебного года", "year.close", "school", ADMIN, ":material/event_available:",
             render="pages.planning.year_close:render"),
    PageSpec("health", "Состояние системы", "health.view", "school", ADMIN, ":material/monitor_heart:",
             render="pages.admin.system_health:render"),
    # issue 15: work types, the first week's checklist
    PageSpec("work-types", "Виды работ", "worktype.view", "school", ADMIN, ":material/category:",
             render="pages.planning.work_types:render"),
    PageSpec("first-week", "Первая неделя", "setup.view", "school", ADMIN, ":material/checklist:",
             render="pages.admin.first_week:render"),
    # issue 19: the school's required documents of 4.2 and 4.7
    PageSpec("required-docs", "Документы о журнале", "regdoc.view", "school", ADMIN, ":material/task:",
             render="pages.admin.required_docs:render"),
    # issue 8: the correction queue and moderation (administration section)
    PageSpec("corrections", "Заявки на исправление", "correction.resolve", "school", ADMIN,
             ":material/rule:", render="pages.comms.corrections:render_queue"),
    PageSpec("moderation", "Модерация сообщений", "message.hide", "school", ADMIN, ":material/shield:",
             render="pages.comms.moderation:render"),
    # issue 4: the school year (periods, holidays, bells)
    PageSpec("school-year", "Учебный год", "calendar.edit", "school", ADMIN, ":material/date_range:",
             render="pages.planning.school_year:render"),
    # issue 3: the teacher's journal grid and to-do (overdue entries, each a link into the journal)
    PageSpec("journal", "Журнал", "journal.view", "school", WORK, ":material/edit_square:",
             render="pages.journal.teacher_journal:render"),
    PageSpec("todo", "Мои задачи", "journal.edit", "school", WORK, ":material/pending_actions:",
             render="pages.journal.teacher_todo:render"),
    # issue 3: the diary (parents, pupils, and staff who may read it) and the class teacher's view
    PageSpec("diary", "Дневник", "diary.view", "school", WORK, ":material/auto_stories:",
             render="pages.journal.pupil_diary:render"),
    PageSpec("class", "Мой класс", "attendance.class_day", "school", WORK, ":material/diversity_3:",
             render="pages.journal.class_teacher:render"),
    # issue 5: the class's pupils and guardians, subgroups, credentials
    PageSpec("pupils", "Ученики и родители", "student.edit", "school", WORK, ":material/badge:",
             render="pages.people.rosters_classes:render"),
    PageSpec("subgroups", "Подгруппы", "subgroup.edit", "school", WORK, ":material/call_split:",
             render="pages.people.rosters_subgroups:render"),
    PageSpec("credentials", "Выдача реквизитов", "credentials.issue_pupil", "school", WORK, ":material/key:",
             render="pages.people.rosters_credentials:render"),
    PageSpec("indicators", "Показатели школы", "indicators.view", "school", WORK, ":material/monitoring:",
             render="pages.control.indicators_dashboard:render"),
    PageSpec("control", "Внутришкольный контроль", "control.run", "school", WORK, ":material/fact_check:",
             render="pages.control.plan:render"),
    PageSpec("class-report", "Отчёт классного руководителя", "report.class_progress", "school", WORK,
             ":material/groups:", render="pages.reports.class_progress:render"),
    PageSpec("attestation", "Сводная ведомость", "report.attestation", "school", WORK, ":material/table:",
             render="pages.reports.attestation:render"),
    PageSpec("weekly-sheet", "Ведомость для родителей", "report.weekly_sheet", "school", WORK,
             ":material/description:", render="pages.reports.weekly:render"),
    PageSpec("olympiad-results", "Олимпиады", "olympiad.edit", "school", WORK, ":material/emoji_events:",
             render="pages.control.olympiads:render"),
    # issue 19: results of ВПР, ОГЭ, ЕГЭ (2.2)
    PageSpec("exam-results", "ВПР, ОГЭ, ЕГЭ", "exam.view", "school", WORK, ":material/assignment_turned_in:",
             render="pages.reports.exam_results:render"),
    PageSpec("fsn", "Мониторинг ФСН", "contingent.stats", "school", WORK, ":material/query_stats:",
             render="pages.reports.fsn_monitoring:render"),
    PageSpec("municipal-schools", "Школы муниципалитета", "aggregate.view", "municipality", WORK,
             ":material/location_city:", render="pages.control.municipality:render"),
    # issue 19: the municipality's documents and announcements (4.1)
    PageSpec("municipal-documents", "Документы муниципалитета", "municipal.publish", "municipality", COMMS,
             ":material/account_balance:", render="pages.comms.municipal_documents:render"),
    # issue 4: the timetable (views for everybody who may see it; the editor for deputies and admins)
    PageSpec("timetable", "Расписание", "timetable.view", "school", WORK, ":material/calendar_month:",
             render="pages.planning.timetable_view:render"),
    PageSpec("timetable-editor", "Редактор расписания", "timetable.edit", "school", WORK,
             ":material/edit_calendar:", render="pages.planning.timetable_edit:render"),
    # issue 4: substitutions, lessons from the timetable (and its import), curriculum, КТП
    PageSpec("substitutions", "Замены и изменения", "substitution.manage", "school", WORK,
             ":material/swap_calls:", render="pages.planning.timetable_substitutions:render"),
    PageSpec("timetable-lessons", "Уроки из расписания", "timetable.edit", "school", WORK,
             ":material/event_repeat:", render="pages.planning.timetable_lessons:render"),
    PageSpec("curriculum", "Учебный план и нагрузка", "curriculum.edit", "school", WORK,
             ":material/menu_book:", render="pages.planning.curriculum_plan:render"),
    PageSpec("lesson-plans", "КТП", "lesson_plan.edit", "school", WORK, ":material/list_alt:",
             render="pages.planning.lesson_plans:render"),
    # issue 8: consents (work: class teachers keep those of their class), then messages, announcements,
    # documents, correction requests
    PageSpec("consents", "Согласия на обработку данных", "consent.manage", "school", WORK,
             ":material/verified_user:", render="pages.people.consents:render"),
    PageSpec("messages", "Сообщения", "message.use", "school", COMMS, ":material/mail:",
             render="pages.comms.inbox:render"),
    PageSpec("announcements", "Объявления", "message.use", "school", COMMS, ":material/campaign:",
             render="pages.comms.announcements:render"),
    PageSpec("documents", "Документы", "document.view", "school", COMMS, ":material/article:",
             render="pages.comms.documents:render"),
    PageSpec("report-error", "Сообщить о неточности", "correction.create", "school", COMMS,
             ":material/report:", render="pages.comms.corrections:render_form"),
    # issue 16: notifications by e-mail
    PageSpec("mail-settings", "Почта и уведомления", "mail.settings", "school", ADMIN, ":material/outgoing_mail:",
             render="pages.admin.mail_settings:render"),
    PageSpec("notifications", "Уведомления на почту", "mail.subscribe", "school", ACCOUNT,
             ":material/notifications:", render="pages.account.mail_subscriptions:render"),
    PROFILE,
)


# The menu's sections, the same words as SPEC.md and the folders, in this order; within a
# section the pages a person opens most come first. A page not named here keeps its own section
# and comes last in it.
PEOPLE, PLANNING, REPORTS, CONTROL = "Ученики и сотрудники", "Планирование", "Отчёты", "Контроль"
MENU: tuple[tuple[str, tuple[str, ...]], ...] = (
    (WORK, ("journal", "todo", "class", "diary", "timetable")),
    (PEOPLE, ("pupils", "subgroups", "credentials", "import", "movement", "users", "consents")),
    (PLANNING, ("timetable-editor", "substitutions", "timetable-lessons", "curriculum", "lesson-plans",
                "school-year", "work-types", "year-close")),
    (REPORTS, ("attestation", "exam-results", "weekly-sheet", "class-report", "mark-changes", "fsn", "archive")),
    (CONTROL, ("indicators", "control", "olympiad-results", "municipal-schools")),
    (COMMS, ("messages", "announcements", "documents", "municipal-documents", "report-error", "corrections",
             "moderation")),
    (ADMIN, ("first-week", "settings", "mail-settings", "required-docs", "audit", "health")),
    (ACCOUNT, ("profile", "notifications")),
)
_SECTION_OF = {key: section for section, keys in MENU for key in keys}
_RANK = {key: i for i, key in enumerate(k for _, keys in MENU for k in keys)}
_SECTION_RANK = {section: i for i, (section, _) in enumerate(MENU)}


def section_of(spec: PageSpec) -> str:
    return _SECTION_OF.get(spec.key, spec.section)


def menu_specs(actor: Actor, school_id: int | None, municipality_id: int | None) -> list[PageSpec]:
    """The pages the actor may open in the chosen school, in menu order (by section, the
    most-used first)."""
    specs = [spec for spec in PAGES if spec.visible(actor, school_id, municipality_id)]
    specs.sort(key=lambda s: (_SECTION_RANK.get(section_of(s), len(MENU)), _RANK.get(s.key, len(_RANK))))
    start = start_page(actor, specs)
    if start is not None:  # the section of the role's everyday screen comes first
        specs.sort(key=lambda s: section_of(s) != section_of(start))
    return specs


# The screen each role starts on (its everyday work), by the first of the actor's roles in this
# order that has its page in the menu; otherwise the first page of the menu.
START_PAGES = (("teacher", "journal"), ("class_teacher", "class"), ("parent", "diary"), ("student", "diary"),
               ("deputy", "indicators"), ("director", "indicators"), ("admin", "users"), ("secretary", "import"),
               ("coordinator", "municipal-schools"), ("monitoring", "fsn"), ("site_admin", "documents"),
               ("editor", "documents"), ("moderator", "moderation"))


def start_page(actor: Actor, specs: list[PageSpec]) -> PageSpec | None:
    keys = {spec.key: spec for spec in specs}
    roles = {g.role for g in actor.grants}
    for role, key in START_PAGES:
        if role in roles and key in keys:
            return keys[key]
    return specs[0] if specs else None


START_PATH = "start"  # the address the start page reserves; it is served at the root


def menu(actor: Actor) -> dict[str, list[st.Page]]:
    """The sections of the actor's menu for the chosen school; the role's start page is the default.

    Streamlit serves the default page at the root only: its own address (a bookmark of /journal,
    a reload, a sign-in that began at /journal) would open it under «Page not found». So the
    start page also has a hidden twin at its own address."""
    sections: dict[str, list[st.Page]] = {}
    specs = menu_specs(actor, chosen_school(actor), chosen_municipality(actor))
    start = start_page(actor, specs)
    if start is not None:  # the section of the role's everyday screen comes first
        sections[section_of(start)] = []
    for spec in specs:
        page = spec.page(url_path=START_PATH, default=True) if spec is start else spec.page()
        sections.setdefault(section_of(spec), []).append(page)
    if start is not None:
        sections[section_of(start)].append(start.page(hidden=True))
    if not sections:  # no role at all: only the notice and «Выйти»
        sections[""] = [st.Page(_no_roles, title="Нет доступа", url_path="no-access", default=True)]
    next(iter(sections.values())).append(public_page())  # a public link opens for the signed-in too
    return sections


def public_page(hidden: bool = True) -> st.Page:
    """The school's public documents (issue 19, 4.5): served to everybody, signed in or not, at
    /public?school=ID — the address a school links from its website (pages/public.py: the file's
    name is its address, so that the first request after a restart, which Streamlit still routes by
    the pages/ folder, finds it too and shows no «Page not found»)."""
    from services.comms.documents import PUBLIC_PATH
    return st.Page("pages/public.py", title="Документы школы", icon=":material/public:",
                   url_path=PUBLIC_PATH, visibility="hidden" if hidden else "visible")


def public_page_ref() -> st.Page | None:
    """The public page for st.page_link; None when the script runs outside app.py."""
    from streamlit.errors import StreamlitPageNotFoundError
    try:
        return public_page()
    except StreamlitPageNotFoundError:
        return None


def sign_in_pages() -> list[st.Page]:
    """The sign-in page, also under every page's address: a reload of /users while signed out
    shows the sign-in form, and after signing in the same address opens the page. The school's
    public documents are open without signing in."""
    pages = [SIGN_IN.page(url_path="sign-in", default=True)]
    pages += [SIGN_IN.page(url_path=spec.key, hidden=True) for spec in PAGES]
    pages.append(public_page())
    return pages


def page_ref(spec: PageSpec) -> st.Page | None:
    """A page of the menu for st.page_link: Streamlit finds the registered page by its address
    (and checks that a file page names the same file). None for a file page when the script
    runs outside app.py (a screen rendered on its own in a test)."""
    if spec.file:
        from streamlit.errors import StreamlitPageNotFoundError
        try:
            return spec.page()
        except StreamlitPageNotFoundError:
            return None
    return st.Page(lambda: None, title=spec.title, icon=spec.icon, url_path=spec.key)


def first_run_pages() -> list[st.Page]:
    """The first-run screen (issue 15), under every address, while the database has no account."""
    pages = [st.Page("pages/admin/first_run.py", title="Первый запуск", url_path="first-run", default=True)]
    pages += [st.Page("pages/admin/first_run.py", title="Первый запуск", url_path=key, visibility="hidden")
              for key in ("sign-in", *(spec.key for spec in PAGES))]
    return pages


def mail_link_requested() -> bool:
    """Is this the link of a letter (confirming an address, unsubscribing)? Opened without sign-in."""
    return bool(st.query_params.get("confirm") or st.query_params.get("unsubscribe"))


def mail_link_pages() -> list[st.Page]:
    """The page of the letters' links, at the root and at /mail (the address the letters use)."""
    return [st.Page("pages/account/mail_link.py", title="Уведомления на почту", url_path="mail-link", default=True),
            st.Page("pages/account/mail_link.py", title="Уведомления на почту", url_path="mail", visibility="hidden")]


def first_run_needed() -> bool:
    from services.setup import first_run
    return first_run.needed()


def password_pages() -> list[st.Page]:
    """Only the change of the issued password, under every address, until it is changed."""
    pages = [PROFILE.page(title="Смена пароля", url_path="profile", default=True)]
    pages += [PROFILE.page(title="Смена пароля", url_path=spec.key, hidden=True)
              for spec in PAGES if spec is not PROFILE]
    pages.append(public_page())
    return pages


def page_failed(page: st.Page, error: BaseException, actor: Actor | None) -> None:
    """An unexpected exception of a page: noted for «Состояние системы» (services/core/health.py);
    app.py then lets Streamlit show it as usual. Never raises."""
    from services.core import health
    try:
        school_id = chosen_school(actor) if actor is not None else None
    except Exception:
        school_id = None
    health.record_error(f"page /{getattr(page, 'url_path', '')}", error, actor=actor, school_id=school_id)


def _no_roles() -> None:
    st.title("Нет доступа")
    st.info("У вашей учётной записи нет ни одной роли. Обратитесь к администратору школы.")


# ---------------------------------------------------------------- who is signed in
_run = threading.local()  # the actor of the current run of this session's script thread


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def _cookie_token() -> str | None:
    value = st.context.cookies.get(COOKIE_NAME)
    return value if isinstance(value, str) and _TOKEN_RE.match(value) else None


def current_actor() -> Actor | None:
    """Who is signed in: from the session token in session state, else from the cookie; then a
    fresh OpenID Connect identity, when there is one. Called once per run by app.py."""
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    actor = auth.resume(token) if token else None
    if actor is None:
        token = None
        st.session_state.pop(TOKEN_KEY, None)
    claims = _fresh_identity()
    if claims is not None:
        actor, token = _use_identity(claims, actor, token)
    if actor is not None:
        st.session_state[TOKEN_KEY] = token
    _run.actor, _run.session = actor, _session_id()
    return actor


def signed_in_actor() -> Actor | None:
    """The actor app.py found for this run (without another trip to the database)."""
    if getattr(_run, "session", None) == _session_id() and hasattr(_run, "actor"):
        return _run.actor
    return current_actor()


def query_id(name: str) -> int | None:
    """The id in the address's `?name=`: None when absent, and a warning (the parameter is
    ignored) when it is anything but a whole number from 1 to 2147483647 (rules/ids.py). Every
    page reads ids from the address through this one helper."""
    from services.rules.ids import MAX_ID, parse_id
    raw = st.query_params.get(name)
    if raw is None or str(raw) == "":
        return None
    value = parse_id(raw)
    if value is None:
        st.warning(f"Ссылка неверна: «{name}» должен быть номером (целым числом от 1 до {MAX_ID}); "
                   "он не учтён.")
    return value


def client_address() -> str:
    """The address a sign-in attempt counts against: the connection's, or the X-Forwarded-For
    hop written by a proxy listed in PORTAL_TRUSTED_PROXIES (rules/sign_in.client_address)."""
    from services.rules.sign_in import client_address as pick, parse_proxies
    try:
        # every X-Forwarded-For header, in order: the right-most hop is the proxy's own
        peer, forwarded = st.context.ip_address, ", ".join(st.context.headers.get_all("X-Forwarded-For"))
    except Exception:  # no browser session (bare mode)
        peer, forwarded = None, None
    return pick(peer, forwarded, parse_proxies(config.get("PORTAL_TRUSTED_PROXIES")))


def after_sign_in() -> None:
    """The run after a successful sign-in: the address it began at opens its page (a bookmark,
    a reload), except after a password change, whose address is «Мой профиль»'s: then the role's
    start page (at the root, the default of every menu). Does not return."""
    if st.session_state.pop(TO_START_KEY, False):
        st.switch_page(sign_in_pages()[0])
    st.rerun()


def sign_in(login: str, password: str) -> Actor:
    """Check the password (raises SignInError) and keep the new session's token."""
    signed = auth.sign_in(login, password, client_address())
    st.session_state[TOKEN_KEY] = signed.token
    _run.actor, _run.session = signed.actor, _session_id()
    return signed.actor


def sign_out(notice: tuple[str, str] | None = None) -> None:
    """End the server session, forget the token (the cookie is cleared on the next run) and, if
    the browser also holds a provider identity, drop it with st.logout(). Does not return."""
    token = st.session_state.pop(TOKEN_KEY, None) or _cookie_token()
    auth.sign_out(token)
    for key in (SCHOOL_KEY, MUNICIPALITY_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if st.user.get("is_logged_in") is True:
        st.logout()  # a new browser session follows; the stale cookie is cleared there
        st.stop()
    st.rerun()


def change_password(actor: Actor, old: str, new: str, repeat: str) -> None:
    """Change the password (raises SignInError); every session ends, so sign in again."""
    if new != repeat:
        raise SignInError("Новый пароль и его повтор не совпадают.")
    auth.change_password(actor, old, new)
    st.session_state[TO_START_KEY] = True
    sign_out(("success", "Пароль изменён. Войдите с новым паролем."))


# ---------------------------------------------------------------- the cookie
# The script's text never changes (the cookie travels in its data attribute), so the
# Content-Security-Policy of deploy/nginx.conf allows exactly this script by its SHA-256 and no other
# inline script (tests/unit/test_csp.py keeps the two in step).
COOKIE_JS = "document.cookie = document.currentScript.dataset.cookie;"


def _cookie_script(value: str, max_age: int) -> str:
    parts = [f"{COOKIE_NAME}={value}", "Path=/", f"Max-Age={max_age}", "SameSite=Strict"]
    if config.get("PORTAL_COOKIE_SECURE") == "1":
        parts.append("Secure")
    return f'<script data-cookie="{html.escape("; ".join(parts), quote=True)}">{COOKIE_JS}</script>'


def cookie_script(actor: Actor | None) -> str | None:
    """The script that brings the browser's cookie in line with this session, if it differs."""
    present = _cookie_token()
    token = st.session_state.get(TOKEN_KEY)
    if actor is not None and token and token != present and _TOKEN_RE.match(token):
        return _cookie_script(token, config.get_int("PORTAL_SESSION_MAX_HOURS") * 3600)
    if actor is None and isinstance(st.context.cookies.get(COOKIE_NAME), str):
        return _cookie_script("", 0)
    return None


def sync_cookie(actor: Actor | None) -> None:
    """Set the cookie after a sign-in, clear it after the session ended (called by app.py)."""
    script = cookie_script(actor)
    if script:
        st.html(script, unsafe_allow_javascript=True, width="content")


_UNSAVED_JS = None


def unsaved_js() -> str:
    """The text of the unsaved-edits script (constant: deploy/nginx.conf allows it by its hash)."""
    global _UNSAVED_JS
    if _UNSAVED_JS is None:
        from pathlib import Path
        _UNSAVED_JS = Path(__file__).with_name("web_unsaved.js").read_text(encoding="utf-8")
    return _UNSAVED_JS


def inline_scripts() -> tuple[str, ...]:
    """Every inline script the portal puts on a page: the Content-Security-Policy allows exactly
    these by their SHA-256 (tests/unit/test_csp.py)."""
    return (COOKIE_JS, unsaved_js())


def unsaved_guard() -> None:
    """Count a grid's unsaved cells in the browser and ask before leaving with some (the page
    puts an element with class `portal-unsaved` and a data-key that changes after a save). On
    any page with a table in a form it also holds a click on the form's submit button until the
    table has handed its last typed cell to the form (without the element, nothing is counted)."""
    st.html(f"<script>{unsaved_js()}</script>", unsafe_allow_javascript=True, width="content")


# ---------------------------------------------------------------- OpenID Connect (ЕСИА)
_lock = threading.Lock()
_consumed: dict[tuple[str, int], float] = {}   # (sub, iat) of identities already used
_link_requests: dict[str, float] = {}          # sha256(token) → until when linking was asked for


def oidc_configured() -> bool:
    """Is there an [auth] section with the «esia» provider in .streamlit/secrets.toml?"""
    try:
        section = st.secrets.get("auth") or {}
    except Exception:  # no secrets file at all
        return False
    provider = section.get(OIDC_PROVIDER) or {}
    return bool(section.get("redirect_uri") and section.get("cookie_secret") and provider.get("client_id"))


def oidc_sign_in() -> None:
    """Go to the provider (the browser leaves the page and comes back to a new session)."""
    st.login(OIDC_PROVIDER)


def oidc_link(actor: Actor) -> None:
    """Ask to attach a provider identity to the signed-in account, then go to the provider."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return
    now = time.time()
    with _lock:
        _link_requests[_token_key(token)] = now + OIDC_FRESH_SECONDS
        for key in [k for k, until in _link_requests.items() if until < now]:
            del _link_requests[key]
    st.login(OIDC_PROVIDER)


def _token_key(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _fresh_identity() -> dict | None:
    """The provider's claims if the browser came back from it just now and they are unused."""
    user = st.user
    if user.get("is_logged_in") is not True or user.get("provider") != OIDC_PROVIDER:
        return None
    claims = {k: v for k, v in user.items() if k not in ("tokens", "is_logged_in", "origin", "provider")}
    iat, sub = claims.get("iat"), str(claims.get("sub") or "")
    if not isinstance(iat, (int, float)) or not sub:
        return None
    now = time.time()
    if not now - OIDC_FRESH_SECONDS <= iat <= now + 60:
        return None
    with _lock:
        if (sub, int(iat)) in _consumed:
            return None
    return claims


def _consume(claims: dict) -> None:
    now = time.time()
    with _lock:
        _consumed[(str(claims["sub"]), int(claims["iat"]))] = now
        for key in [k for k, at in _consumed.items() if at < now - 2 * OIDC_FRESH_SECONDS]:
            del _consumed[key]


def _use_identity(claims: dict, actor: Actor | None, token: str | None) -> tuple[Actor | None, str | None]:
    if actor is None:
        _consume(claims)
        try:
            signed = auth.sign_in_oidc(claims)
        except SignInError as e:
            notify("error", str(e))
            return None, None
        return signed.actor, signed.token
    with _lock:
        asked = _link_requests.pop(_token_key(token), 0) >= time.time()
    if not asked:
        return actor, token
    _consume(claims)
    try:
        signed = auth.sign_in_oidc(claims, token)
    except SignInError as e:
        notify("error", str(e))
        return actor, token
    if signed.actor.user_id != actor.user_id:
        auth.sign_out(signed.token)
        notify("error", "Этот вход через ЕСИА уже привязан к другой учётной записи портала.")
        return actor, token
    auth.sign_out(token)  # the new session (signed in through ЕСИА) replaces the old one
    notify("success", "Вход через ЕСИА привязан к вашей учётной записи.")
    return signed.actor, signed.token


# ---------------------------------------------------------------- school and page start
def chosen_school(actor: Actor) -> int | None:
    ids = sorted(actor.school_ids())
    if not ids:
        return None
    chosen = st.session_state.get(SCHOOL_KEY)
    if chosen not in ids:
        chosen = ids[0]
        st.session_state[SCHOOL_KEY] = chosen
    return chosen


def chosen_municipality(actor: Actor) -> int | None:
    ids = sorted(actor.municipality_ids)
    if not ids:
        return None
    chosen = st.session_state.get(MUNICIPALITY_KEY)
    if chosen not in ids:
        chosen = ids[0]
        st.session_state[MUNICIPALITY_KEY] = chosen
    return chosen


def ensure_routed() -> None:
    """Make sure this page was opened through app.py's st.navigation.

    Streamlit still has its legacy mode for apps with a `pages/` folder: until some run calls
    st.navigation, it runs a file of pages/ directly when the address names it (the first
    request after a restart, or every AppTest run). Then app.py — the menu, the sidebar, the
    cookie — did not run: switch the legacy mode off and run again through app.py."""
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_start(action: str, scope: Scope = "school") -> tuple[Actor, int | None]:
    """Every page's first line: the signed-in actor and the school (or municipality) the page
    works on, after asking the policy; a denial is shown as st.error and the page stops."""
    ensure_routed()
    actor = signed_in_actor()
    if actor is None:
        st.stop()
    show_notice()
    try:
        if scope == "self":
            policy.require(actor, action, Target(user_id=actor.user_id, entity="user", entity_id=actor.user_id))
            return actor, None
        if scope == "municipality":
            municipality_id = chosen_municipality(actor)
            policy.require(actor, action, Target(municipality_id=municipality_id, entity="page", entity_id=action))
            return actor, municipality_id
        school_id = chosen_school(actor)
        if school_id is None or school_id not in policy.schools_for(actor, action):
            policy.require(actor, action, Target(school_id=school_id, entity="page", entity_id=action))
        return actor, school_id
    except AccessDenied as e:
        st.error(str(e))
        st.stop()


# Streamlit leaves ~6 rem above the first heading for a toolbar that this portal does not show:
# the title starts near the top instead (a phone keeps room for the menu button). Streamlit's file
# uploader speaks English («Upload», «200MB per file») whatever the label: its words are replaced
# here (the label says the kinds and the size of the file).
PAGE_STYLE = """<style>
[data-testid="stMainBlockContainer"]{padding-top:2.5rem}
@media (max-width:640px){[data-testid="stMainBlockContainer"]{padding-top:3.5rem}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p{display:none}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after{content:"Выбрать файл"}
[data-testid="stFileUploaderDropzoneInstructions"] span{display:none}
[data-testid="stFileUploaderDropzoneInstructions"]>div::after{content:"или перетащите его сюда"}
</style>"""


def page_style() -> None:
    st.html(PAGE_STYLE)


def sidebar(actor: Actor) -> None:
    """The user's name and roles, the school selector (several schools), «Выйти»."""
    with st.sidebar:
        ids = sorted(actor.school_ids())
        names = school_names(ids)
        if len(ids) > 1:
            chosen_school(actor)
            st.selectbox("Школа", ids, key=SCHOOL_KEY, format_func=lambda i: names.get(i, f"Школа {i}"))
        elif ids:
            st.caption(md(names.get(ids[0], "")))
        st.markdown(f"**{md(actor.name)}**")
        st.caption(md(", ".join(roles_text(actor, names))))
        unread_link(actor)
        if st.button("Выйти", key="portal_sign_out", icon=":material/logout:", width="stretch"):
            sign_out()


def unread_link(actor: Actor) -> None:
    """Issue 8: the unread messages and notices of the chosen school, counted on every run (a
    click, a move to another screen), as a link to «Сообщения»."""
    if actor.must_change_password:  # only the password change is routed until then
        return
    school_id = chosen_school(actor)
    spec = next((p for p in PAGES if p.key == "messages"), None)
    if spec is None or school_id is None or school_id not in policy.schools_for(actor, spec.action):
        return
    from services.comms import messages
    count = messages.unread_total(actor, school_id)
    st.page_link(spec.page(), label=f"Непрочитанных сообщений: {count}" if count else "Новых сообщений нет",
                 icon=":material/mark_email_unread:" if count else ":material/mail:")


def link_to(key: str, label: str, icon: str | None = None, **query: str) -> bool:
    """A link to the page `key` with query parameters that navigates inside the running app
    (no page load), shown only when the signed-in actor has that page in the chosen school."""
    spec = next((p for p in PAGES if p.key == key), None)
    actor = signed_in_actor()
    if spec is None or actor is None or chosen_school(actor) not in policy.schools_for(actor, spec.action):
        return False
    st.page_link(spec.page(), label=label, icon=icon, query_params=query)
    return True


def report_error_link(where: str) -> None:
    """Issue 8: «Сообщить о неточности» from any screen — opens the correction request form with
    `where` and the address of this screen filled in (R-COM-2, 2.3). Call it at the foot of a
    screen that shows data a user may find wrong."""
    spec = next((p for p in PAGES if p.key == "report-error"), None)
    actor = signed_in_actor()
    if spec is None or actor is None or actor.must_change_password or \
            chosen_school(actor) not in policy.schools_for(actor, spec.action):
        return
    try:
        here = st.context.url or ""
    except Exception:  # no browser request behind this run (AppTest)
        here = ""
    st.page_link(spec.page(), label="Сообщить о неточности в данных", icon=":material/report:",
                 query_params={"where": where[:300], "link": here[:300]})


def roles_text(actor: Actor, names: dict[int, str] | None = None) -> list[str]:
    several = len(actor.school_ids()) > 1
    out = []
    for role in sorted({g.role for g in actor.grants}, key=list(ROLE_TITLES).index):
        title = ROLE_TITLES.get(role, role)
        if several and names:
            schools = sorted({g.school_id for g in actor.grants_of(role) if g.school_id})
            title += " (" + ", ".join(names.get(s, str(s)) for s in schools) + ")"
        out.append(title)
    return out


# ---------------------------------------------------------------- messages and text
def notify(kind: Literal["success", "info", "warning", "error"], text: str) -> None:
    """A message for the next run (after st.rerun or a sign-in), shown by page_start."""
    st.session_state[NOTICE_KEY] = (kind, text)


def show_notice() -> None:
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        kind, text = notice
        getattr(st, kind)(text)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#+\-|<>~$:])")
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """Text typed by people (a title, a name, a reason), made safe for everything Streamlit renders
    as markdown: st.markdown, st.caption, st.subheader, st.info/warning/error/success, the labels of
    buttons, expanders, tabs, toggles and download buttons (issue 13, item 6). Shown literally:
    no emphasis, no heading, no colour or icon directive, no formula, no HTML, no link and no
    image. Markdown escapes alone do not stop the literal autolinks of GFM («http://…», «www.…»,
    «a@b.ru»), which are found in the text after the escapes are resolved: an invisible word
    joiner (U+2060) after «:», after «www» and before «@» breaks them."""
    return _MD_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, str(text)))


def local_time(moment: datetime | None, tz_name: str | None = None, empty: str = "—") -> str:
    return clock.to_local(moment, tz_name).strftime("%d.%m.%Y %H:%M") if moment else empty


# ---------------------------------------------------------------- downloads
def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for Russian Excel: UTF-8 with BOM, semicolons; text that a spreadsheet could take for
    a formula (a request «=HYPERLINK(…)», a topic «-2+3») gets the apostrophe of
    `exporters.formula_guard`, the rule the XLSX downloads follow too."""
    from exporters.formula_guard import csv_text
    safe = frame.map(csv_text).rename(columns=csv_text)
    # CRLF rows: a carriage return inside a text is then quoted too, never a row break
    return safe.to_csv(index=False, sep=";", lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet[:31])
        ws = writer.sheets[sheet[:31]]
        from exporters.xlsx_common import neutralise  # issue 6, item 6: text never becomes a formula
        neutralise(ws.parent)
        for column in ws.columns:
            width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
            ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)
    return buffer.getvalue()


def table_downloads(make: Callable[[], pd.DataFrame], *, stem: str, sheet: str, key: str,
                    on_take: Callable[[str], None] | None = None) -> None:
    """«Скачать CSV» and «Скачать XLSX»: the file is made (and `on_take(fmt)` called, e.g. to
    audit an export of personal data) only when the button is pressed."""
    def make_file(fmt: str) -> bytes:
        frame = make()
        if on_take is not None:
            on_take(fmt)
        return csv_bytes(frame) if fmt == "csv" else xlsx_bytes(frame, sheet)

    left, right, _ = st.columns([1, 1, 4])
    left.download_button("Скачать CSV", data=lambda: make_file("csv"), file_name=f"{stem}.csv",
                         mime="text/csv", key=f"{key}_csv", on_click="ignore", icon=":material/download:")
    right.download_button("Скачать XLSX", data=lambda: make_file("xlsx"), file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx", on_click="ignore", icon=":material/table_view:")


def sheet_uploader(key: str, label: str = "Файл Excel (.xlsx, .xls, .ods)", csv: bool = False):
    """The upload field of every spreadsheet import: its label says the limit that the browser,
    Streamlit (`server.maxUploadSize`) and the bounded reader (importers/sheet_reader.py) enforce.
    `csv`: a CSV file too (the regional enrolment export)."""
    from importers.sheet_reader import MAX_FILE_BYTES
    megabytes = MAX_FILE_BYTES // (1024 * 1024)
    return st.file_uploader(f"{label}, до {megabytes} МБ", type=["xlsx", "xls", "ods"] + (["csv"] if csv else []),
                            key=key, max_upload_size=megabytes)


def problems_frame(items, title: str = "Причина") -> pd.DataFrame:
    """Problems of an uploaded file (importers.excel.Problem) as a table: row, column, value, reason."""
    return pd.DataFrame([{"Строка": p.row or "", "Столбец": p.column, "Значение": p.value, title: p.message}
                         for p in items], columns=["Строка", "Столбец", "Значение", title])


def import_review(check, name: str, key: str, digest: str, ok_text: str) -> bool | None:
    """The check (dry run) of an uploaded file on screen: its errors with row and column (and their
    download) or `ok_text`, its warnings, and with errors the choice to load only the valid rows.
    Returns only_valid, or None while nothing may be loaded."""
    if check.errors:
        bad = len({p.row for p in check.errors})
        st.error(f"В файле «{md(name)}» найдены ошибки: {len(check.errors)} (строк с ошибками: {bad} из {check.rows}). "
                 "Ничего не загружено.")
        frame = problems_frame(check.errors)
        st.dataframe(frame, placeholder="", hide_index=True, key=f"{key}_errors")
        table_downloads(lambda: frame, stem=f"Ошибки загрузки {name}", sheet="Ошибки", key=f"{key}_err_{digest}")
    else:
        st.success(ok_text)
    if check.warnings:
        st.warning(f"Предупреждения: {len(check.warnings)} (строки загрузятся).")
        st.dataframe(problems_frame(check.warnings), placeholder="", hide_index=True, key=f"{key}_warnings")
    if not check.errors:
        return False
    return True if st.toggle("Загрузить только верные строки, остальные пропустить", key=f"{key}_only_{digest}") \
        else None


def audit_export(actor: Actor, school_id: int, what: str) -> Callable[[str], None]:
    """An `on_take` that records the export of personal data in the audit log."""
    def record(fmt: str) -> None:
        audit.record_now(actor, "personal_data.exported", school_id=school_id, entity=what,
                         detail=f"{what}: {fmt.upper()}")
    return record


# ---------------------------------------------------------------- small read models for the screens
# These read what the screens of this issue need and no service offers yet (see the report:
# they belong in services/core/schools.py, services/people/users.py and services/core/audit.py).
def school_names(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    with reading() as tx:
        return {s.id: s.short_name or s.name for s in list_schools(tx, list(ids))}


def school_timezone(school_id: int | None) -> str | None:
    return school_settings.load(school_id).timezone if school_id else None


def class_choices(actor: Actor, school_id: int) -> dict[int, str]:
    """The classes of the school's current year (else its latest), for the class teacher's role."""
    with reading() as tx:
        policy.require(actor, "user.view", school_target(tx, school_id))
        year = rosters.current_year(tx, school_id)
        stmt = select(SchoolClass).where(SchoolClass.school_id == school_id)
        if year is not None:
            stmt = stmt.where(SchoolClass.year_id == year.id)
        classes = tx.exec(stmt.order_by(SchoolClass.year_id.desc(), SchoolClass.grade, SchoolClass.letter)).all()
    out: dict[int, str] = {}
    for c in classes:
        out.setdefault(c.id, c.name)
    return out


@dataclass(frozen=True)
class Profile:
    login: str
    name: str
    email: str
    oidc_linked_at: datetime | None
    roles: tuple[tuple[str, str, str], ...]  # (role title, school, scope)


def profile(actor: Actor) -> Profile:
    """The signed-in user's own account."""
    with reading() as tx:
        user = tx.get(User, actor.user_id)
        grants = tx.exec(select(RoleGrant).where(RoleGrant.user_id == actor.user_id,
                                                 RoleGrant.revoked_at.is_(None))).all()
        class_ids = [g.class_id for g in grants if g.class_id]
        classes = dict(tx.exec(select(SchoolClass.id, SchoolClass.name)
                               .where(SchoolClass.id.in_(class_ids))).all()) if class_ids else {}
        schools = {s.id: s.short_name or s.name for s in list_schools(
            tx, sorted({g.school_id for g in grants if g.school_id}))}
    roles = []
    for g in sorted(grants, key=lambda g: (list(ROLE_TITLES).index(g.role) if g.role in ROLE_TITLES else 99)):
        scope = []
        if g.class_id:
            scope.append(f"класс {classes.get(g.class_id, g.class_id)}")
        if g.grades:
            scope.append(f"параллели {g.grades}")
        if g.municipality_id:
            scope.append("муниципалитет")
        roles.append((ROLE_TITLES.get(g.role, g.role), schools.get(g.school_id, ""), ", ".join(scope)))
    return Profile(login=user.login, name=actor.name, email=user.email or "",
                   oidc_linked_at=user.oidc_linked_at if user.oidc_subject else None, roles=tuple(roles))


def audit_events(actor: Actor, school_id: int, *, user_id: int | None = None, actions: list[str] | None = None,
                 date_from: date | None = None, date_to: date | None = None, limit: int = 500,
                 student_id: int | None = None, entities: dict[str, str] | None = None):
    """Events of the school for the audit log screen (newest first), each with the actor's name
    and roles and the person it is about (audit_names.Named), and their total count."""
    from services.core import audit_names
    tz = school_timezone(school_id)
    with reading() as tx:
        policy.require(actor, "audit.view", school_target(tx, school_id, entity="audit_event"))
        rows, total = audit.query_events(tx, school_id=school_id, user_id=user_id, actions=actions or None,
                                         date_from=date_from, date_to=date_to, tz_name=tz, limit=limit,
                                         student_id=student_id)
        return audit_names.describe(tx, school_id, rows, entities or {}), total


def audit_pupils(actor: Actor, school_id: int, text: str) -> list[tuple[int, str]]:
    """Pupils to filter the audit log by (surname starts with the text)."""
    from services.core import audit_names
    with reading() as tx:
        policy.require(actor, "audit.view", school_target(tx, school_id, entity="audit_event"))
        return audit_names.pupils_matching(tx, school_id, text)
