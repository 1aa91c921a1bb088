"""Notifications by e-mail (issue 16, item 4).

* The administrator sets the school's SMTP server (`settings`, `save_settings`) and sends a test
  letter (`send_test`); the password is kept sealed (services/core/secret_box) and never shown back.
* An account gives an address and confirms it by a link (`request_confirmation`, `confirm`), then
  chooses what it gets (`my_mail`, `save_subscriptions`): per child (a pupil: about themself)
  marks, homework and absences; for the account announcements, messages and (staff) correction
  requests; each at once or in the evening digest (one letter at the school's `digest_time`).
* Events put letters in the outbox inside the event's own transaction (`journal_saved`,
  `homework_set`, `message_sent`, `announced`, `noticed`), only for confirmed addresses whose
  account the policy lets see the pupil (`mail.child`: a parent their own children, a pupil
  themself).
* `send_due` (manage.py mail, a systemd timer every minute) sends what is due: the immediate
  letters, and at the evening time the digests; a failure is retried with backoff
  (rules.backoff) and shown on the administrator's screen (`outbox_summary`).
* `unsubscribe(token)` and `confirm(token)` are the links of the letters, handled without sign-in.

Decision: no background thread in the app; letters go out at the timer's next minute (the
confirmation letter and the test letter are sent at once by the screen that asks for them).
"""
from __future__ import annotations

import secrets
import smtplib
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from models import (
    Enrollment, MailAddress, MailOutbox, MailSettings, MailSubscription, School, SchoolSettings, Student, Subject,
    SubgroupMember,
)
from models.db import reading, transaction
from services.core import audit, clock, policy, secret_box
from services.core.actor import Actor
from services.core.schools import school_target
from services.rules import mail as rules


class MailError(ValueError):
    """A Russian message for the user."""


# ------------------------------------------------------------------ SMTP settings
@dataclass(frozen=True)
class SettingsView:
    host: str
    port: int
    security: str
    login: str
    password_set: bool
    sender: str
    portal_url: str
    digest_time: str
    updated_at: datetime | None

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)


def _settings_row(tx: Session, school_id: int) -> MailSettings | None:
    return tx.exec(select(MailSettings).where(MailSettings.school_id == school_id)).first()


def _view(row: MailSettings | None) -> SettingsView:
    if row is None:
        return SettingsView("", 587, "starttls", "", False, "", "", rules.DEFAULT_DIGEST_TIME, None)
    return SettingsView(row.host, row.port, row.security, row.login, bool(row.password_enc), row.sender,
                        row.portal_url, row.digest_time or rules.DEFAULT_DIGEST_TIME, row.updated_at)


def settings(actor: Actor, school_id: int) -> SettingsView:
    with reading() as tx:
        policy.require(actor, "mail.settings", school_target(tx, school_id, entity="mail_settings"))
        return _view(_settings_row(tx, school_id))


def save_settings(actor: Actor, school_id: int, *, host: str, port: int | str, security: str, login: str,
                  password: str | None, sender: str, portal_url: str, digest_time: str,
                  clear_password: bool = False) -> SettingsView:
    """Save the school's SMTP settings; `password` None or empty keeps the stored one."""
    host, login, portal_url = (host or "").strip(), (login or "").strip(), (portal_url or "").strip().rstrip("/")
    if not host:
        raise MailError("Сервер SMTP: не заполнен (например smtp.yandex.ru).")
    if len(host) > 255 or any(c.isspace() for c in host):
        raise MailError(f"Сервер SMTP: «{host[:60]}» — имя сервера без пробелов.")
    try:
        port = int(str(port).strip())
    except ValueError:
        raise MailError(f"Порт: «{port}» — нужно число от 1 до 65535.") from None
    if not 1 <= port <= 65535:
        raise MailError(f"Порт: {port} — нужно число от 1 до 65535.")
    if security not in rules.SECURITY:
        raise MailError("Шифрование: выберите STARTTLS, SSL/TLS или «без шифрования».")
    try:
        sender = rules.clean_email(sender, "Адрес отправителя")
        rules.parse_time(digest_time)
    except rules.MailRuleError as error:
        raise MailError(str(error)) from None
    if portal_url and not portal_url.startswith(("http://", "https://")):
        raise MailError(f"Адрес портала: «{portal_url[:80]}» — начните с https:// (ссылки в письмах ведут туда).")
    if len(portal_url) > 255 or len(login) > 255 or len(password or "") > 200:
        raise MailError("Адрес портала, логин или пароль слишком длинные.")
    with transaction() as tx:
        policy.require(actor, "mail.settings", school_target(tx, school_id, entity="mail_settings"))
        row = _settings_row(tx, school_id) or MailSettings(school_id=school_id)
        old = {"host": row.host, "port": row.port, "security": row.security, "login": row.login,
               "sender": row.sender, "portal_url": row.portal_url, "digest_time": row.digest_time}
        row.host, row.port, row.security, row.login = host, port, security, login
        row.sender, row.portal_url, row.digest_time = sender, portal_url, digest_time.strip().zfill(5)
        changed_password = None
        if clear_password:
            row.password_enc, changed_password = "", "удалён"
        elif password:
            row.password_enc, changed_password = secret_box.seal(password), "изменён"
        row.updated_at, row.updated_by_user_id = clock.now(), actor.user_id or None
        tx.add(row)
        new = {"host": host, "port": port, "security": security, "login": login, "sender": sender,
               "portal_url": portal_url, "digest_time": row.digest_time,
               **({"password": changed_password} if changed_password else {})}
        audit.record(tx, actor, "mail.settings_changed", school_id=school_id, entity="mail_settings",
                     entity_id=school_id, old=old, new=new)
        tx.flush()
        return _view(row)


