"""Credentials (R-ACC-3, R-ACC-4, R-REP-3) on SQLite and PostgreSQL: logins from names, one-time
passwords hashed in a batch, a CredentialIssue per hand-over, slips and the ledger as PDF (read back
with pdftotext), the overdue flag after 10 working days by the production calendar, activation at
first sign-in, and who may issue what."""
from __future__ import annotations

import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from exporters.credentials import ledger_pdf, slips_pdf
from models import AuditEvent, CredentialIssue, User, UserSession
from models.db import reading
from services.core import auth, clock, passwords
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.people import credentials, rosters_import
from tests.integration import roster_world as w

MSK = ZoneInfo("Europe/Moscow")


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 10, 28, 10, 0, tzinfo=MSK))   # a Wednesday; 4 November is a holiday
    rw = w.build()
    rows = [w.pupil_row("Иванов", "Пётр", "Сергеевич", enrolled="28.10.2026",
                        g1=("Иванова Мария Петровна", "мать", "+7 901 000-00-01", "")),
            w.pupil_row("Иванов", "Павел", "Семёнович", birth="02.02.2015", enrolled="28.10.2026"),
            w.pupil_row("Щукина", "Юлия", cls="5Б", sex="ж", enrolled="28.10.2026")]
    assert rosters_import.run_import(SYSTEM, rw.school_id, "pupils", w.workbook(w.PUPIL_HEADERS, rows), "r.xlsx").committed
    return rw


def test_issue_slips_and_ledger(rw, tmp_path):
    ct = rw.actor("ct5")
    accounts = credentials.class_accounts(ct, rw.classes["5А"])
    # pupils by name, each followed by their guardians; a second «ivanov.ps» gets a number
    assert [(a.login, a.kind) for a in accounts] == [("ivanov.ps2", "pupil"), ("ivanov.ps", "pupil"),
                                                      ("ivanova.mp", "guardian")]
    done = []
    slips = credentials.issue(ct, rw.school_id, [a.user_id for a in accounts], progress=lambda d, t: done.append(d))
    assert done[-1] == 3 and len({s.password for s in slips}) == 3
    with reading() as tx:
        for slip in slips:
            user = tx.get(User, slip.user_id)
            assert passwords.verify_password(user.password_hash, slip.password) and user.must_change_password
            assert slip.password not in (user.password_hash or "")
        issues = tx.exec(select(CredentialIssue).order_by(CredentialIssue.id)).all()
        assert [(i.user_id, i.issued_by_user_id, i.kind, i.recipient) for i in issues] == [
            (accounts[0].user_id, rw.users["ct5"], "initial", "Иванов Павел Семёнович"),
            (accounts[1].user_id, rw.users["ct5"], "initial", "Иванов Пётр Сергеевич"),
            (accounts[2].user_id, rw.users["ct5"], "initial", "Иванова Мария Петровна")]
        events = tx.exec(select(AuditEvent).where(AuditEvent.action == "credentials.issued")).all()
        assert len(events) == 3 and all(s.password not in (e.new or "") for e in events for s in slips)
    text = pdf_text(slips_pdf(slips, school="Школа № 1", portal_url="https://school.example.ru"), tmp_path)
    for slip in slips:
        assert slip.login in text and slip.password in text
    assert text.count("✂") == 2 and "Родитель (законный представитель) ученика: Иванов Пётр Сергеевич, 5А" in text
    # the ledger of the class, and of the school, with a signature column
    rows = credentials.ledger(ct, rw.school_id, class_id=rw.classes["5А"])
    assert [(r.number, r.login, r.role_title, r.class_name, r.kind_title) for r in rows] == [
        (1, "ivanov.ps2", "Ученик", "5А", "выдача"), (2, "ivanov.ps", "Ученик", "5А", "выдача"),
        (3, "ivanova.mp", "Родитель", "5А", "выдача")]
    text = pdf_text(ledger_pdf(rows, school="Школа № 1", scope="Класс 5А"), tmp_path)
    assert "Подпись получившего" in text and "Журнал выдачи реквизитов доступа" in text
    assert "ivanova.mp" in text and "Ct5 Тест" in text and "Стр. 1 из 1" in text
    # a reset issues new credentials the same way and ends the user's sessions
    first = slips[0]
    signed = auth.sign_in(first.login, first.password)
    again = credentials.issue(ct, rw.school_id, [first.user_id])
    with reading() as tx:
        assert tx.exec(select(UserSession).where(UserSession.user_id == first.user_id)).one().ended_at is not None
        assert tx.exec(select(CredentialIssue.kind).where(CredentialIssue.user_id == first.user_id)
                       .order_by(CredentialIssue.id)).all() == ["initial", "reset"]
    assert auth.resume(signed.token) is None
    assert auth.sign_in(first.login, again[0].password).actor.user_id == first.user_id


