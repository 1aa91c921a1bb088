"""Notifications by e-mail (issue 16, item 4) on SQLite and PostgreSQL, through a real local SMTP
server (aiosmtpd) the test starts: the letters are read back from it, no mocks.

The school of tests/integration/journal_world.py (5А, Математика by «math»; the parent of
Алексеев Антон) plus an administrator and a second family (the parent of Борисова Бэлла)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import Guardian, MailOutbox, MailSettings, RoleGrant, StudentGuardian, User
from models.db import reading, transaction
from services.comms import mail, messages
from services.core import auth, clock
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from services.journal import grid as journal, lessons
from tests.integration import journal_world
from tests.smtp_server import html_of, smtp_server, text_of

MSK = ZoneInfo("Europe/Moscow")
NOON = datetime(2026, 11, 19, 12, 0, tzinfo=MSK)
PORTAL = "https://school.example.ru"


@pytest.fixture
def jw(db_url, frozen_clock):
    frozen_clock(NOON)
    w = journal_world.build()
    with transaction() as tx:
        for login, role in (("admin", "admin"), ("parent2", "parent")):
            u = User(login=login, last_name=login.capitalize(), first_name="Т", created_at=journal_world.T)
            tx.add(u)
            tx.flush()
            tx.add(RoleGrant(user_id=u.id, role=role, school_id=w.school_id, granted_at=journal_world.T))
            w.users[login] = u.id
        g = Guardian(school_id=w.school_id, user_id=w.users["parent2"], last_name="Борисова", first_name="Вера")
        tx.add(g)
        tx.flush()
        tx.add(StudentGuardian(school_id=w.school_id, student_id=w.pupils["Борисова"], guardian_id=g.id))
    return w


@pytest.fixture
def inbox():
    with smtp_server() as server:
        yield server


def actor(jw, login):
    with reading() as tx:
        return auth.load_actor(tx, jw.users[login])


def set_up_server(jw, inbox, **extra):
    return mail.save_settings(actor(jw, "admin"), jw.school_id, host="127.0.0.1", port=inbox.port,
                              security="none", login=extra.get("login", ""), password=extra.get("password"),
                              sender="noreply@school.example.ru", portal_url=PORTAL,
                              digest_time=extra.get("digest_time", "19:00"))


def confirmed(jw, inbox, login, email):
    """The account gives `email`, the confirmation letter arrives, its link is followed."""
    before = len(inbox.letters)
    told = mail.request_confirmation(actor(jw, login), jw.school_id, email)
    assert "отправлено" in told
    letter = inbox.to(email)[-1]
    assert len(inbox.letters) == before + 1
    token = re.search(r"/mail\?confirm=(\S+)", text_of(letter)).group(1)
    assert mail.confirm(token) == f"Адрес {email} подтверждён: письма будут приходить на него."
    return letter


def mark(jw, pupil, day, value, teacher="math"):
    t = actor(jw, teacher)
    grid = journal.load_grid(t, jw.class_id, jw.math, period_id=jw.period_id)
    column = next(c for c in grid.columns if c.lesson_date == day)
    sid = jw.pupils[pupil]
    old = grid.cells.get((sid, column.label), "")
    result = journal.save_cells(t, [journal.CellChange(sid, column.lesson_id, column.work_id, old, value)])
    assert result.committed, result


def test_the_smtp_screen_keeps_the_password_sealed_and_sends_a_test_letter(jw, inbox):
    inbox.login = ("school", "Pa55-word")
    view = set_up_server(jw, inbox, login="school", password="Pa55-word")
    assert view.password_set and not hasattr(view, "password")
    with reading() as tx:
        row = tx.exec(select(MailSettings)).one()
    assert row.password_enc and "Pa55-word" not in row.password_enc  # sealed, the key is outside the database

    told = mail.send_test(actor(jw, "admin"), jw.school_id, "admin@school.example.ru")
    assert told.startswith("Пробное письмо отправлено на admin@school.example.ru")
    letter = inbox.to("admin@school.example.ru")[-1]
    assert "пробное письмо" in letter["Subject"] and "Школа" in str(letter["From"])
    assert "noreply@school.example.ru" in str(letter["From"]) and "Почтовый сервер школы настроен" in text_of(letter)

    # saving again without a password keeps it; a wrong one is the server's refusal, in Russian
    set_up_server(jw, inbox, login="school", password=None)
    mail.send_test(actor(jw, "admin"), jw.school_id, "admin@school.example.ru")
    assert len(inbox.to("admin@school.example.ru")) == 2
    set_up_server(jw, inbox, login="school", password="wrong")
    with pytest.raises(mail.MailError, match="Сервер отклонил логин или пароль"):
        mail.send_test(actor(jw, "admin"), jw.school_id, "admin@school.example.ru")
    with pytest.raises(mail.MailError, match="Порт: «семь» — нужно число"):
        mail.save_settings(actor(jw, "admin"), jw.school_id, host="127.0.0.1", port="семь", security="none",
                           login="", password=None, sender="noreply@school.example.ru", portal_url="",
                           digest_time="19:00")
    with pytest.raises(AccessDenied):
        mail.settings(actor(jw, "math"), jw.school_id)
    with pytest.raises(AccessDenied):
        mail.send_test(actor(jw, "parent"), jw.school_id, "x@example.ru")


def test_confirmed_subscribers_get_their_own_childs_marks_at_once_and_nothing_else(jw, inbox):
    set_up_server(jw, inbox)
    parent, parent2 = actor(jw, "parent"), actor(jw, "parent2")
    anton, bella = jw.pupils["Алексеев"], jw.pupils["Борисова"]
    # an unconfirmed address gets nothing about the child
    mail.request_confirmation(parent, jw.school_id, "anna@example.ru")
    confirm_letter = inbox.to("anna@example.ru")[-1]
    assert "Антон" not in text_of(confirm_letter) and "unsubscribe=" in text_of(confirm_letter)
    mail.save_subscriptions(parent, jw.school_id, {(anton, "mark"): "now", (anton, "absence"): "now"})
    mark(jw, "Алексеев", date(2026, 11, 17), "4")
    assert mail.send_due().sent == 0
    with reading() as tx:
        assert tx.exec(select(MailOutbox).where(MailOutbox.kind == "mark")).all() == []

    token = re.search(r"/mail\?confirm=(\S+)", text_of(confirm_letter)).group(1)
    mail.confirm(token)
    with pytest.raises(mail.MailError, match="недействительна или уже использована"):
        mail.confirm(token)
    confirmed(jw, inbox, "parent2", "vera@example.ru")
    mail.save_subscriptions(parent2, jw.school_id, {(bella, "mark"): "now"})
    # a parent may not subscribe to another family's child
    with pytest.raises(AccessDenied):
        mail.save_subscriptions(parent2, jw.school_id, {(anton, "mark"): "now"})

    mark(jw, "Алексеев", date(2026, 11, 19), "5")
    mark(jw, "Алексеев", date(2026, 11, 12), "Н")
    sent = mail.send_due()
    assert sent.sent == 2 and sent.failed == 0
    anna = inbox.to("anna@example.ru")[1:]
    assert sorted(m["Subject"] for m in anna) == ["Новая отметка: Антон, Математика", "Пропуск урока: Антон, Математика"]
    body = text_of(next(m for m in anna if m["Subject"].startswith("Новая")))
    assert "Антон: Математика, 19.11.2026 — отметка 5" in body
    assert "Алексеев" not in body  # the first name is enough
    assert f"{PORTAL}/mail?unsubscribe=" in body and "Школа" in body
    assert "отметка 5" in html_of(next(m for m in anna if m["Subject"].startswith("Новая")))
    assert inbox.to("vera@example.ru")[1:] == []  # the other family hears nothing about Антон

    mark(jw, "Борисова", date(2026, 11, 19), "3")
    mail.send_due()
    vera = inbox.to("vera@example.ru")[1:]
    assert [m["Subject"] for m in vera] == ["Новая отметка: Бэлла, Математика"]
    assert len(inbox.to("anna@example.ru")) == 3  # nothing new about Бэлла for Анна

    # the unsubscribe link stops that kind about that child, without signing in
    link = re.search(r"unsubscribe=(\S+)", text_of(vera[0])).group(1)
    done = mail.unsubscribe(link)
    assert done.email == "vera@example.ru" and "Новые отметки" in done.what and "Бэлла" in done.what
    mark(jw, "Борисова", date(2026, 11, 17), "4")
    assert mail.send_due().sent == 0 and len(inbox.to("vera@example.ru")) == 2
    forged = link[:-1] + ("0" if link[-1] != "0" else "1")
    with pytest.raises(mail.MailError, match="недействительна"):
        mail.unsubscribe(forged)


def test_homework_and_messages_wait_for_the_evening_digest(jw, inbox):
    set_up_server(jw, inbox, digest_time="19:30")
    parent = actor(jw, "parent")
    anton = jw.pupils["Алексеев"]
    confirmed(jw, inbox, "parent", "anna@example.ru")
    mail.save_subscriptions(parent, jw.school_id, {(anton, "homework"): "digest", (anton, "mark"): "digest",
                                                   (None, "message"): "digest"})
    math = actor(jw, "math")
    lesson_id = jw.lessons[("math", date(2026, 11, 17))]  # due, by default, on the next lesson: 19 November
    d = lessons.detail(math, lesson_id)
    lessons.save(math, lesson_id, version=d.version, topic="Дроби", held=True, homework_text="Решить карточку",
                 homework_file=Upload("Карточка.txt", "№ 1–5".encode()))
    mark(jw, "Алексеев", date(2026, 11, 19), "5")
    messages.start_thread(math, jw.school_id, jw.users["parent"], "Контрольная", "Принесите тетрадь.")
    with reading() as tx:
        due = tx.exec(select(MailOutbox).where(MailOutbox.kind != "confirm")).all()
    assert sorted(r.kind for r in due) == ["homework", "mark", "message"] and all(r.digest for r in due)
    evening = datetime(2026, 11, 19, 19, 30, tzinfo=MSK)
    assert {clock.to_local(r.due_at, "Europe/Moscow") for r in due} == {evening}
    assert mail.send_due().sent == 0  # noon: not yet
    assert mail.send_due(now=evening + timedelta(minutes=1)).sent == 1
    letter = inbox.to("anna@example.ru")[-1]
    assert letter["Subject"] == "Школа: новости за 19.11.2026"
    text = text_of(letter)
    order = [text.index(k) for k in ("Новые отметки.", "Домашние задания.", "Сообщения.")]
    assert order == sorted(order)  # grouped in the order of the kinds
    assert "Математика, выполнить к 19.11.2026 — Решить карточку" in text and "Решить карточку" in text and "Карточка.txt" in text
    assert "Принесите тетрадь" not in text  # a message's text stays on the portal
    assert "unsubscribe=" in text
    assert mail.send_due(now=evening + timedelta(minutes=2)).sent == 0  # sent once


def test_a_failed_letter_is_retried_with_backoff_and_shown_to_the_administrator(jw, inbox):
    set_up_server(jw, inbox)
    confirmed(jw, inbox, "parent", "anna@example.ru")
    mail.save_subscriptions(actor(jw, "parent"), jw.school_id, {(jw.pupils["Алексеев"], "mark"): "now"})
    inbox.refuse = "550 5.1.1 Mailbox unavailable"
    mark(jw, "Алексеев", date(2026, 11, 19), "5")
    first = mail.send_due()
    assert first.failed == 1 and "Сервер не принял адрес получателя" in first.errors[0]
    with reading() as tx:
        row = tx.exec(select(MailOutbox).where(MailOutbox.kind == "mark")).one()
    assert row.state == "due" and row.attempts == 1 and row.next_try_at is not None
    summary = mail.outbox_summary(actor(jw, "admin"), jw.school_id)
    assert summary.errors[0].last_error.startswith("Сервер не принял адрес получателя")
    assert summary.errors[0].to == "an***@example.ru"  # not the whole address
    inbox.refuse = None
    assert mail.send_due().sent == 0  # the backoff has not passed
    assert mail.send_due(now=clock.now() + timedelta(minutes=2)).sent == 1
    assert inbox.to("anna@example.ru")[-1]["Subject"] == "Новая отметка: Антон, Математика"
    with reading() as tx:
        assert tx.get(MailOutbox, row.id).state == "sent"


def test_a_changed_address_must_be_confirmed_again(jw, inbox):
    set_up_server(jw, inbox)
    parent = actor(jw, "parent")
    confirmed(jw, inbox, "parent", "anna@example.ru")
    mail.save_subscriptions(parent, jw.school_id, {(jw.pupils["Алексеев"], "mark"): "now"})
    mail.request_confirmation(parent, jw.school_id, "anna.new@example.ru")
    mark(jw, "Алексеев", date(2026, 11, 19), "5")
    mail.send_due()
    assert [m["Subject"] for m in inbox.to("anna.new@example.ru")] == ["Школа: подтвердите адрес для уведомлений"]
    assert len(inbox.to("anna@example.ru")) == 1  # only its own confirmation, long ago
    view = mail.my_mail(parent, jw.school_id)
    assert view.email == "anna.new@example.ru" and not view.confirmed and view.waiting


def test_an_absence_recorded_by_the_class_teacher_for_the_day_is_told_too(jw, inbox):
    from services.journal import class_teacher
    set_up_server(jw, inbox)
    confirmed(jw, inbox, "parent", "anna@example.ru")
    mail.save_subscriptions(actor(jw, "parent"), jw.school_id, {(jw.pupils["Алексеев"], "absence"): "now"})
    day = date(2026, 11, 17)
    record = class_teacher.day_attendance(actor(jw, "ct"), jw.class_id, day)
    lesson = next(x for x in record.lessons if x.subject == "Математика")
    class_teacher.save_day_attendance(actor(jw, "ct"), jw.class_id, day,
                                      {(jw.pupils["Алексеев"], lesson.lesson_id): ("", "Б"),
                                       (jw.pupils["Борисова"], lesson.lesson_id): ("", "Н")})
    assert mail.send_due().sent == 1
    letter = inbox.to("anna@example.ru")[-1]
    assert letter["Subject"] == "Пропуск урока: Антон, Математика"
    assert "Антон отсутствовал(а) по болезни: Математика, 17.11.2026" in text_of(letter)
