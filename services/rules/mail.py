"""Notifications by e-mail: the pure rules (what goes to whom, when, the digest, the links).

Nothing here reads a database or a clock: services/comms/mail.py hands in plain values.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The kinds of letters, in the order the screens list them, with their Russian titles.
KINDS: dict[str, str] = {
    "mark": "Новые отметки",
    "homework": "Домашние задания",
    "absence": "Пропуски уроков",
    "announcement": "Объявления",
    "message": "Сообщения",
    "correction": "Заявки на исправление данных",
}
CHILD_KINDS = ("mark", "homework", "absence")           # about one pupil: subscribed per child
ACCOUNT_KINDS = ("announcement", "message", "correction")  # about the account itself
STAFF_ONLY_KINDS = ("correction",)                      # who handles correction requests: staff
MODES = {"now": "сразу", "digest": "вечером одним письмом"}
SECURITY = {"starttls": "STARTTLS (обычно порт 587)", "tls": "SSL/TLS (обычно порт 465)",
            "none": "без шифрования (только внутри сети)"}
DEFAULT_DIGEST_TIME = "19:00"
MAX_ATTEMPTS = 8
CONFIRM_HOURS = 72

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class MailRuleError(ValueError):
    """A Russian message about bad input."""


def clean_email(text: str, label: str = "Адрес электронной почты") -> str:
    value = (text or "").strip()
    if not value:
        raise MailRuleError(f"{label}: не заполнен.")
    if len(value) > 254 or not _EMAIL.match(value):
        raise MailRuleError(f"{label}: «{value[:80]}» — не похоже на адрес электронной почты (имя@домен.ru).")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def parse_time(text: str) -> time:
    match = _TIME.match((text or "").strip())
    if not match:
        raise MailRuleError(f"Время вечернего письма: «{(text or '').strip()[:20]}» — укажите часы и минуты, например 19:00.")
    return time(int(match.group(1)), int(match.group(2)))


# ------------------------------------------------------------------ when
def digest_due(now: datetime, tz: ZoneInfo, digest_time: str) -> datetime:
    """The moment of the next evening letter: today at `digest_time` (school time) if it has not
    come yet, else tomorrow; returned in the zone of `now`."""
    at = parse_time(digest_time or DEFAULT_DIGEST_TIME)
    local = now.astimezone(tz)
    due = datetime.combine(local.date(), at, tzinfo=tz)
    if due <= local:
        due = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz)
    return due.astimezone(now.tzinfo)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 5, 15, 30 minutes, then hours."""
    steps = (1, 5, 15, 30, 60, 120, 240, 480)
    return timedelta(minutes=steps[min(max(attempts, 1), len(steps)) - 1])


def gives_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS


# ------------------------------------------------------------------ to whom
@dataclass(frozen=True)
class Subscriber:
    """A subscription as the database holds it, with its address."""
    user_id: int
    student_id: int | None
    kind: str
    mode: str
    email: str
    confirmed: bool


@dataclass(frozen=True)
class Recipient:
    user_id: int
    student_id: int | None
    email: str
    digest: bool


def recipients(subscribers: list[Subscriber], kind: str, student_ids: set[int] | None,
               user_ids: set[int] | None, may_see) -> list[Recipient]:
    """Who gets a letter about an event of `kind`.

    A child kind concerns pupils (`student_ids`): a subscription to that pupil counts, when the
    policy lets its account see the pupil (`may_see(user_id, student_id)`). An account kind
    concerns accounts (`user_ids`: the message's members, the announcement's audience…). Only a
    confirmed address gets anything; one letter per (account, pupil)."""
    out: dict[tuple[int, int | None], Recipient] = {}
    for s in subscribers:
        if s.kind != kind or not s.confirmed or s.mode not in MODES:
            continue
        if kind in CHILD_KINDS:
            if s.student_id is None or student_ids is None or s.student_id not in student_ids:
                continue
            if not may_see(s.user_id, s.student_id):
                continue
        else:
            if s.student_id is not None or user_ids is None or s.user_id not in user_ids:
                continue
        out.setdefault((s.user_id, s.student_id), Recipient(s.user_id, s.student_id, s.email, s.mode == "digest"))
    return sorted(out.values(), key=lambda r: (r.user_id, r.student_id or 0))


# ------------------------------------------------------------------ the digest
@dataclass(frozen=True)
class Item:
    id: int
    school_id: int
    user_id: int | None
    to_email: str
    kind: str
    student_id: int | None
    subject: str
    body: str
    created_at: datetime