def smtp_error_text(error: BaseException) -> str:
    """The SMTP failure in Russian, with the server's own words where it gave some."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"Сервер отклонил логин или пароль ({error.smtp_code}: {_decode(error.smtp_error)})."
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = "; ".join(f"{addr}: {code} {_decode(msg)}" for addr, (code, msg) in error.recipients.items())
        return f"Сервер не принял адрес получателя ({codes})."
    if isinstance(error, smtplib.SMTPSenderRefused):
        return f"Сервер не принял адрес отправителя {error.sender} ({error.smtp_code}: {_decode(error.smtp_error)})."
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return "Сервер не поддерживает STARTTLS или вход по логину: проверьте шифрование и порт."
    if isinstance(error, smtplib.SMTPResponseException):
        return f"Сервер ответил ошибкой {error.smtp_code}: {_decode(error.smtp_error)}."
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "Сервер разорвал соединение: проверьте порт и шифрование (SSL/TLS или STARTTLS)."
    if isinstance(error, ssl.SSLError):
        return f"Ошибка шифрования (TLS): {error.reason or error}. Проверьте порт и вид шифрования."
    if isinstance(error, ConnectionRefusedError):
        return "Сервер не принимает соединения на этом порту (соединение отклонено)."
    if isinstance(error, socket.gaierror):
        return "Сервер SMTP не найден: проверьте его имя."
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "Сервер не ответил вовремя (20 секунд)."
    if isinstance(error, secret_box.SecretError):
        return str(error)
    if isinstance(error, MailError):
        return str(error)
    return f"Письмо не отправлено: {type(error).__name__}: {error}"[:500]


def _decode(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _deliver(row: MailSettings | None, message: EmailMessage) -> None:
    """Send one message through the school's server; raises what smtplib raises."""
    if row is None or not row.host or not row.sender:
        raise MailError("Почтовый сервер школы не настроен (экран «Почта и уведомления»).")
    password = secret_box.open_(row.password_enc)
    context = ssl.create_default_context()
    if row.security == "tls":
        server = smtplib.SMTP_SSL(row.host, row.port, timeout=20, context=context)
    else:
        server = smtplib.SMTP(row.host, row.port, timeout=20)
    with server:
        if row.security == "starttls":
            server.starttls(context=context)
        if row.login:
            server.login(row.login, password)
        server.send_message(message)


def _school_name(tx: Session, school_id: int) -> str:
    school = tx.get(School, school_id)
    return (school.short_name or school.name) if school else "Школа"


def _message(row: MailSettings, school_name: str, to: str, letter: rules.Letter) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = formataddr((school_name, row.sender))
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=row.sender.rsplit("@", 1)[-1])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    return message