def test_who_may_issue_what(rw):
    ct = rw.actor("ct5")
    other_class = credentials.class_accounts(SYSTEM, rw.classes["5Б"])
    with pytest.raises(AccessDenied):
        credentials.issue(ct, rw.school_id, [other_class[0].user_id])
    with pytest.raises(AccessDenied):
        credentials.issue(ct, rw.school_id, [rw.users["math"]])      # staff: the administrator's job
    with pytest.raises(AccessDenied):
        credentials.class_accounts(rw.actor("math"), rw.classes["5А"])
    slips = credentials.issue(rw.actor("admin"), rw.school_id, [rw.users["math"]])
    assert slips[0].kind == "staff" and slips[0].login == "math"
    with reading() as tx:
        assert tx.exec(select(CredentialIssue)).one().issued_by_user_id == rw.users["admin"]


def test_overdue_after_ten_working_days_and_activation(rw, frozen_clock):
    admin, ct = rw.actor("admin"), rw.actor("ct5")
    # arrived Wednesday 28 October: due by the end of 12 November (4 November is a holiday)
    pending = credentials.pending(admin, rw.school_id)
    assert {p.name: (p.due.date().isoformat(), p.overdue) for p in pending} == {
        "Иванов Пётр Сергеевич": ("2026-11-12", False), "Иванов Павел Семёнович": ("2026-11-12", False),
        "Щукина Юлия": ("2026-11-12", False)}
    mine = credentials.issue(ct, rw.school_id, [a.user_id for a in credentials.class_accounts(ct, rw.classes["5А"])
                                                if a.login == "ivanov.ps"])
    frozen_clock(datetime(2026, 11, 12, 23, 59, 0, tzinfo=MSK))
    assert not any(p.overdue for p in credentials.pending(admin, rw.school_id))
    frozen_clock(datetime(2026, 11, 13, 0, 0, 1, tzinfo=MSK))
    overdue = {p.name: p.missing for p in credentials.pending(admin, rw.school_id) if p.overdue}
    assert overdue == {"Иванов Пётр Сергеевич": ("Иванова М. П. (мать)",), "Иванов Павел Семёнович": ("ученик",),
                       "Щукина Юлия": ("ученик",)}
    assert {p.name for p in credentials.pending(ct, rw.school_id, class_id=rw.classes["5А"])} == {
        "Иванов Пётр Сергеевич", "Иванов Павел Семёнович"}
    with pytest.raises(AccessDenied):
        credentials.pending(ct, rw.school_id, class_id=rw.classes["5Б"])
    # activation: the first sign-in is recorded
    before = {a.group: a for a in credentials.activation(admin, rw.school_id)}
    assert (before["Ученики"].accounts, before["Ученики"].issued, before["Ученики"].activated) == (3, 1, 0)
    auth.sign_in("ivanov.ps", mine[0].password)
    after = {a.group: a for a in credentials.activation(admin, rw.school_id)}
    assert after["Ученики"].activated == 1
    with reading() as tx:
        assert tx.exec(select(User).where(User.login == "ivanov.ps")).one().activated_at == clock.now()


def test_overdue_runs_from_the_arrival_in_this_year_and_skips_an_ended_year(rw):
    """Issue 18, bug 9: Старожилов came to the school in 2019 (4А of 2025/2026, then 5А from 1 September
    2026): his ten working days run from 1 September 2026, not from 2019. Забытый is still listed in 4А
    of the ended (unclosed) year 2025/2026: he is not counted."""
    from models import AcademicYear, Enrollment, SchoolClass, Student
    from models.db import transaction
    t0 = datetime(2019, 9, 1, 9, 0, tzinfo=MSK)
    with transaction() as tx:
        old = AcademicYear(school_id=rw.school_id, start_year=2025, starts_on=date(2025, 9, 1),
                           ends_on=date(2026, 8, 31))
        tx.add(old)
        tx.flush()
        c4 = SchoolClass(school_id=rw.school_id, year_id=old.id, grade=4, letter="А", name="4А")
        tx.add(c4)
        tx.flush()
        veteran = Student(school_id=rw.school_id, last_name="Старожилов", first_name="Олег", arrived_on=date(2019, 9, 1),
                          created_at=t0)
        forgotten = Student(school_id=rw.school_id, last_name="Забытый", first_name="Юрий", arrived_on=date(2025, 9, 1),
                            created_at=t0)
        tx.add_all([veteran, forgotten])
        tx.flush()
        tx.add_all([
            Enrollment(school_id=rw.school_id, student_id=veteran.id, class_id=c4.id, starts_on=date(2019, 9, 1),
                       ends_on=date(2026, 8, 31)),
            Enrollment(school_id=rw.school_id, student_id=veteran.id, class_id=rw.classes["5А"],
                       starts_on=date(2026, 9, 1)),
            Enrollment(school_id=rw.school_id, student_id=forgotten.id, class_id=c4.id, starts_on=date(2025, 9, 1))])
    pending = {p.name: p for p in credentials.pending(rw.actor("admin"), rw.school_id)}
    assert "Забытый Юрий" not in pending
    vet = pending["Старожилов Олег"]
    # Tuesday 1 September 2026 + 10 working days → 15 September; 28 October is 31 working days later
    assert (vet.arrived_on, vet.due.date(), vet.overdue, vet.working_days_late) == \
        (date(2026, 9, 1), date(2026, 9, 15), True, 31)
