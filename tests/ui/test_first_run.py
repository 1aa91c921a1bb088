"""The first start (issue 15): an empty real database opens «Первый запуск»; it creates the
administrator, the municipality and the school; a bad form changes nothing; afterwards the
sign-in page is back and the first-run screen is gone for good."""
from __future__ import annotations

import streamlit.config
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import AuditEvent, School, User, WorkType
from models.db import reading
from tests.ui.conftest import ROOT, button, menu

FORM = {"first_run_municipality": "Городской округ Энск", "first_run_school": "МБОУ СОШ № 1 г. Энска",
        "first_run_short": "СОШ № 1", "first_run_last": "Петрова", "first_run_first": "Анна",
        "first_run_login": "petrova", "first_run_password": "Start-2026x", "first_run_repeat": "Start-2026x"}


def _app() -> AppTest:
    streamlit.config.set_option("client.showErrorDetails", "full")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def _fill(at: AppTest, **overrides) -> AppTest:
    for key, value in {**FORM, **overrides}.items():
        at.text_input(key=key).input(value)
    button(at, "Создать администратора и школу").click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_first_run_creates_the_admin_and_the_school(sqlite_url):
    at = _app()
    assert at.title[0].value == "Первый запуск портала"
    _fill(at, first_run_repeat="Other-2026x", first_run_municipality=" ")
    assert at.error and "«Муниципалитет» не заполнено" in at.error[0].value and "не совпадают" in at.error[0].value
    _fill(at, first_run_repeat="Other-2026x")
    assert "не совпадают" in at.error[0].value
    with reading() as tx:
        assert tx.exec(select(User)).all() == [] and tx.exec(select(School)).all() == []
    _fill(at)
    assert "Виды работ" in menu(at) and "Пользователи и роли" in menu(at)
    with reading() as tx:
        school = tx.exec(select(School)).one()
        assert school.short_name == "СОШ № 1"
        assert len(tx.exec(select(WorkType).where(WorkType.school_id == school.id)).all()) >= 10
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "setup.first_run")).one().actor_login == "petrova"
    again = _app()  # a new visitor: the ordinary sign-in page
    assert not [t for t in again.title if t.value == "Первый запуск портала"]
    assert again.text_input(key="sign_in_login") is not None