def send_test(actor: Actor, school_id: int, to: str) -> str:
    """Send a test letter to `to` now; returns «Письмо отправлено…» or raises MailError with the
    SMTP failure in Russian. Audited either way."""
    try:
        to = rules.clean_email(to, "Адрес для пробного письма")
    except rules.MailRuleError as error:
        raise MailError(str(error)) from None
    with reading() as tx:
        policy.require(actor, "mail.settings", school_target(tx, school_id, entity="mail_settings"))
        row = _settings_row(tx, school_id)
        name = _school_name(tx, school_id)
    letter = rules.letter(name, f"{name}: пробное письмо портала",
                          ["Почтовый сервер школы настроен: письма портала доходят до этого адреса."],
                          "", row.portal_url if row else "")
    try:
        if row is None:
            raise MailError("Почтовый сервер школы не настроен: сначала сохраните настройки.")
        _deliver(row, _message(row, name, to, letter))
    except Exception as error:  # every failure is shown to the administrator in Russian
        text = smtp_error_text(error)
        audit.record_now(actor, "mail.test_failed", school_id=school_id, entity="mail_settings",
                         entity_id=school_id, detail=text[:1000])
        raise MailError(text) from error
    audit.record_now(actor, "mail.test_sent", school_id=school_id, entity="mail_settings", entity_id=school_id,
                     detail=rules.mask_email(to))
    return f"Пробное письмо отправлено на {to} в {clock.local_now().strftime('%H:%M')}."


# ------------------------------------------------------------------ the outbox on the admin's screen
@dataclass(frozen=True)
class OutboxRow:
    id: int
    created_at: datetime
    to: str
    kind: str
    state: str
    attempts: int
    last_error: str
    sent_at: datetime | None


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, int]
    recent: list[OutboxRow]      # the newest letters
    errors: list[OutboxRow]      # those with an error, newest first


STATE_TITLES = {"due": "ждёт отправки", "sent": "отправлено", "failed": "не отправлено", "dropped": "отменено"}


def _outbox_row(r: MailOutbox) -> OutboxRow:
    return OutboxRow(r.id, r.created_at, rules.mask_email(r.to_email),
                     rules.KINDS.get(r.kind, "Подтверждение адреса" if r.kind == "confirm" else r.kind),
                     STATE_TITLES.get(r.state, r.state), r.attempts, r.last_error, r.sent_at)


def outbox_summary(actor: Actor, school_id: int, limit: int = 20) -> OutboxSummary:
    with reading() as tx:
        policy.require(actor, "mail.settings", school_target(tx, school_id, entity="mail_outbox"))
        counts = dict(tx.exec(select(MailOutbox.state, func.count()).where(MailOutbox.school_id == school_id)
                              .group_by(MailOutbox.state)).all())
        recent = tx.exec(select(MailOutbox).where(MailOutbox.school_id == school_id)
                         .order_by(MailOutbox.created_at.desc(), MailOutbox.id.desc()).limit(limit)).all()
        errors = tx.exec(select(MailOutbox).where(MailOutbox.school_id == school_id, MailOutbox.last_error != "")
                         .order_by(MailOutbox.id.desc()).limit(limit)).all()
    return OutboxSummary({STATE_TITLES.get(k, k): int(v) for k, v in counts.items()},
                         [_outbox_row(r) for r in recent], [_outbox_row(r) for r in errors])


# ------------------------------------------------------------------ the account's own address
@dataclass(frozen=True)
class Child:
    student_id: int
    name: str


@dataclass(frozen=True)
class MyMail:
    email: str
    confirmed: bool
    waiting: bool                      # a confirmation letter was sent and not yet followed
    children: list[Child]              # the pupils the account may subscribe to
    account_kinds: tuple[str, ...]     # the kinds about the account itself it may choose
    chosen: dict[tuple[int | None, str], str] = field(default_factory=dict)  # (student, kind) → mode
    digest_time: str = rules.DEFAULT_DIGEST_TIME
    server_ready: bool = False


def _address(tx: Session, user_id: int) -> MailAddress | None:
    return tx.exec(select(MailAddress).where(MailAddress.user_id == user_id)).first()


def _children(tx: Session, actor: Actor, school_id: int) -> list[Child]:
    ids = sorted(actor.children | actor.student_ids)
    if not ids:
        return []
    rows = tx.exec(select(Student.id, Student.last_name, Student.first_name).where(
        Student.id.in_(ids), Student.school_id == school_id).order_by(Student.last_name, Student.first_name)).all()
    return [Child(sid, f"{last} {first}") for sid, last, first in rows
            if policy.allowed(actor, "mail.child", policy.Target(school_id=school_id, student_id=sid))]