def digest_groups(items: list[Item]) -> list[list[Item]]:
    """One evening letter per school, account and address: its items oldest first, grouped in
    the order of KINDS."""
    groups: dict[tuple, list[Item]] = defaultdict(list)
    for item in items:
        groups[(item.school_id, item.user_id, item.to_email)].append(item)
    order = {k: i for i, k in enumerate(KINDS)}
    return [sorted(g, key=lambda i: (order.get(i.kind, 99), i.created_at, i.id))
            for _, g in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2]))]


# ------------------------------------------------------------------ links
def sign(secret: str, scope: str) -> str:
    return hmac.new(secret.encode(), scope.encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(address_id: int, secret: str, kind: str | None = None, student_id: int | None = None) -> str:
    """The token of an unsubscribe link: the address, what it stops (one kind about one pupil,
    or everything), signed with the address's own secret."""
    scope = f"{kind or '*'}.{student_id or 0}"
    return f"{address_id}.{scope}.{sign(secret, f'{address_id}.{scope}')}"


@dataclass(frozen=True)
class Unsubscribe:
    address_id: int
    kind: str | None       # None: every kind
    student_id: int | None


def parse_unsubscribe(token: str) -> tuple[int, str] | None:
    """The address id a token names (to look its secret up), or None if it is not a token."""
    parts = (token or "").strip().split(".")
    if len(parts) != 4 or not parts[0].isdigit():
        return None
    return int(parts[0]), parts[3]


def check_unsubscribe(token: str, secret: str) -> Unsubscribe | None:
    """What a token stops, if it was signed with `secret`; None for a forged or broken token."""
    parts = (token or "").strip().split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit():
        return None
    address_id, kind, student, signature = int(parts[0]), parts[1], int(parts[2]), parts[3]
    if kind != "*" and kind not in KINDS:
        return None
    expected = sign(secret, f"{address_id}.{kind}.{student}")
    if not hmac.compare_digest(expected, signature):
        return None
    return Unsubscribe(address_id, None if kind == "*" else kind, student or None)


def confirm_hash(token: str) -> str:
    return hashlib.sha256((token or "").strip().encode()).hexdigest()


def confirm_valid(sent_at: datetime | None, now: datetime) -> bool:
    return sent_at is not None and now - sent_at <= timedelta(hours=CONFIRM_HOURS)


# ------------------------------------------------------------------ the letter
@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


def letter(school_name: str, subject: str, lines: list[str], unsubscribe_url: str, portal_url: str = "",
           intro: str = "") -> Letter:
    """A letter: its lines, then the footer (the school, where to read more, how to stop)."""
    footer = [f"— {school_name}, электронный журнал и дневник."]
    if portal_url:
        footer.append(f"Подробности на портале: {portal_url}")
    if unsubscribe_url:
        footer.append(f"Отписаться от этих писем: {unsubscribe_url}")
    footer.append("Это письмо отправлено автоматически, отвечать на него не нужно.")
    text = "\n".join(([intro, ""] if intro else []) + lines + ["", *footer]) + "\n"
    items = "".join(f"<li>{_esc(line)}</li>" for line in lines)
    link = (f'<p><a href="{_esc(unsubscribe_url)}">Отписаться от этих писем</a></p>' if unsubscribe_url else "")
    portal = (f'<p>Подробности на портале: <a href="{_esc(portal_url)}">{_esc(portal_url)}</a></p>'
              if portal_url else "")
    html = ("<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">"
            f"<title>{_esc(subject)}</title></head>"
            "<body style=\"font-family:Arial,sans-serif;font-size:15px;color:#222;max-width:640px\">"
            f"<h2 style=\"font-size:18px\">{_esc(subject)}</h2>"
            + (f"<p>{_esc(intro)}</p>" if intro else "")
            + f"<ul>{items}</ul>"
            f"<hr><p style=\"color:#666;font-size:13px\">{_esc(school_name)}, электронный журнал и дневник.</p>"
            f"{portal}{link}"
            "<p style=\"color:#999;font-size:12px\">Это письмо отправлено автоматически, отвечать на него не нужно.</p>"
            "</body></html>")
    return Letter(subject, text, html)


def digest_subject(school_name: str, day: date) -> str:
    return f"{school_name}: новости за {day:%d.%m.%Y}"


def mask_email(email: str) -> str:
    """«iv***@mail.ru»: enough for an administrator to tell letters apart, not the whole address."""
    if "@" not in email:
        return "***"
    local, domain = email.rsplit("@", 1)
    return f"{local[:2]}***@{domain}"
