"""Notifications by e-mail in AppTest (issue 16, item 4): the letters' links open without signing
in (a forged token is refused, a real one asks once and then unsubscribes), the administrator's
screen never shows the password back, a parent's screen lists their own child only."""
from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import Guardian, MailAddress, MailSubscription, Student, StudentGuardian
from models.db import reading, transaction
from services.comms import mail
from services.core import auth, clock
from services.rules import mail as rules
from tests.ui.conftest import button, render_page

ROOT = Path(__file__).resolve().parents[2]


def _family(world):
    """parent1 with a child of their own and a confirmed address subscribed to the child's marks."""
    now = clock.now()
    with transaction() as tx:
        child = Student(school_id=world.school_id, last_name="Козлова", first_name="Ира", created_at=now)
        other = Student(school_id=world.school_id, last_name="Чужой", first_name="Петя", created_at=now)
        tx.add_all([child, other])
        tx.flush()
        g = Guardian(school_id=world.school_id, user_id=world.ids["parent1"], last_name="Козлов", first_name="Игорь")
        tx.add(g)
        tx.flush()
        tx.add(StudentGuardian(school_id=world.school_id, student_id=child.id, guardian_id=g.id))
        address = MailAddress(user_id=world.ids["parent1"], email="igor@example.ru", secret="s" * 32,
                              confirmed_at=now, created_at=now)
        tx.add(address)
        tx.add(MailSubscription(school_id=world.school_id, user_id=world.ids["parent1"], student_id=child.id,
                                kind="mark", mode="now", created_at=now))
        tx.flush()
        return child.id, other.id, address.id


def _link_app(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_letters_links_open_without_signing_in_and_unsubscribe_after_one_question(world):
    child_id, _, address_id = _family(world)
    forged = _link_app(unsubscribe=f"{address_id}.mark.{child_id}.{'0' * 32}")
    assert "недействительна" in forged.error[0].value and "Войти" not in [b.label for b in forged.button]
    token = rules.unsubscribe_token(address_id, "s" * 32, "mark", child_id)
    at = _link_app(unsubscribe=token)
    assert "«Новые отметки» (Ира)" in at.markdown[0].value.replace("\\", "")
    with reading() as tx:
        assert tx.exec(select(MailSubscription)).all()  # asked, not done yet
    button(at, "Отписаться").click()
    at.run()
    assert not at.exception and "Готово" in at.success[0].value
    with reading() as tx:
        assert tx.exec(select(MailSubscription)).all() == []
    bad = _link_app(confirm="nonsense")
    assert "недействительна или уже использована" in bad.error[0].value


def test_the_smtp_screen_never_shows_the_password_back(world, monkeypatch):
    admin = auth.actor_for_user(world.ids["admin1"])
    mail.save_settings(admin, world.school_id, host="smtp.example.ru", port=587, security="starttls",
                       login="noreply", password="Pa55-word-secret", sender="noreply@school.ru",
                       portal_url="https://school.example.ru", digest_time="19:00")
    at = render_page(monkeypatch, "pages.admin.mail_settings", world.ids["admin1"], world.school_id)
    assert not at.exception, at.exception
    assert [t.value for t in at.text_input if t.label == "Пароль"] == [""]
    assert all("Pa55-word-secret" not in str(t.value) for t in at.text_input)
    assert any("пароль задан" in c.value for c in at.caption)
    refused = render_page(monkeypatch, "pages.admin.mail_settings", world.ids["teacher1"], world.school_id)
    assert refused.error and "Недостаточно прав" in refused.error[0].value


def test_a_parent_chooses_letters_for_their_own_child_only(world, monkeypatch):
    child_id, other_id, _ = _family(world)
    at = render_page(monkeypatch, "pages.account.mail_subscriptions", world.ids["parent1"], world.school_id)
    assert not at.exception, at.exception
    texts = " ".join(m.value for m in at.markdown)
    assert "Козлова Ира" in texts and "Чужой" not in texts
    assert any("подтверждён" in s.value for s in at.success)
    at.radio(key=f"mailsubs_{child_id}_homework").set_value("digest")
    button(at, "Сохранить").click()
    at.run()
    assert not at.exception, at.exception
    with reading() as tx:
        got = {(s.student_id, s.kind): s.mode for s in tx.exec(select(MailSubscription)).all()}
    assert got == {(child_id, "mark"): "now", (child_id, "homework"): "digest"}
    assert other_id not in {sid for sid, _ in got}


def test_a_signed_in_user_opens_a_letters_link_too(app):
    from tests.ui.conftest import sign_in
    sign_in(app, "parent1")
    app.query_params["confirm"] = "nonsense"
    app.run()
    assert not app.exception, app.exception
    assert "недействительна или уже использована" in app.error[0].value