def _account_kinds(tx: Session, actor: Actor, school_id: int) -> tuple[str, ...]:
    staff = policy.allowed(actor, "mail.staff", school_target(tx, school_id))
    return tuple(k for k in rules.ACCOUNT_KINDS if staff or k not in rules.STAFF_ONLY_KINDS)


def my_mail(actor: Actor, school_id: int) -> MyMail:
    with reading() as tx:
        policy.require(actor, "mail.subscribe", school_target(tx, school_id, entity="mail_subscription"))
        address = _address(tx, actor.user_id)
        subs = tx.exec(select(MailSubscription).where(MailSubscription.user_id == actor.user_id,
                                                      MailSubscription.school_id == school_id)).all()
        row = _settings_row(tx, school_id)
        now = clock.now()
        return MyMail(email=address.email if address else "", confirmed=bool(address and address.confirmed_at),
                      waiting=bool(address and not address.confirmed_at and address.confirm_hash
                                   and rules.confirm_valid(address.confirm_sent_at, now)),
                      children=_children(tx, actor, school_id), account_kinds=_account_kinds(tx, actor, school_id),
                      chosen={(s.student_id, s.kind): s.mode for s in subs},
                      digest_time=(row.digest_time if row else rules.DEFAULT_DIGEST_TIME),
                      server_ready=bool(row and row.host and row.sender))


def request_confirmation(actor: Actor, school_id: int, email: str) -> str:
    """Keep `email` as the account's address (unconfirmed until its link is followed) and send
    the confirmation letter; returns what to tell the user."""
    try:
        email = rules.clean_email(email)
    except rules.MailRuleError as error:
        raise MailError(str(error)) from None
    token = secrets.token_urlsafe(24)
    with transaction() as tx:
        policy.require(actor, "mail.subscribe", school_target(tx, school_id, entity="mail_address"))
        row = _settings_row(tx, school_id)
        if row is None or not row.host or not row.sender:
            raise MailError("Школа ещё не настроила отправку почты: обратитесь к администратору.")
        now = clock.now()
        address = _address(tx, actor.user_id)
        if address is None:
            address = MailAddress(user_id=actor.user_id, email=email, secret=secrets.token_hex(16), created_at=now)
        elif address.email.lower() != email.lower():
            address.email, address.confirmed_at = email, None
            address.secret = secrets.token_hex(16)  # the old address's links stop working
            tx.execute(update(MailOutbox).where(MailOutbox.user_id == actor.user_id, MailOutbox.state == "due")
                       .values(state="dropped", last_error="адрес изменён"))
        address.confirm_hash, address.confirm_sent_at = rules.confirm_hash(token), now
        tx.add(address)
        tx.flush()
        name = _school_name(tx, school_id)
        link = f"{row.portal_url or ''}/mail?confirm={token}"
        item = MailOutbox(school_id=school_id, user_id=actor.user_id, to_email=email, kind="confirm",
                          subject=f"{name}: подтвердите адрес для уведомлений",
                          body=(f"Этот адрес указан для уведомлений электронного дневника. Чтобы получать письма, "
                                f"откройте ссылку (она действует {rules.CONFIRM_HOURS} часа): {link}\n"
                                "Если вы не указывали этот адрес, просто не открывайте ссылку: писем не будет."),
                          due_at=now, created_at=now)
        tx.add(item)
        audit.record(tx, actor, "mail.address_set", school_id=school_id, entity="mail_address", entity_id=address.id,
                     new={"email": rules.mask_email(email)})
        tx.flush()
        item_id = item.id
    sent = send_due(ids=[item_id])
    if sent.sent:
        return f"Письмо для подтверждения отправлено на {email}: откройте ссылку из него."
    return (f"Письмо для подтверждения на {email} пока не отправлено (почтовый сервер не ответил); "
            "портал повторит попытку.")


def confirm(token: str) -> str:
    """Follow a confirmation link (no sign-in: the token is the proof); returns the Russian result."""
    digest = rules.confirm_hash(token)
    if not token or len(token) > 100:
        raise MailError("Ссылка подтверждения неполная: скопируйте её из письма целиком.")
    with transaction() as tx:
        address = tx.exec(select(MailAddress).where(MailAddress.confirm_hash == digest)).first()
        if address is None:
            raise MailError("Ссылка подтверждения недействительна или уже использована.")
        now = clock.now()
        if not rules.confirm_valid(address.confirm_sent_at, now):
            raise MailError(f"Ссылка подтверждения устарела (действует {rules.CONFIRM_HOURS} часа): "
                            "запросите новое письмо на странице «Уведомления на почту».")
        address.confirmed_at, address.confirm_hash = now, ""
        tx.add(address)
        audit.record(tx, None, "mail.address_confirmed", entity="mail_address", entity_id=address.id,
                     detail=f"user={address.user_id}; {rules.mask_email(address.email)}")
        return f"Адрес {address.email} подтверждён: письма будут приходить на него."


def save_subscriptions(actor: Actor, school_id: int, chosen: dict[tuple[int | None, str], str | None]) -> int:
    """Replace the account's subscriptions in this school by `chosen` ((student or None, kind) →
    "now" | "digest" | None); returns how many it has now."""
    with transaction() as tx:
        policy.require(actor, "mail.subscribe", school_target(tx, school_id, entity="mail_subscription"))
        allowed_children = {c.student_id for c in _children(tx, actor, school_id)}
        account_kinds = set(_account_kinds(tx, actor, school_id))
        keep: dict[tuple[int | None, str], str] = {}
        for (student_id, kind), mode in chosen.items():
            if mode is None:
                continue
            if mode not in rules.MODES or kind not in rules.KINDS:
                raise MailError(f"Неизвестный вид уведомлений или способ: {kind}, {mode}.")
            if kind in rules.CHILD_KINDS:
                if student_id not in allowed_children:
                    policy.require(actor, "mail.child", policy.Target(school_id=school_id, student_id=student_id,
                                                                     entity="student", entity_id=student_id))
            elif student_id is not None or kind not in account_kinds:
                raise MailError(f"«{rules.KINDS[kind]}» нельзя выбрать для этой учётной записи.")
            keep[(student_id, kind)] = mode
        old = tx.exec(select(MailSubscription).where(MailSubscription.user_id == actor.user_id,
                                                     MailSubscription.school_id == school_id)).all()
        before = {(s.student_id, s.kind): s.mode for s in old}
        for s in old:
            tx.delete(s)
        tx.flush()
        now = clock.now()
        tx.add_all([MailSubscription(school_id=school_id, user_id=actor.user_id, student_id=sid, kind=kind,
                                     mode=mode, created_at=now) for (sid, kind), mode in sorted(
                                         keep.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))])
        if before != keep:
            audit.record(tx, actor, "mail.subscriptions_changed", school_id=school_id, entity="mail_subscription",
                         entity_id=actor.user_id,
                         old=sorted(f"{k[1]}:{k[0] or ''}={v}" for k, v in before.items()),
                         new=sorted(f"{k[1]}:{k[0] or ''}={v}" for k, v in keep.items()))
        return len(keep)


@dataclass(frozen=True)
class Unsubscribed:
    email: str
    what: str   # Russian: «все письма» or «письма «Новые отметки» об ученике Иван»
    removed: int


def unsubscribe(token: str, dry_run: bool = False) -> Unsubscribed:
    """Follow an unsubscribe link (no sign-in: the signed token is the proof); `dry_run` only says
    what it would stop (the page asks before it does)."""
    named = rules.parse_unsubscribe(token)
    if named is None:
        raise MailError("Ссылка для отписки неполная: скопируйте её из письма целиком.")
    with transaction() as tx:
        address = tx.get(MailAddress, named[0])
        found = rules.check_unsubscribe(token, address.secret) if address is not None else None
        if found is None:
            raise MailError("Ссылка для отписки недействительна (возможно, адрес в профиле уже изменён).")
        conds = [MailSubscription.user_id == address.user_id]
        drop = [MailOutbox.user_id == address.user_id, MailOutbox.state == "due"]
        what = "все письма портала"
        if found.kind is not None:
            conds.append(MailSubscription.kind == found.kind)
            drop.append(MailOutbox.kind == found.kind)
            what = f"письма «{rules.KINDS[found.kind]}»"
            if found.student_id is not None:
                conds.append(MailSubscription.student_id == found.student_id)
                drop.append(MailOutbox.student_id == found.student_id)
                first = tx.exec(select(Student.first_name).where(Student.id == found.student_id)).first()
                what += f" ({first})" if first else ""
        if dry_run:
            return Unsubscribed(address.email, what, 0)
        removed = tx.execute(delete(MailSubscription).where(*conds)).rowcount or 0
        tx.execute(update(MailOutbox).where(*drop).values(state="dropped", last_error="отписка"))
        audit.record(tx, None, "mail.unsubscribed", entity="mail_address", entity_id=address.id,
                     detail=f"user={address.user_id}; {what}"[:1000])
        return Unsubscribed(address.email, what, removed)


# ------------------------------------------------------------------ events → the outbox
def _tz(tx: Session, school_id: int) -> str | None:
    return tx.exec(select(SchoolSettings.timezone).where(SchoolSettings.school_id == school_id)).first()


def _may_see(tx: Session, school_id: int):
    from services.core.auth import load_actor
    actors: dict[int, Actor | None] = {}

    def check(user_id: int, student_id: int) -> bool:
        if user_id not in actors:
            actors[user_id] = load_actor(tx, user_id)
        actor = actors[user_id]
        return actor is not None and policy.allowed(actor, "mail.child",
                                                    policy.Target(school_id=school_id, student_id=student_id))
    return check


def _subscribers(tx: Session, school_id: int, kind: str, student_ids: Iterable[int] | None = None,
                 user_ids: Iterable[int] | None = None) -> list[rules.Subscriber]:
    stmt = (select(MailSubscription.user_id, MailSubscription.student_id, MailSubscription.kind,
                   MailSubscription.mode, MailAddress.email, MailAddress.confirmed_at)
            .join(MailAddress, MailAddress.user_id == MailSubscription.user_id)
            .where(MailSubscription.school_id == school_id, MailSubscription.kind == kind,
                   MailAddress.confirmed_at.is_not(None)))
    if student_ids is not None:
        stmt = stmt.where(MailSubscription.student_id.in_(sorted(set(student_ids))))
    if user_ids is not None:
        stmt = stmt.where(MailSubscription.user_id.in_(sorted(set(user_ids))),
                          MailSubscription.student_id.is_(None))
    return [rules.Subscriber(u, s, k, m, e, c is not None) for u, s, k, m, e, c in tx.exec(stmt).all()]


def _queue(tx: Session, school_id: int, kind: str, found: list[rules.Recipient], subject: str,
           line_of) -> int:
    if not found:
        return 0
    now = clock.now()
    row = _settings_row(tx, school_id)
    evening = rules.digest_due(now, clock.zone(_tz(tx, school_id)),
                               row.digest_time if row else rules.DEFAULT_DIGEST_TIME)
    tx.add_all([MailOutbox(school_id=school_id, user_id=r.user_id, to_email=r.email, kind=kind,
                           student_id=r.student_id, subject=subject(r) if callable(subject) else subject,
                           body=line_of(r)[:4000], digest=r.digest, due_at=evening if r.digest else now,
                           created_at=now) for r in found])
    return len(found)


def _first_names(tx: Session, student_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(student_ids))
    return dict(tx.exec(select(Student.id, Student.first_name).where(Student.id.in_(ids))).all()) if ids else {}


@dataclass(frozen=True)
class JournalChange:
    """What one saved cell of the journal told: marks added, an absence set."""
    school_id: int
    student_id: int
    subject_id: int
    lesson_date: date
    marks: tuple[str, ...] = ()
    absence: str | None = None   # absent | ill | excused


ABSENCE_TITLES = {"absent": "отсутствовал(а) на уроке", "ill": "отсутствовал(а) по болезни",
                  "excused": "отсутствовал(а) по уважительной причине"}


def journal_saved(tx: Session, changes: list[JournalChange]) -> int:
    """Letters about new marks and absences, inside the journal's transaction."""
    queued = 0
    for school_id in sorted({c.school_id for c in changes}):
        mine = [c for c in changes if c.school_id == school_id]
        students = {c.student_id for c in mine}
        subs = {kind: _subscribers(tx, school_id, kind, student_ids=students) for kind in ("mark", "absence")}
        if not any(subs.values()):
            continue  # the usual case: one query per kind, nothing else
        may_see = _may_see(tx, school_id)
        names = _first_names(tx, students)
        subjects = dict(tx.exec(select(Subject.id, Subject.name).where(
            Subject.id.in_(sorted({c.subject_id for c in mine})))).all())
        for c in mine:
            subject = subjects.get(c.subject_id, "")
            child = names.get(c.student_id, "")
            if c.marks and subs["mark"]:
                found = rules.recipients(subs["mark"], "mark", {c.student_id}, None, may_see)
                queued += _queue(tx, school_id, "mark", found, f"Новая отметка: {child}, {subject}",
                                 lambda r: f"{child}: {subject}, {c.lesson_date:%d.%m.%Y} — отметка "
                                           f"{' '.join(c.marks)}")
            if c.absence in ABSENCE_TITLES and subs["absence"]:
                found = rules.recipients(subs["absence"], "absence", {c.student_id}, None, may_see)
                queued += _queue(tx, school_id, "absence", found, f"Пропуск урока: {child}, {subject}",
                                 lambda r: f"{child} {ABSENCE_TITLES[c.absence]}: {subject}, "
                                           f"{c.lesson_date:%d.%m.%Y}")
    return queued


def homework_set(tx: Session, lesson, text: str, due_on: date | None, file_name: str | None) -> int:
    """Letters about homework set on `lesson` to the families of its pupils (of its subgroup)."""
    stmt = select(Enrollment.student_id).where(
        Enrollment.school_id == lesson.school_id, Enrollment.class_id == lesson.class_id,
        Enrollment.starts_on <= lesson.lesson_date,
        (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= lesson.lesson_date))
    if lesson.subgroup_id is not None:
        stmt = stmt.where(Enrollment.student_id.in_(
            select(SubgroupMember.student_id).where(SubgroupMember.subgroup_id == lesson.subgroup_id)))
    pupils = set(tx.exec(stmt).all())
    subs = _subscribers(tx, lesson.school_id, "homework", student_ids=pupils) if pupils else []
    if not subs:
        return 0
    found = rules.recipients(subs, "homework", pupils, None, _may_see(tx, lesson.school_id))
    names = _first_names(tx, {r.student_id for r in found})
    subject = tx.get(Subject, lesson.subject_id)
    title = subject.name if subject else ""
    due = f", выполнить к {due_on:%d.%m.%Y}" if due_on else ""
    attached = f" (приложен файл «{file_name}», он в дневнике)" if file_name else ""
    return _queue(tx, lesson.school_id, "homework", found,
                  lambda r: f"Домашнее задание: {names.get(r.student_id, '')}, {title}",
                  lambda r: f"{names.get(r.student_id, '')}: {title}{due} — {text.strip()[:500]}{attached}")


def message_sent(tx: Session, school_id: int, user_ids: Iterable[int], sender: str, title: str) -> int:
    """A letter that a new message waits on the portal (its text stays there)."""
    ids = set(user_ids)
    subs = _subscribers(tx, school_id, "message", user_ids=ids) if ids else []
    found = rules.recipients(subs, "message", None, ids, lambda u, s: False)
    return _queue(tx, school_id, "message", found, f"Новое сообщение: {title}"[:300],
                  lambda r: f"Новое сообщение от {sender} в переписке «{title}». Прочитать и ответить: "
                            "«Общение» → «Сообщения».")


def announced(tx: Session, school_id: int, user_ids: Iterable[int], title: str) -> int:
    ids = set(user_ids)
    subs = _subscribers(tx, school_id, "announcement", user_ids=ids) if ids else []
    found = rules.recipients(subs, "announcement", None, ids, lambda u, s: False)
    return _queue(tx, school_id, "announcement", found, f"Объявление: {title}"[:300],
                  lambda r: f"Опубликовано объявление «{title}». Текст: «Общение» → «Объявления».")


def noticed(tx: Session, school_id: int | None, user_ids: Iterable[int], title: str) -> int:
    """A correction request (new, overdue, answered, a cell opened…): the notice's title only."""
    ids = set(user_ids)
    if school_id is None or not ids:
        return 0
    subs = _subscribers(tx, school_id, "correction", user_ids=ids)
    found = rules.recipients(subs, "correction", None, ids, lambda u, s: False)
    return _queue(tx, school_id, "correction", found, title[:300],
                  lambda r: f"{title}. Подробности: «Общение» → «Сообщения» → «Уведомления».")


# ------------------------------------------------------------------ sending
@dataclass
class Sent:
    sent: int = 0         # letters sent
    items: int = 0        # outbox items they carried
    failed: int = 0       # letters that failed this time (to be retried, or given up)
    errors: list[str] = field(default_factory=list)


def _links(tx: Session, cache: dict, user_id: int | None, kind: str | None, student_id: int | None,
           portal: str) -> str:
    if user_id is None:
        return ""
    if user_id not in cache:
        cache[user_id] = _address(tx, user_id)
    address = cache[user_id]
    if address is None:
        return ""
    return f"{portal}/mail?unsubscribe=" + rules.unsubscribe_token(address.id, address.secret, kind, student_id)


def send_due(now: datetime | None = None, school_id: int | None = None, ids: list[int] | None = None) -> Sent:
    """Send what is due (or the outbox items `ids`, if due): each immediate item a letter, the due
    digest items one evening letter per account. What cron (manage.py mail) calls."""
    now = now or clock.now()
    result = Sent()
    with reading() as tx:
        stmt = select(MailOutbox).where(MailOutbox.state == "due", MailOutbox.due_at <= now,
                                        (MailOutbox.next_try_at.is_(None)) | (MailOutbox.next_try_at <= now))
        if school_id is not None:
            stmt = stmt.where(MailOutbox.school_id == school_id)
        if ids is not None:
            stmt = stmt.where(MailOutbox.id.in_(ids))
        due = tx.exec(stmt.order_by(MailOutbox.id)).all()
        if not due:
            return result
        addresses = {a.user_id: a for a in tx.exec(select(MailAddress).where(
            MailAddress.user_id.in_(sorted({r.user_id for r in due if r.user_id})))).all()}
        config = {sid: _settings_row(tx, sid) for sid in {r.school_id for r in due}}
        names = {sid: _school_name(tx, sid) for sid in config}
        tzs = {sid: _tz(tx, sid) for sid in config}
        letters: list[tuple[list[int], int, str, rules.Letter]] = []
        link_cache: dict = {}
        stale: list[int] = []
        for r in due:
            address = addresses.get(r.user_id)
            if r.kind != "confirm" and (address is None or address.confirmed_at is None
                                        or address.email.lower() != r.to_email.lower()):
                stale.append(r.id)  # the address changed or is no longer confirmed: nothing goes to it
        items = [r for r in due if r.id not in set(stale)]
        for r in (r for r in items if not r.digest):
            row = config[r.school_id]
            portal = row.portal_url if row else ""
            kind = None if r.kind == "confirm" else r.kind
            link = _links(tx, link_cache, r.user_id, kind, r.student_id, portal)
            letters.append(([r.id], r.school_id, r.to_email,
                            rules.letter(names[r.school_id], r.subject, [r.body], link, portal)))
        groups = rules.digest_groups([rules.Item(r.id, r.school_id, r.user_id, r.to_email, r.kind, r.student_id,
                                                 r.subject, r.body, r.created_at) for r in items if r.digest])
        for group in groups:
            first = group[0]
            row = config[first.school_id]
            portal = row.portal_url if row else ""
            link = _links(tx, link_cache, first.user_id, None, None, portal)
            lines = [f"{rules.KINDS.get(i.kind, i.kind)}. {i.body}" for i in group]
            day = clock.to_local(now, tzs[first.school_id]).date()
            letters.append(([i.id for i in group], first.school_id, first.to_email,
                            rules.letter(names[first.school_id], rules.digest_subject(names[first.school_id], day),
                                         lines, link, portal, intro="Что нового за день:")))
    if stale:
        with transaction() as tx:
            tx.execute(update(MailOutbox).where(MailOutbox.id.in_(stale))
                       .values(state="dropped", last_error="адрес не подтверждён или изменён"))
    for item_ids, sid, to, letter in letters:
        row = config[sid]
        try:
            _deliver(row, _message(row, names[sid], to, letter) if row else None)
        except Exception as error:  # recorded on the outbox row, retried later
            text = smtp_error_text(error)[:1000]
            result.failed += 1
            result.errors.append(text)
            with transaction() as tx:
                for r in tx.exec(select(MailOutbox).where(MailOutbox.id.in_(item_ids))).all():
                    r.attempts += 1
                    r.last_error = text
                    if rules.gives_up(r.attempts):
                        r.state = "failed"
                    else:
                        r.next_try_at = now + rules.backoff(r.attempts)
                    tx.add(r)
            continue
        result.sent += 1
        result.items += len(item_ids)
        with transaction() as tx:
            tx.execute(update(MailOutbox).where(MailOutbox.id.in_(item_ids))
                       .values(state="sent", sent_at=now, attempts=MailOutbox.attempts + 1))
    return result
